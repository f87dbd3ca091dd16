#include "brrt/http/message.hpp"

#include <cstdint>
#include <cstring>

namespace brrt::http {

namespace {

// Eight bytes with ASCII 'A'..'Z' turned into lower case, every other byte unchanged (SWAR: the
// seven low bits of each byte are compared against 'A' and 'Z' by additions that cannot carry
// into the next byte).
std::uint64_t ascii_lower8(std::uint64_t x) noexcept {
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const std::uint64_t low7 = x & ~kHigh;
  const std::uint64_t at_least_a = low7 + 0x3F3F3F3F3F3F3F3Full;  // high bit: >= 'A'
  const std::uint64_t above_z = low7 + 0x2525252525252525ull;     // high bit: > 'Z'
  const std::uint64_t upper = at_least_a & ~above_z & ~x & kHigh;
  return x | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit
}

std::uint64_t load8(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

std::uint64_t load4(const char* p) noexcept {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
  return x;  // zero bytes above: ascii_lower8 leaves them zero
}

}  // namespace

// Header names and media types are compared case-insensitively for every request: eight bytes
// at a time (the last, possibly overlapping, word covers the tail), after a plain comparison
// that settles the usual case of identical spelling.
bool iequals(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n < 8) {
    if (n >= 4)  // two overlapping four-byte words ("host", "expect", "gzip", "bearer ")
      return ascii_lower8(load4(a.data())) == ascii_lower8(load4(b.data())) &&
             ascii_lower8(load4(a.data() + n - 4)) == ascii_lower8(load4(b.data() + n - 4));
    for (std::size_t i = 0; i < n; ++i) {
      char x = a[i], y = b[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
      if (x != y) return false;
    }
    return true;
  }
  if (std::memcmp(a.data(), b.data(), n) == 0) return true;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (ascii_lower8(load8(a.data() + i)) != ascii_lower8(load8(b.data() + i))) return false;
  return i == n || ascii_lower8(load8(a.data() + n - 8)) == ascii_lower8(load8(b.data() + n - 8));
}

bool if_none_match(std::string_view list, std::string_view etag) noexcept {
  if (etag.size() >= 2 && etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  std::size_t i = 0;
  while (i < list.size()) {
    const char c = list[i];
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
      continue;
    }
    if (c == '*') return true;
    if (c == 'W' && i + 1 < list.size() && list[i + 1] == '/') i += 2;
    if (i >= list.size() || list[i] != '"') return false;
    const std::size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) return false;
    if (list.substr(i, close + 1 - i) == etag) return true;
    i = close + 1;
    if (i < list.size() && list[i] != ',' && list[i] != ' ' && list[i] != '\t') return false;
  }
  return false;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < header_count; ++i)
    if (iequals(headers[i].name, name)) return headers[i].value;
  return std::nullopt;
}

bool Request::not_modified(std::string_view etag) const noexcept {
  for (std::size_t i = 0; i < header_count; ++i)
    if (iequals(headers[i].name, "If-None-Match") && if_none_match(headers[i].value, etag))
      return true;
  return false;
}

void Response::set_header(std::string_view name, std::string_view value) {
  for (std::size_t i = 0; i < header_count_; ++i)
    if (iequals(names_[i], name)) {
      values_[i].assign(value);
      return;
    }
  add_header(name, value);
}

void Response::add_header(std::string_view name, std::string_view value) {
  if (header_count_ == names_.size()) {
    names_.emplace_back();
    values_.emplace_back();
  }
  names_[header_count_] = name;
  values_[header_count_].assign(value);
  ++header_count_;
}

std::optional<std::string_view> Response::header(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < header_count_; ++i)
    if (iequals(names_[i], name)) return std::string_view(values_[i]);
  return std::nullopt;
}

void Response::reset() noexcept {
  status = 200;
  body.clear();
  content_type_ = {};
  header_count_ = 0;
  close_ = false;
  streamed_ = false;
  streamed_bytes_ = 0;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace brrt::http
