#include "brrt/dispatch/service.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <forward_list>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include "brrt/core/json_pointer.hpp"
#include "brrt/core/utf8.hpp"
#include "brrt/dispatch/body_inflater.hpp"
#include "brrt/dispatch/event_stream.hpp"
#include "brrt/dispatch/media_type.hpp"
#include "brrt/dispatch/param_decoder.hpp"
#include "brrt/dispatch/spec_validators.hpp"
#include "brrt/dispatch/static_body.hpp"
#include "brrt/dispatch/web_socket.hpp"
#include "brrt/http/client_certificate.hpp"
#include "brrt/observe/metrics.hpp"
#include "brrt/router/api_routes.hpp"
#include "brrt/schema/document.hpp"
#include "brrt/security/authenticator.hpp"
#include "dispatch/json_body.hpp"
#include "dispatch/violation_list.hpp"

namespace brrt::dispatch {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------
// Compiled snapshot

namespace {

// The built-in endpoints' rows in the metrics, in this order after the operations' rows, a
// GET and a HEAD row each (Service::builtin answers both methods), then "OPTIONS *".
enum class BuiltinRow : std::size_t { Health, Metrics, Spec, Docs };
constexpr std::string_view kBuiltinRowNames[] = {"(health)", "(metrics)", "(openapi)", "(docs)"};
// Every operation label the server's own rows use (observe::Metrics names the unmatched row).
constexpr std::string_view kReservedLabels[] = {"(health)", "(metrics)",   "(openapi)",  "(docs)",
                                                "(server)", "(preflight)", "(unmatched)"};
constexpr std::size_t kServerOptionsRow = 2 * std::size(kBuiltinRowNames);  // after the ops

// Whether a metrics row (GET or HEAD) is the spec's or Swagger UI's: answers made from a
// StaticBody, which brings its own gzip form.
constexpr bool static_body_row(std::size_t ops, std::size_t row) noexcept {
  static_assert(std::size_t(BuiltinRow::Docs) == std::size_t(BuiltinRow::Spec) + 1);
  return row >= ops + 2 * std::size_t(BuiltinRow::Spec) &&
         row < ops + 2 * (std::size_t(BuiltinRow::Docs) + 1);
}
constexpr std::size_t kPreflightRow = kServerOptionsRow + 1;  // CORS preflights

// Credentials straight from the request: views, no copies; the query string and the
// Cookie header are split only when a scheme reads them.
// `text` percent-decoded as form text is ('+' a space), into `scratch`; `text` itself when
// there is nothing to decode or it does not decode. Credential names and values are compared
// this way, and the access log masks them under the same reading.
std::string_view decoded_or_raw(std::string_view text, std::string& scratch) {
  if (text.find_first_of("%+") == std::string_view::npos ||
      url_decode(text, scratch, true) != DecodeError::None)
    return text;
  return scratch;
}

class RequestCredentials : public security::CredentialSource {
 public:
  RequestCredentials(const http::Request& req, std::size_t worker, QueryPairs& scratch)
      : req_(req), worker_(worker), scratch_(scratch) {}
  std::optional<std::string_view> header(std::string_view name) const override {
    return req_.header(name);
  }
  // Names and values percent-decoded as form text is: a key a client had to encode
  // (`test%31%323`) is the key it spells. Most need no decoding and are returned in place.
  std::optional<std::string_view> query(std::string_view name) const override {
    split_query(req_.query, scratch_);
    for (const auto& [k, v] : scratch_)
      if (form_decoded(k) == name) return form_decoded(v);
    return std::nullopt;
  }
  std::optional<std::string_view> cookie(std::string_view name) const override {
    const auto c = req_.header("cookie");
    if (!c) return std::nullopt;
    split_cookies(*c, scratch_);
    for (const auto& [k, v] : scratch_)
      if (k == name) return v;
    return std::nullopt;
  }
  const http::ClientCertificate* client_certificate() const override {
    return req_.client_certificate;
  }
  std::size_t worker() const noexcept override { return worker_; }

 private:
  // `text` decoded, kept until the check ends (list nodes keep earlier strings in place, and
  // an empty list allocates nothing: a deque allocated on every request); the text itself
  // when there is nothing to decode or it does not decode.
  std::string_view form_decoded(std::string_view text) const {
    std::string out;
    const std::string_view v = decoded_or_raw(text, out);
    return v.data() == text.data() ? v : decoded_.emplace_front(std::move(out));
  }

  const http::Request& req_;
  std::size_t worker_;
  QueryPairs& scratch_;
  mutable std::forward_list<std::string> decoded_;
};

// The request target for the access log, with the values of credential-carrying query
// parameters replaced by "***" (keys must never reach logs).
std::string_view redacted_target(const std::vector<std::string>& secret_params,
                                 std::string_view target, std::string& scratch) {
  const auto q = target.find('?');
  if (secret_params.empty() || q == std::string_view::npos) return target;
  scratch.assign(target.substr(0, q + 1));
  std::string_view query = target.substr(q + 1);
  bool first = true;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    const auto eq = part.find('=');
    const std::string_view name = part.substr(0, eq);
    if (!first) scratch += '&';
    first = false;
    // Compared decoded, as the credential check compares it: `api%5Fkey=...` is api_key.
    std::string decoded;
    const std::string_view key = decoded_or_raw(name, decoded);
    if (eq != std::string_view::npos &&
        std::find(secret_params.begin(), secret_params.end(), key) != secret_params.end()) {
      scratch.append(name);
      scratch += "=***";
    } else {
      scratch.append(part);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return scratch;
}

// Runs a provider's blocking remote call; co_spawned onto the blocking pool.
boost::asio::awaitable<security::RemoteVerdict> resolve_remotely(
    const security::SecurityProvider* provider, std::string credential) {
  co_return provider->resolve(credential);
}

// An event of a text/event-stream example, owning its text.
struct ExampleEvent {
  std::string event{}, data{}, id{};
  std::chrono::milliseconds retry{0};
};

// The events of text/event-stream text (the WHATWG parsing rules, enough for an example:
// lines ending in LF or CRLF, a blank line ending an event, `data` lines joined by LF, `retry`
// in milliseconds, comments and unknown fields skipped). Text with no event in it (a JSON
// example, a plain string) is one event whose data is that text.
std::vector<ExampleEvent> events_of(std::string_view text) {
  std::vector<ExampleEvent> out;
  ExampleEvent e;
  bool has_data = false;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (has_data) out.push_back(e);
      e.event.clear();
      e.data.clear();
      e.retry = {};
      has_data = false;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == 0) continue;  // a comment
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "event") {
      e.event = value;
    } else if (field == "id") {
      e.id = value;
    } else if (field == "retry") {
      std::uint64_t ms = 0;
      const auto r = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (r.ec == std::errc() && r.ptr == value.data() + value.size() && ms <= 86'400'000)
        e.retry = std::chrono::milliseconds(ms);
    } else if (field == "data") {
      if (has_data) e.data += '\n';
      e.data += value;
      has_data = true;
    }
  }
  if (has_data) out.push_back(e);  // a last event without its blank line
  if (out.empty() && !text.empty()) out.push_back({.data = std::string(text)});
  return out;
}

}  // namespace

constexpr std::uint32_t kNoSlot = UINT32_MAX;

struct CompiledOperation {
  const spec::Operation* op = nullptr;
  // The metrics row of a HEAD answered by this GET operation (its own, method="HEAD").
  std::size_t head_row = 0;
  const HandlerTable::Entry* handler = nullptr;
  std::vector<ParamDecoder> params;
  // For each of params, the index of its value in the route's template (RouteMatch::params),
  // found by name once at load; kNoSlot for parameters not in the path.
  std::vector<std::uint32_t> path_slots;
  // How many path parameters there are (all required, so all present): their object is
  // sized once per request (boost::json grows an object one rehash at a time: two for two).
  std::size_t path_count = 0;
  // Example answer when no handler is registered.
  bool has_example = false;
  int example_status = 200;
  std::string example_content_type;
  std::string example_body;
  // Headers of the answering response that have an example (Location, Allow, ...): sent with
  // the example or the echo. Names are interned (Response keeps header names as views).
  std::vector<std::pair<std::string_view, std::string>> example_headers;
  int echo_status = 200;
  // The example is a text/event-stream: answered as a stream (stream_example) of these events,
  // read from it when the spec is compiled.
  bool streams_example = false;
  std::vector<ExampleEvent> example_events;
  // A WebSocket endpoint: its handler is a websocket handler, or it has none and its responses
  // are a 101 and no 2xx (echoes_websocket); requests are checked as handshakes.
  bool websocket = false;
  // Answered on the async path (a handler other than a plain one, a streamed example, a
  // WebSocket): handle() hands it on at once.
  bool async_answer = false;
  // Form bodies are coerced with these, each from its own media type's schema.
  Shape form_shape;       // application/x-www-form-urlencoded
  Shape multipart_shape;  // multipart/form-data
};

