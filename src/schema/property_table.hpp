#pragma once
// Internal: property name -> compiled schema, looked up once per instance member. Small
// tables are scanned (length first); larger ones use an open-addressing hash index.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brrt::schema::detail {

// A member name resolved at parse time (schema::Document): its number in the Program's key
// dictionary, or a number no entry has (names the program's schemas do not mention).
struct KeyId {
  std::uint32_t value;
};

class PropertyTable {
 public:
  // The fields a lookup reads come first: with the name's bytes folded into head/tail, a
  // match of a name of up to 16 bytes touches nothing but the first half of the entry.
  struct Entry {
    std::uint64_t head = 0;  // name_keys(name).first
    std::uint64_t tail = 0;  // name_keys(name).second
    std::uint32_t size = 0;  // name.size()
    // The node quiet evaluation uses: the property's schema, or the end of its chain of
    // "$ref"-only nodes (Node::ref_target); the leaf flags below describe this node. The
    // collecting walk uses declared_node(), kept outside the entry so that it stays 80 bytes.
    std::uint32_t node = 0;
    bool required = false;  // named in "required" (see Node::required_count)
    bool leaf = false;      // the property's schema is a Node::leaf
    // A leaf with nothing but "type" (and "nullable"): checked from the entry alone, by the
    // boost::json kinds its type accepts outright (bit per kind) and whether a double with an
    // integral value also passes ("integer" without "number").
    bool type_only = false;
    std::uint8_t kinds = 0xFF;
    bool integral_doubles = false;
    // Leaves whose whole check fits here, decided without loading the property's node:
    // Length, a string (nothing else) with code point bounds [lo, hi]; IntRange, an integer
    // or number with integral inclusive bounds [lo, hi] as int64 (other numbers go to the node).
    enum class FastLeaf : std::uint8_t { None, Length, IntRange };
    FastLeaf fast = FastLeaf::None;
    std::uint64_t fast_lo = 0, fast_hi = 0;
    std::string name;
  };

  // Without pointer steps: a table only looked up (enum strings), whose entries never name a
  // location in errors; pointer_step() may not be called on it.
  enum class Steps : std::uint8_t { Kept, None };
  explicit PropertyTable(Steps steps = Steps::Kept) noexcept : steps_kept_(steps == Steps::Kept) {}

  void add(std::string name, std::uint32_t node);            // names are unique (JSON object keys)
  std::uint32_t find(std::string_view name) const noexcept;  // UINT32_MAX when absent
  const Entry* find_entry(std::string_view name) const noexcept;  // nullptr when absent
  // Looks up an object's members in their order: tries the entry after the previous match
  // first (serializers usually emit members in the schema's order, so the hash is mostly
  // skipped), then the hash. A member walk keeps its cursor in a local, so the bounds stay in
  // registers across the walk's recursive calls instead of being reloaded per member.
  class Cursor {
   public:
    explicit Cursor(const PropertyTable& table) noexcept
        : table_(table),
          next_(table.entries_.data()),
          end_(table.entries_.data() + table.entries_.size()) {}
    const Entry* find(std::string_view name) noexcept;

   private:
    const PropertyTable& table_;
    const Entry* next_;
    const Entry* end_;
  };

  // What a member walk over a Document needs of most members, in the slot its key finds: a
  // member whose property has nothing but "type" is checked without loading its 80-byte entry.
  struct KeySlot {
    std::uint32_t key = UINT32_MAX;  // no member has this key
    std::uint32_t entry = 0;
    // Entry::kinds less array and object when Entry::type_only, else 0 (go to the entry).
    std::uint8_t kinds = 0;
    std::uint8_t required = 0;  // Entry::required
  };
  // Looks up a Document's members by key number, with the table's index held in the finder: a
  // member walk keeps it in registers across its recursive calls. One multiply, one load and
  // one compare: index_keys chose a multiplier under which no two of the table's keys share a
  // slot, so the slot either holds the key or the key is not a property.
  class KeyFinder {
   public:
    explicit KeyFinder(const PropertyTable& table) noexcept
        : slots_(table.key_slots_.data()),
          entries_(table.entries_.data()),
          multiplier_(table.key_multiplier_),
          shift_(table.key_shift_) {}
    [[gnu::always_inline]] const Entry* find(KeyId key) const noexcept {
      const KeySlot& s = slot(key);
      return s.key == key.value ? &entry(s) : nullptr;
    }
    // The slot the key would be in: slot(key).key == key when it is a property.
    [[gnu::always_inline]] const KeySlot& slot(KeyId key) const noexcept {
      return slots_[(key.value * multiplier_) >> shift_];
    }
    const Entry& entry(const KeySlot& s) const noexcept { return entries_[s.entry]; }

