#pragma once
// Which JSON Schema dialect a schema without its own `$schema` is read in.
#include <optional>
#include <string_view>

namespace brrt::schema {

enum class Dialect {
  Draft2020_12,  // JSON Schema 2020-12 (OpenAPI 3.1); `$schema` is honoured per resource
  Draft7,        // JSON Schema draft-07: `$ref` overrides its siblings, items arrays
  Oas30,         // OpenAPI 3.0 schema object: `nullable`, boolean exclusiveMinimum/Maximum
};

// "2020-12" | "draft7" | "oas30" (also the `$schema` URIs of 2020-12 and draft-07).
std::optional<Dialect> parse_dialect(std::string_view name) noexcept;
std::string_view to_string(Dialect d) noexcept;

}  // namespace brrt::schema
