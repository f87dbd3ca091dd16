#pragma once
// What a handler sees: the raw request and its decoded, typed parts. Everything JSON lives
// in the request's arena (a per-worker buffer for plain handlers, a per-request one for
// async and blocking handlers), so decoding a typical request allocates nothing.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/http/message.hpp"
#include "brrt/observe/trace_context.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {

// One file part of a multipart/form-data body. Small parts stay in the request buffer
// (`data`); a part larger than the service's in-memory limit is written to a temporary
// file (`path`, removed when the request ends) and `data` is empty.
struct UploadedFile {
  std::string field;
  std::string filename;
  std::string content_type;
  std::uint64_t size = 0;
  std::string_view data;
  std::string path;

  UploadedFile() = default;
  UploadedFile(UploadedFile&&) noexcept;
  UploadedFile& operator=(UploadedFile&&) noexcept;
  UploadedFile(const UploadedFile&) = delete;
  UploadedFile& operator=(const UploadedFile&) = delete;
  ~UploadedFile();  // unlinks `path`
};

// Where a request's trace context is kept: made from its traceparent header the first time a
// handler or the access log asks, so a request nobody asks about costs nothing.
struct TraceSlot {
  observe::TraceIdGenerator* ids = nullptr;  // the worker's; a thread-local one when null
  std::optional<observe::TraceContext> context;
  const observe::TraceContext& get(const http::Request& req);
};

struct RequestContext {
  const http::Request& http;
  const spec::Operation& operation;
  std::size_t worker = 0;
  boost::json::object path;     // path parameters, typed per their schemas
  boost::json::object query;    // declared query parameters that were sent (or defaulted)
  boost::json::object headers;  // declared header parameters that were sent
  boost::json::object cookies;  // declared cookie parameters that were sent
  boost::json::value body;  // JSON; form or multipart fields; a text/* body as a string; else null
  std::vector<UploadedFile> files;  // multipart file parts
  // The body, for an operation with a requestBody: as received, or inflated when it came
  // with Content-Encoding gzip or deflate (then held by the request's memory, as `body` is).
  std::string_view raw_body;
  std::string_view content_type;  // media type essence, e.g. "application/json"
  // The security requirement that let the request in: the scheme names of the satisfied
  // alternative (empty for a public operation).
  std::vector<std::string_view> schemes;
  // Verified claims of that requirement (JWT claims; {"sub": user} for basic), or null.
  std::shared_ptr<const boost::json::object> claims;
  // When the answer is due (ServiceOptions::handler_timeout after the request was
  // dispatched; time_point::max() without a timeout): a handler passes what is left on to
  // the calls it makes, and an async one is cancelled when it passes.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  RequestContext(const http::Request& r, const spec::Operation& op, boost::json::storage_ptr sp)
      : http(r), operation(op), path(sp), query(sp), headers(sp), cookies(sp), body(sp) {}

  // The W3C trace context (observe/trace_context.hpp): the caller's trace or a new one, and
  // this request's span. Send trace().traceparent() on calls made for this request. The
  // access log records the same ids.
  const observe::TraceContext& trace() const;
  TraceSlot* trace_slot = nullptr;  // set by the dispatcher; the context's own slot when null

  // A decoded parameter by name (path, then query, header, cookie); nullptr if absent.
  const boost::json::value* param(std::string_view name) const noexcept;
  // Convenience accessors for the typed value of a parameter (nullopt if absent or of
  // another type).
  std::optional<std::int64_t> int_param(std::string_view name) const noexcept;
  std::optional<std::string_view> string_param(std::string_view name) const noexcept;

 private:
  mutable TraceSlot own_trace_;
};

}  // namespace brrt::dispatch
