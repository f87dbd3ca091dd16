#pragma once
// Duplicate keys in JSON text. RFC 8259 leaves an object with a key twice to the parser, and
// Boost.JSON keeps the last; a document that says two things at once is refused instead (a
// spec, a request body: a proxy keeping the first value and a handler seeing the last would
// disagree on what was sent). JsonValueHandler counts the keys it is given: fewer members
// than keys means a duplicate, and only then is the text searched for where it is.
#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace brrt {

// Members of every object in `v`, nested ones included. Recursive: the depth is the
// parser's max_depth, which bounds it.
std::size_t count_members(const boost::json::value& v) noexcept;

// The first key (in text order) that an earlier key of the same object repeats, in JSON text
// already known to be valid: where it is, where the first one is (byte offsets), and the key.
struct DuplicateKey {
  std::size_t at = 0, first = 0;
  std::string key;
};
std::optional<DuplicateKey> find_duplicate_key(std::string_view text);

}  // namespace brrt
