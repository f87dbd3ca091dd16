#pragma once
// A body fixed when it is loaded (the served spec, the Swagger UI page and its assets), kept
// in every form a GET or HEAD for it can take: its bytes, its gzip form when compression is
// on, and an entity tag for each. Computed once, so a request costs a copy of the bytes, not a
// deflate (Swagger UI's 1.7 MB bundle takes tens of milliseconds to compress, all of it on
// the worker that serves it) nor a hash, and a client that already has the bytes gets 304
// Not Modified (RFC 9110 13.1.2, 15.4.5) with no body at all.
#include <string>
#include <string_view>

#include "brrt/dispatch/compression.hpp"
#include "brrt/http/message.hpp"

namespace brrt::dispatch {

class StaticBody {
 public:
  StaticBody() = default;
  // `cache_control` is sent with every answer ("no-cache": use it, but ask each time;
  // "public, max-age=3600": use it for an hour without asking).
  StaticBody(std::string content_type, std::string bytes, std::string cache_control,
             const CompressionOptions& compression);

  // Answers a GET or HEAD for this body into `res` (fresh): 304 with the tag when the
  // request's If-None-Match matches the form the client would get, else 200 with that form
  // (gzip when compression is on, the type compressible, the gzip form smaller and the
  // client accepting it). Sets Vary: Accept-Encoding whenever the form depends on it.
  void answer(const http::Request& req, http::Response& res) const;

  std::string_view bytes() const noexcept { return bytes_; }
  std::string_view gzip() const noexcept { return gzip_; }  // empty when not compressed
  std::string_view etag() const noexcept { return etag_; }  // quoted, strong
  std::string_view gzip_etag() const noexcept { return gzip_etag_; }

 private:
  std::string content_type_;
  std::string bytes_;
  std::string gzip_;
  std::string etag_;
  std::string gzip_etag_;
  std::string cache_control_;
  bool varies_ = false;  // the answer depends on Accept-Encoding
};

}  // namespace brrt::dispatch
