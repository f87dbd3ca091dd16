// Route table: a segment tree shared by all methods, with a per-node route slot for each
// method. Matching walks the request path segment by segment with backtracking, trying
// literal children first (binary search over sorted labels), then partial-segment
// patterns (`{name}.{ext}`), then a whole-segment parameter: OpenAPI's "concrete before
// templated" rule. Everything a match touches is in flat vectors built once; a match
// allocates nothing and recurses at most as deep as the deepest template.
#include "brrt/router/route_table.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "brrt/core/ascii.hpp"

namespace brrt::router {

namespace {

constexpr std::int32_t kNone = -1;

// FNV-1a: literal children are found by hashing the segment while scanning for its end,
// then one memcmp to confirm (cheaper than a binary search of string compares).
constexpr std::uint32_t kFnvOffset = 2166136261u;
constexpr std::uint32_t kFnvPrime = 16777619u;

std::uint32_t fnv1a(std::string_view s) noexcept {
  std::uint32_t h = kFnvOffset;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

// Open-addressing slot of a node's literal-children table.
struct LiteralSlot {
  std::uint32_t hash = 0;
  std::uint32_t child = 0;
  std::uint32_t label_offset = 0;
  std::uint32_t label_length = UINT32_MAX;  // UINT32_MAX = empty slot
};

// Compares a raw (possibly percent-encoded) request segment with a literal label.
// Only called when the segment contains '%'; a malformed escape never matches.
bool decoded_equals(std::string_view raw, std::string_view label) noexcept {
  std::size_t j = 0;
  for (std::size_t i = 0; i < raw.size(); ++i, ++j) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      const int hi = hex_digit_value(raw[i + 1]), lo = hex_digit_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (j >= label.size() || label[j] != c) return false;
  }
  return j == label.size();
}

// One part of a partial-segment pattern: a literal, or a parameter (empty literal).
struct Part {
  std::string literal;  // empty = parameter
};

struct Pattern {
  std::vector<Part> parts;
  std::string shape;  // literals with "{}" for parameters: identity of the pattern
  std::uint32_t child = 0;
  std::size_t literal_chars = 0;  // specificity: more literal characters are tried first
};

struct LiteralEdge {
  std::string label;
  std::uint32_t child = 0;
};

struct Node {
  std::vector<LiteralEdge> literals;  // sorted by label
  std::vector<Pattern> patterns;      // sorted by specificity
  std::int32_t param_child = kNone;
  std::array<std::int32_t, kMethodCount> routes;
  MethodMask methods = 0;
  Node() { routes.fill(kNone); }
};

struct Segment {
  enum class Kind { Literal, Param, Pattern } kind = Kind::Literal;
  std::string literal;  // Literal
  Pattern pattern;      // Pattern
};

struct RouteInfo {
  std::string path_template;
  std::vector<std::string> param_names;
  Method method = Method::Get;
};

[[noreturn]] void fail(std::string_view tmpl, const std::string& why) {
  throw RouteError("path template '" + std::string(tmpl) + "': " + why);
}

// Splits a template into segments, validating braces and names.
std::vector<Segment> parse_template(std::string_view tmpl, std::vector<std::string>& names) {
  if (tmpl.empty() || tmpl.front() != '/') fail(tmpl, "must start with '/'");
  std::vector<Segment> segments;
  std::size_t pos = 1;
  while (true) {
    const std::size_t slash = tmpl.find('/', pos);
    const std::string_view seg =
        tmpl.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    Segment out;
    std::vector<Part> parts;
    std::size_t i = 0;
    bool last_was_param = false;
    while (i < seg.size()) {
      if (seg[i] == '{') {
        const std::size_t close = seg.find('}', i);
        if (close == std::string_view::npos) fail(tmpl, "unbalanced '{'");
        const std::string_view name = seg.substr(i + 1, close - i - 1);
        if (name.empty()) fail(tmpl, "empty parameter name '{}'");
        if (name.find('{') != std::string_view::npos) fail(tmpl, "nested '{'");
        if (last_was_param)
          fail(tmpl, "two parameters with nothing between them ('{a}{b}') cannot be told apart");
        if (std::find(names.begin(), names.end(), name) != names.end())
          fail(tmpl, "parameter '" + std::string(name) + "' appears twice");
        if (names.size() >= kMaxPathParams)
          fail(tmpl, "more than " + std::to_string(kMaxPathParams) + " parameters");
        names.emplace_back(name);
        parts.push_back(Part{});
        last_was_param = true;
        i = close + 1;
      } else if (seg[i] == '}') {
        fail(tmpl, "unbalanced '}'");
      } else {
        const std::size_t next = seg.find_first_of("{}", i);
        const std::string_view lit =
            seg.substr(i, next == std::string_view::npos ? seg.size() - i : next - i);
        parts.push_back(Part{std::string(lit)});
        last_was_param = false;
        i += lit.size();
      }
    }
    if (parts.size() == 1 && parts[0].literal.empty()) {
      out.kind = Segment::Kind::Param;
    } else if (parts.size() <= 1) {
      out.kind = Segment::Kind::Literal;
      out.literal = parts.empty() ? std::string() : parts[0].literal;
    } else {
      out.kind = Segment::Kind::Pattern;
      for (const Part& p : parts) {
        out.pattern.shape += p.literal.empty() ? std::string("{}") : p.literal;
        out.pattern.literal_chars += p.literal.size();
      }
      out.pattern.parts = std::move(parts);
    }
    segments.push_back(std::move(out));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return segments;
}

}  // namespace

struct RouteTable::Builder::State {
  std::string base_path;
  std::vector<Node> nodes{Node{}};
  std::vector<RouteInfo> routes;  // indexed by route id (sparse ids are filled with empties)
  std::vector<bool> route_used;
  std::uint32_t max_depth = 0;
};

struct RouteTable::Impl {
  std::string base_path;
  std::vector<Node> nodes;
  std::vector<RouteInfo> routes;
  std::size_t count = 0;
  // Per node: where its literal table starts in `slots` and its mask (size - 1).
  struct LiteralTable {
    std::uint32_t base = 0;
    std::uint32_t mask = 0;
  };
  std::vector<LiteralTable> tables;
  std::vector<LiteralSlot> slots;
  std::string labels;  // all literal labels, back to back

