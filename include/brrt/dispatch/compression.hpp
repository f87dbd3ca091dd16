#pragma once
// gzip response compression (RFC 9110 8.4, Content-Encoding: gzip) for clients that accept
// it: large JSON lists, the spec and Swagger UI's assets shrink 4-10x. zlib (Debian
// zlib1g-dev) does the deflating; one compressor per worker thread is reset between
// responses, so a response allocates nothing once the worker has seen its largest one.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

struct CompressionOptions {
  bool enabled = false;
  std::size_t min_bytes = 1024;  // smaller bodies are sent as they are
  int level = 1;                 // zlib level 1 (fastest) to 9 (smallest)
};

// Whether an Accept-Encoding value accepts gzip: "gzip", "x-gzip" or "*" with a q above 0
// (an explicit gzip;q=0 refuses it even when "*" accepts).
bool accepts_gzip(std::string_view accept_encoding) noexcept;

// Whether a media type is worth compressing: text, JSON, YAML, XML, JavaScript, SVG.
bool compressible_type(std::string_view content_type) noexcept;

class GzipEncoder {
 public:
  explicit GzipEncoder(int level);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // The gzip member of `in` into `out` (replaced); false if zlib failed (out unspecified).
  bool encode(std::string_view in, std::string& out);

 private:
  struct Stream;
  std::unique_ptr<Stream> z_;
};

// Compresses `res` for `req` when the options, the request's Accept-Encoding, the status,
// the media type and the size allow, swapping the body with `scratch`; adds
// Vary: Accept-Encoding whenever the answer depends on that header.
void compress_response(const CompressionOptions& options, GzipEncoder& encoder,
                       const http::Request& req, http::Response& res, std::string& scratch);

}  // namespace brrt::dispatch
