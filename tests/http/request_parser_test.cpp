#include "brrt/http/request_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>

namespace brrt::http {
namespace {

using namespace std::string_literals;  // "...\0..."s: the whole literal, embedded NULs too

struct Parsed {
  HeadResult head;
  Request req;
};

Parsed parse(std::string_view text, ParserLimits limits = {}) {
  Parsed p;
  p.head = parse_request_head(text, p.req, limits);
  return p;
}

int error_status(std::string_view text, ParserLimits limits = {}) {
  auto p = parse(text, limits);
  EXPECT_EQ(p.head.state, HeadResult::State::Error) << text;
  return p.head.error.status;
}

TEST(RequestParser, ParsesRequestLineAndHeaders) {
  const std::string text =
      "GET /pets/42?limit=3&x=y HTTP/1.1\r\nHost: a\r\nX-Trace:  abc \r\nCookie: s=1\r\n\r\nrest";
  auto p = parse(text);
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_EQ(p.head.head_size, text.size() - 4);
  EXPECT_EQ(p.req.method, Method::Get);
  EXPECT_EQ(p.req.target, "/pets/42?limit=3&x=y");
  EXPECT_EQ(p.req.path, "/pets/42");
  EXPECT_EQ(p.req.query, "limit=3&x=y");
  EXPECT_EQ(p.req.version_minor, 1);
  EXPECT_EQ(p.req.header_count, 3u);
  EXPECT_EQ(p.req.header("x-trace"), "abc");
  EXPECT_EQ(p.req.header("HOST"), "a");
  EXPECT_FALSE(p.req.header("missing").has_value());
  EXPECT_TRUE(p.req.keep_alive);
}

TEST(RequestParser, IncompleteUntilTheBlankLineByteByByte) {
  const std::string text = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
  for (std::size_t n = 0; n < text.size(); ++n)
    EXPECT_EQ(parse(text.substr(0, n)).head.state, HeadResult::State::Incomplete) << n;
  auto p = parse(text);
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_EQ(p.head.content_length, 5u);
}

TEST(RequestParser, KeepAliveRules) {
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").req.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").req.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").req.keep_alive);
  EXPECT_TRUE(
      parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, keep-alive\r\n\r\n").req.keep_alive);
}

// RFC 9110 2.5: a higher minor version of HTTP/1 is processed as the highest one served,
// HTTP/1.1 (Host required, keep-alive by default, chunked allowed); another major is 505.
TEST(RequestParser, LaterMinorVersionsAreHttp11) {
  for (const char minor : {'2', '5', '9'}) {
    const std::string version = std::string("HTTP/1.") + minor;
    auto p = parse("GET / " + version + "\r\nHost: a\r\n\r\n");
    ASSERT_EQ(p.head.state, HeadResult::State::Complete) << version;
    EXPECT_EQ(p.req.version_minor, 1) << version;
    EXPECT_TRUE(p.req.keep_alive) << version;
    EXPECT_EQ(error_status("GET / " + version + "\r\n\r\n"), 400) << version;  // no Host
    p = parse("POST / " + version + "\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    EXPECT_EQ(p.head.state, HeadResult::State::Complete) << version;
    EXPECT_TRUE(p.head.chunked) << version;
    p = parse("PUT / " + version +
              "\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n");
    EXPECT_TRUE(p.head.expect_continue) << version;
  }
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").req.version_minor, 0);
  for (const char* version : {"HTTP/0.9", "HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "HTTP/0.0"})
    EXPECT_EQ(error_status("GET / " + std::string(version) + "\r\nHost: a\r\n\r\n"), 505)
        << version;
}

// RFC 9110 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored (and no 1xx
// is ever sent to an HTTP/1.0 client, 15.2); another expectation is still a 417.
TEST(RequestParser, ExpectContinueOnlyFromHttp11) {
  auto p = parse("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_TRUE(p.head.expect_continue);
  p = parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_FALSE(p.head.expect_continue);
  EXPECT_EQ(error_status("PUT / HTTP/1.0\r\nExpect: 200-ok\r\nContent-Length: 4\r\n\r\n"), 417);
}

// The path and query a request line's target parses to.
void expect_target(std::string_view target, std::string_view path, std::string_view query) {
  const std::string text = "GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n";
  const auto p = parse(text);
  ASSERT_EQ(p.head.state, HeadResult::State::Complete) << target;
  EXPECT_EQ(p.req.path, path) << target;
  EXPECT_EQ(p.req.query, query) << target;
}

TEST(RequestParser, TargetForms) {
  auto p = parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(p.head.state, HeadResult::State::Complete);
  expect_target("http://example.com/a/b?c=1", "/a/b", "c=1");
  EXPECT_EQ(error_status("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET pets HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  // A fragment is never sent: '#' anywhere in the target is an error.
  for (const char* target : {"/a#frag", "/a?q=1#frag", "/#", "http://h/p#f", "http://h#x/p"}) {
    EXPECT_EQ(error_status("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        << target;
  }
  // Every byte a target may hold, and the first that it may not.
  std::string visible;
  for (int c = 0x21; c < 0x7F; ++c)
    if (c != '#' && c != '?') visible += static_cast<char>(c);
  expect_target("/" + visible + "?" + visible, "/" + visible, visible);
  // The first '?' starts the query; later ones are part of it.
  expect_target("/a?b=1?c=?", "/a", "b=1?c=?");
  expect_target("/a?", "/a", "");
  expect_target("http://h/p?x?y", "/p", "x?y");
  EXPECT_EQ(error_status("GET /a?b\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET /a?b c HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  for (const char bad : {'\x01', '\x7F', '\x80', '\xFF'}) {
    EXPECT_EQ(error_status("GET /a" + std::string(1, bad) + "b HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        << int(static_cast<unsigned char>(bad));
  }
  // Absolute form without a path: the path is "/", and a query right after the host is kept.
  expect_target("HTTPS://example.com?c=1", "/", "c=1");
  expect_target("http://example.com", "/", "");
  // RFC 9110 4.2.4: userinfo in an http(s) URI is an error (it would hide the real host);
  // an '@' in the path or the query is just a byte of it.
  for (const char* target :
       {"http://user:pass@x/pets", "http://u@x", "https://@x/", "http://x@y?q", "http://a@b@c/"}) {
    const auto p = parse("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_EQ(p.head.state, HeadResult::State::Error) << target;
    EXPECT_EQ(p.head.error.status, 400) << target;
    EXPECT_EQ(p.head.error.message, "an absolute-form request target must not have userinfo")
        << target;
  }
  expect_target("http://x/a@b", "/a@b", "");
  expect_target("http://x?a@b", "/", "a@b");
  expect_target("/a@b?c@d", "/a@b", "c@d");
  // Found by fuzz/request_parser: no scheme, another scheme, no host.
  for (const char* target : {"://ts", "ftp://h/x", "http:///x", "http://", "http://?q"}) {
    EXPECT_EQ(error_status("GET " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        << target;
  }
}

TEST(RequestParser, HeaderNameAndValueBytes) {
  // Tabs, spaces, visible ASCII and obs-text are value bytes; other controls and DEL are not.
  auto p = parse("GET / HTTP/1.1\r\nHost: a\r\nX-V: a\tb c\xC3\xA9~\r\n\r\n");
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_EQ(p.req.header("x-v"), "a\tb c\xC3\xA9~");
  for (const char bad : {'\x00', '\x01', '\x1F', '\x7F'}) {
    const std::string text =
        "GET / HTTP/1.1\r\nHost: a\r\nX-V: a" + std::string(1, bad) + "b\r\n\r\n";
    EXPECT_EQ(error_status(text), 400) << int(bad);
  }
  // Names are tokens: every tchar is accepted, a separator is not.
  p = parse("GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n");
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_EQ(p.req.header("!#$%&'*+-.^_`|~09AZaz"), "v");
  for (const char* name : {"X(Y", "X@Y", "X\"Y", "X/Y", "X{Y"}) {
    EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\n" + std::string(name) + ": v\r\n\r\n"),
              400)
        << name;
  }
}

// CONNECT's authority-form target (RFC 9112 3.2.3, "host:port") is well-formed: the method
// is not implemented (501, as for any method not routed), the target is not malformed (400).
TEST(RequestParser, ConnectIsNotImplemented) {
  for (const char* target : {"example.com:443", "127.0.0.1:8080", "[::1]:443", "h:1"}) {
    const auto p =
        parse("CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    ASSERT_EQ(p.head.state, HeadResult::State::Error) << target;
    EXPECT_EQ(p.head.error.status, 501) << target;
    EXPECT_EQ(p.head.error.message, "method CONNECT is not supported") << target;
  }
  for (const char* target :
       {"example.com", "example.com:", ":443", "[::1]", "a b:1", "a:443x", "a:123456", "a:1:2"})
    EXPECT_EQ(error_status("CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        << target;
  // Only CONNECT has that form.
  EXPECT_EQ(error_status("GET example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(RequestParser, UnknownMethodsParseWithoutARoute) {
  auto p = parse("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_FALSE(p.req.method.has_value());
  EXPECT_EQ(p.req.method_text, "BREW");
}

TEST(RequestParser, SmugglingDefences) {
  EXPECT_EQ(
      error_status(
          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
      400);
  EXPECT_EQ(
      error_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
      400);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")
                .head.state,
            HeadResult::State::Complete);
  EXPECT_EQ(error_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n"), 400);
  EXPECT_EQ(error_status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n"), 400);
  EXPECT_EQ(error_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            501);
  EXPECT_EQ(error_status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                         "chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(error_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n"), 400);  // obs-fold
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"), 400);     // bare CR
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"), 400);          // bare LF
  EXPECT_EQ(error_status("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);  // space before colon
  // The field name in any case; a name that only looks like it is another field.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n").head.state, HeadResult::State::Complete);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHOST: a\r\nhost: a\r\n\r\n"), 400);
  for (const std::string_view other : {"Hosu", "Hos\x7f", "H0st", "Hos", "Hosts", "X-Host"})
    EXPECT_EQ(error_status("GET / HTTP/1.1\r\n" + std::string(other) + ": a\r\n\r\n"), 400)
        << other;  // no Host at all
  // Host (RFC 9112 3.2): a reg-name or bracketed IP literal with an optional port, or empty.
  for (const std::string_view good :
       {"a", "api.example.com:8080", "127.0.0.1:1", "[::1]:8080", "[fe80::1%25eth0]",
        "xn--bcher-kva.example", "h:", "", "a:80 \t", "\t[::1]  "})
    EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: " + std::string(good) + "\r\n\r\n").head.state,
              HeadResult::State::Complete)
        << good;
  for (const std::string_view bad : {"a b", "a/b", "a@b", "a:80:90", "a:8o", "a:123456", "[::1",
                                     "[]", "[::1]x", "\"a\"", "a\\b", "a?b", "a#b"})
    EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: " + std::string(bad) + "\r\n\r\n"), 400) << bad;
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n"s), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\n\r\n"), 400);  // no Host
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(error_status("GET / HTTX/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  // The line is read in one pass: a prefix waits for more, a line that has ended is judged.
  const std::string full = "GET /a?b HTTP/1.1\r\nHost: a\r\n\r\n";
  for (std::size_t n = 0; n < full.size(); ++n)
    EXPECT_EQ(parse(full.substr(0, n)).head.state, HeadResult::State::Incomplete) << n;
  EXPECT_EQ(parse(full).head.state, HeadResult::State::Complete);
  EXPECT_EQ(error_status("GET / H\r\n"), 400);           // a short version, line ended
  EXPECT_EQ(error_status("GET / HTTP/1.1\n\r\n"), 400);  // LF alone ends no line
  EXPECT_EQ(error_status("GET / HTTP/1.1\rX\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.10\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET\r\n\r\n"), 400);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"), 417);
}

// RFC 9112 6.2: Content-Length = 1*DIGIT, whatever its length: leading zeros are digits, and
// a value too large for 64 bits is larger than any body (the caller's limit makes it 413),
// not malformed.
TEST(RequestParser, ContentLengthIsAnyRunOfDigits) {
  const auto cl = [](std::string_view value, std::string_view more = {}) {
    return parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::string(value) + "\r\n" +
                 std::string(more) + "\r\n");
  };
  const std::pair<std::string_view, std::uint64_t> values[] = {
      {"0", 0},
      {"00000000000000000014", 14},
      {"000000000000000000000000000000000000000000000000000000000000000001", 1},
      {"1000000000000000000", 1'000'000'000'000'000'000u},
      {"18446744073709551614", UINT64_MAX - 1},
      {"18446744073709551615", UINT64_MAX},
      {"18446744073709551616", UINT64_MAX},  // too large: as large as can be said
      {"99999999999999999999", UINT64_MAX},
      {"123456789012345678901234567890", UINT64_MAX},
  };
  for (const auto& [value, length] : values) {
    const auto p = cl(value);
    ASSERT_EQ(p.head.state, HeadResult::State::Complete) << value;
    EXPECT_EQ(p.head.content_length, length) << value;
  }
  EXPECT_EQ(cl("14", "Content-Length: 0014\r\n").head.content_length, 14u);  // the same length
  for (const std::string_view bad : {"", "+1", "-1", "1 2", "0x10", "1,1", "1.0", "١"})
    EXPECT_EQ(cl(bad).head.state, HeadResult::State::Error) << bad;
  EXPECT_EQ(cl("99999999999999999999", "Content-Length: 5\r\n").head.error.status, 400);
  EXPECT_EQ(cl("5", "Content-Length: 99999999999999999999\r\n").head.error.status, 400);
}

// RFC 9112 6.3: chunked not the final transfer coding leaves the body's length unknown: 400
// (and close). 6.1: chunked is never applied twice (400). Chunked last after a coding this
// server does not decode (gzip) is understood but not implemented: 501.
TEST(RequestParser, TransferCodings) {
  const auto te = [](std::string_view value) {
    return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + std::string(value) + "\r\n\r\n";
  };
  for (const std::string_view good : {"chunked", "Chunked", "CHUNKED", ", chunked", "chunked ,"}) {
    const auto p = parse(te(good));
    ASSERT_EQ(p.head.state, HeadResult::State::Complete) << good;
    EXPECT_TRUE(p.head.chunked) << good;
  }
  for (const std::string_view not_final : {"chunked, identity", "identity", "xchunked", "chunkedx",
                                           "", ",", "gzip", "chunked;a=b", "gzip, chunked, gzip"}) {
    const auto p = parse(te(not_final));
    ASSERT_EQ(p.head.state, HeadResult::State::Error) << not_final;
    EXPECT_EQ(p.head.error.status, 400) << not_final;
    EXPECT_EQ(p.head.error.message, "chunked must be the final transfer coding") << not_final;
  }
  EXPECT_EQ(error_status(te("chunked, chunked")), 400);
  for (const std::string_view unsupported : {"gzip, chunked", "deflate,chunked", "x ,Chunked"}) {
    const auto p = parse(te(unsupported));
    ASSERT_EQ(p.head.state, HeadResult::State::Error) << unsupported;
    EXPECT_EQ(p.head.error.status, 501) << unsupported;
  }
}

TEST(RequestParser, Limits) {
  ParserLimits limits;
  limits.max_request_line = 32;
  limits.max_header_bytes = 128;
  limits.max_headers = 3;
  EXPECT_EQ(error_status("GET /" + std::string(40, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits),
            414);
  EXPECT_EQ(error_status("GET /" + std::string(40, 'a'), limits), 414);  // no CRLF yet
  EXPECT_EQ(error_status("GET /" + std::string(40, 'a') + " HTTP/1.1", limits), 414);
  EXPECT_EQ(parse("GET /" + std::string(20, 'a') + " HTTP/1", limits).head.state,
            HeadResult::State::Incomplete);  // 32 bytes so far: at the limit, not over it
  EXPECT_EQ(
      error_status("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b') + "\r\n\r\n", limits),
      431);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'b'), limits), 431);
  EXPECT_EQ(error_status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits), 431);
}

// A request line of exactly max_request_line bytes is accepted at every prefix: its CR, come
// without its LF, is not a byte over the limit (TCP may cut between them). One byte more is
// 414 once the line ends, and before then once it cannot fit.
TEST(RequestParser, ALineAtTheLimitIsIncompleteAtEveryPrefix) {
  ParserLimits limits;
  limits.max_request_line = 32;
  for (const std::string_view lead : {"", "\r\n"}) {
    const std::string line = std::string(lead) + "GET /" + std::string(32 - 14, 'a') + " HTTP/1.1";
    const std::string text = line + "\r\nHost: a\r\n\r\n";
    for (std::size_t n = 0; n < text.size(); ++n)
      EXPECT_EQ(parse(text.substr(0, n), limits).head.state, HeadResult::State::Incomplete) << n;
    EXPECT_EQ(parse(text, limits).head.state, HeadResult::State::Complete);
    const std::string over = std::string(lead) + "GET /" + std::string(32 - 13, 'a') + " HTTP/1.1";
    EXPECT_EQ(error_status(over + "\r", limits), 414);
    EXPECT_EQ(error_status(over + "\r\nHost: a\r\n\r\n", limits), 414);
  }
}

TEST(RequestParser, SkipsLeadingEmptyLines) {
  const std::string text = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto p = parse(text);
  EXPECT_EQ(p.head.state, HeadResult::State::Complete);
  EXPECT_EQ(p.head.head_size, text.size());
  // A head not all here yet says how many bytes of empty lines lead it (RFC 9112 2.2: the
  // server drops them, so they never pile up in its buffer); a CR alone is not one yet.
  for (const auto& [text, skipped] :
       std::initializer_list<std::pair<std::string_view, std::size_t>>{
           {"", 0},
           {"\r", 0},
           {"\r\n", 2},
           {"\r\n\r", 2},
           {"\r\n\r\nGE", 4},
           {"\r\nGET / HTTP/1.1\r", 2},
           {"\r\nGET / HTTP/1.1\r\nHost: a\r\n", 2}}) {
    p = parse(text);
    EXPECT_EQ(p.head.state, HeadResult::State::Incomplete) << text;
    EXPECT_EQ(p.head.head_size, skipped) << text;
  }
}

TEST(RequestParser, RefusesMoreEmptyLinesThanItSkips) {
  std::string lines;
  for (std::size_t i = 0; i < kMaxEmptyLinesBeforeRequest; ++i) lines += "\r\n";
  EXPECT_EQ(parse(lines + "GET / HTTP/1.1\r\nHost: a\r\n\r\n").head.state,
            HeadResult::State::Complete);
  EXPECT_EQ(parse(lines).head.state, HeadResult::State::Incomplete);
  // One more is an error at once, whatever follows: a client cannot make the server hold
  // megabytes of them (RFC 9112 2.2 asks to ignore at least one).
  EXPECT_EQ(error_status(lines + "\r\n"), 400);
  EXPECT_EQ(error_status(lines + "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  std::string flood;
  for (int i = 0; i < 1 << 16; ++i) flood += "\r\n";
  EXPECT_EQ(error_status(flood), 400);
}

// iequals compares eight (or, below eight bytes, four) bytes at a time; it must agree with a
// byte-by-byte ASCII comparison for every length and position, and never fold characters other than
// A-Z (such as '^' and
// '~' or '@' and '`', which differ by the same bit).
TEST(Iequals, AgreesWithByteByByteComparisonAtEveryLengthAndPosition) {
  auto reference = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
      if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
        return false;
    }
    return true;
  };
  const std::string base = "content-type-application/json+x";
  const std::pair<char, char> swaps[] = {{'a', 'A'}, {'z', 'Z'},  {'^', '~'},    {'@', '`'},
                                         {'[', '{'}, {'-', '\r'}, {'a', '\xC1'}, {'a', 'b'}};
  int compared = 0;
  for (std::size_t n = 0; n <= base.size(); ++n) {
    const std::string a = base.substr(0, n);
    EXPECT_TRUE(iequals(a, a));
    for (std::size_t at = 0; at < n; ++at)
      for (const auto& [from, to] : swaps) {
        std::string x = a, y = a;
        x[at] = from;
        y[at] = to;
        EXPECT_EQ(iequals(x, y), reference(x, y)) << x << " vs " << y;
        EXPECT_EQ(iequals(y, x), reference(y, x)) << y << " vs " << x;
        ++compared;
      }
  }
  EXPECT_GT(compared, 1000);
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_TRUE(iequals("APPLICATION/JSON", "application/json"));
  EXPECT_FALSE(iequals("application/json", "application/jsom"));
  EXPECT_FALSE(iequals("application/json", "application/json "));
}

TEST(ChunkedDecoder, DecodesAcrossArbitrarySplits) {
  const std::string body =
      "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (std::size_t split = 0; split <= body.size(); ++split) {
    ChunkedDecoder d;
    std::string out;
    auto a = d.feed(std::string_view(body).substr(0, split), out, 1000);
    std::size_t used = a.consumed;
    if (a.state != ChunkedDecoder::State::Complete) {
      ASSERT_EQ(a.state, ChunkedDecoder::State::Incomplete) << split;
      auto b = d.feed(std::string_view(body).substr(used), out, 1000);
      ASSERT_EQ(b.state, ChunkedDecoder::State::Complete) << split;
      used += b.consumed;
    }
    EXPECT_EQ(out, "Wikipedia in\r\n\r\nchunks.") << split;
    EXPECT_EQ(body.substr(used), "NEXT") << split;
  }
}

// RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ).
// Whitespace may come before the ';', not in place of it.
TEST(ChunkedDecoder, AcceptsWhitespaceBeforeAChunkExtension) {
  const std::string body = "5 ;a=b\r\nhello\r\n6\t \t; a = \"x\"\r\n world\r\n0 ;last\r\n\r\n";
  for (std::size_t split = 0; split <= body.size(); ++split) {
    ChunkedDecoder d;
    std::string out;
    auto a = d.feed(std::string_view(body).substr(0, split), out, 1000);
    if (a.state != ChunkedDecoder::State::Complete) {
      ASSERT_EQ(a.state, ChunkedDecoder::State::Incomplete) << split;
      ASSERT_EQ(d.feed(std::string_view(body).substr(a.consumed), out, 1000).state,
                ChunkedDecoder::State::Complete)
          << split;
    }
    EXPECT_EQ(out, "hello world") << split;
  }
  for (const std::string_view bad : {"5 \r\nhello\r\n", "5 x\r\nhello\r\n", " 5\r\nhello\r\n",
                                     "5 6\r\nhello\r\n", "5 \n", "5 \r"}) {
    ChunkedDecoder d;
    std::string out;
    const auto step = d.feed(bad, out, 1000);
    EXPECT_EQ(step.state, ChunkedDecoder::State::Error) << bad;
    EXPECT_EQ(step.error.status, 400) << bad;
  }
  // Whitespace counts against the extensions' budget like their other bytes.
  ChunkedDecoder d;
  std::string out;
  EXPECT_EQ(d.feed("5" + std::string(5000, ' '), out, 1000).state, ChunkedDecoder::State::Error);
}

TEST(ChunkedDecoder, RejectsMalformedAndOversizedChunks) {
  auto run = [](std::string_view in, std::uint64_t max = 1000) {
    ChunkedDecoder d;
    std::string out;
    return d.feed(in, out, max);
  };
  EXPECT_EQ(run("x\r\n").state, ChunkedDecoder::State::Error);
  EXPECT_EQ(run("\r\n").state, ChunkedDecoder::State::Error);
  EXPECT_EQ(run("4\nWiki").state, ChunkedDecoder::State::Error);
  EXPECT_EQ(run("4\r\nWikiX\r\n").state, ChunkedDecoder::State::Error);
  EXPECT_EQ(run("ffffffffffffffffff\r\n").state, ChunkedDecoder::State::Error);
  auto big = run("10\r\n", 8);
  EXPECT_EQ(big.state, ChunkedDecoder::State::Error);
  EXPECT_EQ(big.error.status, 413);
  EXPECT_EQ(run("0\r\nbad\ntrailer\r\n\r\n").state, ChunkedDecoder::State::Error);
}

}  // namespace
}  // namespace brrt::http
