#pragma once
// Cross-origin resource sharing (the Fetch standard's CORS protocol) for browsers calling the
// API from other origins: which origins may, and what a preflight answers. The methods a
// preflight allows come from the spec (the path's operations), so they are never configured
// twice. Off unless origins are configured.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/core/method.hpp"
#include "brrt/http/message.hpp"

namespace brrt::dispatch {

struct CorsOptions {
  // Origins allowed to read responses: exact "scheme://host[:port]" values, or "*" for any.
  // Empty: CORS is off and no response carries its headers.
  std::vector<std::string> allow_origins;
  // Access-Control-Allow-Credentials: browsers then send cookies and Authorization, and the
  // allowed origin is echoed (never "*").
  bool allow_credentials = false;
  // Request headers a preflight may ask for (case-insensitive), or "*" for any. CORS-safelisted
  // headers (Accept, Content-Type of a form, ...) never need listing.
  std::vector<std::string> allow_headers;
  // Response headers scripts may read besides the safelisted ones.
  std::vector<std::string> expose_headers;
  unsigned max_age_seconds = 600;  // how long a browser may cache a preflight's answer

  bool enabled() const noexcept { return !allow_origins.empty(); }
};

// Why `options` cannot be used ("origin 'x' ..."), or empty when it can; the first of the
// two checks below that fails for an entry.
std::string cors_options_error(const CorsOptions& options);
// Why `origin` cannot be listed as allowed (not "*" and not scheme://host[:port]), or empty.
std::string cors_origin_error(std::string_view origin);
// Why `name` cannot be listed as a header name (empty, or holding ' ', ',', ':' or a tab),
// or empty.
std::string cors_header_error(std::string_view name);

class CorsPolicy {
 public:
  CorsPolicy() = default;
  explicit CorsPolicy(CorsOptions options);
  bool enabled() const noexcept { return options_.enabled(); }

  // What Access-Control-Allow-Origin says to `origin`: the origin itself, "*", or nullopt
  // when it is not allowed.
  std::optional<std::string_view> allowed_origin(std::string_view origin) const noexcept;

  // The CORS headers of an ordinary response to a request from `origin` (nothing when the
  // origin is not allowed; Vary: Origin whenever the answer depends on the origin).
  void decorate(std::string_view origin, http::Response& res) const;
  // The same for a request without Origin: only Vary: Origin, when answers depend on the
  // origin, so that a shared cache does not hand this response (without
  // Access-Control-Allow-Origin) to a browser's CORS request (Fetch standard, "CORS protocol
  // and HTTP caches").
  void decorate_without_origin(http::Response& res) const;

  // Answers a preflight (OPTIONS with Origin and Access-Control-Request-Method) for a path
  // whose operations take `path_methods`: 204 with the allowed methods and headers, or a
  // problem (403 origin or header not allowed, 404 no such path, 405 method not taken).
  // `problem` writes an application/problem+json answer.
  template <class Problem>
  void preflight(std::string_view origin, std::string_view method, std::string_view headers,
                 MethodMask path_methods, http::Response& res, Problem&& problem) const {
    std::string why;
    const int status = check_preflight(origin, method, headers, path_methods, why);
    if (status != 204) {
      problem(res, status, why);
      if (status == 405) res.add_header("Allow", brrt::method_list(path_methods));
    }
    answer_preflight(origin, headers, path_methods, status, res);
  }

 private:
  int check_preflight(std::string_view origin, std::string_view method, std::string_view headers,
                      MethodMask path_methods, std::string& why) const;
  void answer_preflight(std::string_view origin, std::string_view headers, MethodMask methods,
                        int status, http::Response& res) const;

  CorsOptions options_;
  bool any_origin_ = false;
  bool any_header_ = false;
  std::string expose_;  // expose_headers joined
  std::string max_age_;
};

}  // namespace brrt::dispatch
