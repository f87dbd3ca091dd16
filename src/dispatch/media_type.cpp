#include "brrt/dispatch/media_type.hpp"

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

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

bool is_text_media(std::string_view essence) noexcept {
  return essence.size() > 5 && http::iequals(essence.substr(0, 5), "text/");
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
