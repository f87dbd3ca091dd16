// brrtrouter match SPEC METHOD TARGET: which operation a request would reach.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <string>

#include "brrt/core/utf8.hpp"
#include "brrt/http/request_parser.hpp"
#include "brrt/router/api_routes.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

constexpr const char* kUsage =
    "usage: brrtrouter match SPEC METHOD TARGET [--verbose] [--base-path P]\n"
    "Prints one JSON object: {\"status\":200,\"operationId\":...,\"params\":{...}},\n"
    "{\"status\":404} or {\"status\":405,\"allow\":[...]}. TARGET is a request target\n"
    "(\"/pets/42?x=1\"); the query string is ignored, parameter values are percent-decoded.\n";

int run_match(std::span<const std::string_view> args) {
  std::vector<std::string_view> positional;
  spec::LoadOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    }
    if (args[i] == "--verbose" || args[i] == "-v") {
      enable_verbose(options);
      continue;
    }
    if (args[i] == "--base-path") {
      if (i + 1 >= args.size()) {
        option_needs_value("match", args[i], kUsage);
        return kExitBadInput;
      }
      options.base_path = std::string(args[++i]);
      continue;
    }
    if (args[i].size() > 1 && args[i][0] == '-' && args[i][1] == '-') {
      std::fprintf(stderr, "brrtrouter match: unknown option '%.*s'\n%s",
                   static_cast<int>(args[i].size()), args[i].data(), kUsage);
      return kExitBadInput;
    }
    positional.push_back(args[i]);
  }
  if (positional.size() != 3) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitBadInput;
  }
  const auto method = parse_method(positional[1]);
  if (!method) {
    std::fprintf(stderr,
                 "brrtrouter match: unknown method '%.*s' (expected GET, PUT, POST, DELETE, "
                 "OPTIONS, HEAD, PATCH, TRACE or QUERY, upper case)\n",
                 static_cast<int>(positional[1].size()), positional[1].data());
    return kExitBadInput;
  }
  std::string_view target = positional[2];
  if (target.empty() || target.front() != '/') {
    std::fprintf(stderr, "brrtrouter match: TARGET must start with '/' (origin-form), got '%.*s'\n",
                 static_cast<int>(target.size()), target.data());
    return kExitBadInput;
  }
  // A space or a control byte would end the request line early: said as such, not as the
  // parser's view of the rest.
  for (const char c : target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      std::fprintf(stderr,
                   "brrtrouter match: the server would answer 400: a request target holds no "
                   "spaces or control characters (percent-encode them: %%20)\n");
      return kExitBadInput;
    }
  // The target is read by the server's own request parser, so that what `serve` refuses
  // (a fragment, spaces, bytes outside visible ASCII) is refused here too.
  const std::string request = std::string(positional[1]) + " " + std::string(target) +
                              " HTTP/1.1\r\nHost: brrtrouter\r\n\r\n";
  http::Request parsed;
  const http::HeadResult head = http::parse_request_head(request, parsed, http::ParserLimits{});
  if (head.state != http::HeadResult::State::Complete) {
    const bool error = head.state == http::HeadResult::State::Error;
    const std::string_view why = error ? head.error.message : "incomplete request target";
    std::fprintf(stderr, "brrtrouter match: the server would answer %d: %.*s\n",
                 error ? head.error.status : 400, static_cast<int>(why.size()), why.data());
    return kExitBadInput;
  }
  target = target.substr(0, parsed.path.size());  // the path, as the server routes it

  int code = kExitOk;
  auto api = load_spec_arg(std::string(positional[0]), options, code);
  if (!api) return code;
  router::RouteTable table;
  try {
    table = router::compile_routes(*api);
  } catch (const spec::SpecError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return kExitFailed;
  }

  const router::RouteMatch m = table.match(*method, target);
  if (options.verbose)
    std::fprintf(stderr, "match: %s %.*s against %zu routes: %s\n",
                 std::string(method_name(*method)).c_str(), static_cast<int>(target.size()),
                 target.data(), table.size(),
                 m.status == router::RouteMatch::Status::Found ? "found"
                 : m.status == router::RouteMatch::Status::NotFound
                     ? "no path matches"
                     : "path found, method not allowed");
  boost::json::object out;
  switch (m.status) {
    case router::RouteMatch::Status::NotFound:
      out["status"] = 404;
      break;
    case router::RouteMatch::Status::MethodNotAllowed: {
      out["status"] = 405;
      boost::json::array allow;
      for (std::size_t i = 0; i < kMethodCount; ++i)
        if (m.allow & method_bit(static_cast<Method>(i)))
          allow.emplace_back(method_name(static_cast<Method>(i)));
      // Alphabetical, as the Allow header lists them.
      std::sort(allow.begin(), allow.end(),
                [](const auto& a, const auto& b) { return a.as_string() < b.as_string(); });
      out["allow"] = std::move(allow);
      break;
    }
    case router::RouteMatch::Status::Found: {
      std::vector<std::pair<std::string, std::string>> params;
      if (!router::decoded_params(table, m, params)) {
        std::fprintf(stderr, "brrtrouter match: malformed percent-escape in '%.*s'\n",
                     static_cast<int>(target.size()), target.data());
        return kExitBadInput;
      }
      for (const auto& [name, value] : params)
        if (!is_valid_utf8(value)) {  // JSON text holds UTF-8 only; the server answers 400
          std::fprintf(stderr,
                       "brrtrouter match: path parameter '%s' is not valid UTF-8 once decoded "
                       "(the server would answer 400)\n",
                       name.c_str());
          return kExitBadInput;
        }
      out["status"] = 200;
      out["operationId"] = api->operations()[m.route].operation_id;
      boost::json::object p;
      for (auto& [name, value] : params) p[name] = value;
      out["params"] = std::move(p);
      break;
    }
  }
  std::printf("%s\n", boost::json::serialize(out).c_str());
  return kExitOk;
}

const CommandRegistration registration{
    {"match", "match SPEC METHOD TARGET       Show which operation a request reaches", &run_match}};

}  // namespace
}  // namespace brrt::cli
