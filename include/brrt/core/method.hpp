#pragma once
// HTTP methods that OpenAPI can describe, as a compact enum usable as a bitmask index.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brrt {

enum class Method : std::uint8_t {
  Get,
  Put,
  Post,
  Delete,
  Options,
  Head,
  Patch,
  Trace,
  Query,  // the QUERY method (OpenAPI 3.2 `query` operations,
          // draft-ietf-httpbis-safe-method-w-body)
};

inline constexpr std::size_t kMethodCount = 9;

// Bit set of methods, bit i = Method(i).
using MethodMask = std::uint16_t;

constexpr MethodMask method_bit(Method m) noexcept {
  return static_cast<MethodMask>(1u << static_cast<unsigned>(m));
}

// Upper-case wire name: "GET", "QUERY", ...
std::string_view method_name(Method m) noexcept;
// Lower-case OpenAPI path-item key: "get", "query", ...
std::string_view method_key(Method m) noexcept;
// Parses an upper-case wire method ("GET"); exact match, case-sensitive as RFC 9110 says.
std::optional<Method> parse_method(std::string_view wire) noexcept;
// Parses a lower-case path-item key ("get").
std::optional<Method> parse_method_key(std::string_view key) noexcept;
// The methods of `mask` as an Allow header lists them, sorted by name: "DELETE, GET, HEAD".
std::string method_list(MethodMask mask);

}  // namespace brrt
