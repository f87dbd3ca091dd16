#pragma once
// Inflates a gzip member, for tests and fuzz targets that check what the server compressed
// (zlib used directly, not the library's BodyInflater, so that a fault in the one cannot hide
// one in what the other checks).
#include <zlib.h>

#include <string>
#include <string_view>

namespace brrt::test {

// `in` inflated into `out`; false unless it is one whole, valid gzip member.
inline bool gunzip(std::string_view in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  out.clear();
  int rc = Z_OK;
  while (rc == Z_OK) {
    char chunk[16384];
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END && z.avail_in == 0;
}

}  // namespace brrt::test
