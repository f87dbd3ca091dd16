#pragma once
// Request bodies sent content-coded (RFC 9110 8.4: `Content-Encoding: gzip` or `deflate`),
// inflated before they are parsed and validated, so that a client may compress a large JSON
// upload as it would a response. zlib (Debian zlib1g-dev) does the inflating; one inflater
// per worker thread is reset between bodies. The inflated size is capped (a small body may
// inflate a thousandfold: a "zip bomb"), and inflating stops the moment it passes the cap.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace brrt::dispatch {

// ServiceOptions::inflate: whether coded request bodies are inflated, and how large one may
// become. Off, a body with a Content-Encoding other than identity is refused (415).
struct InflateOptions {
  bool enabled = true;
  std::size_t max_bytes = 1024 * 1024;  // inflated; beyond: 413
};

// A request's Content-Encoding, as far as the inflater is concerned.
enum class ContentCoding {
  Identity,  // none, or `identity`
  Gzip,      // `gzip` or `x-gzip` (RFC 1952; concatenated members are one body, as gunzip does)
  Deflate,   // `deflate`: the zlib format (RFC 1950); a bare deflate stream is taken too
  Other,     // anything else, or more than one coding (`gzip, br`): not inflated
};

// The coding a Content-Encoding field value names (a list of codings applied in order;
// `identity` entries are no coding at all).
ContentCoding content_coding(std::string_view field_value) noexcept;

// How inflating a body ended.
enum class InflateStatus {
  Ok,
  TooLarge,   // it inflates to more than the cap (inflating stopped there)
  Corrupt,    // not data of its coding (the message says what zlib found)
  Truncated,  // the body ends inside the compressed stream
  Trailing,   // bytes follow the end of the compressed stream that are not another member
};

class BodyInflater {
 public:
  BodyInflater();
  ~BodyInflater();
  BodyInflater(const BodyInflater&) = delete;
  BodyInflater& operator=(const BodyInflater&) = delete;

  // `in`, coded with `coding` (Gzip or Deflate), inflated into `out` (replaced), at most
  // `max_bytes` of it. On anything but Ok, `why` says what was wrong, naming the coding, for
  // the client ("the gzip request body ends inside its compressed stream"); `out` is
  // unspecified.
  InflateStatus inflate(ContentCoding coding, std::string_view in, std::size_t max_bytes,
                        std::string& out, std::string& why);

 private:
  struct Stream;
  std::unique_ptr<Stream> z_;
};

}  // namespace brrt::dispatch
