#pragma once
// A request's JSON body parsed into the request's arena.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace brrt::dispatch {

// Parses `text` (the whole body) into a value on `sp`, nested at most `max_depth` deep; `out`
// should be on `sp` too, or the parsed value is copied into out's storage (Boost.JSON assigns
// across resources by copying: 60 µs for a 23 KB document against 24 µs to parse it). On
// failure returns false, with `message` saying what is wrong and where ("the body is not valid
// JSON at byte 12: syntax error").
//
// Boost.JSON's own parser reads a number beyond the range of a double (1e400, or 400 digits)
// as an infinity: JSON (RFC 8259) has no such value, a schema's bounds would compare it as
// if it were one (`minimum: 0` accepted it), and serializing it back writes `Infinity`, which
// no JSON parser reads. The same Boost.JSON parser runs here with a handler that refuses it,
// at no cost to other values (Boost.JSON offers no option for it in 1.81). An object with a
// key twice is refused too (core/json_duplicate_key.hpp): Boost.JSON would keep the last
// value, where a proxy or a WAF in front may have judged the first.
bool parse_json_body(std::string_view text, const boost::json::storage_ptr& sp,
                     std::size_t max_depth, boost::json::value& out, std::string& message);

}  // namespace brrt::dispatch
