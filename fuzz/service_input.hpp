#pragma once
// What the service fuzz targets share (service.cpp: the pet store with no code; typed_service.cpp:
// the pet store on its generated code): the service's options, with every feature a hostile
// request can reach turned on, and one input run as a request with its checks: every request
// gets a status, an error status carries a JSON problem body (gzip and deflate request bodies
// are inflated, seeds create_pet_gzip/_deflate), gzip only when asked and
// inflatable, 304 only for a conditional request.
#include <fcntl.h>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/request_parser.hpp"
#include "gunzip.hpp"

namespace brrt::fuzz {

inline dispatch::ServiceOptions service_options() {
  dispatch::ServiceOptions options;
  options.security.api_keys["ApiKeyAuth"] = {"test123"};
  // The access log (with its trace context from a hostile traceparent) and CORS (hostile
  // Origin and Access-Control-Request-* headers) run too; the log goes nowhere.
  options.access_log = true;
  options.log_format = observe::LogFormat::Json;
  options.log_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  options.cors.allow_origins = {"https://app.example.com"};
  options.cors.allow_headers = {"content-type", "x-api-key"};
  options.cors.expose_headers = {"x-operation"};
  options.compression.enabled = true;  // hostile Accept-Encoding values, bodies of any size
  options.compression.min_bytes = 64;
  options.response_validation = dispatch::ResponseValidation::Enforce;
  options.blocking_threads = 1;
  return options;
}

inline void check(bool ok) {
  if (!ok) std::abort();
}

inline int run_request(dispatch::Service& service, const std::uint8_t* data, std::size_t size) {
  const std::string_view buf(reinterpret_cast<const char*>(data), size);
  http::Request req;
  const http::HeadResult head = http::parse_request_head(buf, req, http::ParserLimits{});
  if (head.state != http::HeadResult::State::Complete || head.chunked) return 0;
  // The body as the server would pass it: what arrived, up to Content-Length.
  const std::string_view rest = buf.substr(head.head_size);
  if (head.content_length > rest.size()) return 0;
  req.body = rest.substr(0, head.content_length);
  req.remote = "127.0.0.1:1";
  http::Response res;
  // false: the request needs the server's event loop (an SSE stream, say); nothing to check.
  if (!service.handle(0, req, res)) return 0;
  check(res.status >= 100 && res.status < 600);
  // 304 only for a conditional request, and with nothing but headers.
  if (res.status == 304) check(req.header("If-None-Match").has_value() && res.body.empty());
  std::string body = res.body;
  if (const auto encoding = res.header("Content-Encoding")) {
    // Only gzip, only when asked for, and it must inflate.
    check(*encoding == "gzip" && req.header("Accept-Encoding").has_value());
    check(test::gunzip(res.body, body));
  }
  if (res.status >= 400 && !body.empty() && req.method != Method::Head) {
    boost::system::error_code ec;
    const boost::json::value problem = boost::json::parse(body, ec);
    check(!ec && problem.is_object());
  }
  return 0;
}

}  // namespace brrt::fuzz
