#pragma once
// The spec-driven request pipeline: route -> security -> decode parameters and body ->
// handler (or the spec's example, or an echo) -> response, plus the built-in endpoints
// (/health, /metrics, /openapi.yaml|json, /docs). Implements http::Handler, so an
// http::Server runs it on every worker with no hand-off.
//
// The compiled state of a spec (routes, decoders, examples, security) is one immutable
// snapshot; `reload` swaps it atomically. Workers pick up a new snapshot between requests
// by comparing a generation number (one relaxed load per request, no lock).
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "brrt/dispatch/body_inflater.hpp"
#include "brrt/dispatch/compression.hpp"
#include "brrt/dispatch/cors.hpp"
#include "brrt/dispatch/handler_table.hpp"
#include "brrt/dispatch/multipart.hpp"
#include "brrt/dispatch/web_socket.hpp"
#include "brrt/http/server.hpp"
#include "brrt/observe/access_log.hpp"
#include "brrt/router/route_table.hpp"
#include "brrt/security/key_source.hpp"
#include "brrt/security/security_config.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {

enum class ResponseValidation : std::uint8_t { Off, Log, Enforce };

struct ServiceOptions {
  // Built-in endpoints; an empty path disables one. A path the spec defines itself is
  // served by the spec's operation instead.
  std::string health_path = "/health";
  std::string metrics_path = "/metrics";
  std::string spec_path = "/openapi";  // serves /openapi.yaml and /openapi.json
  std::string docs_path = "/docs";
  std::string docs_title;      // default: the spec's info.title
  std::string swagger_ui_dir;  // default: searched (see docs/server.md)
  // Providers' settings by security scheme name (docs/security.md).
  security::SecurityConfig security;
  // Replaces HTTP for JWKS and OpenID discovery fetches (tests); empty = real HTTP.
  security::Fetcher jwks_fetcher;
  // Blocking handlers: pool threads, and requests allowed to wait for one (beyond: 503).
  unsigned blocking_threads = 4;
  std::size_t blocking_queue = 1024;
  // How long an async handler may take, from the request's dispatch: past it, the handler is
  // cancelled (its pending co_await fails with operation_aborted) and the answer is 504. A
  // blocking request still waiting for a pool thread then is answered 504 without running;
  // one running is not interrupted. Plain, stream and WebSocket handlers are not timed.
  // Handlers read it as ctx.deadline. Zero: no limit (docs/server.md, "Handler deadline").
  std::chrono::milliseconds handler_timeout{0};
  // multipart/form-data: parts larger than this go to a temporary file in `temp_dir`
  // (default: $TMPDIR or /tmp).
  std::size_t multipart_memory_limit = 64 * 1024;
  MultipartLimits multipart;
  std::string temp_dir;
  // Request parameters and bodies are validated against their schemas (400 with an
  // `errors` list); `format` is an assertion only when format_assertion is set.
  bool validate_requests = true;
  bool format_assertion = false;
  // A property marked readOnly sent in a request body, or one marked writeOnly in a response
  // body, is a violation (keyword readOnly / writeOnly); false accepts them (OpenAPI says
  // SHOULD NOT, and JSON Schema lets a server ignore them instead).
  bool reject_read_write_only = true;
  // Responses of JSON media types checked against the spec: Off, Log (count + stderr),
  // Enforce (a violating response becomes 500, and is logged).
  ResponseValidation response_validation = ResponseValidation::Off;
  bool access_log = true;
  observe::LogFormat log_format = observe::LogFormat::Text;
  int log_fd = 1;
  // Browsers on other origins (docs/server.md, "CORS"); off while cors.allow_origins is empty.
  CorsOptions cors;
  // gzip for clients that accept it (docs/server.md, "Compression"); off by default.
  CompressionOptions compression;
  // Request bodies sent with Content-Encoding gzip or deflate are inflated, up to a size
  // (docs/server.md, "Compressed request bodies"); on by default.
  InflateOptions inflate;
  // WebSocket endpoints' limits (docs/server.md, "WebSockets").
  WebSocketOptions websocket;
};

struct CompiledApi;
class EventStream;
class StaticBody;

class Service : public http::Handler {
 public:
  Service(std::shared_ptr<const spec::Api> api, HandlerTable handlers, ServiceOptions options,
          std::size_t workers);
  ~Service() override;

  // Lets /health report draining and /metrics read the transport counters.
  void attach(const http::Server* server) noexcept { server_ = server; }
  // Compiles `api` and swaps it in; requests in flight finish on the old snapshot.
  // Throws spec::SpecError when the new spec does not compile (the old one stays).
  void reload(std::shared_ptr<const spec::Api> api);
  // Operations without a handler (answered from examples or by echo), for a startup note.
  std::vector<std::string> unhandled_operations() const;
  // Startup warnings (unusable security schemes, missing Swagger UI assets, ...).
  std::vector<std::string> warnings() const;

  bool handle(std::size_t worker, const http::Request& req, http::Response& res) noexcept override;
  boost::asio::awaitable<void> handle_async(std::size_t worker, const http::Request& req,
                                            http::Response& res) override;
  // Requests the HTTP layer refused (400, 408, 413, ...): counted under "(unmatched)" and
  // logged, method and target "-" when they were not read.
  void rejected(std::size_t worker, const http::Request& req, int status) noexcept override;

