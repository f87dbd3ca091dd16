#pragma once
// ASCII helpers that several concerns need byte-wise: hex digits (percent-decoding in the
// router, $ref fragments and URIs; W3C trace ids) and lower-casing (URI schemes, origins,
// IDNA labels). Locale-free on purpose: these are protocol bytes, not text.
#include <string>

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

}  // namespace brrt