struct CompiledApi {
  std::shared_ptr<const spec::Api> api;
  std::unique_ptr<security::Authenticator> auth;
  std::vector<std::string> warnings;
  // Query parameters that carry credentials (apiKey `in: query`): never logged.
  std::vector<std::string> secret_query_params;
  router::RouteTable routes;
  std::unique_ptr<SpecValidators> validators;
  std::vector<CompiledOperation> ops;
  std::unique_ptr<observe::Metrics> metrics;
  std::size_t unmatched_row = 0;  // metrics->unmatched_index(), kept beside ops
  std::string server_allow;       // the Allow header of "OPTIONS *"
  // The served spec and the Swagger UI page, with their tags and gzip forms.
  StaticBody spec_json;
  StaticBody spec_yaml;
  StaticBody docs_page;
};

namespace {

// A header name that lives as long as the process: a response keeps header names as views,
// and an answer may be serialized after the spec it came from was reloaded away. Called when a
// spec is compiled, never per request; the set holds each distinct name once.
std::string_view interned_header_name(const std::string& name) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> names;
  std::lock_guard lock(mutex);
  return *names.insert(name).first;
}

// An example as a header's field value: a string as it is, an array as the `simple` style
// writes it (items joined by commas), anything else as JSON.
std::string header_value_of(const json::value& example) {
  if (example.is_string()) return std::string(example.get_string());
  if (const auto* a = example.if_array()) {
    std::string out;
    for (const auto& item : *a) {
      if (!out.empty()) out += ',';
      out += item.is_string() ? std::string(item.get_string()) : json::serialize(item);
    }
    return out;
  }
  return json::serialize(example);
}

// An operation without a handler that can only be a WebSocket: a GET whose responses declare a
// 101 (Switching Protocols) and no 2xx, which a plain answer could come from. It echoes.
bool echoes_websocket(const spec::Operation& op) {
  if (op.method != Method::Get) return false;
  bool switches = false;
  for (const auto& r : op.responses) {
    if (r.status == "101") switches = true;
    if (!r.status.empty() && r.status[0] == '2') return false;
  }
  return switches;
}

// Reads each message and sends it back, as it came (text or binary), until the socket ends.
boost::asio::awaitable<void> echo_messages(WebSocket& ws) {
  while (true) {
    const WebSocketMessage m = co_await ws.read();
    if (m.kind == WebSocketMessage::Kind::End) co_return;
    // Not a conditional expression of two co_awaits: GCC 12 miscompiles those (the frame of
    // the branch not taken is resumed).
    bool sent = false;
    if (m.kind == WebSocketMessage::Kind::Text)
      sent = co_await ws.send_text(m.data);
    else
      sent = co_await ws.send_binary(m.data);
    if (!sent) co_return;
  }
}

// Refuses a request to a WebSocket endpoint that is no handshake to upgrade (check_handshake):
// a 426 names the protocol to switch to (RFC 9110 15.5.22), a refused handshake the version
// this server speaks (RFC 6455 4.2.2).
bool handshake(const http::Request& req, http::Response& res, const WebSocketOptions& options) {
  const HandshakeCheck check = check_handshake(req, options);
  if (check.status == 0) return true;
  problem(res, check.status, check.detail);
  if (check.status == 426) {
    res.add_header("Upgrade", "websocket");
    res.add_header("Connection", "Upgrade");
  }
  res.add_header("Sec-WebSocket-Version", "13");
  return false;
}

void fill_example(CompiledOperation& c) {
  const spec::Operation& op = *c.op;
  // The lowest explicit 2xx code, then 2XX, then default.
  const spec::Response* best = nullptr;
  int best_code = 1000;
  for (const auto& r : op.responses) {
    int code = 0;
    if (r.status.size() == 3 && r.status[0] == '2' &&
        std::isdigit(static_cast<unsigned char>(r.status[1])))
      code = std::stoi(r.status);
    else if (r.status == "2XX")
      code = 200 + 500;  // after explicit codes
    else if (r.status == "default")
      code = 200 + 600;
    else
      continue;
    if (code < best_code) {
      best_code = code;
      best = &r;
    }
  }
  c.echo_status = best && best_code < 300 ? best_code : 200;
  if (!best) return;
  for (const auto& h : best->headers) {
    // Framing and content headers are the server's to write.
    if (!h.example || http::iequals(h.name, "Content-Type") ||
        http::iequals(h.name, "Content-Length") || http::iequals(h.name, "Transfer-Encoding"))
      continue;
    std::string value = header_value_of(*h.example);
    if (value.find_first_of("\r\n") != std::string::npos) continue;  // not a field value
    c.example_headers.emplace_back(interned_header_name(h.name), std::move(value));
  }
  for (const auto& media : best->content) {
    if (!media.example) continue;
    c.has_example = true;
    c.example_status = best_code < 300 ? best_code : 200;
    std::string ct = media.content_type;
    if (ct.find('*') != std::string::npos) ct = "application/json";
    c.example_content_type = ct;
    c.streams_example = http::iequals(media_essence(ct), "text/event-stream");
    if (media.example->is_string() && !is_json_media(media_essence(ct)))
      c.example_body = std::string(media.example->get_string());
    else
      c.example_body = json::serialize(*media.example);
    if (c.streams_example) c.example_events = events_of(c.example_body);
    return;
  }
}

// Turns a 200 into the 304 for a client that has its bytes (RFC 9110 15.4.5): the same
// headers (ETag, Cache-Control, ...; Vary and the gzip form's weak tag as compress_response
// would have set them), no body and no Content-Type.
void answer_not_modified(const CompressionOptions* compression, const http::Request& req,
                         http::Response& res) {
  const EncodingChoice e = compression ? choose_encoding(*compression, req, res) : EncodingChoice{};
  if (e.varies) res.add_header("Vary", "Accept-Encoding");
  if (e.gzip) weaken_etag(res);
  res.status = 304;
  res.body.clear();
  res.set_content_type({});
}

// Swagger UI's page, pointing at the served spec's JSON form.
std::string docs_page_html(const spec::Api& api, const ServiceOptions& options) {
  const std::string title = options.docs_title.empty() ? api.info().title : options.docs_title;
  std::string html_title;  // the title is HTML text, and the only spec text on the page
  for (char c : title) {
    if (c == '<')
      html_title += "&lt;";
    else if (c == '>')
      html_title += "&gt;";
    else if (c == '&')
      html_title += "&amp;";
    else
      html_title += c;
  }
  const std::string d = options.docs_path;
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>" +
         html_title +
         "</title>"
         "<link rel=\"stylesheet\" href=\"" +
         d +
         "/swagger-ui.css\">"
         "<link rel=\"icon\" type=\"image/png\" href=\"" +
         d +
         "/favicon-32x32.png\">"
         "</head><body><div id=\"swagger-ui\"></div>"
         "<script src=\"" +
         d +
         "/swagger-ui-bundle.js\"></script>"
         "<script src=\"" +
         d +
         "/swagger-ui-standalone-preset.js\"></script>"
         "<script>window.ui = SwaggerUIBundle({url: \"" +
         options.spec_path +
         ".json\", "
         "dom_id: \"#swagger-ui\", deepLinking: true, "
         "presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], "
         "layout: \"BaseLayout\"});</script></body></html>\n";
}

// `doc` with its first server's URL replaced by `url` (a server added when it has none).
json::value with_first_server(const json::value& doc, const std::string& url) {
  json::value out = doc;
  json::object& root = out.as_object();
  json::value& servers = root["servers"];
  if (!servers.is_array() || servers.as_array().empty() || !servers.as_array()[0].is_object())
    servers = json::array{json::object{{"url", url}}};
  else
    servers.as_array()[0].as_object()["url"] = url;
  return out;
}

