#include "schema/property_table.hpp"

#include <algorithm>
#include <bit>
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

namespace {
// boost::json::kind bits of the scalars (all but array and object): a slot accepts only these,
// so that a member the skip loop passes is always one cell.
constexpr std::uint8_t kScalarKinds = 0x3F;
}  // namespace

void PropertyTable::index_keys() {
  keys_.resize(entries_.size(), UINT32_MAX);
  // Keys are small distinct integers: a multiplier that sends each to its own slot of a table
  // 2 to 8 times their number is found in a few tries (a splitmix64 sequence, so the same
  // program always gets the same tables).
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (std::size_t size = std::bit_ceil(std::max<std::size_t>(2 * entries_.size(), 2));;
       size *= 2) {
    const auto shift = static_cast<unsigned>(64 - std::countr_zero(size));
    for (int attempt = 0; attempt < 64; ++attempt) {
      std::uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      const std::uint64_t multiplier = (z ^ (z >> 31)) | 1;
      std::vector<KeySlot> slots(size);
      bool distinct = true;
      for (std::size_t e = 0; e < entries_.size() && distinct; ++e) {
        KeySlot& s = slots[(keys_[e] * multiplier) >> shift];
        distinct = s.key == UINT32_MAX;
        const Entry& entry = entries_[e];
        s = {keys_[e], static_cast<std::uint32_t>(e),
             static_cast<std::uint8_t>(entry.type_only ? entry.kinds & kScalarKinds : 0),
             entry.required};
      }
      if (!distinct) continue;
      key_slots_ = std::move(slots);
      key_multiplier_ = multiplier;
      key_shift_ = shift;
      return;
    }
  }
}

}  // namespace brrt::schema::detail
