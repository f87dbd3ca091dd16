#include "brrt/core/method.hpp"

#include <gtest/gtest.h>

namespace brrt {

TEST(Method, RoundTripsEveryMethod) {
  for (std::size_t i = 0; i < kMethodCount; ++i) {
    auto m = static_cast<Method>(i);
    EXPECT_EQ(parse_method(method_name(m)), m);
    EXPECT_EQ(parse_method_key(method_key(m)), m);
  }
}

TEST(Method, WireNamesAreCaseSensitive) {
  EXPECT_FALSE(parse_method("get").has_value());
  EXPECT_FALSE(parse_method("GETX").has_value());
  EXPECT_FALSE(parse_method("").has_value());
  EXPECT_EQ(parse_method("QUERY"), Method::Query);
  // A near miss at every length, and methods HTTP has that OpenAPI does not.
  for (const char* other : {"GEt", "PUX", "POSt", "HEAd", "PATCh", "TRACe", "QUERy", "DELETe",
                            "OPTIONs", "CONNECT", "PRI", "MKCOL", "G", "GETTING"})
    EXPECT_FALSE(parse_method(other).has_value()) << other;
}

}  // namespace brrt
