#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/, level 1) for one request: the
// trace the caller's `traceparent` header names, or a new one when it sent none or a malformed
// one, and the id of the span this server handles the request in. The access log records
// both; a handler passes `traceparent()` on to the services it calls, so their spans join the
// same trace with this server's span as parent.
//
// Written here rather than taken from a tracing SDK: no Debian 12 package provides W3C trace
// context propagation for C++ (OpenTelemetry C++ is not packaged), and the header is a fixed
// 55-byte format.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brrt::observe {

// Random ids for new traces and spans: one generator per worker thread (xoshiro256**, seeded
// from std::random_device), so that making an id takes no lock and no system call.
class TraceIdGenerator {
 public:
  TraceIdGenerator();
  std::uint64_t next() noexcept;  // never 0 (an all-zero id is invalid)

 private:
  std::array<std::uint64_t, 4> s_;
};

struct TraceContext {
  std::array<char, 32> trace_id{};   // lowercase hex
  std::array<char, 16> span_id{};    // this server's span, lowercase hex
  std::array<char, 16> parent_id{};  // the caller's span (when `has_parent`)
  std::uint8_t flags = 0;            // trace-flags; bit 0 = sampled
  bool has_parent = false;           // the request carried a valid traceparent

  // Continues the trace of `traceparent` when it is valid (any version but ff; for version
  // 00 exactly 55 characters; ids lowercase hex and not all zeros), else starts a new trace
  // (flags 00). The span id is always new.
  static TraceContext from_header(std::optional<std::string_view> traceparent,
                                  TraceIdGenerator& ids);

  std::string_view trace() const noexcept { return {trace_id.data(), trace_id.size()}; }
  std::string_view span() const noexcept { return {span_id.data(), span_id.size()}; }
  std::string_view parent() const noexcept {
    return has_parent ? std::string_view(parent_id.data(), parent_id.size()) : std::string_view();
  }
  // "00-<trace-id>-<span-id>-<flags>": the header for outgoing calls, this span as parent.
  std::string traceparent() const;
};

// Whether `header` is a traceparent this server continues (see from_header).
bool valid_traceparent(std::string_view header) noexcept;

}  // namespace brrt::observe
