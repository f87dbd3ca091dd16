#pragma once
// The spec-driven request pipeline: route -> security -> decode parameters and body ->
// handler (or the spec's example, or an echo) -> response, plus the built-in endpoints
// (/health, /metrics, /openapi.yaml|json, /docs). Implements http::Handler, so an
// http::Server runs it on every worker with no hand-off.
//
// The compiled state of a spec (routes, decoders, examples, security) is one immutable
// snapshot; `reload` swaps it atomically. Workers pick up a new snapshot between requests
// by comparing a generation number (one relaxed load per request, no lock).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "brrt/http/server.hpp"
#include "brrt/observe/access_log.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {

// What a handler sees: the raw request and its decoded, typed parts.
struct RequestContext {
  const http::Request& http;
  const spec::Operation& operation;
  std::size_t worker;
  boost::json::object path;     // path parameters, typed per their schemas
  boost::json::object query;    // declared query parameters that were sent
  boost::json::object headers;  // declared header parameters that were sent
  boost::json::object cookies;  // declared cookie parameters that were sent
  boost::json::value body;      // JSON or form body as JSON; null when none
  std::string_view raw_body;
  std::string_view content_type;

  // A decoded parameter by name (path, then query, header, cookie); nullptr if absent.
  const boost::json::value* param(std::string_view name) const noexcept;
};

using HandlerFn = std::function<void(RequestContext&, http::Response&)>;

// Handlers by name: an operationId, or the operation's `x-handler`.
class HandlerTable {
 public:
  HandlerTable& add(std::string name, HandlerFn fn);
  const HandlerFn* find(std::string_view name) const noexcept;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, HandlerFn, std::less<>> handlers_;
};

struct ServiceOptions {
  // Built-in endpoints; an empty path disables one. A path the spec defines itself is
  // served by the spec's operation instead.
  std::string health_path = "/health";
  std::string metrics_path = "/metrics";
  std::string spec_path = "/openapi";  // serves /openapi.yaml and /openapi.json
  std::string docs_path = "/docs";
  std::string docs_title;      // default: the spec's info.title
  std::string swagger_ui_dir;  // default: searched (see docs/server.md)
  // Static API keys by security scheme name (apiKey schemes).
  std::map<std::string, std::vector<std::string>> api_keys;
  bool access_log = true;
  observe::LogFormat log_format = observe::LogFormat::Text;
  int log_fd = 1;
};

struct CompiledApi;

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

  struct Worker;

 private:
  const CompiledApi& snapshot(Worker& w) noexcept;
  void respond(Worker& w, const CompiledApi& api, const http::Request& req, http::Response& res,
               std::size_t& op_index);
  bool builtin(Worker& w, const CompiledApi& api, const http::Request& req, http::Response& res);

  HandlerTable handlers_;
  ServiceOptions options_;
  const http::Server* server_ = nullptr;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex swap_mutex_;  // taken on reload and on a worker's rare refresh
  std::shared_ptr<const CompiledApi> current_;
  std::atomic<std::uint64_t> generation_{0};
  struct Assets;
  std::unique_ptr<Assets> assets_;
  observe::AccessLog access_log_;
};

// Sets `res` to an RFC 9457 problem: application/problem+json with title and detail.
void problem(http::Response& res, int status, std::string_view detail);
// Serializes `value` as the JSON body with `status`.
void json_response(http::Response& res, int status, const boost::json::value& value);

}  // namespace brrt::dispatch
