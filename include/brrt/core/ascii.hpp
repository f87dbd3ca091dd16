#pragma once
// ASCII helpers that several concerns need byte-wise: hex digits (percent-decoding in the
// router, $ref fragments and URIs; W3C trace ids) and lower-casing (URI schemes, origins,
// IDNA labels). Locale-free on purpose: these are protocol bytes, not text.
#include <string>
#include <string_view>

namespace brrt {

// The value of hex digit `c` in either case, or -1 when `c` is not one.
constexpr int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lower-cases the ASCII letters of `s` in place; other bytes stay as they are.
inline void to_lower_ascii(std::string& s) noexcept {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

// `s` with each %XX escape decoded; a '%' not followed by two hex digits stays as it is
// ($ref fragments and URIs of specs and schemas, where a stray '%' is a spec author's text,
// not an error; the router, which must reject malformed escapes, has its own strict one).
inline std::string percent_decode_lenient(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_digit_value(s[i + 1]), lo = hex_digit_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace brrt
