#include "brrt/schema/program.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "brrt/core/json_pointer.hpp"
#include "brrt/schema/document.hpp"
#include "schema/error_writer.hpp"
#include "schema/node.hpp"
#include "schema/uri.hpp"
#include "schema/value_equal.hpp"

namespace brrt::schema {

using namespace detail;
namespace json = boost::json;
using detail::DocumentCell;

namespace {

// Evaluated properties / items of one instance, for unevaluatedProperties/Items. Only built
// under a schema that has those keywords.
struct Annotations {
  std::vector<bool> props;
  std::vector<bool> items;

  void mark_prop(std::size_t i, std::size_t n) {
    if (props.size() != n) props.resize(n);
    props[i] = true;
  }
  void mark_item(std::size_t i, std::size_t n) {
    if (items.size() != n) items.resize(n);
    items[i] = true;
  }
  bool prop(std::size_t i) const { return i < props.size() && props[i]; }
  bool item(std::size_t i) const { return i < items.size() && items[i]; }
  void merge(const Annotations& o) {
    if (props.size() < o.props.size()) props.resize(o.props.size());
    for (std::size_t i = 0; i < o.props.size(); ++i)
      if (o.props[i]) props[i] = true;
    if (items.size() < o.items.size()) items.resize(o.items.size());
    for (std::size_t i = 0; i < o.items.size(); ++i)
      if (o.items[i]) items[i] = true;
  }
};

// The instance or evaluation path as JSON pointer text, built while the collecting walk
// descends: a step appends its token, leaving it truncates back. An error then copies each
// path whole, where formatting it from a list of steps cost a call and a bounds check per
// token (a third of an error's cost when the path was one or two steps). The quiet walk never
// takes a step.
class PathText {
 public:
  PathText() noexcept : data_(inline_) {}
  PathText(const PathText&) = delete;
  PathText& operator=(const PathText&) = delete;

  std::string_view view() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  void truncate(std::size_t n) noexcept { size_ = n; }

  // "/token", escaped per RFC 6901 when `escape` (property names, instance keys).
  void push(std::string_view token, bool escape) {
    room(2 * token.size() + 1);
    char* w = data_ + size_;
    *w++ = '/';
    w = escape ? write_pointer_token(w, token) : copy_bytes(w, token.data(), token.size());
    size_ = static_cast<std::size_t>(w - data_);
  }
  // Text that is already one or more escaped "/token" steps.
  void push_steps(std::string_view steps) {
    room(steps.size());
    size_ = static_cast<std::size_t>(copy_bytes(data_ + size_, steps.data(), steps.size()) - data_);
  }
  void push_index(std::size_t i) {
    room(24);
    char* w = data_ + size_;
    *w++ = '/';
    w = std::to_chars(w, w + 21, i).ptr;
    size_ = static_cast<std::size_t>(w - data_);
  }

 private:
  void room(std::size_t n) {
    if (capacity_ - size_ < n) [[unlikely]]
      grow(n);
  }
  void grow(std::size_t n) {
    const std::size_t capacity = std::max(2 * capacity_, size_ + n + 64);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    std::memcpy(bigger.get(), data_, size_);
    heap_ = std::move(bigger);
    data_ = heap_.get();
    capacity_ = capacity;
  }