  struct Worker;

 private:
  using Clock = std::chrono::steady_clock;
  const CompiledApi& snapshot(Worker& w) noexcept;
  // The operation's index, or the number of operations when `res` is already complete (a
  // built-in endpoint, whose metrics row goes to `metrics_row`, or 404/405/501).
  std::size_t route(Worker& w, const CompiledApi& api, const http::Request& req,
                    http::Response& res, router::RouteMatch& m, std::size_t& metrics_row);
  // Security, parameters, body, validation; false when `res` is complete (401/400/415).
  bool prepare(Worker& w, const CompiledApi& api, std::size_t op_index, const router::RouteMatch& m,
               RequestContext& ctx, http::Response& res);
  // Response validation (ServiceOptions::response_validation).
  void check_response(Worker& w, const CompiledApi& api, std::size_t op_index, RequestContext& ctx,
                      http::Response& res);
  bool run_before(RequestContext& ctx, http::Response& res, std::size_t& ran);
  void run_after(const RequestContext& ctx, http::Response& res, std::size_t ran);
  void answer_from_spec(const CompiledApi& api, std::size_t op_index, RequestContext& ctx,
                        http::Response& res);
  // answer_from_spec for an operation whose example is a text/event-stream: its events are
  // streamed, then the stream stays open (a comment every 15 s) until the client leaves or
  // the server drains.
  boost::asio::awaitable<void> stream_example(const CompiledApi& api, std::size_t op_index,
                                              const http::Request& req, http::Response& res);
  // A WebSocket operation's answer once its handshake request was accepted: the handler (or,
  // without one, an echo of every message) runs on the upgraded connection.
  boost::asio::awaitable<void> serve_websocket(const HandlerTable::Entry* handler,
                                               RequestContext& ctx, http::Response& res);
  // Runs an async handler against ctx.deadline: true when it finished first (its exception
  // rethrown), false when the deadline passed (the handler was cancelled and has returned).
  static boost::asio::awaitable<bool> within_deadline(boost::asio::awaitable<void> handler,
                                                      Clock::time_point deadline);
  // The 504 of a handler past ctx.deadline (cancelled when `ran`, else never started), and
  // its stderr line (log_failure's).
  void answer_timeout(const http::Request& req, http::Response& res, bool ran) const;
  // The stream of an operation's answer: its head carries the CORS headers finish() would add.
  EventStream event_stream(const CompiledApi& api, const http::Request& req, http::Response& res,
                           std::size_t op_index) const;
  void fail(const http::Request& req, http::Response& res, const char* what) noexcept;
  // The stderr line of a handler that threw: method, path and the exception's text.
  static void log_failure(const http::Request& req, const char* what) noexcept;
  // Every answered request, either path: gzip and CORS headers on the response, then its
  // metrics and access log line.
  void finish(Worker& w, const CompiledApi& api, std::size_t worker, const http::Request& req,
              http::Response& res, std::size_t op_index, Clock::time_point start, TraceSlot& trace);
  // The metrics row and the access log line of an answered request; `trace` is null for a
  // request refused before it was read.
  void record(Worker& w, const CompiledApi& api, std::size_t worker, const http::Request& req,
              int status, std::uint64_t body_bytes, std::size_t op_index, Clock::duration elapsed,
              TraceSlot* trace);
  // /health, /metrics, /openapi.json|yaml, /docs: answers into `res` (a 405 for a method
  // other than GET or HEAD) and returns the request's metrics row, or kNotBuiltin.
  static constexpr std::size_t kNotBuiltin = static_cast<std::size_t>(-1);
  std::size_t builtin(Worker& w, const CompiledApi& api, const http::Request& req,
                      http::Response& res);
  // Which built-in endpoint `path` names, whatever the method: its metrics row kind (an
  // index of the endpoints), or -1; `asset` is set to the file for a Swagger UI asset.
  int builtin_at(std::string_view path, const StaticBody*& asset) const;

  // CORS headers of an answered request (not of a preflight, which route() answered whole).
  void add_cors_headers(const CompiledApi& api, const http::Request& req, http::Response& res,
                        std::size_t metrics_row) const;

  HandlerTable handlers_;
  ServiceOptions options_;
  CorsPolicy cors_;
  const http::Server* server_ = nullptr;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex swap_mutex_;  // taken on reload and on a worker's rare refresh
  std::mutex reload_mutex_;        // reloads one at a time
  std::shared_ptr<const CompiledApi> current_;
  std::atomic<std::uint64_t> generation_{0};
  struct Assets;
  std::unique_ptr<Assets> assets_;
  observe::AccessLog access_log_;
  struct BlockingPool;
  std::unique_ptr<BlockingPool> pool_;
};

// Sets `res` to an RFC 9457 problem: application/problem+json with title and detail.
void problem(http::Response& res, int status, std::string_view detail);
// Serializes `value` as the JSON body with `status`.
void json_response(http::Response& res, int status, const boost::json::value& value);

}  // namespace brrt::dispatch
