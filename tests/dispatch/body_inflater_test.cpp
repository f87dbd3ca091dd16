// Request bodies' content codings: which Content-Encoding values name gzip or deflate, that
// each framing (gzip, several gzip members, zlib, bare deflate) inflates to what was
// compressed, that inflating stops at the cap (a zip bomb), and that corrupt, cut short and
// trailing data are told apart.
#include "brrt/dispatch/body_inflater.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace {

using namespace brrt::dispatch;

// `in` deflated by zlib itself with `window_bits` (31 gzip, 15 zlib, -15 bare deflate).
std::string deflate_with(int window_bits, const std::string& in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::string pets(int n) {
  std::string body = "[";
  for (int i = 1; i <= n; ++i)
    body += (i > 1 ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + R"(,"name":"pet-)" +
            std::to_string(i) + R"("})";
  return body + "]";
}

TEST(BodyInflater, ContentCodingNamesOneCoding) {
  EXPECT_EQ(content_coding(""), ContentCoding::Identity);
  EXPECT_EQ(content_coding("identity"), ContentCoding::Identity);
  EXPECT_EQ(content_coding("Identity, identity"), ContentCoding::Identity);
  EXPECT_EQ(content_coding("gzip"), ContentCoding::Gzip);
  EXPECT_EQ(content_coding(" GZip "), ContentCoding::Gzip);
  EXPECT_EQ(content_coding("x-gzip"), ContentCoding::Gzip);
  EXPECT_EQ(content_coding("identity, gzip"), ContentCoding::Gzip);
  EXPECT_EQ(content_coding("deflate"), ContentCoding::Deflate);
  EXPECT_EQ(content_coding("br"), ContentCoding::Other);
  EXPECT_EQ(content_coding("compress"), ContentCoding::Other);
  EXPECT_EQ(content_coding("gzip;q=1"), ContentCoding::Other);
  EXPECT_EQ(content_coding("gzip, gzip"), ContentCoding::Other);  // stacked: not undone
  EXPECT_EQ(content_coding("deflate, br"), ContentCoding::Other);
}

TEST(BodyInflater, EachFramingInflatesToWhatWasCompressed) {
  BodyInflater inflater;
  const std::string plain = pets(500);
  std::string out, why;
  for (const auto& [coding, bits] :
       {std::pair{ContentCoding::Gzip, 31}, std::pair{ContentCoding::Deflate, 15},
        std::pair{ContentCoding::Deflate, -15}}) {
    SCOPED_TRACE(bits);
    const std::string coded = deflate_with(bits, plain);
    ASSERT_LT(coded.size(), plain.size() / 4);
    ASSERT_EQ(inflater.inflate(coding, coded, 1 << 20, out, why), InflateStatus::Ok) << why;
    EXPECT_TRUE(out == plain);
  }
  // Several gzip members are one body, as gunzip reads them; the inflater is reused.
  const std::string two = deflate_with(31, "[1,2,") + deflate_with(31, "3]");
  ASSERT_EQ(inflater.inflate(ContentCoding::Gzip, two, 100, out, why), InflateStatus::Ok) << why;
  EXPECT_EQ(out, "[1,2,3]");
  // A body that inflates to exactly the cap is taken; nothing inflates to nothing.
  ASSERT_EQ(inflater.inflate(ContentCoding::Gzip, deflate_with(31, "12345"), 5, out, why),
            InflateStatus::Ok);
  EXPECT_EQ(out, "12345");
  ASSERT_EQ(inflater.inflate(ContentCoding::Deflate, deflate_with(15, ""), 5, out, why),
            InflateStatus::Ok);
  EXPECT_EQ(out, "");
}

TEST(BodyInflater, InflatingStopsAtTheCap) {
  BodyInflater inflater;
  // 16 MiB of zeros in 16 KiB of gzip: stopped one byte past the 1 MiB cap, not inflated.
  const std::string bomb = deflate_with(31, std::string(16u << 20, '\0'));
  ASSERT_LT(bomb.size(), 20u << 10);
  std::string out, why;
  EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, bomb, 1 << 20, out, why),
            InflateStatus::TooLarge);
  EXPECT_EQ(why, "the gzip request body inflates to more than 1048576 bytes");
  EXPECT_LE(out.size(), (1u << 20) + 1);
  EXPECT_EQ(inflater.inflate(ContentCoding::Deflate, deflate_with(15, "123456"), 5, out, why),
            InflateStatus::TooLarge);
  // The inflater is whole after a refusal.
  ASSERT_EQ(inflater.inflate(ContentCoding::Gzip, deflate_with(31, "{}"), 5, out, why),
            InflateStatus::Ok);
  EXPECT_EQ(out, "{}");
}

TEST(BodyInflater, CorruptTruncatedAndTrailingDataAreToldApart) {
  BodyInflater inflater;
  const std::string gz = deflate_with(31, pets(50));
  std::string out, why;
  EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, R"({"name":"Rex"})", 1 << 20, out, why),
            InflateStatus::Corrupt);
  EXPECT_EQ(why, "the gzip request body is not valid gzip data (incorrect header check)");
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, flipped, 1 << 20, out, why),
            InflateStatus::Corrupt);
  std::string bad_crc = gz;
  bad_crc[gz.size() - 6] ^= 1;  // the CRC-32 in the trailer
  EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, bad_crc, 1 << 20, out, why),
            InflateStatus::Corrupt);
  EXPECT_EQ(why, "the gzip request body is not valid gzip data (incorrect data check)");
  for (const std::size_t cut : {std::size_t{1}, std::size_t{10}, gz.size() / 2, gz.size() - 1}) {
    EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, gz.substr(0, cut), 1 << 20, out, why),
              InflateStatus::Truncated)
        << cut;
    EXPECT_EQ(why, "the gzip request body ends inside its compressed stream");
  }
  EXPECT_EQ(inflater.inflate(ContentCoding::Gzip, gz + "xyz", 1 << 20, out, why),
            InflateStatus::Trailing);
  EXPECT_EQ(why, "the gzip request body has 3 bytes after the end of its compressed stream");
  EXPECT_EQ(
      inflater.inflate(ContentCoding::Deflate, deflate_with(15, "{}") + gz, 1 << 20, out, why),
      InflateStatus::Trailing);  // members follow one another in gzip only
  EXPECT_EQ(inflater.inflate(ContentCoding::Deflate, "\x78\x9c", 1 << 20, out, why),
            InflateStatus::Truncated);
  ASSERT_EQ(inflater.inflate(ContentCoding::Gzip, gz, 1 << 20, out, why), InflateStatus::Ok);
  EXPECT_TRUE(out == pets(50));
}

}  // namespace
