#pragma once
// Internal: meta-schemas compiled into the library (registered by every Compiler).
#include <span>
#include <string_view>

namespace brrt::schema::detail {

struct EmbeddedDocument {
  std::string_view uri;   // absolute, without fragment
  std::string_view json;  // the document text
};

std::span<const EmbeddedDocument> embedded_metaschemas() noexcept;

}  // namespace brrt::schema::detail
