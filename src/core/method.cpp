#include "brrt/core/method.hpp"

#include <array>
#include <cstring>
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

// Every request's method: by its length first, then compares against kNames whose sizes are
// constants here, which the compiler turns into a load or two each (the loop over kNames
// called memcmp per name).
std::optional<Method> parse_method(std::string_view wire) noexcept {
  const auto is = [wire](Method m) {
    const std::string_view name = kNames[static_cast<std::size_t>(m)];
    return std::memcmp(wire.data(), name.data(), name.size()) == 0;
  };
  switch (wire.size()) {
    case 3:
      if (is(Method::Get)) return Method::Get;
      if (is(Method::Put)) return Method::Put;
      break;
    case 4:
      if (is(Method::Post)) return Method::Post;
      if (is(Method::Head)) return Method::Head;
      break;
    case 5:
      if (is(Method::Patch)) return Method::Patch;
      if (is(Method::Trace)) return Method::Trace;
      if (is(Method::Query)) return Method::Query;
      break;
    case 6:
      if (is(Method::Delete)) return Method::Delete;
      break;
    case 7:
      if (is(Method::Options)) return Method::Options;
      break;
    default:
      break;
  }
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
