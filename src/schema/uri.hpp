#pragma once
// Internal: URI and JSON pointer helpers for `$id` / `$ref` resolution.
#include <string>
#include <string_view>

namespace brrt::schema::detail {

// Splits "a#b" into "a" and "b"; `has_fragment` tells "a#" from "a".
struct UriParts {
  std::string_view uri;
  std::string_view fragment;
  bool has_fragment = false;
};
UriParts split_fragment(std::string_view ref) noexcept;

// Resolves `ref` (without fragment) against `base` per RFC 3986, normalised (dot segments
// removed, no fragment). Throws std::invalid_argument when `ref` is not a URI reference.
std::string resolve_uri(std::string_view base, std::string_view ref);

}  // namespace brrt::schema::detail
