#pragma once
// HTTP/1.1 request and response as the server hands them to a handler. A `Request` is a
// set of views into the connection's read buffer (valid until the handler returns); a
// `Response` is reused by the connection, so a handler that writes into it allocates
// nothing once the connection is warm.
#include "brrt/core/method.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::http {

class ResponseStream;

struct Header {
  std::string_view name;
  std::string_view value;
};

inline constexpr std::size_t kMaxHeaders = 128;

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

// `s` without the optional whitespace (spaces and tabs, RFC 9110 5.6.3) around it.
constexpr std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(item) for each non-empty element of a comma-separated header list (RFC 9110 5.6.1:
// "gzip, br;q=0.5", "keep-alive, Upgrade"), whitespace trimmed, until f returns false;
// returns whether every call returned true.
template <class F>
bool for_each_list_item(std::string_view list, F&& f) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, comma));
    if (!item.empty() && !f(item)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

// Whether an If-None-Match value (RFC 9110 13.1.2: "*" or a list of entity tags, W/ marking
// weak ones) matches `etag`, a quoted entity tag such as "\"3f2a-1c\"", by the weak
// comparison GET and HEAD use. Tags may hold commas, so the list is scanned tag by tag; a
// malformed list matches nothing from the first bad element on (the request is answered in
// full, never wrongly with 304).
bool if_none_match(std::string_view list, std::string_view etag) noexcept;

struct ClientCertificate;  // client_certificate.hpp

struct Request {
  std::optional<Method> method;  // empty for a method brrtrouter does not route
  std::string_view method_text;
  std::string_view target;  // as received: "/pets/42?x=1"
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', without it ("" when absent)
  int version_minor = 1;    // 0 for HTTP/1.0, 1 for HTTP/1.1 and later minors (RFC 9110 2.5)
  std::array<Header, kMaxHeaders> headers;
  std::size_t header_count = 0;
  std::string_view body;  // complete body (chunked bodies are decoded first)
  bool keep_alive = true;
  bool chunked = false;
  std::string_view remote;  // "127.0.0.1:53122"
  bool secure = false;      // it came over TLS (https)
  // The client's certificate (mutual TLS), when the server asks for one and it gave one;
  // owned by the connection.
  const ClientCertificate* client_certificate = nullptr;

  // First header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  // Whether If-None-Match (every field of that name: they form one list) matches `etag`:
  // the client has that representation (if_none_match above).
  bool not_modified(std::string_view etag) const noexcept;
};

class Response {
 public:
  int status = 200;
  std::string body;

  // Adds a header; `name` must be a literal or outlive the response (it usually is a
  // literal). The value is copied into the response's reused storage.
  void add_header(std::string_view name, std::string_view value);
  // Replaces the value of the first header named `name` (case-insensitive), or adds it.
  void set_header(std::string_view name, std::string_view value);
  void set_content_type(std::string_view type) { content_type_ = type; }
  std::string_view content_type() const noexcept { return content_type_; }
  // Asks the server to close the connection after this response.
  void close_connection() noexcept { close_ = true; }
  bool closes_connection() const noexcept { return close_; }

  std::size_t header_count() const noexcept { return header_count_; }
  std::string_view header_name(std::size_t i) const noexcept { return names_[i]; }
  std::string_view header_value(std::size_t i) const noexcept { return values_[i]; }
  std::optional<std::string_view> header(std::string_view name) const noexcept;

  // Back to a fresh 200 with no headers and an empty body (capacity kept). The attached
  // stream stays; whether it was begun is forgotten.
  void reset() noexcept;

  // The connection's streaming side (response_stream.hpp), for async handlers that write the
  // body as they go; nullptr when the response is not served by a connection (in-process
  // calls, tests). Set by the server.
  ResponseStream* stream() const noexcept { return stream_; }
  void attach_stream(ResponseStream* s) noexcept { stream_ = s; }
  // Set by ResponseStream::begin: the head went out, the rest of the response is ignored.
  bool streamed() const noexcept { return streamed_; }
  void mark_streamed() noexcept { streamed_ = true; }
  // Body bytes a stream wrote (for the access log; the framing not counted).
  std::uint64_t streamed_bytes() const noexcept { return streamed_bytes_; }
  void add_streamed_bytes(std::uint64_t n) noexcept { streamed_bytes_ += n; }

 private:
  std::string_view content_type_;
  std::vector<std::string_view> names_;
  std::vector<std::string> values_;
  std::size_t header_count_ = 0;
  ResponseStream* stream_ = nullptr;
  bool close_ = false;
  bool streamed_ = false;
  std::uint64_t streamed_bytes_ = 0;
};

// Standard reason phrase ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status) noexcept;

}  // namespace brrt::http
