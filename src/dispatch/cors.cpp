#include "brrt/dispatch/cors.hpp"

#include <string>

#include "brrt/core/ascii.hpp"

namespace brrt::dispatch {

namespace {

bool is_origin(std::string_view o) {
  // scheme "://" host [":" port], nothing after: what a browser sends in Origin.
  const std::size_t sep = o.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const std::string_view rest = o.substr(sep + 3);
  return !rest.empty() && rest.find_first_of("/?#*") == std::string_view::npos;
}

}  // namespace

std::string cors_origin_error(std::string_view origin) {
  if (origin == "*" || is_origin(origin)) return {};
  return "origin '" + std::string(origin) +
         "' is not scheme://host[:port] or \"*\" (no path, no trailing slash)";
}

std::string cors_header_error(std::string_view name) {
  if (!name.empty() && name.find_first_of(" ,:\t") == std::string_view::npos) return {};
  return "header name '" + std::string(name) + "' is not a single header name";
}

std::string cors_options_error(const CorsOptions& o) {
  for (const std::string& origin : o.allow_origins)
    if (std::string why = cors_origin_error(origin); !why.empty()) return why;
  for (const auto* names : {&o.allow_headers, &o.expose_headers})
    for (const std::string& h : *names)
      if (std::string why = cors_header_error(h); !why.empty()) return why;
  return {};
}

CorsPolicy::CorsPolicy(CorsOptions options) : options_(std::move(options)) {
  // Browsers serialize an origin's scheme and host in lower case; so are the configured ones.
  for (std::string& o : options_.allow_origins) to_lower_ascii(o);
  for (const std::string& o : options_.allow_origins) any_origin_ = any_origin_ || o == "*";
  for (const std::string& h : options_.allow_headers) any_header_ = any_header_ || h == "*";
  for (const std::string& h : options_.expose_headers) expose_ += (expose_.empty() ? "" : ", ") + h;
  max_age_ = std::to_string(options_.max_age_seconds);
}

std::optional<std::string_view> CorsPolicy::allowed_origin(std::string_view origin) const noexcept {
  if (any_origin_) {
    // With credentials the browser refuses "*": the origin itself is the answer.
    return options_.allow_credentials ? origin : std::string_view("*");
  }
  for (const std::string& o : options_.allow_origins)
    if (o == origin) return origin;
  return std::nullopt;
}

void CorsPolicy::decorate(std::string_view origin, http::Response& res) const {
  const auto allowed = allowed_origin(origin);
  // Unless every origin gets "*", the answer depends on Origin: caches must keep them apart.
  if (!allowed || *allowed != "*") res.add_header("Vary", "Origin");
  if (!allowed) return;
  res.add_header("Access-Control-Allow-Origin", *allowed);
  if (options_.allow_credentials) res.add_header("Access-Control-Allow-Credentials", "true");
  if (!expose_.empty()) res.add_header("Access-Control-Expose-Headers", expose_);
}

void CorsPolicy::decorate_without_origin(http::Response& res) const {
  if (!any_origin_ || options_.allow_credentials) res.add_header("Vary", "Origin");
}

int CorsPolicy::check_preflight(std::string_view origin, std::string_view method,
                                std::string_view headers, MethodMask path_methods,
                                std::string& why) const {
  if (!allowed_origin(origin)) {
    why = "origin '" + std::string(origin) + "' may not call this API (CORS)";
    return 403;
  }
  if (path_methods == 0) {
    why = "no operation has this path";
    return 404;
  }
  const auto m = parse_method(method);
  if (!m || !(path_methods & method_bit(*m))) {
    why = "CORS preflight for " + std::string(method) + ", which this path does not take";
    return 405;
  }
  if (!any_header_) {
    std::string refused;
    http::for_each_list_item(headers, [&](std::string_view h) {
      for (const std::string& a : options_.allow_headers)
        if (http::iequals(a, h)) return true;
      refused = h;
      return false;
    });
    if (!refused.empty()) {
      why = "request header '" + refused + "' is not allowed (CORS)";
      return 403;
    }
  }
  return 204;
}

void CorsPolicy::answer_preflight(std::string_view origin, std::string_view headers,
                                  MethodMask methods, int status, http::Response& res) const {
  if (status == 204) {
    res.status = 204;
    res.body.clear();
  }
  decorate(origin, res);
  if (status != 204) return;
  res.add_header("Access-Control-Allow-Methods", method_list(methods));
  // The requested headers were each checked (or any is allowed): echo them, which also works
  // with credentials, where a literal "*" would not.
  if (!headers.empty()) res.add_header("Access-Control-Allow-Headers", headers);
  res.add_header("Access-Control-Max-Age", max_age_);
}

}  // namespace brrt::dispatch
