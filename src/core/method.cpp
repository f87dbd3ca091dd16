#include "brrt/core/method.hpp"

#include <array>
#include <iterator>

namespace brrt {
namespace {
constexpr std::array<std::string_view, kMethodCount> kNames = {
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"};
constexpr std::array<std::string_view, kMethodCount> kKeys = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace", "query"};
}  // namespace

std::string_view method_name(Method m) noexcept {
  return kNames[static_cast<std::size_t>(m)];
}
std::string_view method_key(Method m) noexcept {
  return kKeys[static_cast<std::size_t>(m)];
}

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

std::string method_list(MethodMask mask) {
  // The methods in alphabetical order of their names.
  static constexpr Method kByName[] = {Method::Delete,  Method::Get,   Method::Head,
                                       Method::Options, Method::Patch, Method::Post,
                                       Method::Put,     Method::Query, Method::Trace};
  static_assert(std::size(kByName) == kMethodCount);
  std::string list;
  for (const Method m : kByName) {
    if (!(mask & method_bit(m))) continue;
    if (!list.empty()) list += ", ";
    list += kNames[static_cast<std::size_t>(m)];
  }
  return list;
}

}  // namespace brrt
