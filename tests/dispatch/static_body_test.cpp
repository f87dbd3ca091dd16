// StaticBody: entity tags per form, 304 for a client that has the form it would get, the gzip
// form for clients that accept it, and Vary whenever the form depends on Accept-Encoding.
#include "brrt/dispatch/static_body.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "gunzip.hpp"

namespace {

using namespace brrt;
using namespace brrt::dispatch;

std::string big_json() {
  std::string s = "[";
  for (int i = 0; i < 500; ++i)
    s += (i ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + "}";
  return s + "]";
}

CompressionOptions gzip_on() {
  CompressionOptions o;
  o.enabled = true;
  return o;
}

// A GET with these headers (views: the strings must outlive the request).
http::Request asked(std::initializer_list<http::Header> headers) {
  http::Request req;
  for (const http::Header& h : headers) req.headers[req.header_count++] = h;
  return req;
}

TEST(StaticBody, TagsTellContentAndFormApart) {
  const StaticBody a("application/json", big_json(), "no-cache", gzip_on());
  const StaticBody same("application/json", big_json(), "no-cache", gzip_on());
  const StaticBody other("application/json", big_json() + " ", "no-cache", gzip_on());
  EXPECT_EQ(a.etag(), same.etag());
  EXPECT_NE(a.etag(), other.etag());
  ASSERT_FALSE(a.gzip().empty());
  EXPECT_NE(a.etag(), a.gzip_etag());
  EXPECT_EQ(a.etag().front(), '"');
  EXPECT_EQ(a.etag().back(), '"');
  std::string inflated;
  ASSERT_TRUE(test::gunzip(std::string(a.gzip()), inflated));
  EXPECT_TRUE(inflated == a.bytes());
}

TEST(StaticBody, AnswersTheFormTheClientAccepts) {
  const StaticBody body("application/json", big_json(), "no-cache", gzip_on());
  http::Response res;
  body.answer(asked({}), res);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body == body.bytes());
  EXPECT_EQ(res.content_type(), "application/json");
  EXPECT_EQ(res.header("ETag"), body.etag());
  EXPECT_EQ(res.header("Cache-Control"), "no-cache");
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
  EXPECT_FALSE(res.header("Content-Encoding"));

  res.reset();
  body.answer(asked({{"Accept-Encoding", "br, gzip"}}), res);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body == body.gzip());
  EXPECT_EQ(res.header("Content-Encoding"), "gzip");
  EXPECT_EQ(res.header("ETag"), body.gzip_etag());
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
}

TEST(StaticBody, NotModifiedWhenTheClientHasThatForm) {
  const StaticBody body("application/json", big_json(), "public, max-age=3600", gzip_on());
  const std::string plain(body.etag()), gz(body.gzip_etag());
  const std::string weak = "W/" + plain;
  http::Response res;
  body.answer(asked({{"If-None-Match", plain}}), res);
  EXPECT_EQ(res.status, 304);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(res.header("ETag"), plain);  // what a 200 would have said (RFC 9110 15.4.5)
  EXPECT_EQ(res.header("Cache-Control"), "public, max-age=3600");
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");

  res.reset();
  body.answer(asked({{"If-None-Match", weak}}), res);
  EXPECT_EQ(res.status, 304);
  res.reset();
  body.answer(
      asked({{"If-None-Match", R"("old")"}, {"If-None-Match", gz}, {"Accept-Encoding", "gzip"}}),
      res);
  EXPECT_EQ(res.status, 304) << "a repeated field is one list";
  EXPECT_EQ(res.header("ETag"), gz);
  // The tag of the other form is another representation: the full answer.
  res.reset();
  body.answer(asked({{"If-None-Match", plain}, {"Accept-Encoding", "gzip"}}), res);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body == body.gzip());
  res.reset();
  body.answer(asked({{"If-None-Match", "*"}}), res);
  EXPECT_EQ(res.status, 304);
  res.reset();
  body.answer(asked({{"If-None-Match", R"("old")"}}), res);
  EXPECT_EQ(res.status, 200);
}

TEST(StaticBody, NoGzipFormWhereCompressionDoesNotApply) {
  // Off, too small, or a type not worth it: one form, and Accept-Encoding changes nothing.
  CompressionOptions off;
  CompressionOptions large = gzip_on();
  large.min_bytes = 1 << 20;
  for (const auto& [type, options] :
       {std::pair{"application/json", off}, std::pair{"application/json", large},
        std::pair{"image/png", gzip_on()}}) {
    const StaticBody body(type, big_json(), "", options);
    EXPECT_TRUE(body.gzip().empty()) << type;
    http::Response res;
    body.answer(asked({{"Accept-Encoding", "gzip"}}), res);
    EXPECT_EQ(res.status, 200);
    EXPECT_TRUE(res.body == body.bytes());
    EXPECT_FALSE(res.header("Content-Encoding"));
    EXPECT_FALSE(res.header("Cache-Control"));
    EXPECT_EQ(res.header("ETag"), body.etag());
  }
  // Below min_bytes a body is never compressed, whatever the client says: no Vary (as
  // compress_response for dynamic answers).
  const StaticBody small("application/json", big_json(), "", large);
  http::Response res;
  small.answer(asked({}), res);
  EXPECT_FALSE(res.header("Vary"));
}

}  // namespace