  void compile_literal_tables() {
    tables.assign(nodes.size(), {});
    slots.clear();
    labels.clear();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto& lits = nodes[i].literals;
      if (lits.empty()) continue;
      std::uint32_t size = 2;
      while (size < lits.size() * 2) size *= 2;
      tables[i] = {static_cast<std::uint32_t>(slots.size()), size - 1};
      slots.resize(slots.size() + size);
      for (const LiteralEdge& e : lits) {
        const std::uint32_t h = fnv1a(e.label);
        std::uint32_t at = h & (size - 1);
        while (slots[tables[i].base + at].label_length != UINT32_MAX) at = (at + 1) & (size - 1);
        slots[tables[i].base + at] = {h, e.child, static_cast<std::uint32_t>(labels.size()),
                                      static_cast<std::uint32_t>(e.label.size())};
        labels += e.label;
      }
    }
  }

  std::int32_t find_literal(std::uint32_t node, std::string_view seg,
                            std::uint32_t h) const noexcept {
    const LiteralTable t = tables[node];
    for (std::uint32_t at = h & t.mask;; at = (at + 1) & t.mask) {
      const LiteralSlot& slot = slots[t.base + at];
      if (slot.label_length == UINT32_MAX) return kNone;
      if (slot.hash == h && slot.label_length == seg.size() &&
          std::memcmp(labels.data() + slot.label_offset, seg.data(), seg.size()) == 0)
        return static_cast<std::int32_t>(slot.child);
    }
  }

  struct Walk {
    const Impl* self;
    Method method;
    std::array<std::string_view, kMaxPathParams>* params;
    std::uint8_t param_count = 0;
    MethodMask allow = 0;
    std::int32_t found = kNone;
  };

