#pragma once
// One line per request, as text or JSON (`--log-format json`), written with a single
// write(2) per line so lines from different worker threads never interleave.
#include "brrt/core/method.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace brrt::observe {

enum class LogFormat { Text, Json };

struct AccessRecord {
  std::chrono::system_clock::time_point time;
  std::string_view method;     // wire method as received
  std::string_view target;     // raw request target
  std::string_view operation;  // operationId, or empty when unmatched
  int status = 0;
  std::uint64_t bytes_out = 0;
  std::chrono::nanoseconds duration{0};
  std::string_view remote;  // "127.0.0.1:53122"
  // W3C trace context (trace_context.hpp): the request's trace and this server's span;
  // empty when not known.
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view user_agent;  // the User-Agent header; empty when absent (JSON format only)
  // The subject of the client's TLS certificate (mutual TLS), verified or not; empty when it
  // presented none (JSON format only: "client_cert").
  std::string_view client_cert;
};

class AccessLog {
 public:
  AccessLog(LogFormat format, int fd) : format_(format), fd_(fd) {}
  // Formats into `scratch` (reused by the caller per thread) and writes one line.
  void write(const AccessRecord& r, std::string& scratch) const;
  // The line without writing it (for tests).
  void format(const AccessRecord& r, std::string& out) const;

 private:
  LogFormat format_;
  int fd_;
};

// Appends `s` as the contents of a JSON string (no quotes), escaping control characters,
// quotes and backslashes; invalid UTF-8 bytes become U+FFFD so a hostile target cannot
// break the log line's JSON.
void append_json_escaped(std::string& out, std::string_view s);

// The same, written at `out`, which must have room for kMaxJsonEscapeGrowth * s.size() bytes
// (a control character becomes \u00XX); returns the end of what was written.
inline constexpr std::size_t kMaxJsonEscapeGrowth = 6;
char* write_json_escaped(char* out, std::string_view s) noexcept;

}  // namespace brrt::observe
