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

struct RawWriter {
  char* w;  // where the next byte goes

  template <std::size_t N>
  void literal(const char (&s)[N]) noexcept {
    std::memcpy(w, s, N - 1);
    w += N - 1;
  }
  void raw(std::string_view s) noexcept {
    std::memcpy(w, s.data(), s.size());
    w += s.size();
  }
  // At most 20 digits.
  void number(std::uint64_t v) noexcept { w = std::to_chars(w, w + 20, v).ptr; }
};

}  // namespace brrt
