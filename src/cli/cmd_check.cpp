// brrtrouter check SPEC: load a spec, compile its routes, report every problem.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "brrt/dispatch/spec_validators.hpp"
#include "brrt/router/api_routes.hpp"
#include "brrt/spec/meta_schema.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

constexpr const char* kUsage =
    "usage: brrtrouter check SPEC [--verbose] [--base-path P] [--no-meta-schema]\n"
    "Loads SPEC (YAML or JSON, OpenAPI 3.0/3.1/3.2), resolves every $ref, compiles the\n"
    "routes and every schema, and checks the document against the official OpenAPI\n"
    "meta-schema of its version (see BRRT_OPENAPI_SCHEMAS). Exit 0 when it is valid (warnings on "
    "stderr), 1 listing every error as\n"
    "'file:line:col: error: message (at /json/pointer)', 2 for usage errors or an\n"
    "unreadable file.\n";

int run_check(std::span<const std::string_view> args) {
  std::string spec_path;
  spec::LoadOptions options;
  bool meta_schema = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    }
    if (args[i] == "--no-meta-schema") {
      meta_schema = false;
    } else if (args[i] == "--verbose" || args[i] == "-v") {
      enable_verbose(options);
    } else if (args[i] == "--base-path") {
      if (i + 1 >= args.size()) {
        option_needs_value("check", args[i], kUsage);
        return kExitBadInput;
      }
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
  if (!check_spec_file(spec_path, code)) return code;
  // A syntax error stops everything; past it, every phase that has what it needs runs and
  // all their errors are listed together: the routes and schemas need the model, the
  // meta-schema only the document.
  std::shared_ptr<const spec::Document> doc;
  try {
    doc = spec::read_spec(spec_path, options);
  } catch (const spec::SpecError& e) {
    print_diagnostics(e.diagnostics());
    return kExitFailed;
  }
  std::vector<spec::Diagnostic> errors;
  auto add = [&](const std::vector<spec::Diagnostic>& more) {
    errors.insert(errors.end(), more.begin(), more.end());
  };
  std::shared_ptr<const spec::Api> api;
  try {
    api = spec::load_api_from_document(doc, options);
  } catch (const spec::SpecError& e) {
    add(e.diagnostics());
  }
  if (api) {
    for (const auto& w : api->warnings()) std::fprintf(stderr, "%s\n", w.to_string().c_str());
    try {
      const auto table = router::compile_routes(*api);
      if (options.verbose) std::fprintf(stderr, "routes: %zu compiled\n", table.size());
    } catch (const spec::SpecError& e) {
      add(e.diagnostics());
    }
    try {
      const dispatch::SpecValidators validators(*api);
      if (options.verbose)
        std::fprintf(stderr, "schemas: %zu subschemas compiled\n",
                     validators.program().node_count());
    } catch (const spec::SpecError& e) {
      add(e.diagnostics());
    }
  }
  std::size_t not_listed = 0;
  if (meta_schema) {
    const std::string dir = spec::find_meta_schema_dir();
    if (dir.empty()) {
      std::fprintf(stderr,
                   "note: the OpenAPI meta-schema check was skipped: no meta-schemas found "
                   "(set BRRT_OPENAPI_SCHEMAS to a directory with v3.0/ and v3.1/)\n");
    } else {
      try {
        add(spec::check_meta_schema(*doc, dir, 20, &not_listed));
      } catch (const std::exception& e) {
        print_diagnostics(errors);
        std::fprintf(stderr, "brrtrouter check: %s\n", e.what());
        return kExitBadInput;
      }
      if (options.verbose) std::fprintf(stderr, "meta-schema: checked against %s\n", dir.c_str());
    }
  }
  if (!errors.empty() || !api) {
    print_diagnostics(errors);
    if (not_listed)
      std::fprintf(stderr, "%s: note: and %zu more OpenAPI meta-schema error%s, not listed\n",
                   spec_path.c_str(), not_listed, not_listed == 1 ? "" : "s");
    return kExitFailed;
  }
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const std::size_t ops = api->operations().size(), warnings = api->warnings().size();
  std::printf("%s: ok: OpenAPI %s, %zu operation%s, %zu warning%s (%.1f ms)\n", spec_path.c_str(),
              api->openapi_version().c_str(), ops, ops == 1 ? "" : "s", warnings,
              warnings == 1 ? "" : "s", ms);
  return kExitOk;
}

const CommandRegistration registration{
    {"check", "check SPEC [--verbose]        Load a spec and report every error", &run_check}};

}  // namespace
}  // namespace brrt::cli
