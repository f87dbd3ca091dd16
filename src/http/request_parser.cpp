#include "brrt/http/request_parser.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace brrt::http {

namespace {

// The byte classes the request head is checked against, one table load per byte instead of a
// chain of comparisons (the head's bytes are each looked at once, most of them in the target
// and the header values).
enum ByteClass : std::uint8_t {
  kToken = 1,     // RFC 9110 tchar: method and header-name bytes
  kValue = 2,     // field-value bytes: VCHAR, obs-text, SP, HTAB
  kHostPort = 4,  // RFC 3986 reg-name bytes (unreserved, pct-encoded's '%', sub-delims) and ':'
  kPath = 8,      // request-target bytes up to a query: visible ASCII but '?' and '#'
  kQuery = 16,    // request-target bytes in a query: visible ASCII but '#'
};
constexpr auto kByteClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' ||
                       c == '*' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' ||
                       c == '`' || c == '|' || c == '~';
    const bool value = c == ' ' || c == '\t' || (c > 0x20 && c != 0x7F);
    const bool target = c > 0x20 && c < 0x7F;  // visible ASCII: no space, controls, obs-text
    const bool host = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == '!' ||
                      c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' ||
                      c == '+' || c == ',' || c == ';' || c == '=';
    t[c] = static_cast<std::uint8_t>(
        (token ? kToken : 0) | (value ? kValue : 0) | (host || c == ':' ? kHostPort : 0) |
        (target && c != '?' && c != '#' ? kPath : 0) | (target && c != '#' ? kQuery : 0));
  }
  return t;
}();
constexpr bool is_tchar(unsigned char c) noexcept {
  return kByteClass[c] & kToken;
}

// Whether the four bytes at `p` are "host" in any case. Every request has the field, so this is
// one load and compare rather than a case-folding loop: OR-ing in the case bit (0x20) maps a
// byte to a lower-case letter only if it is that letter in either case.
bool is_host_name(const char* p) noexcept {
  std::uint32_t word;
  std::memcpy(&word, p, 4);
  std::uint32_t host;
  std::memcpy(&host, "host", 4);
  return (word | 0x20202020u) == host;
}

// The AND of the byte classes of `s`: one test then says whether every byte is in a class,
// with no branch per byte.
std::uint8_t byte_classes(std::string_view s) noexcept {
  std::uint8_t classes = 0xFF;
  for (const char c : s) classes &= kByteClass[static_cast<unsigned char>(c)];
  return classes;
}

// ":port" at `v[colon]`: up to five digits (RFC 3986 allows none).
bool valid_port(std::string_view v, std::size_t colon) noexcept {
  if (v.size() - colon - 1 > 5) return false;
  for (std::size_t i = colon + 1; i < v.size(); ++i)
    if (static_cast<unsigned char>(v[i] - '0') > 9) return false;
  return true;
}

// RFC 9110 7.2: Host = uri-host [ ":" port ], uri-host a reg-name or a bracketed IP literal
// (IPv4 is a reg-name's bytes); empty is allowed (a target without authority). RFC 9112 3.2
// has a server answer 400 to an invalid Host: nginx does, and a handler or a log reading the
// value must not meet spaces, quotes or slashes in it. `classes` is the AND of the byte classes
// of the line's value, which the header loop computes as it looks for the line's end: when
// every byte is a reg-name's or ':', the first ':' ends the name and only digits may follow.
bool valid_host(std::string_view v, std::uint8_t classes) noexcept {
  // Not every byte a reg-name's: perhaps whitespace around the value, which is not part of it.
  if (!(classes & kHostPort)) classes = byte_classes(v);
  if (classes & kHostPort) {
    const std::size_t colon = v.find(':');
    return colon == std::string_view::npos || valid_port(v, colon);
  }
  if (v.empty() || v[0] != '[') return false;  // a byte that no reg-name has
  const std::size_t close = v.find(']');       // "[IP-literal]" then an optional port
  if (close == std::string_view::npos || close == 1 ||
      !(byte_classes(v.substr(1, close - 1)) & kHostPort))
    return false;
  return close + 1 == v.size() || (v[close + 1] == ':' && valid_port(v, close + 1));
}

