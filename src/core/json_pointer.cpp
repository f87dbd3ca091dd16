#include "brrt/core/json_pointer.hpp"

#include <cstddef>
#include <cstring>

namespace brrt {

char* write_pointer_token(char* out, std::string_view token) noexcept {
  // Names with '~' or '/' are rare: find the first one without writing, copy the clean
  // prefix in one go, and only escape byte by byte from there. (A loop that writes each byte
  // while testing it costs about three times as much on the names validation errors carry.)
  const char* p = token.data();
  const char* const end = p + token.size();
  const char* special = p;
  while (special != end && *special != '~' && *special != '/') ++special;
  std::memcpy(out, p, static_cast<std::size_t>(special - p));
  out += special - p;
  for (p = special; p != end; ++p) {
    const char c = *p;
    if (c == '~' || c == '/') {
      *out++ = '~';
      *out++ = c == '~' ? '0' : '1';
    } else {
      *out++ = c;
    }
  }
  return out;
}

void append_pointer_token(std::string& out, std::string_view token) {
  const std::size_t at = out.size();
  out.resize(at + 2 * token.size());
  char* const end = write_pointer_token(out.data() + at, token);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  append_pointer_token(out, token);
  return out;
}

std::string unescape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

}  // namespace brrt
