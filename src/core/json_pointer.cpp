#include "brrt/core/json_pointer.hpp"

namespace brrt {

char* write_pointer_token(char* out, std::string_view token) noexcept {
  for (const char c : token) {
    if (c == '~' || c == '/') [[unlikely]] {
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