// RFC 9112 3.2.3: the authority-form "host:port" of a CONNECT request (the port is required,
// RFC 9110 9.3.6), with the Host field's grammar otherwise. Cold and sharing no helper with
// the Host check, which a second caller would make the compiler stop inlining there.
[[gnu::cold, gnu::noinline]] bool authority_form(std::string_view t) noexcept {
  const std::size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || t.size() - colon - 1 > 5 ||
      colon + 1 == t.size())
    return false;
  for (std::size_t i = colon + 1; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  std::string_view host = t.substr(0, colon);
  const bool literal = host.front() == '[';  // "[IP-literal]": a reg-name's bytes and ':'
  if (literal) {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  for (const char c : host)
    if (!(kByteClass[static_cast<unsigned char>(c)] & kHostPort) || (c == ':' && !literal))
      return false;
  return true;
}

HeadResult fail(int status, std::string_view message) {
  HeadResult r;
  r.state = HeadResult::State::Error;
  r.error = {status, message};
  return r;
}

// A head that has not all arrived, after `skipped` bytes of empty lines (the caller may drop
// them while it waits for the rest).
HeadResult incomplete(std::size_t skipped) {
  HeadResult r;
  r.head_size = skipped;
  return r;
}

// The same in the header section: wait for more, unless it is already over the limit.
HeadResult incomplete_head(std::string_view buf, std::size_t skipped, const ParserLimits& limits) {
  if (buf.size() > limits.max_header_bytes) return fail(431, "request header too large");
  return incomplete(skipped);
}

// A Transfer-Encoding value other than exactly "chunked": status 0 when it is chunked all
// the same (empty list elements around it, RFC 9110 5.6.1), else the error. RFC 9112 6.3:
// with chunked not the final coding the body's end cannot be found, 400 (and close); 6.1:
// chunked is never applied twice. Chunked last after other codings (gzip) is well-formed
// but asks for a decoding this server does not implement: 501.
ParseError transfer_coding_error(std::string_view list) noexcept {
  std::string_view last;
  std::size_t codings = 0;
  bool chunked_before_last = false;
  for_each_list_item(list, [&](std::string_view coding) {
    chunked_before_last |= codings > 0 && iequals(last, "chunked");
    last = coding;
    ++codings;
    return true;
  });
  if (!iequals(last, "chunked")) return {400, "chunked must be the final transfer coding"};
  if (chunked_before_last) return {400, "chunked must not be applied more than once"};
  if (codings > 1) return {501, "only the chunked transfer coding is supported"};
  return {0, {}};
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  return !for_each_list_item(list, [&](std::string_view item) { return !iequals(item, token); });
}

}  // namespace

