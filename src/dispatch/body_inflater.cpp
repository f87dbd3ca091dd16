#include "brrt/dispatch/body_inflater.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <new>
#include <stdexcept>

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

ContentCoding content_coding(std::string_view field_value) noexcept {
  ContentCoding found = ContentCoding::Identity;
  std::size_t codings = 0;
  http::for_each_list_item(field_value, [&](std::string_view item) {
    if (http::iequals(item, "identity")) return true;
    ++codings;
    if (http::iequals(item, "gzip") || http::iequals(item, "x-gzip"))
      found = ContentCoding::Gzip;
    else if (http::iequals(item, "deflate"))
      found = ContentCoding::Deflate;
    else
      found = ContentCoding::Other;
    return true;
  });
  // Codings stacked on one another (`gzip, gzip`) are not undone: no client sends them for a
  // request, and each would multiply what a small body can become.
  return codings > 1 ? ContentCoding::Other : found;
}

namespace {

// RFC 1950's two header bytes: deflate (method 8) with a window of at most 32 KiB, and the
// check bits making the pair a multiple of 31. What `deflate` should carry; a bare deflate
// stream (what some clients send under that name) fails this check.
bool zlib_header(std::string_view in) noexcept {
  if (in.size() < 2) return false;
  const unsigned cmf = static_cast<unsigned char>(in[0]);
  const unsigned flg = static_cast<unsigned char>(in[1]);
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

bool gzip_magic(const Bytef* p, uInt n) noexcept {
  return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

}  // namespace

struct BodyInflater::Stream {
  z_stream z{};
};

BodyInflater::BodyInflater() : z_(std::make_unique<Stream>()) {
  if (inflateInit2(&z_->z, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
}

BodyInflater::~BodyInflater() {
  inflateEnd(&z_->z);
}

InflateStatus BodyInflater::inflate(ContentCoding coding, std::string_view in,
                                    std::size_t max_bytes, std::string& out, std::string& why) {
  const char* name = coding == ContentCoding::Gzip ? "gzip" : "deflate";
  const auto fail = [&](InflateStatus s, std::string text) {
    why = "the " + std::string(name) + " request body " + std::move(text);
    return s;
  };
  const bool gzip = coding == ContentCoding::Gzip;
  if (!gzip && coding != ContentCoding::Deflate)
    throw std::invalid_argument("BodyInflater::inflate: not a gzip or deflate coding");
  // Window bits select the framing: 15 + 16 gzip, 15 zlib, -15 a bare deflate stream.
  z_stream& z = z_->z;
  if (inflateReset2(&z, gzip ? 15 + 16 : zlib_header(in) ? 15 : -15) != Z_OK)
    throw std::runtime_error("zlib: inflateReset2 failed");
  if (in.size() > UINT_MAX) return fail(InflateStatus::TooLarge, "is too large to inflate");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());

  // One byte past the cap is room enough to learn that the body passes it.
  const std::size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : max_bytes;
  std::size_t produced = 0;
  out.resize(std::min(limit, std::max<std::size_t>(4096, in.size() * 4)));
  for (;;) {
    if (produced == out.size()) out.resize(std::min(limit, out.size() * 2));
    const std::size_t room = std::min<std::size_t>(out.size() - produced, UINT_MAX);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = static_cast<uInt>(room);
    const int rc = ::inflate(&z, Z_NO_FLUSH);
    produced += room - z.avail_out;
    if (produced > max_bytes)
      return fail(InflateStatus::TooLarge,
                  "inflates to more than " + std::to_string(max_bytes) + " bytes");
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      // gzip bodies may be several members one after another (RFC 1952 2.2), one body.
      if (gzip && gzip_magic(z.next_in, z.avail_in)) {
        if (inflateReset(&z) != Z_OK) throw std::runtime_error("zlib: inflateReset failed");
        continue;
      }
      return fail(InflateStatus::Trailing, "has " + std::to_string(z.avail_in) +
                                               " bytes after the end of its compressed stream");
    }
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc == Z_NEED_DICT)
      return fail(InflateStatus::Corrupt, "needs a preset dictionary, which is not supported");
    if (rc == Z_DATA_ERROR)
      return fail(InflateStatus::Corrupt, "is not valid " + std::string(name) + " data (" +
                                              (z.msg ? z.msg : "corrupt stream") + ")");
    // Z_OK or Z_BUF_ERROR: inflate stopped for want of input or of room. With room left,
    // it was input, and all of it was read: the stream is cut short.
    if (z.avail_in == 0 && z.avail_out != 0)
      return fail(InflateStatus::Truncated, "ends inside its compressed stream");
  }
  out.resize(produced);
  return InflateStatus::Ok;
}

}  // namespace brrt::dispatch
