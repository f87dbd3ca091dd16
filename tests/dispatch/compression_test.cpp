// gzip response compression: which Accept-Encoding values accept gzip, which media types are
// compressed, that a compressed body inflates back to the original, and which responses are
// left alone.
#include "brrt/dispatch/compression.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "gunzip.hpp"

namespace {

using namespace brrt;
using namespace brrt::dispatch;

std::string gunzip(const std::string& in) {
  std::string out;
  EXPECT_TRUE(test::gunzip(in, out));
  return out;
}

std::string pets(int n) {
  std::string body = "[";
  for (int i = 1; i <= n; ++i)
    body += (i > 1 ? "," : "") + std::string(R"({"id":)") + std::to_string(i) + R"(,"name":"pet-)" +
            std::to_string(i) + R"(","tag":"dog"})";
  return body + "]";
}

TEST(Compression, AcceptEncoding) {
  for (const char* yes : {"gzip", "GZIP", "deflate, gzip", "gzip;q=0.5", "br;q=1.0, gzip;q=0.8",
                          "x-gzip", "*", "identity, *;q=0.1", " gzip ; q=1 "})
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  for (const char* no : {"", "identity", "br", "deflate", "gzip;q=0", "gzip;q=0.000", "*;q=0",
                         "*, gzip;q=0", "gzip;q=2x", "gzipx"})
    EXPECT_FALSE(accepts_gzip(no)) << no;
}

TEST(Compression, MediaTypes) {
  for (const char* yes : {"application/json", "application/problem+json",
                          "text/html; charset=utf-8", "application/yaml", "application/javascript",
                          "image/svg+xml", "text/css", "application/x-ndjson"})
    EXPECT_TRUE(compressible_type(yes)) << yes;
  for (const char* no :
       {"image/png", "application/octet-stream", "application/zip", "", "font/woff2"})
    EXPECT_FALSE(compressible_type(no)) << no;
}

TEST(Compression, RoundTripAndReuse) {
  GzipEncoder gz(1);
  std::string out;
  for (const std::string& in : {pets(200), std::string(), pets(3), std::string(100000, 'x')}) {
    ASSERT_TRUE(gz.encode(in, out));
    EXPECT_TRUE(gunzip(out) == in) << in.size();  // the same encoder, reset between bodies
  }
}

// Compression on, one encoder, and a request whose Accept-Encoding is `accept`.
struct Compressing {
  explicit Compressing(std::string_view accept) {
    o.enabled = true;
    req.headers[0] = {"Accept-Encoding", accept};
    req.header_count = 1;
  }
  CompressionOptions o;
  GzipEncoder gz{1};
  std::string scratch;
  http::Request req;
};

TEST(Compression, WhichResponsesAreCompressed) {
  Compressing c("gzip, br");
  auto& [o, gz, scratch, req] = c;
  auto response = [](int status, std::string body, std::string_view type) {
    http::Response res;
    res.status = status;
    res.body = std::move(body);
    res.set_content_type(type);
    return res;
  };

  http::Response res = response(200, pets(100), "application/json");
  const std::string original = res.body;
  compress_response(o, gz, req, res, scratch);
  ASSERT_EQ(res.header("Content-Encoding"), "gzip");
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
  EXPECT_LT(res.body.size(), original.size() / 4);
  EXPECT_TRUE(gunzip(res.body) == original);

  res = response(200, "{\"status\":\"ok\"}", "application/json");  // below min_bytes
  compress_response(o, gz, req, res, scratch);
  EXPECT_FALSE(res.header("Content-Encoding"));
  EXPECT_FALSE(res.header("Vary"));
  for (const auto& [status, type] : {std::pair<int, std::string_view>{200, "image/png"},
                                     {204, "application/json"},
                                     {304, "application/json"}}) {
    res = response(status, pets(100), type);
    compress_response(o, gz, req, res, scratch);
    EXPECT_FALSE(res.header("Content-Encoding")) << status << " " << type;
  }
  res = response(200, pets(100), "application/json");  // already encoded by the handler
  res.add_header("Content-Encoding", "br");
  compress_response(o, gz, req, res, scratch);
  EXPECT_EQ(res.header("Content-Encoding"), "br");

  // A client that does not accept gzip gets the body as it is, and Vary for caches.
  http::Request plain;
  res = response(200, pets(100), "application/json");
  compress_response(o, gz, plain, res, scratch);
  EXPECT_FALSE(res.header("Content-Encoding"));
  EXPECT_EQ(res.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(res.body, original);

  o.enabled = false;
  res = response(200, pets(100), "application/json");
  compress_response(o, gz, req, res, scratch);
  EXPECT_FALSE(res.header("Content-Encoding"));
  EXPECT_FALSE(res.header("Vary"));
}

TEST(Compression, CompressedAnswersWeakenStrongEntityTags) {
  Compressing c("gzip");
  auto& [o, gz, scratch, req] = c;
  for (const auto& [tag, expected] : {std::pair{"\"a1\"", "W/\"a1\""}, {"W/\"a1\"", "W/\"a1\""}}) {
    http::Response res;
    res.body = pets(100);
    res.set_content_type("application/json");
    res.add_header("ETag", tag);
    compress_response(o, gz, req, res, scratch);
    ASSERT_EQ(res.header("Content-Encoding"), "gzip");
    EXPECT_EQ(res.header("ETag"), expected);
  }
  // Not compressed (small): the handler's bytes, the handler's tag.
  http::Response res;
  res.body = pets(1);
  res.set_content_type("application/json");
  res.add_header("ETag", "\"a1\"");
  compress_response(o, gz, req, res, scratch);
  EXPECT_FALSE(res.header("Content-Encoding"));
  EXPECT_EQ(res.header("ETag"), "\"a1\"");
}

}  // namespace
