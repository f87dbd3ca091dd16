// is_valid_utf8 and utf8_sequence against a decoder written from RFC 3629's table (section 4),
// over every string of one and two bytes, every lead byte with continuation bytes at their
// bounds, and at every offset around the eight-byte ASCII fast path.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "brrt/core/utf8.hpp"

namespace brrt {
namespace {

// RFC 3629, 4: the well-formed byte sequences, range by range.
bool reference_valid(std::string_view s) {
  auto in = [](unsigned char c, int lo, int hi) { return c >= lo && c <= hi; };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const std::size_t left = s.size() - i;
    if (b(0) <= 0x7F) {
      i += 1;
    } else if (in(b(0), 0xC2, 0xDF) && left >= 2 && in(b(1), 0x80, 0xBF)) {
      i += 2;
    } else if (left >= 3 && in(b(2), 0x80, 0xBF) &&
               ((b(0) == 0xE0 && in(b(1), 0xA0, 0xBF)) ||
                (in(b(0), 0xE1, 0xEC) && in(b(1), 0x80, 0xBF)) ||
                (b(0) == 0xED && in(b(1), 0x80, 0x9F)) ||
                (in(b(0), 0xEE, 0xEF) && in(b(1), 0x80, 0xBF)))) {
      i += 3;
    } else if (left >= 4 && in(b(2), 0x80, 0xBF) && in(b(3), 0x80, 0xBF) &&
               ((b(0) == 0xF0 && in(b(1), 0x90, 0xBF)) ||
                (in(b(0), 0xF1, 0xF3) && in(b(1), 0x80, 0xBF)) ||
                (b(0) == 0xF4 && in(b(1), 0x80, 0x8F)))) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

TEST(Utf8, EveryOneAndTwoByteString) {
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    ASSERT_EQ(is_valid_utf8(one), reference_valid(one)) << a;
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(is_valid_utf8(two), reference_valid(two)) << a << " " << b;
    }
  }
}

TEST(Utf8, LongerSequencesAtTheirBounds) {
  const int seconds[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (int lead = 0xC0; lead < 256; ++lead)
    for (int second : seconds)
      for (int third : {0x41, 0x80, 0xBF, 0xC0})
        for (int fourth : {0x41, 0x80, 0xBF, 0xC0}) {
          const std::string s{static_cast<char>(lead), static_cast<char>(second),
                              static_cast<char>(third), static_cast<char>(fourth)};
          for (std::size_t n = 1; n <= 4; ++n)
            ASSERT_EQ(is_valid_utf8(s.substr(0, n)), reference_valid(s.substr(0, n)))
                << lead << " " << second << " " << third << " " << fourth << " n=" << n;
        }
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(utf8_sequence("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(utf8_sequence("\xE2\x82", 0), 0u);  // cut short
  EXPECT_EQ(utf8_sequence("a", 0), 0u);         // one byte is not a sequence of more
}

TEST(Utf8, BadByteAtEveryOffsetOfLongAsciiText) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string s(40, 'a');
    EXPECT_TRUE(is_valid_utf8(s));
    s[at] = '\xFF';
    EXPECT_FALSE(is_valid_utf8(s)) << at;
    EXPECT_EQ(first_invalid_utf8(s), at);
    EXPECT_EQ(first_invalid_utf8(std::string(at, 'a') + "\xC3\xA9" + "\xE2\x82"), at + 2);
    if (at + 2 <= s.size()) {
      s[at] = '\xC3';
      s[at + 1] = '\xA9';
      EXPECT_TRUE(is_valid_utf8(s)) << at;
      s[at + 1] = 'a';
      EXPECT_FALSE(is_valid_utf8(s)) << at;
    }
  }
}

}  // namespace
}  // namespace brrt
