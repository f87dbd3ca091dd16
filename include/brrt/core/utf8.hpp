#pragma once
// UTF-8 checks for text that crosses into JSON: a JSON text is UTF-8 (RFC 8259 8.1), and a
// JSON Schema string is a sequence of code points, so request text that is not UTF-8 is
// rejected before it becomes a string (parameters, form fields, text bodies) and escaped as
// U+FFFD where it must be written anyway (log lines).
#include <cstddef>
#include <string_view>

namespace brrt {

// The length (2 to 4) of the well-formed UTF-8 sequence of more than one byte that starts at
// s[i] (no overlong forms, no surrogates, nothing above U+10FFFF), or 0 when none starts there.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept;

// The offset of the first byte of `s` that starts no well-formed UTF-8 character, or npos
// when all of it is well-formed (ASCII included).
std::size_t first_invalid_utf8(std::string_view s) noexcept;
// Whether all of `s` is well-formed UTF-8 (ASCII included).
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace brrt
