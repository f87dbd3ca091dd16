#pragma once
// Internal: property name -> compiled schema, looked up once per instance member. Small
// tables are scanned (length first); larger ones use an open-addressing hash index.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::schema::detail {

class PropertyTable {
 public:
  struct Entry {
    std::string name;
    std::uint32_t node;
  };

  void add(std::string name, std::uint32_t node);            // names are unique (JSON object keys)
  std::uint32_t find(std::string_view name) const noexcept;  // UINT32_MAX when absent
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  static std::uint64_t hash(std::string_view s) noexcept;
  void rebuild_index();

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1, 0 = empty; size is a power of two
};

inline std::uint64_t PropertyTable::hash(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

inline std::uint32_t PropertyTable::find(std::string_view name) const noexcept {
  if (slots_.empty()) {
    for (const Entry& e : entries_)
      if (e.name.size() == name.size() && std::string_view(e.name) == name) return e.node;
    return UINT32_MAX;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(name) & mask;; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (s == 0) return UINT32_MAX;
    const Entry& e = entries_[s - 1];
    if (std::string_view(e.name) == name) return e.node;
  }
}

}  // namespace brrt::schema::detail
