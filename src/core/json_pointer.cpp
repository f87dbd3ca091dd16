#include "brrt/core/json_pointer.hpp"

namespace brrt {

void append_pointer_token(std::string& out, std::string_view token) {
  // Runs without '~' or '/' (all of a typical name) are appended whole, not char by char.
  std::size_t start = 0;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    if (c != '~' && c != '/') continue;
    out.append(token.data() + start, i - start);
    out += c == '~' ? "~0" : "~1";
    start = i + 1;
  }
  out.append(token.data() + start, token.size() - start);
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
