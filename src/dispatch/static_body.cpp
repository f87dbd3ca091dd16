#include "brrt/dispatch/static_body.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace brrt::dispatch {

namespace {

// A strong entity tag for `bytes`: its CRC-32 and its length in hex. Tags only tell one
// version of a body from another, for which a checksum and a length do (as nginx's
// modification time and length do); zlib's CRC-32 runs at memory speed.
std::string entity_tag(std::string_view bytes, std::string_view suffix) {
  uLong crc = crc32(0L, Z_NULL, 0);
  std::string_view rest = bytes;
  while (!rest.empty()) {  // crc32 takes a 32-bit length
    const std::size_t n = std::min<std::size_t>(rest.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(rest.data()), static_cast<uInt>(n));
    rest.remove_prefix(n);
  }
  char text[48];
  const int n = std::snprintf(text, sizeof text, "\"%08lx-%zx", static_cast<unsigned long>(crc),
                              bytes.size());
  std::string tag(text, static_cast<std::size_t>(n));
  tag += suffix;
  tag += '"';
  return tag;
}

}  // namespace

StaticBody::StaticBody(std::string content_type, std::string bytes, std::string cache_control,
                       const CompressionOptions& compression)
    : content_type_(std::move(content_type)),
      bytes_(std::move(bytes)),
      etag_(entity_tag(bytes_, "")),
      cache_control_(std::move(cache_control)) {
  if (!worth_compressing(compression, content_type_, bytes_.size())) return;
  varies_ = true;  // compress_response would say Vary for it even where it keeps the bytes
  GzipEncoder encoder(compression.level);
  std::string out;
  if (encoder.encode(bytes_, out) && out.size() < bytes_.size()) {
    gzip_ = std::move(out);
    gzip_etag_ = entity_tag(bytes_, "-gzip");  // the same bytes, another representation
  }
}

void StaticBody::answer(const http::Request& req, http::Response& res) const {
  bool gzip = false;
  if (!gzip_.empty())
    if (const auto accept = req.header("Accept-Encoding")) gzip = accepts_gzip(*accept);
  const std::string& tag = gzip ? gzip_etag_ : etag_;
  res.add_header("ETag", tag);
  if (!cache_control_.empty()) res.add_header("Cache-Control", cache_control_);
  if (varies_) res.add_header("Vary", "Accept-Encoding");
  if (req.not_modified(tag)) {
    res.status = 304;  // no body, no Content-Type: the client's copy stands (RFC 9110 15.4.5)
    return;
  }
  res.set_content_type(content_type_);
  if (gzip) res.add_header("Content-Encoding", "gzip");
  res.body = gzip ? gzip_ : bytes_;
}

}  // namespace brrt::dispatch