   private:
    const KeySlot* slots_;
    const Entry* entries_;
    std::uint64_t multiplier_;
    unsigned shift_;
  };

  void set_quiet_node(std::size_t entry, std::uint32_t node) { entries_[entry].node = node; }
  // The property's own schema (the node passed to add).
  std::uint32_t declared_node(const Entry& e) const noexcept {
    return declared_[static_cast<std::size_t>(&e - entries_.data())];
  }
  // "/name" escaped per RFC 6901, written at load: the step a failing member adds to the
  // instance and keyword locations (an instance key that matched an entry is its name), so
  // reporting a member copies it instead of scanning the key for '~' and '/' twice.
  std::string_view pointer_step(const Entry& e) const noexcept {
    return steps_[static_cast<std::size_t>(&e - entries_.data())];
  }
  void set_leaf(std::size_t entry, bool leaf, bool type_only, std::uint8_t kinds,
                bool integral_doubles) {
    Entry& e = entries_[entry];
    e.leaf = leaf;
    e.type_only = type_only;
    e.kinds = kinds;
    e.integral_doubles = integral_doubles;
  }
  void set_fast_leaf(std::size_t entry, Entry::FastLeaf fast, std::uint64_t lo, std::uint64_t hi) {
    Entry& e = entries_[entry];
    e.fast = fast;
    e.fast_lo = lo;
    e.fast_hi = hi;
  }
  void set_required(std::size_t entry) { entries_[entry].required = true; }
  // Gives each entry's name its number in the program's key dictionary (set_key), then indexes
  // the entries by those numbers (index_keys, for KeyFinder). Document members are looked up
  // by key alone, in any order: no guess from the previous member (whose misses, in a document
  // ordered unlike its schema, cost a mispredicted branch each).
  void set_key(std::size_t entry, std::uint32_t key) {
    keys_.resize(entries_.size(), UINT32_MAX);
    keys_[entry] = key;
  }
  void index_keys();
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  static std::uint64_t hash(std::string_view s) noexcept;
  // Two words that, with the length, identify a name of up to 16 bytes exactly (longer names
  // also compare their middle bytes), so a comparison is a few integer tests, not a byte loop:
  // under 4 bytes, the first, middle and last bytes and 0; 4 to 7, two overlapping 4-byte loads
  // and 0; 8 or more, the first and the last 8 bytes.
  static std::pair<std::uint64_t, std::uint64_t> name_keys(const char* p, std::size_t n) noexcept;
  static bool same_name(const Entry& e, std::string_view name) noexcept;
  void rebuild_index();
  void index_entry(std::size_t entry);  // into slots_, which has a free slot

  bool steps_kept_ = true;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> declared_;  // parallel to entries_
  std::vector<std::string> steps_;       // parallel to entries_
  // Parallel to entries_: each name's id in its Program's key dictionary (ProgramData::keys),
  // which a Document's members carry from parse time (set_key, then index_keys); outside the
  // entry, whose size the boost::json walk's name matching is sensitive to.
  std::vector<std::uint32_t> keys_;
  std::vector<std::uint32_t> slots_;  // entry index + 1, 0 = empty; size is a power of two
  // By keys_, a perfect hash (index_keys): slot (key * key_multiplier_) >> key_shift_.
  std::vector<KeySlot> key_slots_{1};
  std::uint64_t key_multiplier_ = 0;
  unsigned key_shift_ = 63;
};

