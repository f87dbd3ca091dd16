#pragma once
// Writes text through a raw pointer into room the caller made beforehand (a resized
// std::string, a buffer of known bound): a response head or an error entry is a dozen short
// pieces, and appending each to a std::string costs a capacity check, a call and, for a
// C string, a strlen. Literals are copied with their length known at compile time, so a short
// one becomes a few moves rather than a call to memcpy.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace brrt {

// Copies n bytes and returns the end. Most pieces written this way are under 16 bytes (a
// header name, "/age", "minimum", a short message part): two overlapping loads and stores
// each, where a call to memcpy with a length unknown at compile time costs about 20
// instructions a piece (measured on schema validation errors).
[[gnu::always_inline]] inline char* copy_bytes(char* to, const char* from, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    std::uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    std::uint32_t a, b;
    std::memcpy(&a, from, 4);
    std::memcpy(&b, from + n - 4, 4);
    std::memcpy(to, &a, 4);
    std::memcpy(to + n - 4, &b, 4);
  } else if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  } else {
    std::memcpy(to, from, n);
  }
  return to + n;
}

struct RawWriter {
  char* w;  // where the next byte goes

  template <std::size_t N>
  void literal(const char (&s)[N]) noexcept {
    std::memcpy(w, s, N - 1);
    w += N - 1;
  }
  void raw(std::string_view s) noexcept { w = copy_bytes(w, s.data(), s.size()); }
  // At most 20 digits.
  void number(std::uint64_t v) noexcept { w = std::to_chars(w, w + 20, v).ptr; }
};

}  // namespace brrt
