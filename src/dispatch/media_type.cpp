#include "brrt/dispatch/media_type.hpp"

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

std::optional<std::string_view> media_parameter(std::string_view value,
                                                std::string_view key) noexcept {
  std::size_t i = value.find(';');
  while (i != std::string_view::npos) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view k = http::trim_ows(value.substr(i, eq - i));
    std::size_t j = eq + 1;
    std::string_view v;
    if (j < value.size() && value[j] == '"') {
      const std::size_t start = ++j;
      while (j < value.size() && value[j] != '"') j += value[j] == '\\' ? 2 : 1;
      if (j >= value.size()) return std::nullopt;  // unterminated quote
      v = value.substr(start, j - start);
      ++j;
    } else {
      const std::size_t start = j;
      while (j < value.size() && value[j] != ';') ++j;
      v = http::trim_ows(value.substr(start, j - start));
    }
    if (http::iequals(k, key)) return v;
    i = value.find(';', j);
  }
  return std::nullopt;
}

std::string_view media_essence(std::string_view ct) noexcept {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && (ct.back() == ' ' || ct.back() == '\t')) ct.remove_suffix(1);
  while (!ct.empty() && (ct.front() == ' ' || ct.front() == '\t')) ct.remove_prefix(1);
  return ct;
}

bool is_json_media(std::string_view essence) noexcept {
  return http::iequals(essence, "application/json") ||
         (essence.size() > 5 && http::iequals(essence.substr(essence.size() - 5), "+json"));
}

bool is_utf8_text(std::string_view content_type) noexcept {
  const std::string_view essence = media_essence(content_type);
  if (essence.size() <= 5 || !http::iequals(essence.substr(0, 5), "text/")) return false;
  const auto charset = media_parameter(content_type, "charset");
  return !charset || http::iequals(*charset, "utf-8") || http::iequals(*charset, "us-ascii");
}

bool media_matches(std::string_view declared, std::string_view essence) noexcept {
  declared = media_essence(declared);
  if (declared == "*/*" || http::iequals(declared, essence)) return true;
  if (declared.size() > 2 && declared.substr(declared.size() - 2) == "/*") {
    const std::string_view type = declared.substr(0, declared.size() - 1);  // "image/"
    return essence.size() > type.size() && http::iequals(essence.substr(0, type.size()), type);
  }
  return false;
}

}  // namespace brrt::dispatch
