#pragma once
// Handle of one compiled schema inside a Program.
#include <cstdint>

namespace brrt::schema {

struct SchemaId {
  std::uint32_t index = UINT32_MAX;
  constexpr bool valid() const noexcept { return index != UINT32_MAX; }
  friend constexpr bool operator==(SchemaId, SchemaId) = default;
};

}  // namespace brrt::schema
