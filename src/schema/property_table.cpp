#include "schema/property_table.hpp"

#include <tuple>

#include "brrt/core/json_pointer.hpp"

namespace brrt::schema::detail {

namespace {
// Below this many properties a linear scan beats hashing the key.
constexpr std::size_t kLinearLimit = 8;
}  // namespace

void PropertyTable::add(std::string name, std::uint32_t node) {
  Entry e;
  std::tie(e.head, e.tail) = name_keys(name.data(), name.size());
  e.size = static_cast<std::uint32_t>(name.size());
  e.node = node;
  steps_.push_back("/" + escape_pointer_token(name));
  e.name = std::move(name);
  entries_.push_back(std::move(e));
  declared_.push_back(node);
  if (entries_.size() > kLinearLimit) rebuild_index();
}

void PropertyTable::rebuild_index() {
  std::size_t size = 16;
  while (size < entries_.size() * 2) size *= 2;
  slots_.assign(size, 0);
  const std::size_t mask = size - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t i = hash(entries_[e].name) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<std::uint32_t>(e + 1);
  }
}

}  // namespace brrt::schema::detail