HeadResult parse_request_head(std::string_view buf, Request& req, const ParserLimits& limits) {
  // RFC 9112 2.2: ignore empty lines before the request line, a few of them. More are an
  // error as soon as they arrive: skipped but kept in the buffer, they would pile up (a
  // client sending nothing else grew the server by gigabytes). A head that has not all
  // arrived reports them (head_size) so that the caller can drop them meanwhile.
  std::size_t pos = 0;
  while (pos + 1 < buf.size() && buf[pos] == '\r' && buf[pos + 1] == '\n') {
    pos += 2;
    if (pos > 2 * kMaxEmptyLinesBeforeRequest)
      return fail(400, "too many empty lines before the request line");
  }
  const std::size_t skipped = pos;
  if (pos + 1 == buf.size() && buf[pos] == '\r') return incomplete(skipped);  // one more?

  // Request line, in one pass: the method's bytes, the target's, then "HTTP/x.y" CR LF; the
  // line ends where they do (no search for its end first). A line that has not all arrived
  // waits for more, unless it is already longer than the limit.
  const char* base = buf.data();
  const std::size_t size = buf.size();
  const auto line_incomplete = [&] {
    // A CR at the end may be the line's, its LF not come yet: it is no byte of the line, or
    // a line at the limit would be refused when TCP cuts between the two and not otherwise.
    const std::size_t seen = size - pos - (size > pos && base[size - 1] == '\r');
    return seen > limits.max_request_line ? fail(414, "request line too long")
                                          : incomplete(skipped);
  };
  std::size_t i = pos;
  while (i < size && is_tchar(static_cast<unsigned char>(buf[i]))) ++i;
  if (i == size) return line_incomplete();
  if (i == pos || buf[i] != ' ') return fail(400, "malformed request method");
  req.method_text = std::string_view(base + pos, i - pos);
  req.method = parse_method(req.method_text);
  // The target, its query and any fragment found in the pass that checks its bytes.
  const std::size_t target_start = ++i;
  while (i < size && (kByteClass[static_cast<unsigned char>(buf[i])] & kPath)) ++i;
  std::size_t query_at = std::string_view::npos;  // the first '?', from the target's start
  if (i < size && buf[i] == '?') {
    query_at = i - target_start;
    ++i;
    while (i < size && (kByteClass[static_cast<unsigned char>(buf[i])] & kQuery)) ++i;
  }
  if (i == size) return line_incomplete();
  // Anywhere in the target, the authority of an absolute form included.
  if (buf[i] == '#') return fail(400, "a request target must not contain a fragment");
  if (i == target_start || buf[i] != ' ') return fail(400, "malformed request target");
  req.target = std::string_view(base + target_start, i - target_start);
  // " HTTP/x.y" CR LF: eleven bytes from the space. Fewer, and the line is incomplete unless
  // it has already ended.
  if (size - i < 11) {
    if (std::string_view(base + i, size - i).find('\n') == std::string_view::npos)
      return line_incomplete();
    return fail(400, "malformed HTTP version");
  }
  const std::string_view version(base + i + 1, 8);
  if (std::memcmp(version.data(), "HTTP/", 5) != 0 || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "malformed HTTP version");
  if (base[i + 9] != '\r' || base[i + 10] != '\n') {
    if (base[i + 9] == '\n') return fail(400, "request line must end in CRLF");
    return fail(400, "malformed HTTP version");
  }
  const std::size_t line_end = i + 10;  // the line's LF
  if (line_end - pos > limits.max_request_line + 1) return fail(414, "request line too long");
  if (version[5] != '1') return fail(505, "only HTTP/1.x is served");
  // RFC 9110 2.5: a later minor version is processed as the highest one served, HTTP/1.1.
  req.version_minor = version[7] == '0' ? 0 : 1;

  // Target forms: origin-form "/path?q", asterisk-form "*", absolute-form "http://h/p".
  std::string_view target = req.target;
  // An absolute-form target with no path ("http://h" or "http://h?q") means the path "/":
  // a literal, the only view the parser returns that does not point into the buffer.
  bool root_path = false;
  if (target.front() != '/') {
    if (target == "*") {
      if (req.method_text != "OPTIONS") return fail(400, "'*' is only valid for OPTIONS");
    } else {
      const auto scheme = target.find("://");
      if (scheme == std::string_view::npos) {
        // Well-formed, but for a method not implemented (a tunnel): as for any such method,
        // and the connection closes (the client may already be sending the tunnel's bytes).
        if (req.method_text == "CONNECT" && authority_form(target))
          return fail(501, "method CONNECT is not supported");
        return fail(400, "malformed request target");
      }
      if (!iequals(target.substr(0, scheme), "http") && !iequals(target.substr(0, scheme), "https"))
        return fail(400, "an absolute-form request target must be an http or https URI");
      const std::size_t authority = scheme + 3;
      const std::size_t end = target.find_first_of("/?", authority);
      if (end == authority || authority == target.size())
        return fail(400, "an absolute-form request target must name a host");
      // RFC 9110 4.2.4: userinfo in an http(s) URI is to be treated as an error (it can hide
      // the host a reader would see: http://trusted.example@evil.example/).
      if (target.substr(authority, end - authority).find('@') != std::string_view::npos)
        return fail(400, "an absolute-form request target must not have userinfo");
      if (end == std::string_view::npos || target[end] == '?') {
        root_path = true;
        target = end == std::string_view::npos ? std::string_view() : target.substr(end);
      } else {
        target = target.substr(end);
      }
    }
  }
  if (root_path) {
    req.path = "/";
    req.query = target.empty() ? std::string_view() : target.substr(1);
  } else {
    // `target` is a suffix of req.target: the query's offset moves with it.
    const std::size_t cut = req.target.size() - target.size();
    if (query_at != std::string_view::npos && query_at >= cut) {
      req.path = target.substr(0, query_at - cut);
      req.query = target.substr(query_at - cut + 1);
    } else {
      req.path = target;
      req.query = {};
    }
  }

  // Header fields.
  req.header_count = 0;
  pos = line_end + 1;
  bool have_cl = false, have_te = false, have_host = false;
  std::uint64_t content_length = 0;
  HeadResult ok;
  bool connection_close = false, connection_keep_alive = false;
  while (true) {
    if (pos >= size) return incomplete_head(buf, skipped, limits);
    if (buf[pos] == '\r') {
      if (pos + 1 >= size) return incomplete(skipped);
      if (buf[pos + 1] != '\n') return fail(400, "bare CR in the request head");
      pos += 2;
      break;
    }
    if (buf[pos] == '\n') return fail(400, "header lines must end in CRLF");
    if (buf[pos] == ' ' || buf[pos] == '\t')
      return fail(400, "obsolete line folding is not accepted");
    // One pass over the line: the name's bytes up to ':', then the value's bytes, which stop
    // at its CR LF (no separate search for the line's end, and no second pass over the value).
    std::size_t at = pos;
    while (at < size && is_tchar(static_cast<unsigned char>(buf[at]))) ++at;
    if (at == size) return incomplete_head(buf, skipped, limits);
    if (at == pos || buf[at] != ':') {
      if (buf[at] == ' ' || buf[at] == '\t')
        return fail(400, "whitespace between a header name and the colon");
      return fail(400, "malformed header field");
    }
    const std::string_view name(base + pos, at - pos);
    std::size_t value_start = at + 1;
    while (value_start < size && (buf[value_start] == ' ' || buf[value_start] == '\t'))
      ++value_start;
    std::size_t value_end = value_start;
    std::uint8_t classes = 0xFF;  // the AND of the value's byte classes, for the Host check
    for (; value_end < size; ++value_end) {
      const std::uint8_t c = kByteClass[static_cast<unsigned char>(buf[value_end])];
      if (!(c & kValue)) break;
      classes &= c;
    }
    if (value_end == size || (buf[value_end] == '\r' && value_end + 1 == size))
      return incomplete_head(buf, skipped, limits);
    if (buf[value_end] == '\n') return fail(400, "header lines must end in CRLF");
    if (buf[value_end] != '\r' || buf[value_end + 1] != '\n')
      return fail(400, "invalid character in a header value");
    if (value_end + 2 > limits.max_header_bytes) return fail(431, "request header too large");
    const std::size_t line_next = value_end + 2;
    // Whitespace around the value is allowed and no part of it.
    while (value_end > value_start && (buf[value_end - 1] == ' ' || buf[value_end - 1] == '\t'))
      --value_end;
    const std::string_view value(base + value_start, value_end - value_start);
    if (req.header_count == limits.max_headers || req.header_count == kMaxHeaders)
      return fail(431, "too many header fields");
    req.headers[req.header_count++] = {name, value};

    switch (name.size()) {
      case 4:  // Host, by its own grammar, which admits fewer bytes than any field value
        if (is_host_name(name.data())) {
          if (have_host) return fail(400, "more than one Host header");
          if (!valid_host(value, classes)) return fail(400, "invalid Host header");
          have_host = true;
        }
        break;
      case 6:
        if (iequals(name, "expect")) {
          // RFC 9110 10.1.1: ignored in an HTTP/1.0 request (no 1xx goes to such a client).
          if (iequals(value, "100-continue"))
            ok.expect_continue = req.version_minor != 0;
          else
            return fail(417, "only 'Expect: 100-continue' is supported");
        }
        break;
      case 10:
        if (iequals(name, "connection")) {
          connection_close |= has_token(value, "close");
          connection_keep_alive |= has_token(value, "keep-alive");
        }
        break;
      case 14:
        if (iequals(name, "content-length")) {
          // RFC 9112 6.2: 1*DIGIT, leading zeros included. A number too large for 64 bits is
          // larger than any body accepted (the caller's limit answers 413), not malformed: it
          // is read as the largest value.
          if (value.empty()) return fail(400, "invalid Content-Length");
          std::uint64_t v = 0;
          for (const char c : value) {
            const unsigned digit = static_cast<unsigned char>(c) - unsigned{'0'};
            if (digit > 9) return fail(400, "invalid Content-Length");
            if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, digit, &v))
              v = UINT64_MAX;
          }
          if (have_cl && v != content_length)
            return fail(400, "conflicting Content-Length headers");
          have_cl = true;
          content_length = v;
        }
        break;
      case 17:
        if (iequals(name, "transfer-encoding")) {
          if (have_te) return fail(400, "more than one Transfer-Encoding header");
          have_te = true;
          if (!iequals(value, "chunked")) {
            const ParseError e = transfer_coding_error(value);
            if (e.status) return fail(e.status, e.message);
          }
        }
        break;
      default:
        break;
    }
    pos = line_next;
  }
  if (pos > limits.max_header_bytes) return fail(431, "request header too large");
  if (have_te && have_cl)
    return fail(400, "both Content-Length and Transfer-Encoding: a smuggling attempt");
  if (have_te && req.version_minor == 0)
    return fail(400, "Transfer-Encoding is not valid in HTTP/1.0");
  if (!have_host && req.version_minor == 1)
    return fail(400, "HTTP/1.1 requests need a Host header");
  req.keep_alive =
      req.version_minor == 1 ? !connection_close : connection_keep_alive && !connection_close;
  req.chunked = have_te;
  ok.state = HeadResult::State::Complete;
  ok.head_size = pos;
  ok.chunked = have_te;
  ok.content_length = content_length;
  if (!have_te && content_length == 0) ok.expect_continue = false;
  return ok;
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view in, std::string& out,
                                          std::uint64_t max_body) {
  Step step;
  std::size_t i = 0;
  auto error = [&](int status, std::string_view msg) {
    step.state = State::Error;
    step.error = {status, msg};
    step.consumed = i;
    return step;
  };
  while (i < in.size()) {
    const char c = in[i];
    switch (phase_) {
      case Phase::Size: {
        int d = -1;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        if (d >= 0) {
          if (++size_digits_ > 15) return error(400, "chunk size too large");
          remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(d);
          ++i;
          break;
        }
        if (size_digits_ == 0) return error(400, "invalid chunk size");
        if (c == ';' || c == ' ' || c == '\t') {  // an extension, perhaps after BWS
          phase_ = c == ';' ? Phase::Ext : Phase::ExtWs;
          ++i;
          break;
        }
        if (c == '\r') {
          phase_ = Phase::SizeLf;
          ++i;
          break;
        }
        return error(400, "invalid chunk size");
      }
      case Phase::ExtWs:
        // RFC 9112 7.1.1: whitespace (BWS) may precede the ';' of an extension, and only that.
        if (c == ';')
          phase_ = Phase::Ext;
        else if (c != ' ' && c != '\t')
          return error(400, "invalid chunk size");
        else if (++trailer_bytes_ > 4096)
          return error(400, "chunk extensions too long");
        ++i;
        break;
      case Phase::Ext:
        // Chunk extensions are ignored (bounded by the total head budget below).
        if (c == '\r')
          phase_ = Phase::SizeLf;
        else if (c == '\n')
          return error(400, "bare LF in a chunk header");
        else if (++trailer_bytes_ > 4096)
          return error(400, "chunk extensions too long");
        ++i;
        break;
      case Phase::SizeLf:
        if (c != '\n') return error(400, "chunk size line must end in CRLF");
        ++i;
        size_digits_ = 0;
        if (remaining_ == 0) {
          phase_ = Phase::Trailer;
          trailer_line_empty_ = true;
        } else {
          if (out.size() + remaining_ > max_body) return error(413, "request body too large");
          phase_ = Phase::Data;
        }
        break;
      case Phase::Data: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size() - i));
        out.append(in.data() + i, take);
        i += take;
        remaining_ -= take;
        if (remaining_ == 0) phase_ = Phase::DataCr;
        break;
      }
      case Phase::DataCr:
        if (c != '\r') return error(400, "chunk data must be followed by CRLF");
        phase_ = Phase::DataLf;
        ++i;
        break;
      case Phase::DataLf:
        if (c != '\n') return error(400, "chunk data must be followed by CRLF");
        phase_ = Phase::Size;
        ++i;
        break;
      case Phase::Trailer:
        // Trailer fields are read and discarded; an empty line ends the body.
        if (c == '\r') {
          phase_ = trailer_line_empty_ ? Phase::LastLf : Phase::TrailerLf;
        } else if (c == '\n') {
          return error(400, "bare LF in the trailer section");
        } else {
          trailer_line_empty_ = false;
          if (++trailer_bytes_ > 8192) return error(431, "trailer section too large");
        }
        ++i;
        break;
      case Phase::TrailerLf:
        if (c != '\n') return error(400, "trailer lines must end in CRLF");
        phase_ = Phase::Trailer;
        trailer_line_empty_ = true;
        ++i;
        break;
      case Phase::LastLf:
        if (c != '\n') return error(400, "chunked body must end in CRLF");
        ++i;
        step.state = State::Complete;
        step.consumed = i;
        return step;
    }
  }
  step.consumed = i;
  return step;
}

}  // namespace brrt::http
