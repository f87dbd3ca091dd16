// brrtrouter routes SPEC [--json]: the route table compiled from a spec.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <string>

#include "brrt/router/api_routes.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

// "public", or alternatives joined by " | ", schemes of one requirement by " + ",
// scopes in brackets: "ApiKeyAuth | OAuth2[read:pets]".
std::string describe_security(const spec::Operation& op) {
  if (op.security.empty()) return "public";
  std::string out;
  for (std::size_t i = 0; i < op.security.size(); ++i) {
    if (i) out += " | ";
    const auto& req = op.security[i];
    if (req.schemes.empty()) out += "anonymous";
    for (std::size_t k = 0; k < req.schemes.size(); ++k) {
      if (k) out += " + ";
      out += req.schemes[k].first;
      const auto& scopes = req.schemes[k].second;
      if (!scopes.empty()) {
        out += '[';
        for (std::size_t s = 0; s < scopes.size(); ++s) out += (s ? "," : "") + scopes[s];
        out += ']';
      }
    }
  }
  return out;
}

boost::json::value security_json(const spec::Operation& op) {
  boost::json::array alternatives;
  for (const auto& req : op.security) {
    boost::json::object all;
    for (const auto& [name, scopes] : req.schemes) {
      boost::json::array s;
      for (const auto& scope : scopes) s.emplace_back(scope);
      all[name] = std::move(s);
    }
    alternatives.emplace_back(std::move(all));
  }
  return alternatives;
}

constexpr const char* kUsage =
    "usage: brrtrouter routes SPEC [--json] [--verbose] [--base-path P]\n"
    "Prints every route: method, path (with the base path), operationId, handler and\n"
    "security ('public', alternatives joined by '|', schemes of one requirement by '+').\n";

int run_routes(std::span<const std::string_view> args) {
  std::string spec_path;
  bool json = false;
  spec::LoadOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--verbose" || args[i] == "-v") {
      enable_verbose(options);
    } else if (args[i] == "--base-path") {
      if (i + 1 >= args.size()) {
        option_needs_value("routes", args[i], kUsage);
        return kExitBadInput;
      }
      options.base_path = std::string(args[++i]);
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "brrtrouter routes: unknown option '%.*s'\n",
                   static_cast<int>(args[i].size()), args[i].data());
      return kExitBadInput;
    } else if (spec_path.empty()) {
      spec_path = std::string(args[i]);
    } else {
      std::fprintf(stderr, "brrtrouter routes: one SPEC only\n");
      return kExitBadInput;
    }
  }
  if (spec_path.empty()) {
    std::fprintf(stderr, "usage: brrtrouter routes SPEC [--json] [--verbose] [--base-path P]\n");
    return kExitBadInput;
  }
  int code = kExitOk;
  auto api = load_spec_arg(spec_path, options, code);
  if (!api) return code;
  try {
    (void)router::compile_routes(*api);
  } catch (const spec::SpecError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return kExitFailed;
  }

  if (json) {
    boost::json::array rows;
    for (const auto& op : api->operations()) {
      rows.emplace_back(boost::json::object{
          {"method", method_name(op.method)},
          {"path", api->base_path() + op.path},
          {"operationId", op.operation_id},
          {"handler", op.handler},
          {"security", security_json(op)},
      });
    }
    std::printf("%s\n", boost::json::serialize(rows).c_str());
    return kExitOk;
  }
  std::size_t path_w = 4, id_w = 11, handler_w = 7;
  for (const auto& op : api->operations()) {
    path_w = std::max(path_w, api->base_path().size() + op.path.size());
    id_w = std::max(id_w, op.operation_id.size());
    handler_w = std::max(handler_w, op.handler.size());
  }
  std::printf("%-7s  %-*s  %-*s  %-*s  %s\n", "METHOD", static_cast<int>(path_w), "PATH",
              static_cast<int>(id_w), "OPERATIONID", static_cast<int>(handler_w), "HANDLER",
              "SECURITY");
  for (const auto& op : api->operations()) {
    const std::string path = api->base_path() + op.path;
    std::printf("%-7s  %-*s  %-*s  %-*s  %s\n", std::string(method_name(op.method)).c_str(),
                static_cast<int>(path_w), path.c_str(), static_cast<int>(id_w),
                op.operation_id.c_str(), static_cast<int>(handler_w), op.handler.c_str(),
                describe_security(op).c_str());
  }
  return kExitOk;
}

const CommandRegistration registration{
    {"routes", "routes SPEC [--json]          Print the route table compiled from a spec",
     &run_routes}};

}  // namespace
}  // namespace brrt::cli
