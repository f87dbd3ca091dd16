// brrtrouter check SPEC: load a spec, compile its routes, report every problem.
#include <chrono>
#include <cstdio>
#include <string>

#include "brrt/router/api_routes.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

constexpr const char* kUsage =
    "usage: brrtrouter check SPEC [--verbose] [--base-path P]\n"
    "Loads SPEC (YAML or JSON, OpenAPI 3.0/3.1/3.2), resolves every $ref and compiles the\n"
    "routes. Exit 0 when it is valid (warnings on stderr), 1 listing every error as\n"
    "'file:line:col: error: message (at /json/pointer)', 2 for usage errors or an\n"
    "unreadable file.\n";

int run_check(std::span<const std::string_view> args) {
  std::string spec_path;
  spec::LoadOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    }
    if (args[i] == "--verbose" || args[i] == "-v") {
      enable_verbose(options);
    } else if (args[i] == "--base-path" && i + 1 < args.size()) {
      options.base_path = std::string(args[++i]);
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "brrtrouter check: unknown option '%.*s'\n%s",
                   static_cast<int>(args[i].size()), args[i].data(), kUsage);
      return kExitBadInput;
    } else if (spec_path.empty()) {
      spec_path = std::string(args[i]);
    } else {
      std::fprintf(stderr, "brrtrouter check: one SPEC only\n%s", kUsage);
      return kExitBadInput;
    }
  }
  if (spec_path.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitBadInput;
  }
  const auto start = std::chrono::steady_clock::now();
  int code = kExitOk;
  auto api = load_spec_arg(spec_path, options, code);
  if (!api) return code;
  for (const auto& w : api->warnings()) std::fprintf(stderr, "%s\n", w.to_string().c_str());
  try {
    const auto table = router::compile_routes(*api);
    if (options.verbose) std::fprintf(stderr, "routes: %zu compiled\n", table.size());
  } catch (const spec::SpecError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
    return kExitFailed;
  }
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: ok: OpenAPI %s, %zu operations, %zu warnings (%.1f ms)\n", spec_path.c_str(),
              api->openapi_version().c_str(), api->operations().size(), api->warnings().size(), ms);
  return kExitOk;
}

const CommandRegistration registration{
    {"check", "check SPEC [--verbose]        Load a spec and report every error", &run_check}};

}  // namespace
}  // namespace brrt::cli
