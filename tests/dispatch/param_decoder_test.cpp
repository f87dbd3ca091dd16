// ParamDecoder's text-level pieces: integers (a fast path for plain decimal digits, from_chars
// and then a double for everything else) and url_decode's reasons.
#include <gtest/gtest.h>

#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "brrt/dispatch/param_decoder.hpp"

namespace brrt::dispatch {
namespace {

namespace json = boost::json;

// The integer `text` coerces to, or the error.
std::string integer(std::string_view text) {
  spec::Parameter p;
  p.name = "id";
  p.in = spec::ParamIn::Path;
  const ParamDecoder d(p);
  json::value out;
  ParamError error;
  if (!d.coerce(text, Kind::Integer, out, error)) return "error: " + error.message;
  if (!out.is_int64()) return "not int64";
  return std::to_string(out.get_int64());
}

TEST(ParamDecoder, IntegersOfEveryShape) {
  EXPECT_EQ(integer("123457"), "123457");
  EXPECT_EQ(integer("0"), "0");
  EXPECT_EQ(integer("-0"), "0");
  EXPECT_EQ(integer("-5"), "-5");
  EXPECT_EQ(integer("+7"), "7");
  EXPECT_EQ(integer("007"), "7");
  EXPECT_EQ(integer("999999999999999999"), "999999999999999999");      // 18 digits
  EXPECT_EQ(integer("-999999999999999999"), "-999999999999999999");    // 18 digits
  EXPECT_EQ(integer("9223372036854775807"), "9223372036854775807");    // 19: from_chars
  EXPECT_EQ(integer("-9223372036854775808"), "-9223372036854775808");  // 19: from_chars
  EXPECT_EQ(integer("1e3"), "1000");                                   // a double with no fraction
  EXPECT_EQ(integer("2.0"), "2");
  for (const char* bad : {"", "-", "+", "12a", "a12", " 1", "1 ", "--1", "+-1", "1.5", "0x10",
                          "\xD9\xA1"})  // the last: Arabic-Indic 1
    EXPECT_EQ(integer(bad),
              "error: path parameter 'id': '" + std::string(bad) + "' is not an integer")
        << bad;
  // Digits beyond int64 are an integer, but not one a handler can read as int64: said so.
  for (const char* big : {"9223372036854775808", "-9223372036854775809", "+99999999999999999999"})
    EXPECT_EQ(integer(big), "error: path parameter 'id': '" + std::string(big) +
                                "' is beyond the range of a 64-bit integer")
        << big;
}

// "." and "..", raw or percent-encoded, name no resource: refused as path parameter values
// (the router does not normalize dot segments away, and a handler building a file path from
// the value would climb a directory).
TEST(ParamDecoder, DotSegmentsAreNoPathValue) {
  spec::Parameter p;
  p.name = "name";
  p.in = spec::ParamIn::Path;
  const ParamDecoder d(p);
  for (const char* dot : {".", "..", "%2e", "%2E%2e", ".%2E"}) {
    json::value out;
    ParamError error;
    EXPECT_FALSE(d.decode_path(dot, out, error)) << dot;
    EXPECT_EQ(error.message, "path parameter 'name': '" + std::string(dot) +
                                 "' is a dot segment ('.' or '..'), which names no resource and "
                                 "is refused");
  }
  for (const char* ok : {"...", ".a", "a.", "%2e%2e%2e", "%2f"}) {
    json::value out;
    ParamError error;
    EXPECT_TRUE(d.decode_path(ok, out, error)) << ok << ": " << error.message;
  }
}

TEST(ParamDecoder, UrlDecodeSaysWhy) {
  std::string out;
  EXPECT_EQ(url_decode("a%20b+c", out, true), DecodeError::None);
  EXPECT_EQ(out, "a b c");
  EXPECT_EQ(url_decode("a+b", out, false), DecodeError::None);
  EXPECT_EQ(out, "a+b");
  EXPECT_EQ(url_decode("%C3%A9", out, false), DecodeError::None);
  EXPECT_EQ(out, "\xC3\xA9");
  EXPECT_EQ(url_decode("%", out, false), DecodeError::MalformedEscape);
  EXPECT_EQ(url_decode("%4", out, false), DecodeError::MalformedEscape);
  EXPECT_EQ(url_decode("%4g", out, false), DecodeError::MalformedEscape);
  EXPECT_EQ(url_decode("%FF", out, false), DecodeError::NotUtf8);
  EXPECT_EQ(url_decode("%C3", out, false), DecodeError::NotUtf8);     // cut short
  EXPECT_EQ(url_decode("%C0%80", out, false), DecodeError::NotUtf8);  // overlong NUL
  EXPECT_EQ(url_decode("a\xFF", out, false), DecodeError::NotUtf8);   // a raw byte (cookies)
  EXPECT_EQ(to_string(DecodeError::NotUtf8), "not valid UTF-8");
}

}  // namespace
}  // namespace brrt::dispatch
