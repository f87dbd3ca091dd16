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
  if (steps_kept_) steps_.push_back("/" + escape_pointer_token(name));
  e.name = std::move(name);
  entries_.push_back(std::move(e));
  declared_.push_back(node);
  if (entries_.size() <= kLinearLimit) return;
  // The index is rebuilt, twice as large, only when it would be more than half full; else the
  // new entry goes in: n names (an enum of thousands of strings) cost O(n) to add, not O(n^2).
  if (entries_.size() * 2 > slots_.size())
    rebuild_index();
  else
    index_entry(entries_.size() - 1);
}

void PropertyTable::index_entry(std::size_t e) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(entries_[e].name) & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = static_cast<std::uint32_t>(e + 1);
}

void PropertyTable::rebuild_index() {
  std::size_t size = 16;
  while (size < entries_.size() * 2) size *= 2;
  slots_.assign(size, 0);
  for (std::size_t e = 0; e < entries_.size(); ++e) index_entry(e);
}

}  // namespace brrt::schema::detail
