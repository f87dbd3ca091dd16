// libFuzzer target: the HTTP/1.1 request head parser and the chunked body decoder, on any
// bytes. Checks that the parser never reads outside its input, that every view it returns
// points into the input, and that feeding a chunked body in two pieces decodes the same
// payload as feeding it at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "brrt/http/request_parser.hpp"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace brrt::http;
  const std::string_view buf(reinterpret_cast<const char*>(data), size);
  ParserLimits limits;
  limits.max_request_line = 512;  // small limits: the fuzzer reaches the 414/431 paths
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;
  Request req;
  const HeadResult head = parse_request_head(buf, req, limits);
  if (head.state == HeadResult::State::Error) {
    check(head.error.status >= 400 && head.error.status < 600 && !head.error.message.empty());
    return 0;
  }
  if (head.state != HeadResult::State::Complete) return 0;
  check(head.head_size <= size);
  // The one view that may not point into the input: an absolute-form target without a path
  // ("http://h") has the path "/".
  check(inside(req.method_text, buf) && inside(req.target, buf) &&
        (inside(req.path, buf) || req.path == "/") && inside(req.query, buf));
  check(req.header_count <= limits.max_headers && req.header_count <= kMaxHeaders);
  for (std::size_t i = 0; i < req.header_count; ++i)
    check(inside(req.headers[i].name, buf) && inside(req.headers[i].value, buf));
  const std::string_view rest = buf.substr(head.head_size);
  if (!head.chunked) return 0;
  // The chunked body, at once and split where the first byte says.
  constexpr std::uint64_t kMaxBody = 4096;
  std::string whole;
  ChunkedDecoder once;
  const ChunkedDecoder::Step a = once.feed(rest, whole, kMaxBody);
  check(a.consumed <= rest.size() && whole.size() <= kMaxBody);
  const std::size_t cut =
      rest.empty() ? 0 : static_cast<unsigned char>(rest[0]) % (rest.size() + 1);
  std::string pieces;
  ChunkedDecoder twice;
  ChunkedDecoder::Step b = twice.feed(rest.substr(0, cut), pieces, kMaxBody);
  if (b.state == ChunkedDecoder::State::Incomplete) {
    check(b.consumed == cut);
    b = twice.feed(rest.substr(cut), pieces, kMaxBody);
    b.consumed += cut;
  }
  check(a.state == b.state);
  if (a.state == ChunkedDecoder::State::Complete)
    check(whole == pieces && a.consumed == b.consumed);
  return 0;
}