  // Matches a segment against a partial pattern ("{name}.{ext}", "v{major}-{minor}"): every
  // parameter takes the shortest non-empty text before the leftmost occurrence of the literal
  // after it, and a literal that ends the pattern is the segment's suffix. No backtracking is
  // needed: parameters take any text, so an earlier occurrence of a literal leaves everything a
  // later one would, and the leftmost choice matches whenever any choice does (and gives the
  // captures a lazy backtracking search gives). Linear in the segment, where trying the later
  // occurrences took polynomial time: a segment of 600 dashes against "{a}-{b}-{c}-{d}-" held a
  // worker for seconds. Out of line: inlined into walk(), it cost every request's walk a few
  // instructions of register saves (bench/instructions.sh dispatch, +8 to +30).
  [[gnu::noinline]] static bool match_pattern(const std::vector<Part>& parts, std::size_t k,
                                              std::string_view seg, Walk& w) noexcept {
    const std::uint8_t first_slot = w.param_count;
    std::size_t last = parts.size();  // parts [k, last) are matched from the left
    std::size_t end = seg.size();     // ... within seg[pos, end)
    if (last > k && !parts[last - 1].literal.empty()) {
      const std::string& suffix = parts[--last].literal;
      if (suffix.size() > seg.size() ||
          seg.compare(seg.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
      end -= suffix.size();
    }
    std::size_t pos = 0;
    for (; k < last; ++k) {
      const Part& p = parts[k];
      if (!p.literal.empty()) {  // the pattern's first part, or where a parameter stopped
        if (end - pos < p.literal.size() || seg.compare(pos, p.literal.size(), p.literal) != 0)
          break;
        pos += p.literal.size();
        continue;
      }
      if (pos >= end) break;  // a parameter needs a character
      std::size_t stop;       // where the parameter's text ends
      if (k + 1 == last) {
        stop = end;
      } else {  // a literal follows (templates with two parameters in a row are refused)
        stop = seg.substr(0, end).find(parts[k + 1].literal, pos + 1);
        if (stop == std::string_view::npos) break;
      }
      (*w.params)[w.param_count++] = seg.substr(pos, stop - pos);
      pos = stop;
    }
    if (k == last && pos == end) return true;
    w.param_count = first_slot;
    return false;
  }

  bool terminal(const Node& n, Walk& w) const noexcept {
    if (n.methods == 0) return false;
    std::int32_t r = n.routes[static_cast<std::size_t>(w.method)];
    if (r == kNone && w.method == Method::Head) r = n.routes[static_cast<std::size_t>(Method::Get)];
    if (r != kNone) {
      w.found = r;
      return true;
    }
    w.allow |= n.methods;
    return false;
  }

  // `rest` is the path after the '/' that starts the current segment.
  bool walk(std::uint32_t node_index, std::string_view rest, Walk& w) const noexcept {
    const Node& n = nodes[node_index];
    // One pass finds the segment's end and, where the node has literal children to look the
    // segment up among, hashes it and notes escapes (a node with only a parameter or patterns
    // below it needs neither: the common "/{id}" segment is only scanned for its end).
    std::uint32_t h = kFnvOffset;
    bool escaped = false;
    std::size_t len = 0;
    const char* p = rest.data();
    const std::size_t size = rest.size();
    if (n.literals.empty()) {
      while (len < size && p[len] != '/') ++len;
    } else {
      while (len < size && p[len] != '/') {
        const auto c = static_cast<unsigned char>(p[len]);
        escaped |= c == '%';
        h = (h ^ c) * kFnvPrime;
        ++len;
      }
    }
    const std::string_view seg(p, len);
    const bool last = len == size;
    const std::string_view tail = last ? std::string_view() : rest.substr(len + 1);

    auto descend = [&](std::uint32_t child) {
      return last ? terminal(nodes[child], w) : walk(child, tail, w);
    };

    if (!n.literals.empty()) {
      if (!escaped) {
        const std::int32_t child = find_literal(node_index, seg, h);
        if (child != kNone && descend(static_cast<std::uint32_t>(child))) return true;
      } else {
        for (const LiteralEdge& e : n.literals)
          if (decoded_equals(seg, e.label) && descend(e.child)) return true;
      }
    }
    const std::uint8_t mark = w.param_count;
    for (const Pattern& p : n.patterns) {
      if (match_pattern(p.parts, 0, seg, w) && descend(p.child)) return true;
      w.param_count = mark;
    }
    if (n.param_child != kNone && !seg.empty()) {
      (*w.params)[mark] = seg;
      w.param_count = static_cast<std::uint8_t>(mark + 1);
      if (descend(static_cast<std::uint32_t>(n.param_child))) return true;
      w.param_count = mark;
    }
    return false;
  }
};

RouteTable::Builder::Builder(std::string base_path) : state_(std::make_shared<State>()) {
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  if (!base_path.empty() && base_path.front() != '/') base_path.insert(base_path.begin(), '/');
  state_->base_path = std::move(base_path);
}

RouteTable::Builder& RouteTable::Builder::add(Method method, std::string_view tmpl,
                                              std::uint32_t route) {
  State& s = *state_;
  std::vector<std::string> names;
  std::vector<Segment> segments = parse_template(tmpl, names);
  if (route < s.route_used.size() && s.route_used[route])
    throw RouteError("route id " + std::to_string(route) + " added twice");

  std::uint32_t at = 0;
  for (Segment& seg : segments) {
    std::uint32_t next = 0;
    switch (seg.kind) {
      case Segment::Kind::Literal: {
        auto& lits = s.nodes[at].literals;
        auto it = std::lower_bound(
            lits.begin(), lits.end(), seg.literal,
            [](const LiteralEdge& e, const std::string& l) { return e.label < l; });
        if (it != lits.end() && it->label == seg.literal) {
          next = it->child;
        } else {
          next = static_cast<std::uint32_t>(s.nodes.size());
          s.nodes[at].literals.insert(it, LiteralEdge{seg.literal, next});
          s.nodes.emplace_back();
        }
        break;
      }
      case Segment::Kind::Param: {
        if (s.nodes[at].param_child == kNone) {
          s.nodes[at].param_child = static_cast<std::int32_t>(s.nodes.size());
          s.nodes.emplace_back();
        }
        next = static_cast<std::uint32_t>(s.nodes[at].param_child);
        break;
      }
      case Segment::Kind::Pattern: {
        auto& pats = s.nodes[at].patterns;
        auto it = std::find_if(pats.begin(), pats.end(),
                               [&](const Pattern& p) { return p.shape == seg.pattern.shape; });
        if (it != pats.end()) {
          next = it->child;
        } else {
          next = static_cast<std::uint32_t>(s.nodes.size());
          seg.pattern.child = next;
          pats.push_back(std::move(seg.pattern));
          std::stable_sort(pats.begin(), pats.end(), [](const Pattern& a, const Pattern& b) {
            return a.literal_chars > b.literal_chars;
          });
          s.nodes.emplace_back();
        }
        break;
      }
    }
    at = next;
  }
  Node& leaf = s.nodes[at];
  const auto mi = static_cast<std::size_t>(method);
  if (leaf.routes[mi] != kNone) {
    const RouteInfo& other = s.routes[static_cast<std::size_t>(leaf.routes[mi])];
    if (other.path_template == tmpl)
      throw RouteError(std::string(method_name(method)) + " " + std::string(tmpl) +
                       " is defined twice");
    throw RouteError(std::string(method_name(method)) + " " + std::string(tmpl) +
                     " is ambiguous with " + std::string(method_name(method)) + " " +
                     other.path_template + ": no request path can tell them apart");
  }
  leaf.routes[mi] = static_cast<std::int32_t>(route);
  leaf.methods |= method_bit(method);
  if (method == Method::Get) leaf.methods |= method_bit(Method::Head);
  if (s.routes.size() <= route) {
    s.routes.resize(route + 1);
    s.route_used.resize(route + 1, false);
  }
  s.routes[route] = RouteInfo{std::string(tmpl), std::move(names), method};
  s.route_used[route] = true;
  return *this;
}

RouteTable RouteTable::Builder::build() {
  RouteTable t;
  t.impl_->base_path = state_->base_path;
  t.impl_->nodes = state_->nodes;
  t.impl_->routes = state_->routes;
  t.impl_->compile_literal_tables();
  t.impl_->count = static_cast<std::size_t>(
      std::count(state_->route_used.begin(), state_->route_used.end(), true));
  return t;
}

RouteTable::RouteTable() : impl_(std::make_unique<Impl>()) {
  impl_->nodes.emplace_back();
}
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;
RouteTable::~RouteTable() = default;

RouteMatch RouteTable::match(Method method, std::string_view path) const noexcept {
  RouteMatch m;
  const Impl& impl = *impl_;
  if (path.empty() || path.front() != '/') return m;
  if (!impl.base_path.empty()) {
    if (path.size() < impl.base_path.size() ||
        path.compare(0, impl.base_path.size(), impl.base_path) != 0)
      return m;
    path.remove_prefix(impl.base_path.size());
    if (path.empty()) path = "/";
    if (path.front() != '/') return m;  // "/v1x" is not under "/v1"
  }
  Impl::Walk w{&impl, method, &m.params};
  if (impl.walk(0, path.substr(1), w)) {
    m.status = RouteMatch::Status::Found;
    m.route = static_cast<std::uint32_t>(w.found);
    m.param_count = w.param_count;
    return m;
  }
  m.param_count = 0;
  if (w.allow != 0) {
    m.status = RouteMatch::Status::MethodNotAllowed;
    m.allow = w.allow;
  }
  return m;
}

const std::vector<std::string>& RouteTable::param_names(std::uint32_t route) const {
  return impl_->routes.at(route).param_names;
}

const std::string& RouteTable::path_template(std::uint32_t route) const {
  return impl_->routes.at(route).path_template;
}

std::size_t RouteTable::size() const noexcept {
  return impl_->count;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_digit_value(in[i + 1]), lo = hex_digit_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

}  // namespace brrt::router
