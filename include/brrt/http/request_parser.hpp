#pragma once
// Zero-copy HTTP/1.1 request parsing over a connection's read buffer.
//
// Hand-written rather than Boost.Beast's parser: Beast's basic_fields allocates a node
// per header and copies names and values, while the router, decoders and validators only
// need slices of the bytes already read. The parser is strict where leniency enables
// request smuggling (RFC 9112 §6.3, §11.2): obs-fold, bare CR or LF, whitespace before
// the colon, Content-Length with Transfer-Encoding, conflicting lengths and unknown
// transfer codings are all rejected.
#include "brrt/http/message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace brrt::http {

struct ParserLimits {
  std::size_t max_request_line = 8 * 1024;   // 414 beyond
  std::size_t max_header_bytes = 32 * 1024;  // 431 beyond (request line included)
  std::size_t max_headers = 100;             // 431 beyond
};

// Empty lines (CRLF) skipped before a request line (RFC 9112 2.2 asks to ignore at least one;
// a keep-alive client may send one after a body). More are a 400.
inline constexpr std::size_t kMaxEmptyLinesBeforeRequest = 16;

struct ParseError {
  int status = 400;          // 400, 414, 431, 501, 505
  std::string_view message;  // static text for the problem detail
};

// Result of parsing a request head.
struct HeadResult {
  enum class State { Incomplete, Complete, Error };
  State state = State::Incomplete;
  // Complete: bytes of the skipped empty lines + request line + headers + final CRLF.
  // Incomplete: bytes of the empty lines before the request line, which the caller may drop.
  std::size_t head_size = 0;
  ParseError error;
  // Body framing, when Complete.
  bool chunked = false;
  std::uint64_t content_length = 0;  // UINT64_MAX for a number too large for 64 bits
  bool expect_continue = false;      // "Expect: 100-continue" in an HTTP/1.1 request with a body
};

// Parses the head at the start of `buf` into `req` (views into `buf`).
HeadResult parse_request_head(std::string_view buf, Request& req, const ParserLimits& limits);

// Incremental decoder of a chunked body (RFC 9112 §7.1). Feed it the bytes after the head;
// it appends the payload to `out` and reports how much of the input it consumed.
class ChunkedDecoder {
 public:
  enum class State { Incomplete, Complete, Error };
  struct Step {
    State state = State::Incomplete;
    std::size_t consumed = 0;  // input bytes used (all of them when Incomplete)
    ParseError error;
  };
  // `max_body`: payload bytes allowed in total (413 beyond).
  Step feed(std::string_view in, std::string& out, std::uint64_t max_body);
  void reset() noexcept { *this = ChunkedDecoder(); }

 private:
  enum class Phase { Size, ExtWs, Ext, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf, LastLf };
  Phase phase_ = Phase::Size;
  std::uint64_t remaining_ = 0;
  std::size_t size_digits_ = 0;
  std::size_t trailer_bytes_ = 0;
  bool trailer_line_empty_ = true;
};

}  // namespace brrt::http
