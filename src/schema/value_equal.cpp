#include "schema/value_equal.hpp"

#include <boost/json/value.hpp>

#include <cmath>
#include <string_view>

namespace brrt::schema::detail {

namespace json = boost::json;

namespace {

// Equality recursion is bounded so a value built in code (not parsed with a depth limit)
// cannot exhaust the stack; deeper values compare unequal.
constexpr int kMaxDepth = 512;

long double number_of(const json::value& v) noexcept {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

bool equal(const json::value& a, const json::value& b, int depth) noexcept {
  if (depth > kMaxDepth) return false;
  if (a.is_number() && b.is_number()) {
    if (a.kind() == b.kind()) {
      if (a.is_int64()) return a.get_int64() == b.get_int64();
      if (a.is_uint64()) return a.get_uint64() == b.get_uint64();
    }
    return number_of(a) == number_of(b);
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::null:
      return true;
    case json::kind::bool_:
      return a.get_bool() == b.get_bool();
    case json::kind::string:
      return a.get_string() == b.get_string();
    case json::kind::array: {
      const json::array& x = a.get_array();
      const json::array& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i], depth + 1)) return false;
      return true;
    }
    case json::kind::object: {
      const json::object& x = a.get_object();
      const json::object& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end() || !equal(kv.value(), it->value(), depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

std::uint64_t mix(std::uint64_t h, std::uint64_t x) noexcept {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

std::uint64_t hash_bytes(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::uint64_t hash(const json::value& v, int depth) noexcept {
  if (depth > kMaxDepth) return 0;
  switch (v.kind()) {
    case json::kind::null:
      return 1;
    case json::kind::bool_:
      return v.get_bool() ? 2 : 3;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      // Equal numbers of different kinds must hash alike: hash the value as long double bits
      // of its integral / fractional parts.
      const long double x = number_of(v);
      if (!std::isfinite(x)) return x > 0 ? 8 : 9;
      long double ip = 0;
      const long double frac = std::modf(x, &ip);
      std::uint64_t h = 4;
      h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(std::fmod(ip, 9.0e18L))));
      h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(frac * 1e9L)));
      return h;
    }
    case json::kind::string:
      return mix(5, hash_bytes(v.get_string()));
    case json::kind::array: {
      std::uint64_t h = 6;
      for (const json::value& e : v.get_array()) h = mix(h, hash(e, depth + 1));
      return h;
    }
    case json::kind::object: {
      // Member order does not matter: combine member hashes commutatively.
      std::uint64_t h = 0;
      for (const auto& kv : v.get_object())
        h += mix(hash_bytes(kv.key()), hash(kv.value(), depth + 1));
      return mix(7, h);
    }
  }
  return 0;
}

}  // namespace

bool value_equal(const json::value& a, const json::value& b) noexcept {
  return equal(a, b, 0);
}
std::uint64_t value_hash(const json::value& v) noexcept {
  return hash(v, 0);
}

}  // namespace brrt::schema::detail
