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

// Whether the options compress a body of this type and size at all (on, at least min_bytes,
// a compressible type, within zlib's lengths): where they do, the answer depends on the
// client's Accept-Encoding.
bool worth_compressing(const CompressionOptions& options, std::string_view content_type,
                       std::size_t size) noexcept;

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

// What compress_response decides for `res` and `req`, without compressing: whether the
// answer depends on Accept-Encoding (the options, the status, the media type and the size
// allow gzip and the handler did not encode the body) and whether this client gets gzip.
struct EncodingChoice {
  bool varies = false;
  bool gzip = false;
};
EncodingChoice choose_encoding(const CompressionOptions& options, const http::Request& req,
                               const http::Response& res) noexcept;

// Compresses `res` for `req` as choose_encoding says, swapping the body with `scratch`, unless
// the gzip form is not smaller; adds Vary: Accept-Encoding whenever the answer depends on that
// header. A strong ETag becomes weak on a compressed answer: the handler tagged other bytes
// (RFC 9110 8.8.3: a strong tag belongs to one representation's exact bytes).
void compress_response(const CompressionOptions& options, GzipEncoder& encoder,
                       const http::Request& req, http::Response& res, std::string& scratch);

// Marks a strong ETag of `res` weak ("W/" before it); leaves a weak one or none alone.
void weaken_etag(http::Response& res);

}  // namespace brrt::dispatch
