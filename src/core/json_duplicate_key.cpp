#include "core/json_duplicate_key.hpp"

#include <boost/json/parse.hpp>

#include <unordered_map>
#include <utility>
#include <vector>

namespace brrt {

namespace json = boost::json;

std::size_t count_members(const json::value& v) noexcept {
  std::size_t n = 0;
  if (const auto* o = v.if_object()) {
    n += o->size();
    for (const auto& kv : *o)
      if (kv.value().is_structured()) n += count_members(kv.value());
  } else if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (e.is_structured()) n += count_members(e);
  }
  return n;
}

std::optional<DuplicateKey> find_duplicate_key(std::string_view text) {
  struct Frame {
    bool object = false;
    bool expect_key = false;
    std::unordered_map<std::string, std::size_t> keys;
  };
  std::vector<Frame> stack;
  for (std::size_t i = 0; i < text.size();) {
    switch (text[i]) {
      case '{':
        stack.push_back(Frame{true, true, {}});
        ++i;
        break;
      case '[':
        stack.push_back(Frame{});
        ++i;
        break;
      case '}':
      case ']':
        if (!stack.empty()) stack.pop_back();
        ++i;
        break;
      case ',':
        if (!stack.empty() && stack.back().object) stack.back().expect_key = true;
        ++i;
        break;
      case '"': {
        const std::size_t start = i++;
        while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
        ++i;
        if (stack.empty() || !stack.back().object || !stack.back().expect_key) break;
        stack.back().expect_key = false;
        const std::string_view raw = text.substr(start, i - start);
        std::string key = raw.find('\\') == std::string_view::npos
                              ? std::string(raw.substr(1, raw.size() - 2))
                              : std::string(json::parse(raw).as_string());
        auto [it, inserted] = stack.back().keys.emplace(std::move(key), start);
        if (!inserted) return DuplicateKey{start, it->second, it->first};
        break;
      }
      default:
        ++i;
    }
  }
  return std::nullopt;
}

}  // namespace brrt