std::shared_ptr<const CompiledApi> compile(std::shared_ptr<const spec::Api> api,
                                           const HandlerTable& handlers,
                                           const ServiceOptions& options, std::size_t workers,
                                           std::vector<std::string>& warnings) {
  auto c = std::make_shared<CompiledApi>();
  c->routes = router::compile_routes(*api);
  c->validators = std::make_unique<SpecValidators>(*api, options.format_assertion,
                                                   options.reject_read_write_only);
  // A reload gives new tags: "no-cache" makes browsers ask, and an unchanged spec is a 304.
  // Served as loaded, except that a --base-path which moved the routes moves the first
  // server's URL with them (Swagger UI's "Try it out" calls what is routed); the YAML is then
  // that JSON, which YAML 1.2 reads as it is.
  const std::string spec_text =
      api->served_server_url().empty()
          ? json::serialize(api->root().root())
          : json::serialize(with_first_server(api->root().root(), api->served_server_url()));
  c->spec_json = StaticBody("application/json", spec_text, "no-cache", options.compression);
  c->spec_yaml = StaticBody("application/yaml",
                            api->served_server_url().empty() ? api->root().text() : spec_text,
                            "no-cache", options.compression);
  if (!options.docs_path.empty())
    c->docs_page = StaticBody("text/html; charset=utf-8", docs_page_html(*api, options), "no-cache",
                              options.compression);
  std::vector<observe::OperationLabel> labels;
  for (const auto& op : api->operations()) {
    CompiledOperation co;
    co.op = &op;
    co.handler = handlers.find(op.handler);
    if (!co.handler && op.handler != op.operation_id) co.handler = handlers.find(op.operation_id);
    // The route id is the operation's index, as compile_routes registered it.
    const auto& template_names = c->routes.param_names(static_cast<std::uint32_t>(op.index));
    for (const auto& p : op.parameters) {
      co.params.emplace_back(p, &api->documents());
      std::uint32_t slot = kNoSlot;
      if (p.in == spec::ParamIn::Path)
        for (std::size_t i = 0; i < template_names.size(); ++i)
          if (template_names[i] == p.name) {
            slot = static_cast<std::uint32_t>(i);
            break;
          }
      co.path_slots.push_back(slot);
      co.path_count += p.in == spec::ParamIn::Path;
    }
    fill_example(co);
    co.websocket =
        co.handler ? co.handler->kind == HandlerTable::Kind::WebSocket : echoes_websocket(op);
    co.async_answer = co.handler ? co.handler->kind != HandlerTable::Kind::Plain
                                 : co.streams_example || co.websocket;
    if (op.request_body) {
      // The schema a form body is validated against: body_media's choice for the type.
      const auto shape_for = [&](std::string_view type) {
        if (const MediaSchema* chosen = c->validators->body_media(op.index, type))
          for (const auto& m : op.request_body->content)
            if (m.content_type == chosen->media_type) return shape_of(m.schema, &api->documents());
        return Shape{};
      };
      co.form_shape = shape_for("application/x-www-form-urlencoded");
      co.multipart_shape = shape_for("multipart/form-data");
    }
    c->ops.push_back(std::move(co));
    // An operationId is any string, so it may be one of the labels the server's own rows use:
    // two series with one label set would make Prometheus refuse the scrape.
    if (std::find(std::begin(kReservedLabels), std::end(kReservedLabels), op.operation_id) !=
        std::end(kReservedLabels)) {
      labels.push_back({op.operation_id + " (operation)", op.method});
      warnings.push_back("operationId '" + op.operation_id +
                         "' is also a label of the server's own rows in /metrics; its series "
                         "are labelled '" +
                         op.operation_id + " (operation)'");
    } else {
      labels.push_back({op.operation_id, op.method});
    }
  }
  // Schemes that can never pass fail closed (every request needing them gets 401).
  c->auth = std::make_unique<security::Authenticator>(*api, options.security, workers,
                                                      options.jwks_fetcher);
  for (const auto& w : c->auth->warnings()) warnings.push_back(w);
  for (const auto& scheme : api->security_schemes())
    if (scheme.type == spec::SecurityScheme::Type::ApiKey && scheme.in == spec::ParamIn::Query)
      c->secret_query_params.push_back(scheme.param_name);
  // Built-in endpoints have rows of their own, by method (GET and HEAD), after the
  // operations: a load balancer's /health probes are not "unmatched" requests.
  for (const std::string_view name : kBuiltinRowNames)
    for (const Method m : {Method::Get, Method::Head}) labels.push_back({std::string(name), m});
  labels.push_back({"(server)", Method::Options});     // "OPTIONS *"
  labels.push_back({"(preflight)", Method::Options});  // CORS preflights
  // HEAD requests answered by GET operations, each under method="HEAD" (after the rows
  // above, whose positions are fixed offsets from the operations).
  for (std::size_t i = 0; i < c->ops.size(); ++i)
    if (c->ops[i].op->method == Method::Get) {
      c->ops[i].head_row = labels.size();
      labels.push_back({labels[i].operation_id, Method::Head});  // labels[i] is ops[i]'s
    }
  // What "OPTIONS *" answers in Allow: every method some operation or endpoint takes.
  MethodMask methods =
      method_bit(Method::Get) | method_bit(Method::Head) | method_bit(Method::Options);
  for (const auto& op : api->operations()) methods |= method_bit(op.method);
  c->server_allow = method_list(methods);
  c->metrics = std::make_unique<observe::Metrics>(std::move(labels), workers);
  c->unmatched_row = c->metrics->unmatched_index();
  c->warnings = warnings;
  c->api = std::move(api);
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Assets: Swagger UI files, read once at startup.

struct Service::Assets {
  std::map<std::string, StaticBody, std::less<>> files;  // by file name
  std::string dir;
};

namespace {

std::string exe_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

std::string find_swagger_ui(const std::string& configured) {
  std::vector<std::string> candidates;
  if (!configured.empty()) candidates.push_back(configured);
  if (const char* env = std::getenv("BRRT_SWAGGER_UI_DIR")) candidates.emplace_back(env);
  const std::string exe = exe_dir();
  if (!exe.empty()) {
    candidates.push_back(exe + "/../share/brrtrouter/swagger-ui");
    candidates.push_back(exe + "/../../node_modules/swagger-ui-dist");  // build/bin in a checkout
  }
  candidates.push_back("node_modules/swagger-ui-dist");
  for (const auto& c : candidates)
    if (fs::exists(fs::path(c) / "swagger-ui-bundle.js")) return c;
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Per-worker scratch

struct Service::Worker {
  std::uint64_t generation = UINT64_MAX;
  std::shared_ptr<const CompiledApi> api;
  std::array<unsigned char, 16 * 1024> arena_buffer;
  QueryPairs pairs;
  ParamError error;  // why a parameter or body did not decode (the message names it)
  std::string log_line;
  std::vector<MultipartPart> parts;
  ViolationList violations;                  // the request's schema violations (400)
  schema::ValidationErrors response_errors;  // a response's, when responses are validated
  // A JSON response body, parsed for validation alone: member names resolved while parsing,
  // no boost::json::value built (nothing else reads it). Reused: parsing keeps its buffers.
  schema::Document response_document;
  bool auth_pending = false;            // prepare() found a credential awaiting a remote verdict
  std::string redacted;                 // access-log target with credentials masked
  OwnedCounter response_violations;     // responses that did not match the spec
  observe::TraceIdGenerator trace_ids;  // new trace and span ids, this worker's own
  std::unique_ptr<GzipEncoder> gzip;    // when responses are compressed
  std::string gzip_out;                 // the compressed body, swapped into the response
  // Made for the worker's first gzip or deflate request body; what it inflates, before the
  // bytes are copied into the request's arena.
  std::unique_ptr<BodyInflater> inflater;
  std::string inflated;
};

struct Service::BlockingPool {
  explicit BlockingPool(unsigned threads) : pool(threads) {}
  boost::asio::thread_pool pool;
  std::atomic<std::size_t> pending{0};  // touched only by blocking requests
};

// ---------------------------------------------------------------------------------------

void problem(http::Response& res, int status, std::string_view detail) {
  res.status = status;
  res.set_content_type("application/problem+json");
  res.body = http::problem_json(status, detail);
}

void json_response(http::Response& res, int status, const json::value& value) {
  res.status = status;
  res.set_content_type("application/json");
  res.body = json::serialize(value);
}

Service::Service(std::shared_ptr<const spec::Api> api, HandlerTable handlers,
                 ServiceOptions options, std::size_t workers)
    : handlers_(std::move(handlers)),
      options_(std::move(options)),
      assets_(std::make_unique<Assets>()),
      access_log_(options_.log_format, options_.log_fd) {
  if (const std::string why = cors_options_error(options_.cors); !why.empty())
    throw std::invalid_argument("CORS settings: " + why);
  cors_ = CorsPolicy(options_.cors);
  if (options_.compression.level < 1 || options_.compression.level > 9)
    throw std::invalid_argument("compression level must be 1 to 9");
  for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i) {
    workers_.push_back(std::make_unique<Worker>());
    if (options_.compression.enabled)
      workers_.back()->gzip = std::make_unique<GzipEncoder>(options_.compression.level);
  }
  std::vector<std::string> warnings;
  current_ = compile(std::move(api), handlers_, options_, workers_.size(), warnings);
  generation_.store(1);
  if (handlers_.has_blocking() || !options_.security.remote_api_keys.empty())
    pool_ = std::make_unique<BlockingPool>(std::max(1u, options_.blocking_threads));
  if (options_.temp_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    options_.temp_dir = tmp && *tmp ? tmp : "/tmp";
  }
  if (!options_.docs_path.empty()) {
    assets_->dir = find_swagger_ui(options_.swagger_ui_dir);
    static const std::pair<const char*, const char*> kFiles[] = {
        {"swagger-ui.css", "text/css"},
        {"swagger-ui-bundle.js", "text/javascript"},
        {"swagger-ui-standalone-preset.js", "text/javascript"},
        {"favicon-32x32.png", "image/png"},
        {"favicon-16x16.png", "image/png"},
    };
    if (!assets_->dir.empty()) {
      for (const auto& [name, type] : kFiles) {
        std::ifstream in(fs::path(assets_->dir) / name, std::ios::binary);
        if (!in) continue;
        std::ostringstream ss;
        ss << in.rdbuf();
        // Swagger UI changes only with brrtrouter's install: an hour without asking.
        assets_->files.emplace(name, StaticBody(type, std::move(ss).str(), "public, max-age=3600",
                                                options_.compression));
      }
    }
  }
}

Service::~Service() {
  if (pool_) pool_->pool.join();
}

std::vector<std::string> Service::warnings() const {
  std::vector<std::string> out;
  std::shared_ptr<const CompiledApi> api;
  {
    std::lock_guard lock(swap_mutex_);
    api = current_;
  }
  out = api->warnings;
  // The default upload directory ($TMPDIR or /tmp) is checked here, for a spec that takes
  // uploads (a configured one is checked with the configuration): without it, every part
  // larger than the in-memory limit is answered 500.
  const bool takes_uploads = std::any_of(api->ops.begin(), api->ops.end(), [](const auto& co) {
    if (!co.op->request_body) return false;
    for (const auto& m : co.op->request_body->content)
      if (http::iequals(media_essence(m.content_type), "multipart/form-data")) return true;
    return false;
  });
  if (takes_uploads)
    if (const std::string why = upload_dir_error(options_.temp_dir); !why.empty())
      out.push_back(why + ": multipart parts over " +
                    std::to_string(options_.multipart_memory_limit) +
                    " bytes will be answered 500 (set server.upload_temp_dir, or TMPDIR)");
  if (!options_.docs_path.empty() && assets_->files.empty())
    out.push_back(
        "Swagger UI assets not found (run scripts/setup.sh, or set --swagger-ui DIR / "
        "BRRT_SWAGGER_UI_DIR): " +
        options_.docs_path + " answers 503");
  return out;
}

std::vector<std::string> Service::unhandled_operations() const {
  std::lock_guard lock(swap_mutex_);
  std::vector<std::string> out;
  for (const auto& co : current_->ops)
    if (!co.handler) out.push_back(co.op->operation_id);
  return out;
}

void Service::reload(std::shared_ptr<const spec::Api> api) {
  std::vector<std::string> warnings;
  std::lock_guard serial(reload_mutex_);  // one reload at a time: each carries the last's counts
  auto next = compile(std::move(api), handlers_, options_, workers_.size(), warnings);
  std::shared_ptr<const CompiledApi> previous;
  {
    std::lock_guard lock(swap_mutex_);
    previous = current_;
  }
  next->metrics->carry_over(*previous->metrics);
  next->auth->carry_over(*previous->auth);
  std::lock_guard lock(swap_mutex_);
  current_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

const CompiledApi& Service::snapshot(Worker& w) noexcept {
  const std::uint64_t gen = generation_.load(std::memory_order_acquire);
  if (gen != w.generation) {
    std::lock_guard lock(swap_mutex_);  // once per reload per worker
    w.api = current_;
    w.generation = gen;
  }
  return *w.api;
}

bool Service::handle(std::size_t worker, const http::Request& req, http::Response& res) noexcept {
  Worker& w = *workers_[worker % workers_.size()];
  const auto start = Clock::now();
  const CompiledApi& api = snapshot(w);
  std::size_t op_index = api.unmatched_row;  // the metrics row
  TraceSlot trace{&w.trace_ids, {}};
  try {
    router::RouteMatch m;
    const std::size_t index = route(w, api, req, res, m, op_index);
    if (index != api.ops.size()) {
      const CompiledOperation& co = api.ops[index];
      if (co.async_answer) return false;
      op_index = index;
      // The request's JSON lives in the worker's buffer: nothing to free afterwards.
      json::monotonic_resource arena(w.arena_buffer.data(), w.arena_buffer.size());
      RequestContext ctx(req, *co.op, json::storage_ptr(&arena));
      ctx.worker = worker;
      ctx.trace_slot = &trace;
      if (options_.handler_timeout.count() != 0) [[unlikely]]
        ctx.deadline = start + options_.handler_timeout;
      const bool prepared = prepare(w, api, index, m, ctx, res);
      if (!prepared && w.auth_pending) {
        // A credential needs a remote verdict: redo the request on the async path.
        w.auth_pending = false;
        res.reset();
        return false;
      }
      if (prepared) {
        std::size_t ran = 0;
        if (run_before(ctx, res, ran)) {
          if (co.handler)
            co.handler->fn(ctx, res);
          else
            answer_from_spec(api, index, ctx, res);
          check_response(w, api, index, ctx, res);
        }
        run_after(ctx, res, ran);
      }
    }
  } catch (const std::exception& e) {
    fail(req, res, e.what());
  } catch (...) {
    fail(req, res, "unknown exception");
  }
  finish(w, api, worker, req, res, op_index, start, trace);
  return true;
}

// GCC 12 may pair Asio's awaitable frame operator new (thread_info_base's recycling
// allocator) with the wrong delete after inlining and warn (-Wmismatched-new-delete, GCC PR
// middle-end/109224; Asio frames are allocated and freed by the same class), depending on
// what else this file inlines: silenced for this coroutine only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
boost::asio::awaitable<void> Service::handle_async(std::size_t worker, const http::Request& req,
                                                   http::Response& res) {
  Worker& w = *workers_[worker % workers_.size()];
  const auto start = Clock::now();
  snapshot(w);
  // Held for the whole request: a reload while the handler awaits must not free the
  // operation it runs.
  const std::shared_ptr<const CompiledApi> hold = w.api;
  const CompiledApi& api = *hold;
  std::size_t op_index = api.unmatched_row;  // the metrics row
  TraceSlot trace{&w.trace_ids, {}};
  auto& slot = api.metrics->thread(worker % workers_.size());
  slot.in_flight.add();
  // A request that awaits needs its own arena: other requests run on this worker meanwhile.
  auto buffer = std::make_unique<unsigned char[]>(8192);
  json::monotonic_resource arena(buffer.get(), 8192);
  router::RouteMatch m;
  const std::size_t index = route(w, api, req, res, m, op_index);
  if (index != api.ops.size()) {
    op_index = index;
    const CompiledOperation& co = api.ops[index];
    RequestContext ctx(req, *co.op, json::storage_ptr(&arena));
    ctx.worker = worker;
    ctx.trace_slot = &trace;
    if (options_.handler_timeout.count() != 0) ctx.deadline = start + options_.handler_timeout;
    std::string failure;
    try {
      std::size_t ran = 0;
      // Credentials that need a remote verdict get it first, off the worker thread.
      if (!co.op->security.empty() && pool_) {
        QueryPairs pairs;  // not the worker's scratch: other requests run meanwhile
        const RequestCredentials source(req, worker, pairs);
        for (int round = 0; round < 3; ++round) {
          security::AuthDecision d = api.auth->check(co.op->security, source);
          if (d.status != 0) break;
          for (const auto& [provider, credential] : d.pending) {
            const security::RemoteVerdict v = co_await boost::asio::co_spawn(
                pool_->pool.get_executor(), resolve_remotely(provider, credential),
                boost::asio::use_awaitable);
            provider->remember(worker, credential, v);
          }
        }
      }
      // A WebSocket's handshake is checked once the request is let in and its parameters are
      // valid (a client without credentials learns nothing more), before middleware.
      const bool prepared = prepare(w, api, index, m, ctx, res) &&
                            (!co.websocket || handshake(req, res, options_.websocket));
      if (!prepared && w.auth_pending) {
        w.auth_pending = false;
        problem(res, 503, "the credentials could not be verified now; retry later");
      }
      if (prepared && run_before(ctx, res, ran)) {
        if (co.websocket) {
          co_await serve_websocket(co.handler, ctx, res);
        } else if (!co.handler && co.streams_example) {
          co_await stream_example(api, index, req, res);
        } else if (!co.handler) {
          answer_from_spec(api, index, ctx, res);
        } else if (co.handler->kind == HandlerTable::Kind::Plain) {
          co.handler->fn(ctx, res);
        } else if (co.handler->kind == HandlerTable::Kind::Async) {
          if (options_.handler_timeout.count() == 0)
            co_await co.handler->async(ctx, res);
          else if (!co_await within_deadline(co.handler->async(ctx, res), ctx.deadline))
            answer_timeout(req, res, true);
        } else if (co.handler->kind == HandlerTable::Kind::Stream) {
          EventStream stream = event_stream(api, req, res, op_index);
          co_await co.handler->stream(ctx, stream);
        } else if (pool_->pending.load(std::memory_order_relaxed) >= options_.blocking_queue) {
          res.add_header("Retry-After", "1");
          problem(res, 503, "the server is busy; retry later");
        } else {
          pool_->pending.fetch_add(1, std::memory_order_relaxed);
          struct Release {
            std::atomic<std::size_t>& n;
            ~Release() { n.fetch_sub(1, std::memory_order_relaxed); }
          } release{pool_->pending};
          // Runs on a pool thread; the completion resumes this coroutine on the worker. One
          // that waited for a thread past its deadline is not run: its client has the 504.
          const HandlerFn& fn = co.handler->fn;
          bool late = false;
          co_await boost::asio::co_spawn(
              pool_->pool.get_executor(),
              [&]() -> boost::asio::awaitable<void> {
                if (Clock::now() >= ctx.deadline)
                  late = true;
                else
                  fn(ctx, res);
                co_return;
              },
              boost::asio::use_awaitable);
          if (late) answer_timeout(req, res, false);
        }
        check_response(w, api, index, ctx, res);
      }
      run_after(ctx, res, ran);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    if (!failure.empty()) fail(req, res, failure.c_str());
  }
  slot.in_flight.sub();
  finish(w, api, worker, req, res, op_index, start, trace);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

boost::asio::awaitable<bool> Service::within_deadline(boost::asio::awaitable<void> handler,
                                                      Clock::time_point deadline) {
  namespace asio = boost::asio;
  const auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex, deadline);
  // wait_for_one: whichever ends first cancels the other, and the group completes once both
  // have (the handler's frame refers to the request: it must be gone before this returns).
  // A handler that throws ends first too (the awaitable operators' `||` would wait for the
  // timer instead, taking an exception for a timeout).
  auto [order, thrown, timer_ec] =
      co_await asio::experimental::make_parallel_group(
          asio::co_spawn(ex, std::move(handler), asio::deferred), timer.async_wait(asio::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::deferred);
  (void)timer_ec;
  if (order[0] == 1) co_return false;
  if (thrown) std::rethrow_exception(thrown);
  co_return true;
}

void Service::answer_timeout(const http::Request& req, http::Response& res, bool ran) const {
  const std::string ms = std::to_string(options_.handler_timeout.count());
  log_failure(req, ((ran ? "cancelled at its " : "not run: it waited for a pool thread past its ") +
                    ms + " ms deadline; answered 504")
                       .c_str());
  res.reset();
  problem(res, 504, "the request handler did not answer within " + ms + " ms");
}

void Service::log_failure(const http::Request& req, const char* what) noexcept {
  std::fprintf(stderr, "brrtrouter: handler for %.*s %.*s failed: %s\n",
               static_cast<int>(req.method_text.size()), req.method_text.data(),
               static_cast<int>(req.path.size()), req.path.data(), what);
}

void Service::fail(const http::Request& req, http::Response& res, const char* what) noexcept {
  log_failure(req, what);
  res.reset();
  try {
    problem(res, 500, "the request handler failed; see the server log");
  } catch (...) {
    res.status = 500;
  }
}

void Service::add_cors_headers(const CompiledApi& api, const http::Request& req,
                               http::Response& res, std::size_t metrics_row) const {
  if (metrics_row == api.ops.size() + kPreflightRow) return;
  if (const auto origin = req.header("Origin"))
    cors_.decorate(*origin, res);
  else
    cors_.decorate_without_origin(res);
}

void Service::finish(Worker& w, const CompiledApi& api, std::size_t worker,
                     const http::Request& req, http::Response& res, std::size_t op_index,
                     Clock::time_point start, TraceSlot& trace) {
  // A StaticBody has done both below; a streamed response's head went out with its CORS
  // headers (EventStream::start), and its body is neither tagged nor compressed.
  if (!res.streamed() && !static_body_row(api.ops.size(), op_index)) {
    // A handler that tags its answer (ETag) gets conditional GETs: a client whose
    // If-None-Match matches has these bytes and gets 304 with the headers and no body.
    if (res.header_count() != 0 && res.status == 200 &&
        (req.method == Method::Get || req.method == Method::Head))
      if (const auto tag = res.header("ETag"); tag && req.not_modified(*tag))
        answer_not_modified(w.gzip ? &options_.compression : nullptr, req, res);
    if (w.gzip) compress_response(options_.compression, *w.gzip, req, res, w.gzip_out);
  }
  if (cors_.enabled() && !res.streamed()) add_cors_headers(api, req, res, op_index);
  const std::uint64_t body_bytes = res.streamed()               ? res.streamed_bytes()
                                   : req.method == Method::Head ? 0  // a HEAD sends no body
                                                                : res.body.size();
  record(w, api, worker, req, res.status, body_bytes, op_index, Clock::now() - start, &trace);
}

// Inlined into finish(): a call with these nine arguments cost every request about 25
// instructions (bench/instructions.sh dispatch).
[[gnu::always_inline]] inline void Service::record(Worker& w, const CompiledApi& api,
                                                   std::size_t worker, const http::Request& req,
                                                   int status, std::uint64_t body_bytes,
                                                   std::size_t op_index, Clock::duration elapsed,
                                                   TraceSlot* trace) {
  std::size_t row = op_index;
  if (req.method == Method::Head && op_index < api.ops.size()) [[unlikely]]
    row = api.ops[op_index].head_row;
  observe::Metrics::record(api.metrics->thread(worker % workers_.size()), row, status,
                           std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed));
  if (!options_.access_log) return;
  observe::AccessRecord rec;
  rec.time = std::chrono::system_clock::now();
  rec.method = req.method_text.empty() ? std::string_view("-") : req.method_text;
  rec.target = req.target.empty()
                   ? std::string_view("-")
                   : redacted_target(api.secret_query_params, req.target, w.redacted);
  rec.operation = op_index < api.ops.size() ? std::string_view(api.ops[op_index].op->operation_id)
                                            : std::string_view();
  rec.status = status;
  rec.bytes_out = body_bytes;
  rec.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed);
  rec.remote = req.remote;
  if (trace) {
    const observe::TraceContext& t = trace->get(req);
    rec.trace_id = t.trace();
    rec.span_id = t.span();
  }
  if (options_.log_format == observe::LogFormat::Json) {
    rec.user_agent = req.header("User-Agent").value_or(std::string_view());
    if (req.client_certificate) rec.client_cert = req.client_certificate->subject;
  }
  access_log_.write(rec, w.log_line);
}

void Service::rejected(std::size_t worker, const http::Request& req, int status) noexcept {
  Worker& w = *workers_[worker % workers_.size()];
  try {
    const CompiledApi& api = snapshot(w);
    // The problem body the HTTP layer wrote is not known here: its size is not logged.
    record(w, api, worker, req, status, 0, api.unmatched_row, Clock::duration::zero(), nullptr);
  } catch (...) {  // a log line that could not be formatted is not worth a connection
  }
}

void Service::check_response(Worker& w, const CompiledApi& api, std::size_t op_index,
                             RequestContext& ctx, http::Response& res) {
  if (options_.response_validation == ResponseValidation::Off) return;
  const ResponseSchemas* declared = api.validators->response(op_index, res.status);
  if (declared == nullptr) return;
  const schema::Program& program = api.validators->program();
  json::storage_ptr sp = ctx.path.storage();
  std::string why;
  const auto add = [&why](std::string_view part) {
    if (!why.empty()) why += "; ";
    why += part;
  };
  // Every schema error of `value` (a boost::json::value or a schema::Document) against `id`,
  // each prefixed with `where`.
  const auto schema_errors = [&](schema::SchemaId id, const auto& value, std::string_view where) {
    if (program.is_valid(id, value)) return;
    w.response_errors.clear();
    program.validate(id, value, w.response_errors, 8);
    for (const auto& e : w.response_errors) add(std::string(where) + e.to_string());
  };

  // Declared headers: decoded as header parameters are (style simple), then their schemas.
  // A list a handler added on several lines is one list; a single value on two is an error.
  for (const ResponseHeader& h : declared->headers) {
    json::value value(sp);
    ParamError error;
    bool present = false;
    const bool decoded = h.decoder->decode_header_lines(res, value, present, error);
    const spec::Parameter& header = *h.parameter;
    if (!present) {
      if (header.required) add("missing required header '" + header.name + "'");
      continue;
    }
    if (!decoded)
      add(error.message);
    else if (h.id.valid())
      schema_errors(h.id, value, "response header '" + header.name + "' ");
  }

  // The body, read as requests' are: JSON parsed, UTF-8 text as one string; a schema of any
  // other media type describes what brrtrouter does not parse.
  const std::string_view essence = media_essence(res.content_type());
  const bool json_body = is_json_media(essence);
  const schema::SchemaId id = res.body.empty() || (!json_body && !is_utf8_text(res.content_type()))
                                  ? schema::SchemaId{}
                                  : SpecValidators::body_schema(*declared, essence);
  if (id.valid()) {
    std::string unreadable;
    if (json_body) {
      // Read as request bodies are (numbers beyond a double and repeated keys refused), but as
      // deep as a handler's document may be: the schema's own depth limit still applies.
      constexpr std::size_t kResponseDepth = 1024;
      schema::Document& doc = w.response_document;
      if (doc.parse(program, res.body, unreadable, kResponseDepth, "the body"))
        schema_errors(id, doc, "");  // the body was read: its schema decides
      else
        add(unreadable);
    } else if (is_valid_utf8(res.body)) {
      schema_errors(id, json::value(json::string(res.body, sp), sp), "");
    } else {
      add("the text body is not valid UTF-8");
    }
  }
  if (why.empty()) return;
  w.response_violations.add();
  std::fprintf(stderr, "brrtrouter: response %d of %s does not match the spec: %s\n", res.status,
               ctx.operation.operation_id.c_str(), why.c_str());
  if (options_.response_validation == ResponseValidation::Enforce) {
    res.reset();
    problem(res, 500, "the response does not match the spec; see the server log");
  }
}

bool Service::run_before(RequestContext& ctx, http::Response& res, std::size_t& ran) {
  const auto& chain = handlers_.middleware();
  for (ran = 0; ran < chain.size();) {
    const Middleware& m = chain[ran++];
    if (m.before && !m.before(ctx, res)) return false;
  }
  return true;
}

void Service::run_after(const RequestContext& ctx, http::Response& res, std::size_t ran) {
  const auto& chain = handlers_.middleware();
  while (ran > 0) {
    const Middleware& m = chain[--ran];
    if (m.after) m.after(ctx, res);
  }
}

int Service::builtin_at(std::string_view path, const StaticBody*& asset) const {
  const auto& o = options_;
  // `base` followed by `suffix`, compared without building the string.
  const auto is = [&](const std::string& base, std::string_view suffix) {
    return !base.empty() && path.size() == base.size() + suffix.size() && path.starts_with(base) &&
           path.ends_with(suffix);
  };
  asset = nullptr;
  if (is(o.health_path, "")) return static_cast<int>(BuiltinRow::Health);
  if (is(o.metrics_path, "")) return static_cast<int>(BuiltinRow::Metrics);
  if (is(o.spec_path, ".json") || is(o.spec_path, ".yaml"))
    return static_cast<int>(BuiltinRow::Spec);
  if (is(o.docs_path, "") || is(o.docs_path, "/") || is(o.docs_path, "/index.html"))
    return static_cast<int>(BuiltinRow::Docs);
  if (!o.docs_path.empty() && path.size() > o.docs_path.size() + 1 &&
      path.starts_with(o.docs_path) && path[o.docs_path.size()] == '/') {
    auto it = assets_->files.find(path.substr(o.docs_path.size() + 1));
    if (it == assets_->files.end()) return -1;
    asset = &it->second;
    return static_cast<int>(BuiltinRow::Docs);
  }
  return -1;
}

std::size_t Service::builtin(Worker&, const CompiledApi& api, const http::Request& req,
                             http::Response& res) {
  const std::string_view path = req.path;
  const StaticBody* asset = nullptr;  // a Swagger UI file under the docs path
  const int at = builtin_at(path, asset);
  if (at < 0) return kNotBuiltin;
  const auto which = static_cast<BuiltinRow>(at);
  if (req.method != Method::Get && req.method != Method::Head) {
    // The path exists: the wrong method is a 405, as for an operation's path.
    res.add_header("Allow", "GET, HEAD");
    problem(res, 405, std::string(req.method_text) + " is not allowed here; allowed: GET, HEAD");
    return api.unmatched_row;
  }
  // The metrics row of the endpoint that answers (see compile: after the operations).
  const std::size_t row =
      api.ops.size() + 2 * static_cast<std::size_t>(which) + (req.method == Method::Head);
  switch (which) {
    case BuiltinRow::Health:
      res.set_content_type("application/json");
      if (server_ && server_->draining()) {
        res.status = 503;
        res.body = "{\"status\":\"draining\"}";
      } else {
        res.body = "{\"status\":\"ok\"}";
      }
      break;
    case BuiltinRow::Metrics: {
      observe::TransportTotals t;
      if (server_) {
        const auto st = server_->transport();
        t = {st.open_connections, st.accepted_connections,   st.bytes_in,
             st.bytes_out,        st.tls_handshake_failures, st.refused_max_connections,
             st.refused_fd_limit};
      }
      res.set_content_type("text/plain; version=0.0.4; charset=utf-8");
      std::uint64_t violations = 0;
      for (const auto& wk : workers_) violations += wk->response_violations.get();
      std::string extra =
          "# HELP brrt_response_validation_failures_total Responses that did not match the "
          "spec (response validation log or enforce).\n"
          "# TYPE brrt_response_validation_failures_total counter\n"
          "brrt_response_validation_failures_total " +
          std::to_string(violations) + "\n";
      extra += api.auth->render_metrics();
      res.body = api.metrics->render(t, extra);
      break;
    }
    case BuiltinRow::Spec:
      (path.ends_with(".json") ? api.spec_json : api.spec_yaml).answer(req, res);
      break;
    case BuiltinRow::Docs:
      if (asset) {
        asset->answer(req, res);
      } else if (assets_->files.empty()) {
        problem(res, 503, "Swagger UI assets are not installed: run scripts/setup.sh");
      } else {
        api.docs_page.answer(req, res);
      }
      break;
  }
  return row;
}

namespace {

// Adds one decoded form field to `form`, coerced to the body schema's types for that property;
// an array property collects its fields as items, and a repeated scalar becomes an array (which
// its schema then refuses).
bool add_form_field(json::object& form, std::string_view key, std::string_view value,
                    const Shape& shape, ParamError& error) {
  // Multipart names, values and file names are raw bytes; they become JSON text.
  if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
    error = {"form field '" + std::string(is_valid_utf8(key) ? key : "?") + "' is not valid UTF-8",
             "content",
             {}};
    return false;
  }
  json::storage_ptr sp = form.storage();
  json::value typed(sp);
  // The text is coerced as a parameter's is, by its property's types; for an array property
  // (a field sent once per item) by its items'.
  const Shape::Property* prop = shape.find_property(key);
  const bool array = prop && prop->kind == Kind::Array;
  const Kind kind = !prop ? Kind::String : array ? prop->items : prop->kind;
  if (kind == Kind::Array || kind == Kind::Object) {
    typed = json::string(value, sp);  // the schema's type check reports it
  } else if (!coerce_text(value, kind, array ? prop->item_nullable : prop && prop->nullable,
                          array  ? prop->item_types
                          : prop ? prop->types
                                 : 0,
                          typed)) {
    error = {"form field '" + std::string(key) + "': '" + std::string(value) + "' is not " +
                 (kind == Kind::Boolean   ? "a boolean"
                  : kind == Kind::Integer ? "an integer"
                  : kind == Kind::Number  ? "a number"
                                          : "of a type its schema allows"),
             "type",
             {}};
    return false;
  }
  if (array) {
    json::value& items = form[key];
    if (!items.is_array()) items = json::array(sp);
    items.as_array().push_back(std::move(typed));
    return true;
  }
  if (auto it = form.find(key); it != form.end()) {
    if (!it->value().is_array()) {
      json::array a(sp);
      a.push_back(std::move(it->value()));
      it->value() = std::move(a);
    }
    it->value().as_array().push_back(std::move(typed));
  } else {
    form.emplace(key, std::move(typed));
  }
  return true;
}

// Writes a large upload part to a fresh temporary file (mode 0600) and names it in `path`.
bool spill_to_file(const std::string& dir, std::string_view data, std::string& path,
                   std::string& error) {
  std::string tmpl = dir + "/brrt-upload-XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    error = "cannot store the upload: no temporary file in " + dir;
    return false;
  }
  path = tmpl;  // from here on the UploadedFile removes it, whatever happens
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      error = "cannot store the upload: writing " + dir + " failed";
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return true;
}

}  // namespace

std::size_t Service::route(Worker& w, const CompiledApi& api, const http::Request& req,
                           http::Response& res, router::RouteMatch& m, std::size_t& metrics_row) {
  const std::size_t none = api.ops.size();
  if (!req.method) {
    problem(res, 501, "method " + std::string(req.method_text) + " is not supported");
    return none;
  }
  if (req.path == "*") {
    // "OPTIONS *" asks about the server, not a resource (RFC 9110 9.3.7); the HTTP layer
    // has already refused the asterisk with any other method.
    res.add_header("Allow", api.server_allow);
    metrics_row = api.ops.size() + kServerOptionsRow;
    return none;
  }
  if (*req.method == Method::Options && cors_.enabled()) {
    const auto origin = req.header("Origin");
    const auto asked = req.header("Access-Control-Request-Method");
    if (origin && asked) {
      // A CORS preflight: answered before security (browsers send no credentials with it),
      // from the methods the spec's operations take on this path.
      MethodMask methods = 0;
      for (std::size_t i = 0; i < kMethodCount; ++i) {
        const auto method = static_cast<Method>(i);
        if (api.routes.match(method, req.path).status == router::RouteMatch::Status::Found)
          methods |= method_bit(method);
      }
      // A built-in endpoint's path (served only where no operation is): GET and HEAD, so
      // that a page on another origin can read the spec or the metrics.
      if (const StaticBody* asset = nullptr; methods == 0 && builtin_at(req.path, asset) >= 0)
        methods = method_bit(Method::Get) | method_bit(Method::Head);
      cors_.preflight(*origin, *asked, req.header("Access-Control-Request-Headers").value_or(""),
                      methods, res, problem);
      metrics_row = api.ops.size() + kPreflightRow;
      return none;
    }
  }
  m = api.routes.match(*req.method, req.path);
  if (m.status == router::RouteMatch::Status::NotFound) {
    if (const std::size_t row = builtin(w, api, req, res); row != kNotBuiltin) {
      metrics_row = row;
      return none;
    }
    problem(res, 404, "no operation matches " + std::string(req.path));
    return none;
  }
  if (m.status == router::RouteMatch::Status::MethodNotAllowed) {
    const std::string list = method_list(m.allow);
    res.add_header("Allow", list);
    problem(res, 405, std::string(req.method_text) + " is not allowed here; allowed: " + list);
    return none;
  }
  return m.route;
}

bool Service::prepare(Worker& w, const CompiledApi& api, std::size_t op_index,
                      const router::RouteMatch& m, RequestContext& ctx, http::Response& res) {
  const CompiledOperation& co = api.ops[op_index];
  const spec::Operation& op = *co.op;
  const http::Request& req = ctx.http;
  json::storage_ptr sp = ctx.path.storage();

  // Security first: unauthenticated clients learn nothing about parameters or bodies.
  if (!op.security.empty()) {
    const RequestCredentials source(req, ctx.worker, w.pairs);
    security::AuthDecision auth = api.auth->check(op.security, source);
    if (auth.status == 0) {
      w.auth_pending = true;  // the caller goes async (or answers 503 if it already is)
      return false;
    }
    if (auth.status != 200) {
      res.add_header("WWW-Authenticate", auth.challenge);
      if (auth.status == 403)
        problem(res, 403, "the credentials lack a scope this operation requires");
      else if (auth.status == 503)
        problem(res, 503, "the credentials could not be verified now; retry later");
      else if (auth.reason == "missing")
        problem(res, 401, "credentials are required");
      else if (auth.reason == "no_client_certificate")
        problem(res, 401,
                "this operation requires a TLS client certificate (mutual TLS); the connection "
                "presented none");
      else if (auth.reason == "untrusted_certificate" && req.client_certificate)
        problem(res, 401,
                "the client certificate did not verify: " + req.client_certificate->verify_error);
      else if (auth.reason == "certificate_binding")
        problem(res, 401,
                "the token is bound to a client certificate (cnf x5t#S256) that this connection "
                "did not present");
      else if (auth.reason == "certificate_not_allowed" && req.client_certificate)
        problem(res, 401,
                "the client certificate '" + req.client_certificate->subject +
                    "' is not one this operation accepts");
      else
        problem(res, 401, "the credentials are not valid (" + std::string(auth.reason) + ")");
      return false;
    }
    ctx.schemes = std::move(auth.schemes);
    ctx.claims = std::move(auth.claims);
  }
  ParamError& error = w.error;
  // Parameters. Every parameter is decoded and validated before the request is refused, so
  // that one 400 lists everything wrong with it.
  bool query_split = false, cookies_split = false;
  QueryPairs cookie_pairs;
  const OperationSchemas& schemas = api.validators->operation(op_index);
  const schema::Program& program = api.validators->program();
  ViolationList& violations = w.violations;
  violations.clear();
  if (co.path_count > 1) ctx.path.reserve(co.path_count);
  for (std::size_t pi = 0; pi < co.params.size(); ++pi) {
    const ParamDecoder& d = co.params[pi];
    const spec::Parameter& p = d.parameter();
    json::value v(sp);
    bool present = false;
    bool ok = true;
    json::object* into = nullptr;  // where a decoded value is kept, once validated
    switch (p.in) {
      case spec::ParamIn::Path:
        if (const std::uint32_t slot = co.path_slots[pi]; slot < m.param_count) {
          present = true;
          ok = d.decode_path(m.params[slot], v, error);
        }
        into = &ctx.path;
        break;
      case spec::ParamIn::Query:
        if (!query_split) {
          split_query(req.query, w.pairs);
          query_split = true;
        }
        ok = d.decode_pairs(w.pairs, v, present, error);
        into = &ctx.query;
        break;
      case spec::ParamIn::Header:
        ok = d.decode_header_lines(req, v, present, error);
        into = &ctx.headers;
        break;
      case spec::ParamIn::Cookie:
        if (!cookies_split) {
          if (auto c = req.header("cookie")) split_cookies(*c, cookie_pairs);
          cookies_split = true;
        }
        ok = d.decode_pairs(cookie_pairs, v, present, error);
        into = &ctx.cookies;
        break;
    }
    if (!ok) {
      const std::string_view at = error.pointer;  // an item's or property's, or none
      violations.add_failure(spec::to_string(p.in), p.name, error.keyword, error.message,
                             at.empty() ? nullptr : &at);
      continue;
    }
    if (!present && p.required) {
      error.message =
          std::string(spec::to_string(p.in)) + " parameter '" + p.name + "' is required";
      violations.add_failure(spec::to_string(p.in), p.name, "required", error.message);
      continue;
    }
    if (present) {
      // Validated before it is stored: the decoded value is at hand here, and looking it up
      // again by name in the object afterwards cost a hash of the name per parameter.
      if (options_.validate_requests && schemas.params[pi].valid() &&
          !program.is_valid(schemas.params[pi], v))
        violations.collect(program, schemas.params[pi], v, spec::to_string(p.in), p.name);
      into->emplace(p.name, std::move(v));
    } else if (d.default_value() && p.in != spec::ParamIn::Path) {
      // An absent optional parameter takes its schema's default (OpenAPI: the value the
      // server uses when none is sent), so handlers see one value either way.
      into->emplace(p.name, json::value(*d.default_value(), sp));
    }
  }
  if (!violations.empty()) {
    violations.write_problem(res);
    return false;
  }

  // Body. A body that is missing or cannot be decoded is refused like a parameter, with the
  // one entry in `errors`.
  const auto refuse_body = [&](std::string_view keyword, std::string_view message,
                               const std::string_view* pointer = nullptr) {
    violations.add_failure("body", {}, keyword, message, pointer);
    violations.write_problem(res);
    return false;
  };
  // A form field that is not UTF-8 or not of its property's type: at "/name" in the body.
  const auto refuse_form_field = [&](std::string_view name) {
    if (!is_valid_utf8(name)) return refuse_body(error.keyword, error.message);
    std::string pointer = "/";
    append_pointer_token(pointer, name);
    const std::string_view at = pointer;
    return refuse_body(error.keyword, error.message, &at);
  };
  if (op.request_body) {
    // Both headers in one pass over the fields (the first of each name, as header() finds).
    std::optional<std::string_view> ct, coding;
    for (std::size_t i = 0; i < req.header_count; ++i) {
      const http::Header& h = req.headers[i];
      if (h.name.size() == 12 && !ct && http::iequals(h.name, "content-type"))
        ct = h.value;
      else if (h.name.size() == 16 && !coding && http::iequals(h.name, "content-encoding"))
        coding = h.value;
    }
    // A coded body is inflated (gzip, deflate) before its media type reads it; any other
    // coding would be misread as the media type, so it is refused as RFC 7694 says, naming
    // the codings accepted.
    std::string_view body = req.body;
    if (coding && !body.empty()) {
      const ContentCoding cc = content_coding(*coding);
      if (cc == ContentCoding::Other ||
          (cc != ContentCoding::Identity && !options_.inflate.enabled)) {
        problem(res, 415,
                "content coding '" + std::string(*coding) + "' is not accepted; send the body " +
                    (options_.inflate.enabled ? "as gzip, deflate or " : "") +
                    "without Content-Encoding");
        res.add_header("Accept-Encoding",
                       options_.inflate.enabled ? "gzip, deflate, identity" : "identity");
        return false;
      }
      if (cc != ContentCoding::Identity) {
        if (!w.inflater) w.inflater = std::make_unique<BodyInflater>();
        switch (
            w.inflater->inflate(cc, body, options_.inflate.max_bytes, w.inflated, error.message)) {
          case InflateStatus::Ok:
            // Kept in the request's memory (the arena its JSON uses), so that the context
            // needs no string of its own for a case most requests are not.
            if (!w.inflated.empty()) {
              void* copy = ctx.path.storage()->allocate(w.inflated.size(), 1);
              std::memcpy(copy, w.inflated.data(), w.inflated.size());
              body = {static_cast<const char*>(copy), w.inflated.size()};
            } else {
              body = {};
            }
            break;
          case InflateStatus::TooLarge:
            problem(res, 413, error.message);
            return false;
          default:
            return refuse_body("content", error.message);
        }
      }
    }
    ctx.content_type = ct ? media_essence(*ct) : std::string_view();
    ctx.raw_body = body;
    // No body, or an empty one under a JSON media type or one the operation does not take
    // (clients that set Content-Type on every request): nothing was sent, so the body is
    // absent. An empty form is a form, an empty text/plain body an empty string.
    if (body.empty() && (!ct || is_json_media(ctx.content_type) ||
                         !api.validators->body_media(op_index, ctx.content_type))) {
      if (op.request_body->required) return refuse_body("required", "a request body is required");
    } else {
      const MediaSchema* media = api.validators->body_media(op_index, ctx.content_type);
      if (!media) {
        std::string accepted;
        for (const auto& mt : op.request_body->content)
          accepted += (accepted.empty() ? "" : ", ") + mt.content_type;
        problem(res, 415,
                "content type '" + std::string(ctx.content_type) + "' is not accepted; use " +
                    accepted);
        return false;
      }
      bool decoded = true;  // ctx.body holds the body, and its schema applies
      if (is_json_media(ctx.content_type)) {
        if (!parse_json_body(body, sp, 64, ctx.body, error.message))
          return refuse_body("content", error.message);
      } else if (http::iequals(ctx.content_type, "application/x-www-form-urlencoded")) {
        split_query(body, w.pairs);
        json::object form(sp);
        std::string key, value;
        for (const auto& [k, v] : w.pairs) {
          if (const DecodeError e = url_decode(k, key, true); e != DecodeError::None)
            return refuse_body("content",
                               e == DecodeError::NotUtf8
                                   ? "the form body has a field name that is not valid UTF-8"
                                   : "the form body has a field name with a malformed "
                                     "percent-escape");
          if (const DecodeError e = url_decode(v, value, true); e != DecodeError::None) {
            error = {"form field '" + key + "' " +
                         (e == DecodeError::NotUtf8 ? "is not valid UTF-8"
                                                    : "has a malformed percent-escape"),
                     "content",
                     {}};
            return refuse_form_field(key);
          }
          if (!add_form_field(form, key, value, co.form_shape, error))
            return refuse_form_field(key);
        }
        ctx.body = std::move(form);
      } else if (http::iequals(ctx.content_type, "multipart/form-data")) {
        const std::string_view boundary = multipart_boundary(*ct);
        if (boundary.empty())
          return refuse_body("content",
                             "the multipart/form-data content type has no valid boundary");
        if (!parse_multipart(body, boundary, options_.multipart, w.parts, error.message))
          return refuse_body("content", error.message);
        json::object form(sp);
        for (const MultipartPart& part : w.parts) {
          if (!part.has_filename) {
            if (!add_form_field(form, part.name, part.data, co.multipart_shape, error))
              return refuse_form_field(part.name);
            continue;
          }
          UploadedFile file;
          file.field = part.name;
          file.filename = part.filename;
          file.content_type =
              part.content_type.empty() ? "application/octet-stream" : part.content_type;
          file.size = part.data.size();
          if (part.data.size() > options_.multipart_memory_limit) {
            if (!spill_to_file(options_.temp_dir, part.data, file.path, error.message)) {
              problem(res, 500, error.message);
              return false;
            }
          } else {
            file.data = part.data;
          }
          // In the body a file is its file name: a `type: string` (binary) property
          // validates and `required` works, and an array property lists the names of its
          // files; the content is in ctx.files.
          if (!add_form_field(form, part.name, part.filename, co.multipart_shape, error))
            return refuse_form_field(part.name);
          ctx.files.push_back(std::move(file));
        }
        ctx.body = std::move(form);
      } else if (ct && is_utf8_text(*ct)) {
        // text/* in UTF-8: the body is one string, which a schema such as
        // {type: string, maxLength} describes.
        if (!is_valid_utf8(body)) {
          error.message = "the " + std::string(ctx.content_type) + " body is not valid UTF-8";
          return refuse_body("content", error.message);
        }
        ctx.body = json::string(body, sp);
      } else {
        // Any other media type (application/octet-stream, application/xml, text in another
        // charset, ...) is not decoded: the handler reads raw_body, and its schema, which
        // describes a structure or text brrtrouter does not parse, is not applied.
        decoded = false;
      }
      if (options_.validate_requests && decoded) {
        const schema::SchemaId id = media->id;
        if (id.valid() && !program.is_valid(id, ctx.body)) {
          violations.collect(program, id, ctx.body, "body", {});
          violations.write_problem(res);
          return false;
        }
      }
    }
  }

  return true;
}

// GCC 12's -Wmismatched-new-delete on Asio's coroutine frames: see handle_async.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
boost::asio::awaitable<void> Service::serve_websocket(const HandlerTable::Entry* handler,
                                                      RequestContext& ctx, http::Response& res) {
  WebSocket ws(ctx.http, res, options_.websocket);
  std::exception_ptr failure;
  try {
    if (handler)
      co_await handler->websocket(ctx, ws);
    else
      co_await echo_messages(ws);
  } catch (...) {
    failure = std::current_exception();
  }
  // Whatever the handler did, the socket is closed (or its close completed) before the request
  // ends: the connection closes it next.
  co_await ws.finish(failure != nullptr);
  if (!failure) co_return;
  // Before the 101 it is any handler's failure (a 500); after it the client saw 1011, and the
  // request stays a 101 in the log and metrics.
  if (!res.streamed()) std::rethrow_exception(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    log_failure(ctx.http, e.what());
  } catch (...) {
    log_failure(ctx.http, "unknown exception");
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

EventStream Service::event_stream(const CompiledApi& api, const http::Request& req,
                                  http::Response& res, std::size_t op_index) const {
  return EventStream(req, res, [this, &api, &req, op_index](http::Response& r) {
    if (cors_.enabled()) add_cors_headers(api, req, r, op_index);
  });
}

// GCC 12's -Wmismatched-new-delete on Asio's coroutine frames: see handle_async.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
boost::asio::awaitable<void> Service::stream_example(const CompiledApi& api, std::size_t op_index,
                                                     const http::Request& req,
                                                     http::Response& res) {
  const CompiledOperation& co = api.ops[op_index];
  for (const auto& [name, value] : co.example_headers) res.add_header(name, value);
  res.status = co.example_status;
  EventStream stream = event_stream(api, req, res, op_index);
  for (const ExampleEvent& e : co.example_events)
    if (!co_await stream.send({.data = e.data, .event = e.event, .id = e.id, .retry = e.retry}))
      co_return;
  // Then open and quiet, as a real feed between events: a comment every 15 s keeps proxies
  // from closing it and finds a client that has gone.
  if (!co_await stream.start()) co_return;
  while (co_await stream.wait(std::chrono::seconds(15)) && co_await stream.comment()) {
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

void Service::answer_from_spec(const CompiledApi& api, std::size_t op_index, RequestContext& ctx,
                               http::Response& res) {
  const CompiledOperation& co = api.ops[op_index];
  for (const auto& [name, value] : co.example_headers) res.add_header(name, value);
  if (co.has_example) {
    res.status = co.example_status;
    res.set_content_type(co.example_content_type);
    res.body = co.example_body;
    return;
  }
  // No handler, no example: echo what was decoded, so any spec is servable with no code.
  res.status = co.echo_status;
  if (res.status == 204) return;
  json::storage_ptr sp = ctx.path.storage();
  json::object echo(sp);
  echo["operationId"] = co.op->operation_id;
  echo["method"] = ctx.http.method_text;
  echo["path"] = ctx.http.path;
  json::object params(sp);
  params["path"] = ctx.path;
  params["query"] = ctx.query;
  params["header"] = ctx.headers;
  params["cookie"] = ctx.cookies;
  echo["params"] = std::move(params);
  echo["body"] = ctx.body;
  // Who the security check found (a JWT's claims, a client certificate's): the caller's own
  // identity, as a handler would see it.
  if (ctx.claims) echo["claims"] = json::value(*ctx.claims, sp);
  if (!ctx.files.empty()) {
    json::array files(sp);
    for (const auto& f : ctx.files)
      files.push_back(json::object({{"field", f.field},
                                    {"filename", f.filename},
                                    {"contentType", f.content_type},
                                    {"size", f.size}},
                                   sp));
    echo["files"] = std::move(files);
  }
  res.set_content_type("application/json");
  res.body = json::serialize(echo);
}

}  // namespace brrt::dispatch