  char inline_[256];  // paths of typical depth: no allocation
  std::unique_ptr<char[]> heap_;
  char* data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = sizeof inline_;
};

// Number and type helpers over either instance: a boost::json::value or a Document's cell,
// which has the same accessors.
template <class V>
long double number_of(const V& v) noexcept {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

template <class V>
bool is_integer(const V& v) noexcept {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && std::floor(d) == d;
}

// <0, 0, >0 as x is below, at or above the bound; integers and doubles compare natively when
// that is exact, everything else in extended precision.
template <class V>
[[gnu::always_inline]] inline int compare(const V& x, const NumberBound& b) noexcept {
  if (x.is_int64() && b.is_int) {
    const std::int64_t v = x.get_int64();
    return v < b.int_value ? -1 : (v > b.int_value ? 1 : 0);
  }
  if (x.is_double() && b.double_exact) {
    const double v = x.get_double();
    return v < b.double_value ? -1 : (v > b.double_value ? 1 : 0);
  }
  const long double v = number_of(x);
  return v < b.value ? -1 : (v > b.value ? 1 : 0);
}

template <class V>
[[gnu::always_inline]] inline bool type_matches(std::uint8_t types, const V& v) noexcept {
  const auto k = v.kind();
  if (types & kKindTypeBits[static_cast<int>(k)]) return true;
  // A double with an integral value is an "integer" too.
  return k == json::kind::double_ && (types & kInteger) && is_integer(v);
}

std::uint64_t code_points(std::string_view s) noexcept {
  std::uint64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Whether `s` has between `lo` and `hi` code points. A code point takes 1 to 4 bytes, so the
// count is in [ceil(bytes / 4), bytes]: the code points are counted only when the byte length
// leaves doubt.
[[gnu::always_inline]] inline bool code_points_within(std::string_view s, std::uint64_t lo,
                                                      std::uint64_t hi) noexcept {
  const std::uint64_t bytes = s.size();
  if (bytes < lo) return false;
  if (bytes <= hi && (bytes + 3) / 4 >= lo) return true;
  const std::uint64_t len = code_points(s);
  return len >= lo && len <= hi;
}

// multipleOf when x / m is at least 2^63 (so x is an integer unless m is tiny). An integer
// divisor gets the exact remainder. A decimal fraction a * 10^-k (0.01, 0.5, 0.123456789: the
// divisor a schema means, which the binary double only approximates) divides an integer x
// exactly when a divides x * 10^k, computed exactly; fmod against the binary approximation of
// 0.01 never gives 0, which rejected 1e17 as a multiple of 0.01. Any other divisor (or a
// fractional x) is taken as dividing, as the quotient is integral in floating point (ajv's
// answer).
bool multiple_of_huge_quotient(long double x, long double m) noexcept {
  if (std::floor(m) == m) return std::fmod(x, m) == 0;
  if (std::floor(x) != x) return true;
  long double scale = 1;
  for (int k = 1; k <= 18; ++k) {
    scale *= 10;
    const long double scaled = m * scale;
    const long double a = std::nearbyint(scaled);
    if (a < 1 || a > 9007199254740992.0L) continue;
    // Within a few double ulps of an integer: m is the double nearest a / 10^k.
    if (std::fabs(scaled - a) > scaled * 1e-15L) continue;
    const auto divisor = static_cast<unsigned __int128>(a);
    const auto rest = static_cast<unsigned __int128>(std::fmod(std::fabs(x), a));  // exact
    return rest * static_cast<unsigned __int128>(scale) % divisor == 0;
  }
  return true;
}

template <class V>
bool multiple_of(const V& x, const NumberBound& m) noexcept {
  // Integers by integers exactly; everything else in extended precision with a tolerance
  // for the binary representation of decimal fractions (0.0075 / 0.0001).
  if ((x.is_int64() || x.is_uint64()) && (m.json.is_int64() || m.json.is_uint64())) {
    const std::uint64_t d =
        m.json.is_int64() ? static_cast<std::uint64_t>(m.json.get_int64()) : m.json.get_uint64();
    const std::uint64_t v = x.is_uint64()
                                ? x.get_uint64()
                                : (x.get_int64() < 0 ? 0 - static_cast<std::uint64_t>(x.get_int64())
                                                     : static_cast<std::uint64_t>(x.get_int64()));
    return v % d == 0;
  }
  const long double q = number_of(x) / m.value;
  if (!std::isfinite(q)) return false;
  // Beyond 2^63 every long double is an integer, so the quotient says nothing.
  if (std::fabs(q) >= 9.2e18L) return multiple_of_huge_quotient(number_of(x), m.value);
  const long double r = std::nearbyint(q);
  return std::fabs(q - r) <= 1e-9L * std::max<long double>(1.0L, std::fabs(q)) &&
         (r != 0 || number_of(x) == 0 || std::fabs(q) < 1e-9L);
}

bool decode_base64(std::string_view s, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (s.size() % 4 != 0) return false;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=') {
      if (i + 2 < s.size()) return false;
      for (std::size_t j = i; j < s.size(); ++j)
        if (s[j] != '=') return false;
      break;
    }
    const int v = value(s[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return true;
}

// Message parts: string views as they are, unsigned integers in decimal, and JSON values and
// quoted strings as JSON cut to 64 characters so a message stays short for large values.
struct Json {
  const json::value& v;
};
struct Quoted {
  std::string_view s;
};
struct Choices {  // an enum's values: "1, 2, 3", the first 8 then "..."
  const std::vector<json::value>& values;
};
struct Counted {  // "1 item", "3 items": a count and its noun (and verb) in agreement
  std::uint64_t n;
  std::string_view one, many;  // " item", " items"
};

template <class Source>
void append_cut_json(ErrorWriter& out, const Source& source) {
  json::serializer sr;
  sr.reset(source);
  char text[65];
  const std::string_view s = sr.read(text, sizeof text);
  if (sr.done() && s.size() <= 64) {
    out.raw(s);
  } else {
    out.raw(s.data(), std::min<std::size_t>(s.size(), 61));
    out.literal("...");
  }
}

// The pieces of most messages (a bound's text, a literal, an integer) are written inline;
// the rest through calls.
[[gnu::always_inline]] inline void append_part(ErrorWriter& out, std::string_view s) {
  out.raw(s);
}
template <std::size_t N>
[[gnu::always_inline]] inline void append_part(ErrorWriter& out, const char (&s)[N]) {
  out.literal(s);
}
void append_part(ErrorWriter& out, std::uint64_t n) {
  out.decimal(n);
}
void append_json(ErrorWriter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return out.number(v);
    case json::kind::bool_:
      if (v.get_bool())
        out.literal("true");
      else
        out.literal("false");
      return;
    case json::kind::null:
      return out.literal("null");
    default:
      append_cut_json(out, &v);
  }
}
[[gnu::always_inline]] inline void append_part(ErrorWriter& out, const Json& j) {
  if (j.v.is_int64()) return out.decimal(j.v.get_int64());
  append_json(out, j.v);
}
void append_part(ErrorWriter& out, const Quoted& q) {
  append_cut_json(out, json::string_view(q.s));
}
void append_part(ErrorWriter& out, const Counted& c) {
  out.decimal(c.n);
  out.raw(c.n == 1 ? c.one : c.many);
}
void append_part(ErrorWriter& out, const Choices& c) {
  for (std::size_t i = 0; i < c.values.size() && i < 8; ++i) {
    if (i) out.literal(", ");
    append_json(out, c.values[i]);
  }
  if (c.values.size() > 8) out.literal(", ...");
}

std::string type_names(std::uint8_t types) {
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {kNull, "null"},     {kBoolean, "boolean"}, {kObject, "object"},  {kArray, "array"},
      {kNumber, "number"}, {kString, "string"},   {kInteger, "integer"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(types & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out.empty() ? "nothing" : out;
}

template <class V>
const char* kind_name(const V& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::object:
      return "object";
    case json::kind::array:
      return "array";
    case json::kind::string:
      return "string";
    case json::kind::double_:
      return is_integer(v) ? "integer" : "number";
    default:
      return "integer";
  }
}

// uniqueItems: sets the first two equal items.
bool all_unique(const json::array& arr, std::size_t& first, std::size_t& second) {
  const std::size_t size = arr.size();
  if (size <= 32) {
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t j = i + 1; j < size; ++j)
        if (value_equal(arr[i], arr[j])) {
          first = i;
          second = j;
          return false;
        }
    return true;
  }
  // Large arrays: sort by a hash that agrees with value_equal, compare equal hashes only.
  std::vector<std::pair<std::uint64_t, std::size_t>> hashed;
  hashed.reserve(size);
  for (std::size_t i = 0; i < size; ++i) hashed.emplace_back(value_hash(arr[i]), i);
  std::sort(hashed.begin(), hashed.end());
  for (std::size_t i = 0; i < size; ++i)
    for (std::size_t j = i + 1; j < size && hashed[j].first == hashed[i].first; ++j)
      if (value_equal(arr[hashed[i].second], arr[hashed[j].second])) {
        first = std::min(hashed[i].second, hashed[j].second);
        second = std::max(hashed[i].second, hashed[j].second);
        return false;
      }
  return true;
}

// The two kinds of instance the Evaluator reads. Values (numbers, strings, kinds) have the
// same accessors in both; objects, arrays and members go through these.
struct DomInstance {
  using Value = json::value;
  using Finder = PropertyTable::Cursor;
  static const json::object& object(const json::value& v) noexcept { return v.get_object(); }
  static const json::array& array(const json::value& v) noexcept { return v.get_array(); }
  static std::string_view key(const json::key_value_pair& m) noexcept { return m.key(); }
  static std::string_view lookup(const json::key_value_pair& m) noexcept { return m.key(); }
  static const json::value& value(const json::key_value_pair& m) noexcept { return m.value(); }
  static bool contains(const json::object& o, std::string_view name) { return o.contains(name); }
  static json::value name_value(const json::key_value_pair& m) { return json::value(m.key()); }
  static const json::value& as_json(const json::value& v) noexcept { return v; }
  static bool equal(const json::value& v, const json::value& j) noexcept {
    return value_equal(v, j);
  }
  static bool all_unique(const json::array& arr, std::size_t& first, std::size_t& second) {
    return schema::all_unique(arr, first, second);
  }
};

// A Document container's members or elements, in order.
class CellRange {
 public:
  class iterator {
   public:
    explicit iterator(const DocumentCell* c) noexcept : c_(c) {}
    const DocumentCell& operator*() const noexcept { return *c_; }
    iterator& operator++() noexcept {
      c_ = c_->next();
      return *this;
    }
    bool operator==(const iterator& o) const noexcept { return c_ == o.c_; }

   private:
    const DocumentCell* c_;
  };
  explicit CellRange(const DocumentCell& c) noexcept : c_(&c) {}
  iterator begin() const noexcept { return iterator(c_->first_child()); }
  iterator end() const noexcept { return iterator(c_->children_end()); }
  std::size_t size() const noexcept { return c_->size(); }
  const DocumentCell& container() const noexcept { return *c_; }

 private:
  const DocumentCell* c_;
};

struct DocumentInstance {
  using Value = DocumentCell;
  using Finder = PropertyTable::KeyFinder;
  const Document* doc = nullptr;

  static CellRange object(const DocumentCell& v) noexcept { return CellRange(v); }
  static CellRange array(const DocumentCell& v) noexcept { return CellRange(v); }
  std::string_view key(const DocumentCell& m) const noexcept { return doc->key(m); }
  static KeyId lookup(const DocumentCell& m) noexcept { return {m.key}; }
  static const DocumentCell& value(const DocumentCell& m) noexcept { return m; }
  bool contains(const CellRange& o, std::string_view name) const noexcept {
    for (const DocumentCell& m : o)
      if (doc->key(m) == name) return true;
    return false;
  }
  // propertyNames: the name as a string value.
  DocumentCell name_value(const DocumentCell& m) const noexcept {
    const std::string_view name = doc->key(m);
    DocumentCell c;
    c.payload = reinterpret_cast<std::uintptr_t>(name.data());
    c.meta = static_cast<std::uint32_t>(json::kind::string) |
             static_cast<std::uint32_t>(name.size()) << 3;
    return c;
  }
  // As a boost::json::value, for what only reads one (messages, format checks of numbers,
  // const and enum of other than strings, uniqueItems): scalars other than strings without
  // allocating.
  json::value as_json(const DocumentCell& v) const { return doc->to_json(v); }
  bool equal(const DocumentCell& v, const json::value& j) const {
    if (v.is_string()) return j.is_string() && v.get_string() == std::string_view(j.get_string());
    return value_equal(doc->to_json(v), j);
  }
  bool all_unique(const CellRange& arr, std::size_t& first, std::size_t& second) const {
    const json::value copy = doc->to_json(arr.container());
    return schema::all_unique(copy.get_array(), first, second);
  }
};

// Builds the message only when errors are being collected: the quiet path (is_valid, and
// subschemas of anyOf/oneOf/not/if/contains) never formats or allocates.
#define BRRT_SCHEMA_REPORT(node, keyword, ...) \
  (collecting_ && errors_->size() < max_errors_ ? error(node, keyword, __VA_ARGS__) : false)

// A lambda's body inlined where it is called (a member walk's visitor: a call per member,
// with the walk's state reloaded from memory after each).
#define BRRT_INLINE __attribute__((always_inline))

// Upper bound on dynamic-scope entries; deeper evaluations fail with the depth error.
constexpr std::size_t kMaxScope = 1024;

template <class Instance>
class Evaluator {
  using V = typename Instance::Value;
  using Object = std::remove_cvref_t<decltype(Instance::object(std::declval<const V&>()))>;
  using Array = std::remove_cvref_t<decltype(Instance::array(std::declval<const V&>()))>;

 public:
  Evaluator(const ProgramData& p, ValidationErrors* errors, std::size_t max_errors,
            Instance in = {})
      : p_(p), in_(in), errors_(errors), max_errors_(max_errors), collecting_(errors != nullptr) {
    max_depth_ = std::min<std::size_t>(p.limits.max_depth, kMaxScope);
  }

  bool run(NodeId id, const V& v) { return eval(id, v, nullptr); }
  // Collecting from the root without the quiet try first: callers validate an instance that
  // is_valid has just rejected (the request path), and the walk still tries each subtree
  // quietly before collecting in it.
  bool run_collecting(NodeId id, const V& v) { return eval_here(id, v, nullptr); }

 private:
  // RAII for a path step, only taken while collecting errors: truncates the path back.
  struct StepGuard {
    PathText* path;
    std::size_t saved;
    StepGuard(PathText* p, std::size_t n) noexcept : path(p), saved(n) {}
    StepGuard(const StepGuard&) = delete;
    StepGuard& operator=(const StepGuard&) = delete;
    ~StepGuard() {
      if (path) path->truncate(saved);
    }
  };
  struct QuietGuard {
    Evaluator& e;
    bool saved;
    explicit QuietGuard(Evaluator& ev) : e(ev), saved(ev.collecting_) { ev.collecting_ = false; }
    ~QuietGuard() { e.collecting_ = saved; }
  };

  // A keyword of the schema language, a property name or pattern of the schema, an instance key.
  StepGuard step(PathText& p, std::string_view token, bool escape) {
    if (!collecting_) return StepGuard{nullptr, 0};
    const std::size_t saved = p.size();
    p.push(token, escape);
    return StepGuard{&p, saved};
  }
  StepGuard kw(std::string_view k) { return step(keyword_path_, k, false); }
  StepGuard kw_name(std::string_view k) { return step(keyword_path_, k, true); }
  StepGuard kw_index(std::string_view k, std::size_t i) {
    if (!collecting_) return StepGuard{nullptr, 0};
    const std::size_t saved = keyword_path_.size();
    if (!k.empty()) keyword_path_.push(k, false);
    keyword_path_.push_index(i);
    return StepGuard{&keyword_path_, saved};
  }
  StepGuard at_key(std::string_view k) { return step(instance_path_, k, true); }
  // Steps already written as pointer text ("/token", escaped), appended as they are.
  [[gnu::always_inline]] StepGuard steps(PathText& p, std::string_view first,
                                         std::string_view second = {}) {
    if (!collecting_) return StepGuard{nullptr, 0};
    const std::size_t saved = p.size();
    p.push_steps(first);
    if (!second.empty()) p.push_steps(second);
    return StepGuard{&p, saved};
  }
  // A member that fails its property's schema: "/properties/name" and "/name", the name
  // escaped at load (PropertyTable::pointer_step).
  StepGuard kw_property(std::string_view step) { return steps(keyword_path_, "/properties", step); }
  StepGuard at_member(std::string_view step) { return steps(instance_path_, step); }
  StepGuard at_index(std::size_t i) {
    if (!collecting_) return StepGuard{nullptr, 0};
    const std::size_t saved = instance_path_.size();
    instance_path_.push_index(i);
    return StepGuard{&instance_path_, saved};
  }

  template <class... Parts>
  bool error(const Node& n, std::string_view keyword, const Parts&... message) {
    if (!collecting_ || errors_->size() >= max_errors_) return false;
    ErrorWriter w(errors_->emplace_back());  // an empty error, its buffer's capacity kept
    w.locations(instance_path_.view(), keyword_path_.view(), n.location, keyword);
    (append_part(w, message), ...);
    return false;
  }

  // While collecting errors, a subtree is first checked quietly: most subtrees are valid, and
  // the collecting walk (paths, messages) only needs to run where something fails.
  bool eval(NodeId id, const V& v, Annotations* out) {
    if (collecting_ && out == nullptr && quiet_valid(id, v)) return true;
    return eval_here(id, v, out);
  }

  bool quiet_valid(NodeId id, const V& v) {
    QuietGuard q(*this);
    return eval_here(id, v, nullptr);
  }

  // One member against its property's entry: types and leaves from the entry, inline.
  [[gnu::always_inline]] bool member_valid(const PropertyTable::Entry& e, const V& member) {
    if (e.type_only) {
      const auto k = member.kind();
      if ((e.kinds >> static_cast<unsigned>(k)) & 1u) return true;
      return e.integral_doubles && k == json::kind::double_ && is_integer(member);
    }
    if (e.fast == PropertyTable::Entry::FastLeaf::Length) {
      // "type": "string", not nullable
      return member.is_string() && code_points_within(member.get_string(), e.fast_lo, e.fast_hi);
    }
    if (e.fast == PropertyTable::Entry::FastLeaf::IntRange && member.is_int64()) {
      const std::int64_t v = member.get_int64();
      return v >= static_cast<std::int64_t>(e.fast_lo) && v <= static_cast<std::int64_t>(e.fast_hi);
    }
    if (e.leaf) return leaf_valid(p_.nodes[e.node], member);
    return quiet_valid(e.node, member);
  }

  // From `m`, the members whose property has nothing but a type that they have: returns the
  // first member that is not one (or `end`), adding the required ones among them to `found`.
  [[gnu::always_inline]] static const DocumentCell* skip_type_only_members(
      const PropertyTable::KeyFinder& properties, const DocumentCell* m,
      const DocumentCell* const end, std::size_t& found) noexcept {
    std::size_t n = found;
    while (m != end) {
      const PropertyTable::KeySlot& slot = properties.slot(KeyId{m->key});
      const std::uint32_t kind = m->meta & 7;
      if (slot.key != m->key || !((slot.kinds >> kind) & 1u)) break;
      n += slot.required;
      ++m;  // a scalar: slots accept no container kind
    }
    found = n;
    return m;
  }

  // Over a Document: calls `visit` on each member of `obj` that skip_type_only_members does not
  // pass (most members are such runs), until it returns false; returns whether none did.
  template <class Visit>
  [[gnu::always_inline]] static bool visit_other_members(const PropertyTable::KeyFinder& properties,
                                                         const CellRange& obj, std::size_t& found,
                                                         Visit&& visit) {
    const DocumentCell* m = obj.container().first_child();
    const DocumentCell* const end = obj.container().children_end();
    for (;;) {
      m = skip_type_only_members(properties, m, end, found);
      if (m == end) return true;
      if (!visit(*m)) return false;
      m = m->next();
    }
  }

  [[gnu::noinline]] bool member_out_of_line(const PropertyTable::Entry& e, const V& member) {
    if constexpr (std::is_same_v<Instance, DocumentInstance>) {
      // A nested object under a simple object schema (a quiet walk's most common member after
      // scalars): straight into its member walk, what quiet_valid and eval_here would reach
      // for it, without their steps.
      const Node& n = p_.nodes[e.node];
      if (n.simple_object && member.is_object() && !p_.has_dynamic_refs && depth_ < max_depth_) {
        ++depth_;
        const bool ok = simple_object_valid(n, CellRange(member));
        --depth_;
        return ok;
      }
      // Likewise an array under an "items"-only schema (tags, topics: leaves, mostly).
      if (n.simple_array && member.is_array() && !p_.has_dynamic_refs && depth_ < max_depth_) {
        ++depth_;
        const Node& item = p_.nodes[n.items];
        bool ok = true;
        for (const DocumentCell& element : CellRange(member))
          if (!(item.leaf ? leaf_valid(item, element) : quiet_valid(n.items, element))) {
            ok = false;
            break;
          }
        --depth_;
        return ok;
      }
    }
    return member_valid(e, member);
  }

  // eval without the quiet first try: for callers that have just made it.
  bool eval_here(NodeId id, const V& v, Annotations* out) {
    if (id >= p_.nodes.size()) return false;
    const Node& n = p_.nodes[id];
    if (!collecting_) {
      if (n.leaf) return leaf_valid(n, v);
      if (n.plain_object && !p_.has_dynamic_refs) {
        if (!v.is_object()) return n.types == 0 || (n.nullable && v.is_null());
        // Nested objects count towards the depth limit like any other subschema (the
        // collecting pass re-runs a failure and reports the limit).
        if (depth_ >= max_depth_) return false;
        ++depth_;
        const bool ok = n.simple_object && out == nullptr
                            ? simple_object_valid(n, Instance::object(v))
                            : check_object(n, v, out);
        --depth_;
        return ok;
      }
      // Neither a leaf nor a plain object: possibly a "$ref"-only node.
      if (n.ref_target != kNoNode) return eval_here(n.ref_target, v, out);
    } else if (n.leaf) {
      return collect_leaf(n, v);
    } else if (n.simple_object && out == nullptr && !p_.has_dynamic_refs && v.is_object() &&
               depth_ < max_depth_) {
      ++depth_;
      const bool ok = collect_simple_object(n, Instance::object(v));
      --depth_;
      return ok;
    }
    if (depth_ >= max_depth_) {
      if (collecting_ && !depth_reported_) {
        depth_reported_ = true;
        BRRT_SCHEMA_REPORT(n, "", "evaluation exceeds the maximum depth ", max_depth_,
                           " (instance nested too deeply or $ref recursion without progress)");
      }
      return false;
    }
    ++depth_;
    bool pushed = false;
    if (p_.has_dynamic_refs && (scope_size_ == 0 || scope_[scope_size_ - 1] != n.resource)) {
      scope_[scope_size_++] = n.resource;
      pushed = true;
    }
    bool ok;
    if (n.needs_annotations) {
      Annotations local;
      ok = eval_node(n, v, &local);
      if (ok && out) out->merge(local);
    } else {
      ok = eval_node(n, v, out);
    }
    if (pushed) --scope_size_;
    --depth_;
    return ok;
  }

  // Type and scalar bounds only: no recursion, no annotations, no errors.
  static bool leaf_valid(const Node& n, const V& v) noexcept {
    const json::kind k = v.kind();
    if (n.nullable && k == json::kind::null) return true;
    if (n.types != 0 && !type_matches(n.types, v)) return false;
    switch (k) {
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        if (!n.has_number_checks) return true;
        if (n.minimum.present && compare(v, n.minimum) < 0) return false;
        if (n.maximum.present && compare(v, n.maximum) > 0) return false;
        if (n.exclusive_minimum.present && compare(v, n.exclusive_minimum) <= 0) return false;
        if (n.exclusive_maximum.present && compare(v, n.exclusive_maximum) >= 0) return false;
        return !n.multiple_of.present || multiple_of(v, n.multiple_of);
      case json::kind::string: {
        return !n.has_string_checks ||
               code_points_within(v.get_string(), n.min_length, n.max_length);
      }
      default:
        return true;
    }
  }

  // The quiet path of Node::simple_object: the shape of most request bodies.
  bool simple_object_valid(const Node& n, const Object& obj) {
    std::size_t required_found = 0;
    return quiet_members_valid(n, obj, required_found) && required_found == n.required_count;
  }

  // The quiet member walk (no pattern properties, no error collection): one table lookup
  // per member, in declaration order first, leaves checked inline. Counts the required
  // properties it met into `required_found`.
  bool quiet_members_valid(const Node& n, const Object& obj, std::size_t& required_found) {
    // Everything the loop reads of the schema is held in locals: the compiler cannot keep it
    // in registers across the recursive calls otherwise, and reloads it for every member.
    typename Instance::Finder properties(n.properties);
    const NodeId additional = n.additional_properties;
    std::size_t found = 0;  // a local, not the caller's variable: no store per member
    if constexpr (std::is_same_v<Instance, DocumentInstance>) {
      // The members the type-only skip leaves, one at a time out of line.
      const bool ok =
          visit_other_members(properties, obj, found, [&](const DocumentCell& m) BRRT_INLINE {
            const PropertyTable::KeySlot& slot = properties.slot(KeyId{m.key});
            if (slot.key == m.key) {
              found += slot.required;
              return member_out_of_line(properties.entry(slot), m);
            }
            return additional == kNoNode || eval(additional, m, nullptr);
          });
      required_found += found;
      return ok;
    }
    for (const auto& kv : obj) {
      if (const PropertyTable::Entry* e = properties.find(Instance::lookup(kv))) {
        found += e->required;
        if (!member_valid(*e, Instance::value(kv))) return false;
      } else if (additional != kNoNode && !eval(additional, Instance::value(kv), nullptr)) {
        return false;
      }
    }
    required_found += found;
    return true;
  }

  // The collecting walk of Node::simple_object: the quiet member walk, with each member that
  // fails its entry's inline check evaluated again to report why, and "required" counted on
  // the way (no lookup per required name unless one is missing). Reports what check_object
  // would, in the same order: missing required properties first.
  bool collect_simple_object(const Node& n, const Object& obj) {
    bool ok = true;
    const std::size_t before = errors_->size();
    typename Instance::Finder properties(n.properties);
    const NodeId additional = n.additional_properties;
    std::size_t found = 0;
    const auto member = [&](const auto& kv) BRRT_INLINE {
      if (const PropertyTable::Entry* e = properties.find(Instance::lookup(kv))) {
        found += e->required;
        if (member_valid(*e, Instance::value(kv))) return;
        const std::string_view step = n.properties.pointer_step(*e);
        auto g = kw_property(step);
        auto at = at_member(step);
        // A leaf property (no "$ref" in between) is reported straight from its node: what
        // eval_here would do for it, without its entry checks (40 of NewPet's 700
        // instructions for one error, measured).
        const NodeId declared = n.properties.declared_node(*e);
        if (!(e->leaf && declared == e->node ? collect_leaf(p_.nodes[declared], Instance::value(kv))
                                             : eval_here(declared, Instance::value(kv), nullptr)))
          ok = false;
      } else if (additional != kNoNode) {
        const Node& ap = p_.nodes[additional];
        auto at = at_key(in_.key(kv));
        if (ap.boolean_schema && !ap.boolean_value) {
          BRRT_SCHEMA_REPORT(n, "additionalProperties", "property '", in_.key(kv),
                             "' is not allowed");
          ok = false;
        } else if (!quiet_valid(additional, Instance::value(kv))) {
          auto g = kw("additionalProperties");
          eval_here(additional, Instance::value(kv), nullptr);
          ok = false;
        }
      }
    };
    if constexpr (std::is_same_v<Instance, DocumentInstance>) {
      // Members that pass their type-only property cannot fail: skipped as in the quiet walk.
      visit_other_members(properties, obj, found, [&](const DocumentCell& m) BRRT_INLINE {
        member(m);
        return true;
      });
    } else {
      for (const auto& kv : obj) member(kv);
    }
    if (found != n.required_count) {
      ok = false;
      const std::size_t middle = errors_->size();
      for (const std::string& name : n.required)
        if (!in_.contains(obj, name))
          BRRT_SCHEMA_REPORT(n, "required", "missing required property '", name, "'");
      errors_->rotate(before, middle);  // the required errors before the members' errors
    }
    return ok;
  }

  // How many of the object's members are properties named in "required".
  static std::size_t count_required(const PropertyTable& table, const Object& obj) noexcept {
    typename Instance::Finder properties(table);
    std::size_t found = 0;
    for (const auto& kv : obj)
      if (const PropertyTable::Entry* e = properties.find(Instance::lookup(kv)))
        found += e->required;
    return found;
  }

  // Evaluates a subschema quietly (no errors); used by anyOf/oneOf/not/if/contains.
  bool test(NodeId id, const V& v, Annotations* out) {
    QuietGuard q(*this);
    return eval(id, v, out);
  }

  // "type" (n.types != 0).
  [[gnu::always_inline]] bool check_type(const Node& n, const V& v) {
    return type_matches(n.types, v) || report_type(n, v);
  }
  [[gnu::noinline]] bool report_type(const Node& n, const V& v) {
    BRRT_SCHEMA_REPORT(n, "type", "expected ", type_names(n.types), ", got ", kind_name(v));
    return false;
  }

  // The collecting walk of a Node::leaf (the schema of most failing members): what eval_node
  // reports for one, without stepping through the keywords a leaf cannot have. Like
  // leaf_valid, no depth or dynamic-scope step: a leaf does not recurse.
  bool collect_leaf(const Node& n, const V& v) {
    const json::kind k = v.kind();
    if (n.nullable && k == json::kind::null) return true;
    bool ok = n.types == 0 || check_type(n, v);
    switch (k) {
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        return (!n.has_number_checks || check_number(n, v)) && ok;
      case json::kind::string:
        return (!n.has_string_checks || check_string(n, v)) && ok;
      default:
        return ok;
    }
  }

  bool eval_node(const Node& n, const V& v, Annotations* a) {
    if (n.boolean_schema) {
      if (n.boolean_value) return true;
      if (n.other_side_marker != nullptr)
        return BRRT_SCHEMA_REPORT(n, n.other_side_marker,
                                  n.other_side_marker[0] == 'r'
                                      ? "is read-only: sent in responses, not in requests"
                                      : "is write-only: sent in requests, not in responses");
      return BRRT_SCHEMA_REPORT(n, "", "no value is allowed here (false schema)");
    }
    bool ok = true;
    auto failed = [&]() {
      ok = false;
      return !collecting_;  // quiet mode stops at the first failure
    };

    if (n.ref != kNoNode) {
      auto g = kw("$ref");
      // A "$ref"-only node is collected only after it failed a quiet try (eval, the member
      // walks, run_collecting's caller), and it fails exactly when its target does: the
      // target goes straight to the collecting walk, without a second quiet try.
      const bool target_ok =
          collecting_ && n.ref_target != kNoNode ? eval_here(n.ref, v, a) : eval(n.ref, v, a);
      if (!target_ok && failed()) return false;
    }
    if (n.dynamic_ref != kNoNode) {
      NodeId target = n.dynamic_ref;
      if (!n.dynamic_ref_anchor.empty()) {
        for (std::size_t i = 0; i < scope_size_; ++i) {
          bool found = false;
          for (const auto& [name, node] : p_.resources[scope_[i]].dynamic_anchors)
            if (name == n.dynamic_ref_anchor) {
              target = node;
              found = true;
              break;
            }
          if (found) break;
        }
      }
      auto g = kw(n.dynamic_ref_keyword);
      if (!eval(target, v, a) && failed()) return false;
    }

    const json::kind k = v.kind();
    if (n.nullable && k == json::kind::null) return ok;
    if (n.types != 0 && !check_type(n, v) && failed()) return false;
    if (n.has_const && !in_.equal(v, n.const_value)) {
      BRRT_SCHEMA_REPORT(n, "const", Json{in_.as_json(v)}, " is not the constant ",
                         Json{n.const_value});
      if (failed()) return false;
    }
    if (n.has_enum) {
      bool found = false;
      if (n.enum_all_strings) {
        found = k == json::kind::string && n.enum_strings.find(v.get_string()) != kNoNode;
      } else {
        for (const json::value& e : n.enum_values)
          if (in_.equal(v, e)) {
            found = true;
            break;
          }
      }
      if (!found) {
        BRRT_SCHEMA_REPORT(n, "enum", Json{in_.as_json(v)}, " is not one of ",
                           Choices{n.enum_values});
        if (failed()) return false;
      }
    }

    switch (k) {
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        if (n.has_number_checks && !check_number(n, v) && failed()) return false;
        break;
      case json::kind::string:
        if (n.has_string_checks && !check_string(n, v) && failed()) return false;
        break;
      case json::kind::array:
        if (n.has_array_checks && !check_array(n, Instance::array(v), a) && failed()) return false;
        break;
      case json::kind::object:
        if (n.has_object_checks && !check_object(n, v, a) && failed()) return false;
        break;
      default:
        break;
    }
    if (n.has_applicators && !check_applicators(n, v, a) && failed()) return false;

    if (n.unevaluated_items != kNoNode && k == json::kind::array) {
      const Array& arr = Instance::array(v);
      auto g = kw("unevaluatedItems");
      std::size_t i = 0;
      for (const V& item : arr) {
        if (!a->item(i)) {
          auto at = at_index(i);
          if (!eval(n.unevaluated_items, item, nullptr)) {
            if (failed()) return false;
          }
          a->mark_item(i, arr.size());
        }
        ++i;
      }
    }
    if (n.unevaluated_properties != kNoNode && k == json::kind::object) {
      const Object& obj = Instance::object(v);
      auto g = kw("unevaluatedProperties");
      std::size_t i = 0;
      for (const auto& kv : obj) {
        if (!a->prop(i)) {
          auto at = at_key(in_.key(kv));
          const Node& u = p_.nodes[n.unevaluated_properties];
          if (u.boolean_schema && !u.boolean_value) {
            BRRT_SCHEMA_REPORT(
                n, "", "property '", in_.key(kv),
                "' is not evaluated by any keyword and unevaluatedProperties is false");
            if (failed()) return false;
          } else if (!eval(n.unevaluated_properties, Instance::value(kv), nullptr) && failed()) {
            return false;
          }
          a->mark_prop(i, obj.size());
        }
        ++i;
      }
    }
    return ok;
  }

  bool check_number(const Node& n, const V& v) {
    bool ok = true;
    if (n.minimum.present && compare(v, n.minimum) < 0) {
      ok = BRRT_SCHEMA_REPORT(n, "minimum", Json{in_.as_json(v)}, " is less than the minimum ",
                              std::string_view(n.minimum.text));
      if (!collecting_) return false;
    }
    if (n.maximum.present && compare(v, n.maximum) > 0) {
      ok = BRRT_SCHEMA_REPORT(n, "maximum", Json{in_.as_json(v)}, " is greater than the maximum ",
                              std::string_view(n.maximum.text));
      if (!collecting_) return false;
    }
    if (n.exclusive_minimum.present && compare(v, n.exclusive_minimum) <= 0) {
      ok = BRRT_SCHEMA_REPORT(n, "exclusiveMinimum", Json{in_.as_json(v)},
                              " is not greater than the exclusive minimum ",
                              std::string_view(n.exclusive_minimum.text));
      if (!collecting_) return false;
    }
    if (n.exclusive_maximum.present && compare(v, n.exclusive_maximum) >= 0) {
      ok = BRRT_SCHEMA_REPORT(n, "exclusiveMaximum", Json{in_.as_json(v)},
                              " is not less than the exclusive maximum ",
                              std::string_view(n.exclusive_maximum.text));
      if (!collecting_) return false;
    }
    if (n.multiple_of.present && !multiple_of(v, n.multiple_of)) {
      ok = BRRT_SCHEMA_REPORT(n, "multipleOf", Json{in_.as_json(v)}, " is not a multiple of ",
                              std::string_view(n.multiple_of.text));
      if (!collecting_) return false;
    }
    if (n.format_assert && !check_format(n.format, in_.as_json(v))) {
      ok = BRRT_SCHEMA_REPORT(n, "format", Json{in_.as_json(v)}, " is not a valid ", n.format_name);
    }
    return ok;
  }

  bool check_string(const Node& n, const V& v) {
    bool ok = true;
    const std::string_view s = v.get_string();
    if (n.has_min_length || n.has_max_length) {
      // Bytes bound code points from above: only count when the byte length is in doubt.
      const std::uint64_t bytes = s.size();
      if (bytes < n.min_length) {
        ok = BRRT_SCHEMA_REPORT(n, "minLength", Json{in_.as_json(v)}, " is shorter than ",
                                Counted{n.min_length, " character", " characters"});
        if (!collecting_) return false;
      } else if (bytes > n.max_length || (bytes + 3) / 4 < n.min_length) {
        const std::uint64_t len = code_points(s);
        if (len < n.min_length) {
          ok = error(n, "minLength", Json{in_.as_json(v)}, " is shorter than ",
                     Counted{n.min_length, " character", " characters"});
          if (!collecting_) return false;
        }
        if (len > n.max_length) {
          ok = error(n, "maxLength", Json{in_.as_json(v)}, " is longer than ",
                     Counted{n.max_length, " character", " characters"});
          if (!collecting_) return false;
        }
      }
    }
    if (n.pattern && !n.pattern->search(s)) {
      ok = BRRT_SCHEMA_REPORT(n, "pattern", Json{in_.as_json(v)}, " does not match the pattern ",
                              Quoted{n.pattern->source()});
      if (!collecting_) return false;
    }
    if (n.format_assert && !check_string_format(n.format, s)) {
      ok = BRRT_SCHEMA_REPORT(n, "format", Json{in_.as_json(v)}, " is not a valid ", n.format_name);
      if (!collecting_) return false;
    }
    if (n.content_base64 || n.content_json) {
      std::string decoded;
      if (n.content_base64 && !decode_base64(s, decoded)) {
        ok = BRRT_SCHEMA_REPORT(n, "contentEncoding", Json{in_.as_json(v)}, " is not valid base64");
        if (!collecting_) return false;
      } else if (n.content_json) {
        boost::system::error_code ec;
        (void)json::parse(n.content_base64 ? std::string_view(decoded) : s, ec);
        if (ec)
          ok = BRRT_SCHEMA_REPORT(n, "contentMediaType", Json{in_.as_json(v)},
                                  " is not a JSON document");
      }
    }
    return ok;
  }

  bool check_array(const Node& n, const Array& arr, Annotations* a) {
    bool ok = true;
    auto failed = [&]() {
      ok = false;
      return !collecting_;
    };
    const std::size_t size = arr.size();
    if (n.has_min_items && size < n.min_items) {
      BRRT_SCHEMA_REPORT(n, "minItems", "array has ", Counted{size, " item", " items"},
                         ", fewer than the minimum ", n.min_items);
      if (failed()) return false;
    }
    if (n.has_max_items && size > n.max_items) {
      BRRT_SCHEMA_REPORT(n, "maxItems", "array has ", Counted{size, " item", " items"},
                         ", more than the maximum ", n.max_items);
      if (failed()) return false;
    }
    // Items are visited in order (a Document's array is read front to back, not indexed).
    const std::size_t prefix = std::min(n.prefix_items.size(), size);
    auto it = arr.begin();
    if (prefix > 0) {
      const char* keyword =
          n.items_keyword == std::string_view("additionalItems") ? "items" : "prefixItems";
      for (std::size_t i = 0; i < prefix; ++i, ++it) {
        auto g = kw_index(keyword, i);
        auto at = at_index(i);
        if (!eval(n.prefix_items[i], *it, nullptr) && failed()) return false;
        if (a) a->mark_item(i, size);
      }
    }
    if (n.items != kNoNode) {
      const Node& item = p_.nodes[n.items];
      for (std::size_t i = n.prefix_items.size(); i < size; ++i, ++it) {
        if (item.boolean_schema && !item.boolean_value) {
          auto at = at_index(i);
          BRRT_SCHEMA_REPORT(n, n.items_keyword, "array has ", Counted{size, " item", " items"},
                             ", at most ", Counted{n.prefix_items.size(), " is", " are"},
                             " allowed");
          if (failed()) return false;
          break;
        }
        if (!collecting_ || !quiet_valid(n.items, *it)) {
          auto g = kw(n.items_keyword);
          auto at = at_index(i);
          if (!eval_here(n.items, *it, nullptr) && failed()) return false;
        }
        if (a) a->mark_item(i, size);
      }
    }
    if (n.contains != kNoNode) {
      std::uint64_t count = 0;
      std::size_t i = 0;
      for (const V& element : arr) {
        if (test(n.contains, element, nullptr)) {
          ++count;
          if (a)
            a->mark_item(i, size);
          else if (!n.has_max_contains && count >= n.min_contains)
            break;
        }
        ++i;
      }
      if (count < n.min_contains) {
        if (n.min_contains == 1)
          BRRT_SCHEMA_REPORT(n, "contains", "no item matches the 'contains' schema");
        else
          BRRT_SCHEMA_REPORT(n, "minContains", Counted{count, " item matches", " items match"},
                             " the 'contains' schema, fewer than ", n.min_contains);
        if (failed()) return false;
      }
      if (n.has_max_contains && count > n.max_contains) {
        BRRT_SCHEMA_REPORT(n, "maxContains", Counted{count, " item matches", " items match"},
                           " the 'contains' schema, more than ", n.max_contains);
        if (failed()) return false;
      }
    }
    if (n.unique_items) {
      std::size_t first = 0, second = 0;
      if (!in_.all_unique(arr, first, second)) {
        BRRT_SCHEMA_REPORT(n, "uniqueItems", "items ", first, " and ", second, " are equal");
        if (failed()) return false;
      }
    }
    return ok;
  }

  bool check_object(const Node& n, const V& v, Annotations* a) {
    const Object& obj = Instance::object(v);
    bool ok = true;
    auto failed = [&]() {
      ok = false;
      return !collecting_;
    };
    const std::size_t size = obj.size();
    if (n.has_min_properties && size < n.min_properties) {
      BRRT_SCHEMA_REPORT(n, "minProperties", "object has ",
                         Counted{size, " property", " properties"}, ", fewer than the minimum ",
                         n.min_properties);
      if (failed()) return false;
    }
    if (n.has_max_properties && size > n.max_properties) {
      BRRT_SCHEMA_REPORT(n, "maxProperties", "object has ",
                         Counted{size, " property", " properties"}, ", more than the maximum ",
                         n.max_properties);
      if (failed()) return false;
    }
    // Quiet path: "required" is checked by the member walk below when it can be. While
    // collecting, with more than a few required names, a light walk counting the required
    // members first spares one lookup per name (boost::json hashes the whole name) when none
    // is missing, as usual; for one or two names the lookups are cheaper than the walk.
    const bool required_by_mask = !collecting_ && n.required_in_properties;
    const bool none_missing = collecting_ && n.required_in_properties && n.required.size() > 2 &&
                              count_required(n.properties, obj) == n.required_count;
    std::size_t required_found = 0;
    for (const std::string& name : n.required) {
      if (required_by_mask || none_missing) break;
      if (!in_.contains(obj, name)) {
        BRRT_SCHEMA_REPORT(n, "required", "missing required property '", name, "'");
        if (failed()) return false;
      }
    }
    for (const DependentRequired& d : n.dependent_required) {
      if (!in_.contains(obj, d.name)) continue;
      for (const std::string& name : d.required)
        if (!in_.contains(obj, name)) {
          BRRT_SCHEMA_REPORT(n, n.dependent_required_keyword, "property '", name,
                             "' is required when '", d.name, "' is present");
          if (failed()) return false;
        }
    }
    const bool per_property = !n.properties.empty() || !n.pattern_properties.empty() ||
                              n.additional_properties != kNoNode;
    if (per_property && !collecting_ && a == nullptr && n.pattern_properties.empty()) {
      // The hot path (request bodies).
      if (!quiet_members_valid(n, obj, required_found)) return false;
    } else if (per_property) {
      std::size_t i = 0;
      typename Instance::Finder properties(n.properties);
      for (const auto& kv : obj) {
        const std::string_view key = in_.key(kv);
        bool matched = false;
        if (!n.properties.empty()) {
          if (const PropertyTable::Entry* e = properties.find(Instance::lookup(kv))) {
            matched = true;
            required_found += e->required;
            if (!collecting_ || !member_valid(*e, Instance::value(kv))) {
              const std::string_view step = n.properties.pointer_step(*e);
              auto g = kw_property(step);
              auto at = at_member(step);
              if (!eval_here(n.properties.declared_node(*e), Instance::value(kv), nullptr) &&
                  failed())
                return false;
            }
          }
        }
        for (const PatternSchema& ps : n.pattern_properties) {
          if (!ps.regex->search(key)) continue;
          matched = true;
          auto g = kw("patternProperties");
          auto g2 = kw_name(ps.regex->source());
          auto at = at_key(key);
          if (!eval(ps.node, Instance::value(kv), nullptr) && failed()) return false;
        }
        if (!matched && n.additional_properties != kNoNode) {
          const Node& ap = p_.nodes[n.additional_properties];
          auto at = at_key(key);
          if (ap.boolean_schema && !ap.boolean_value) {
            BRRT_SCHEMA_REPORT(n, "additionalProperties", "property '", key, "' is not allowed");
            if (failed()) return false;
          } else if (!collecting_ || !quiet_valid(n.additional_properties, Instance::value(kv))) {
            auto g = kw("additionalProperties");
            if (!eval_here(n.additional_properties, Instance::value(kv), nullptr) && failed())
              return false;
          }
          matched = true;
        }
        if (a && matched) a->mark_prop(i, size);
        ++i;
      }
    }
    if (required_by_mask && required_found != n.required_count) return false;
    if (n.property_names != kNoNode) {
      for (const auto& kv : obj) {
        const V name = in_.name_value(kv);
        auto g = kw("propertyNames");
        auto at = at_key(in_.key(kv));
        if (!eval(n.property_names, name, nullptr) && failed()) return false;
      }
    }
    for (const DependentSchema& d : n.dependent_schemas) {
      if (!in_.contains(obj, d.name)) continue;
      auto g = kw(n.dependent_schemas_keyword);
      auto g2 = kw_name(d.name);
      if (!eval(d.node, v, a) && failed()) return false;
    }
    return ok;
  }

  bool check_applicators(const Node& n, const V& v, Annotations* a) {
    bool ok = true;
    auto failed = [&]() {
      ok = false;
      return !collecting_;
    };
    for (std::size_t i = 0; i < n.all_of.size(); ++i) {
      auto g = kw_index("allOf", i);
      if (!eval(n.all_of[i], v, a) && failed()) return false;
    }
    if (!n.any_of.empty()) {
      bool any = false;
      for (NodeId branch : n.any_of) {
        if (a) {
          Annotations local;
          if (test(branch, v, &local)) {
            any = true;
            a->merge(local);
          }
        } else if (test(branch, v, nullptr)) {
          any = true;
          break;
        }
      }
      if (!any) {
        BRRT_SCHEMA_REPORT(n, "anyOf", Json{in_.as_json(v)}, " does not match any of the ",
                           n.any_of.size(), " anyOf schemas");
        if (failed()) return false;
      }
    }
    if (!n.one_of.empty()) {
      std::size_t matches = 0, first = 0, second = 0;
      for (std::size_t i = 0; i < n.one_of.size(); ++i) {
        Annotations local;
        if (test(n.one_of[i], v, a ? &local : nullptr)) {
          if (matches == 0)
            first = i;
          else if (matches == 1)
            second = i;
          ++matches;
          if (a && matches == 1) a->merge(local);
          if (matches > 1) break;
        }
      }
      if (matches == 0) {
        BRRT_SCHEMA_REPORT(n, "oneOf", Json{in_.as_json(v)}, " does not match any of the ",
                           n.one_of.size(), " oneOf schemas");
        if (failed()) return false;
      } else if (matches > 1) {
        BRRT_SCHEMA_REPORT(n, "oneOf", Json{in_.as_json(v)}, " matches both oneOf schemas ", first,
                           " and ", second, ", expected exactly one");
        if (failed()) return false;
      }
    }
    if (n.not_ != kNoNode && test(n.not_, v, nullptr)) {
      BRRT_SCHEMA_REPORT(n, "not", Json{in_.as_json(v)}, " must not match the 'not' schema");
      if (failed()) return false;
    }
    if (n.if_ != kNoNode) {
      Annotations local;
      if (test(n.if_, v, a ? &local : nullptr)) {
        if (a) a->merge(local);
        if (n.then_ != kNoNode) {
          auto g = kw("then");
          if (!eval(n.then_, v, a) && failed()) return false;
        }
      } else if (n.else_ != kNoNode) {
        auto g = kw("else");
        if (!eval(n.else_, v, a) && failed()) return false;
      }
    }
    return ok;
  }

  const ProgramData& p_;
  Instance in_;
  ValidationErrors* errors_;
  std::size_t max_errors_;
  bool collecting_;
  bool depth_reported_ = false;
  std::size_t depth_ = 0;
  std::size_t max_depth_ = 0;
  std::size_t scope_size_ = 0;
  std::array<std::uint32_t, kMaxScope> scope_;
  PathText instance_path_;
  PathText keyword_path_;
};

}  // namespace

Program::Program(std::shared_ptr<const ProgramData> data) noexcept : data_(std::move(data)) {}

bool Program::is_valid(SchemaId id, const json::value& instance) const noexcept {
  if (!data_ || id.index >= data_->nodes.size()) return false;
  try {
    Evaluator<DomInstance> e(*data_, nullptr, 0);
    return e.run(id.index, instance);
  } catch (...) {
    return false;  // only allocation failure (annotations, uniqueItems) can throw
  }
}

bool Program::validate(SchemaId id, const json::value& instance, ValidationErrors& out,
                       std::size_t max_errors) const {
  if (!data_ || id.index >= data_->nodes.size()) {
    out.emplace_back() =
        ValidationError({}, {}, {}, {}, "unknown schema id " + std::to_string(id.index));
    return false;
  }
  const std::size_t before = out.size();
  Evaluator<DomInstance> e(*data_, &out, before + (max_errors == 0 ? 1 : max_errors));
  const bool ok = e.run_collecting(id.index, instance);
  if (!ok && out.size() == before)
    out.emplace_back() =
        ValidationError({}, {}, {}, {}, "instance is invalid");  // max_errors reached elsewhere
  return ok;
}

bool Program::validate(SchemaId id, const json::value& instance, std::vector<ValidationError>& out,
                       std::size_t max_errors) const {
  ValidationErrors errors;
  const bool ok = validate(id, instance, errors, max_errors);
  out.insert(out.end(), errors.begin(), errors.end());
  return ok;
}

bool Program::is_valid(SchemaId id, const Document& instance) const noexcept {
  if (!data_ || id.index >= data_->nodes.size() || instance.program() != data_.get() ||
      instance.empty())
    return false;
  try {
    Evaluator<DocumentInstance> e(*data_, nullptr, 0, DocumentInstance{&instance});
    return e.run(id.index, instance.root());
  } catch (...) {
    return false;  // only allocation failure (annotations, uniqueItems) can throw
  }
}

bool Program::validate(SchemaId id, const Document& instance, ValidationErrors& out,
                       std::size_t max_errors) const {
  if (!data_ || id.index >= data_->nodes.size()) {
    out.emplace_back() =
        ValidationError({}, {}, {}, {}, "unknown schema id " + std::to_string(id.index));
    return false;
  }
  if (instance.program() != data_.get() || instance.empty()) {
    out.emplace_back() =
        ValidationError({}, {}, {}, {},
                        instance.empty() ? "the document is empty (not parsed, or its parse failed)"
                                         : "the document was parsed for another program");
    return false;
  }
  const std::size_t before = out.size();
  Evaluator<DocumentInstance> e(*data_, &out, before + (max_errors == 0 ? 1 : max_errors),
                                DocumentInstance{&instance});
  const bool ok = e.run_collecting(id.index, instance.root());
  if (!ok && out.size() == before)
    out.emplace_back() = ValidationError({}, {}, {}, {}, "instance is invalid");
  return ok;
}

std::size_t Program::node_count() const noexcept {
  return data_ ? data_->nodes.size() : 0;
}

}  // namespace brrt::schema
