#include "brrt/core/method.hpp"

#include <array>

namespace brrt {
namespace {
constexpr std::array<std::string_view, kMethodCount> kNames = {
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"};
constexpr std::array<std::string_view, kMethodCount> kKeys = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query"};
}  // namespace

std::string_view method_name(Method m) noexcept { return kNames[static_cast<std::size_t>(m)]; }
std::string_view method_key(Method m) noexcept { return kKeys[static_cast<std::size_t>(m)]; }

std::optional<Method> parse_method(std::string_view wire) noexcept {
  for (std::size_t i = 0; i < kMethodCount; ++i)
    if (kNames[i] == wire) return static_cast<Method>(i);
  return std::nullopt;
}

std::optional<Method> parse_method_key(std::string_view key) noexcept {
  for (std::size_t i = 0; i < kMethodCount; ++i)
    if (kKeys[i] == key) return static_cast<Method>(i);
  return std::nullopt;
}

}  // namespace brrt