// Without a branch on the length: every encoding is computed, each from the name or (when the
// name is too short for it) from zeros, and the right one is selected. Which encoding a name
// needs varies from one member to the next in no pattern a predictor learns, and a
// mispredicted branch here cost more than the loads it saves.
[[gnu::always_inline]] inline std::pair<std::uint64_t, std::uint64_t> PropertyTable::name_keys(
    const char* p, std::size_t n) noexcept {
  static constexpr char kZeros[8] = {};
  const bool ge8 = n >= 8, ge4 = n >= 4, ge1 = n != 0;
  const char* p8 = ge8 ? p : kZeros;
  const std::size_t n8 = ge8 ? n : 8;
  std::uint64_t a8, b8;
  std::memcpy(&a8, p8, 8);
  std::memcpy(&b8, p8 + n8 - 8, 8);
  const char* p4 = ge4 ? p : kZeros;
  const std::size_t n4 = ge4 ? n : 4;
  std::uint32_t x, y;
  std::memcpy(&x, p4, 4);
  std::memcpy(&y, p4 + n4 - 4, 4);
  const std::uint64_t a4 = x | (std::uint64_t{y} << 32);
  const unsigned char* p1 = reinterpret_cast<const unsigned char*>(ge1 ? p : kZeros);
  const std::size_t n1 = ge1 ? n : 1;
  const std::uint64_t a1 =
      std::uint64_t{p1[0]} | std::uint64_t{p1[n1 / 2]} << 8 | std::uint64_t{p1[n1 - 1]} << 16;
  return {ge8 ? a8 : ge4 ? a4 : a1, ge8 ? b8 : 0};
}

// Hashes the length and the two name keys: cheap for long names (no per-byte loop), distinct
// enough for property names, which rarely share both ends; equal hashes are resolved by
// comparing the names.
[[gnu::always_inline]] inline std::uint64_t PropertyTable::hash(std::string_view s) noexcept {
  const std::size_t n = s.size();
  const auto [head, tail] = name_keys(s.data(), n);
  std::uint64_t h = (head ^ (n * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
  h ^= (tail + n) * 0x165667B19E3779F9ull;
  return h ^ (h >> 29);
}

[[gnu::always_inline]] inline bool PropertyTable::same_name(const Entry& e,
                                                            std::string_view name) noexcept {
  const std::size_t n = name.size();
  const auto [head, tail] = name_keys(name.data(), n);
  if (((e.size ^ n) | (e.head ^ head) | (e.tail ^ tail)) != 0) return false;
  if (n <= 16) return true;
  // The middle, 8 bytes at a time; the last load overlaps bytes already compared.
  const char* a = e.name.data() + 8;
  const char* b = name.data() + 8;
  std::size_t m = n - 16;
  std::uint64_t x, y;
  for (; m > 8; m -= 8, a += 8, b += 8) {
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  std::memcpy(&x, a + m - 8, 8);
  std::memcpy(&y, b + m - 8, 8);
  return x == y;
}

[[gnu::always_inline]] inline const PropertyTable::Entry* PropertyTable::find_entry(
    std::string_view name) const noexcept {
  if (slots_.empty()) {
    for (const Entry& e : entries_)
      if (same_name(e, name)) return &e;
    return nullptr;
  }
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(name) & mask;; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (s == 0) return nullptr;
    const Entry& e = entries_[s - 1];
    if (same_name(e, name)) return &e;
  }
}

[[gnu::always_inline]] inline const PropertyTable::Entry* PropertyTable::Cursor::find(
    std::string_view name) noexcept {
  const Entry* e = next_ != end_ && same_name(*next_, name) ? next_ : table_.find_entry(name);
  if (e != nullptr) next_ = e + 1;
  return e;
}

inline std::uint32_t PropertyTable::find(std::string_view name) const noexcept {
  const Entry* e = find_entry(name);
  return e ? declared_node(*e) : UINT32_MAX;
}

}  // namespace brrt::schema::detail
