#pragma once
// Internal: property name -> compiled schema, looked up once per instance member. Small
// tables are scanned (length first); larger ones use an open-addressing hash index.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::schema::detail {

class PropertyTable {
 public:
  struct Entry {
    std::string name;
    std::uint32_t node;
    bool required = false;  // named in "required" (see Node::required_count)
    bool leaf = false;      // the property's schema is a Node::leaf
  };

  void add(std::string name, std::uint32_t node);            // names are unique (JSON object keys)
  std::uint32_t find(std::string_view name) const noexcept;  // UINT32_MAX when absent
  const Entry* find_entry(std::string_view name) const noexcept;  // nullptr when absent
  void set_leaf(std::size_t entry, bool leaf) { entries_[entry].leaf = leaf; }
  void set_required(std::size_t entry) { entries_[entry].required = true; }
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

// Property names are short: compare inline, 8 bytes at a time, instead of calling memcmp.
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b,
                                              std::size_t n) noexcept {
  while (n >= 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  while (n > 0) {
    if (*a++ != *b++) return false;
    --n;
  }
  return true;
}

[[gnu::always_inline]] inline const PropertyTable::Entry* PropertyTable::find_entry(
    std::string_view name) const noexcept {
  if (slots_.empty()) {
    for (const Entry& e : entries_)
      if (e.name.size() == name.size() && same_bytes(e.name.data(), name.data(), name.size()))
        return &e;
    return nullptr;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(name) & mask;; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (s == 0) return nullptr;
    const Entry& e = entries_[s - 1];
    if (e.name.size() == name.size() && same_bytes(e.name.data(), name.data(), name.size()))
      return &e;
  }
}

inline std::uint32_t PropertyTable::find(std::string_view name) const noexcept {
  const Entry* e = find_entry(name);
  return e ? e->node : UINT32_MAX;
}

}  // namespace brrt::schema::detail
