#include "brrt/dispatch/compression.hpp"

#include <zlib.h>

#include <stdexcept>

namespace brrt::dispatch {

namespace {

// The q of "coding;q=0.5" (1 when absent; 0 for a malformed one, which refuses).
double quality(std::string_view params) noexcept {
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    const std::string_view p = http::trim_ows(params.substr(0, semi));
    if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      const std::string_view v = p.substr(2);
      if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return 0;
      if (v.size() == 1) return v[0] == '1' ? 1 : 0;
      if (v[1] != '.') return 0;
      double q = v[0] == '1' ? 1 : 0;
      double scale = 0.1;
      for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (v[i] < '0' || v[i] > '9') return 0;
        q += (v[i] - '0') * scale;
      }
      return q > 1 ? 1 : q;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return 1;
}

}  // namespace

bool accepts_gzip(std::string_view header) noexcept {
  double gzip = -1, any = -1;
  http::for_each_list_item(header, [&](std::string_view item) {
    const std::size_t semi = item.find(';');
    const std::string_view coding = http::trim_ows(item.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1 : quality(item.substr(semi + 1));
    if (http::iequals(coding, "gzip") || http::iequals(coding, "x-gzip"))
      gzip = q;
    else if (coding == "*")
      any = q;
    return true;
  });
  return gzip >= 0 ? gzip > 0 : any > 0;
}

bool compressible_type(std::string_view t) noexcept {
  const std::size_t semi = t.find(';');
  t = http::trim_ows(t.substr(0, semi));
  auto starts = [&](std::string_view p) {
    return t.size() >= p.size() && http::iequals(t.substr(0, p.size()), p);
  };
  auto ends = [&](std::string_view s) {
    return t.size() >= s.size() && http::iequals(t.substr(t.size() - s.size()), s);
  };
  return starts("text/") || ends("/json") || ends("+json") || ends("/yaml") || ends("/xml") ||
         ends("+xml") || ends("/javascript") || ends("/x-ndjson") ||
         http::iequals(t, "image/svg+xml");
}

bool worth_compressing(const CompressionOptions& o, std::string_view content_type,
                       std::size_t size) noexcept {
  return o.enabled && size >= o.min_bytes && compressible_type(content_type) &&
         size <= UINT32_MAX / 2;  // zlib's 32-bit lengths; never on this path
}

struct GzipEncoder::Stream {
  z_stream z{};
};

GzipEncoder::GzipEncoder(int level) : z_(std::make_unique<Stream>()) {
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z_->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
}

GzipEncoder::~GzipEncoder() {
  deflateEnd(&z_->z);
}

bool GzipEncoder::encode(std::string_view in, std::string& out) {
  z_stream& z = z_->z;
  if (deflateReset(&z) != Z_OK) return false;
  out.resize(deflateBound(&z, in.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream: one call finishes it.
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) return false;
  out.resize(out.size() - z.avail_out);
  return true;
}

EncodingChoice choose_encoding(const CompressionOptions& o, const http::Request& req,
                               const http::Response& res) noexcept {
  EncodingChoice c;
  if (res.status == 204 || res.status == 206 || res.status == 304 || res.status < 200) return c;
  if (!worth_compressing(o, res.content_type(), res.body.size()) || res.header("Content-Encoding"))
    return c;
  c.varies = true;
  const auto accept = req.header("Accept-Encoding");
  c.gzip = accept && accepts_gzip(*accept);
  return c;
}

void compress_response(const CompressionOptions& o, GzipEncoder& encoder, const http::Request& req,
                       http::Response& res, std::string& scratch) {
  const EncodingChoice c = choose_encoding(o, req, res);
  if (c.varies) res.add_header("Vary", "Accept-Encoding");  // the answer depends on it
  if (!c.gzip) return;
  if (!encoder.encode(res.body, scratch) || scratch.size() >= res.body.size()) return;
  res.body.swap(scratch);
  res.add_header("Content-Encoding", "gzip");
  weaken_etag(res);
}

void weaken_etag(http::Response& res) {
  const auto tag = res.header("ETag");
  if (!tag || tag->substr(0, 2) == "W/") return;
  res.set_header("ETag", "W/" + std::string(*tag));
}

}  // namespace brrt::dispatch
