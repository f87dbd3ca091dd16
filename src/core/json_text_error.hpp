#pragma once
// What a refused JSON text is told: the same words wherever a body is parsed, into a
// boost::json::value (dispatch's parse_json_body) or a schema::Document.
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace brrt {

// "<subject> is not valid JSON at byte <at>: <why>", `why` Boost.JSON's message, or that a
// number is beyond the range of a double when the parse stopped on one (`out_of_range`).
std::string invalid_json_message(std::string_view subject, std::size_t at, bool out_of_range,
                                 const boost::system::error_code& ec);

// For valid JSON `text` with a key twice in one object: "<subject> has the key 'k' twice in
// one object (at bytes a and b): a key may appear once in an object" (find_duplicate_key).
std::string repeated_key_message(std::string_view subject, std::string_view text);

}  // namespace brrt
