// brrtrouter generate SPEC --out DIR: typed C++ handler code for a spec (codegen/generator.hpp).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>

#include "brrt/codegen/generator.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

constexpr const char* kUsage =
    "usage: brrtrouter generate SPEC --out DIR [--name BASE] [--namespace NS] [--class NAME]\n"
    "                           [--handlers plain|async|blocking] [--verbose]\n"
    "Writes DIR/BASE.hpp and DIR/BASE.cpp (BASE: api): a type per schema the operations use,\n"
    "a typed request and response per operation, an abstract handler class with a method per\n"
    "operation, and register_handlers(). NS and NAME default to the spec's title. A file whose\n"
    "text did not change is not rewritten (builds that depend on it stay up to date).\n"
    "--verbose lists the schemas that became boost::json::value, and why.\n";

// Writes `text` to `path` unless the file already holds it. Error text on failure.
std::string write_if_changed(const std::filesystem::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      const std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (old == text) return {};
    }
  }
  const auto temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())) || !out.flush())
      return "cannot write " + temp;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);  // readers see the old file or the new, never half
  if (ec) return "cannot write " + path.string() + ": " + ec.message();
  return {};
}

int run_generate(std::span<const std::string_view> args) {
  std::string spec_path;
  std::string out_dir;
  codegen::GenerateOptions gen;
  spec::LoadOptions options;
  bool verbose = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) {
        option_needs_value("generate", a, kUsage);
        return false;
      }
      into = std::string(args[++i]);
      return true;
    };
    if (a == "--out" || a == "-o") {
      if (!value(out_dir)) return kExitBadInput;
    } else if (a == "--name") {
      if (!value(gen.base_name)) return kExitBadInput;
    } else if (a == "--namespace") {
      if (!value(gen.cpp_namespace)) return kExitBadInput;
    } else if (a == "--class") {
      if (!value(gen.class_name)) return kExitBadInput;
    } else if (a == "--handlers") {
      std::string kind;
      if (!value(kind)) return kExitBadInput;
      if (kind == "plain") {
        gen.kind = codegen::HandlerKind::Plain;
      } else if (kind == "async") {
        gen.kind = codegen::HandlerKind::Async;
      } else if (kind == "blocking") {
        gen.kind = codegen::HandlerKind::Blocking;
      } else {
        std::fprintf(stderr,
                     "brrtrouter generate: --handlers '%s' is not one of plain, async, blocking\n",
                     kind.c_str());
        return kExitBadInput;
      }
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "brrtrouter generate: unknown option '%.*s'\n%s",
                   static_cast<int>(a.size()), a.data(), kUsage);
      return kExitBadInput;
    } else if (spec_path.empty()) {
      spec_path = std::string(a);
    } else {
      std::fprintf(stderr, "brrtrouter generate: one SPEC only\n");
      return kExitBadInput;
    }
  }
  if (spec_path.empty() || out_dir.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitBadInput;
  }
  if (gen.base_name.empty() || gen.base_name.find('/') != std::string::npos) {
    std::fprintf(stderr, "brrtrouter generate: --name '%s' is not a file name\n",
                 gen.base_name.c_str());
    return kExitBadInput;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(out_dir, ec)) {
    std::fprintf(stderr, "brrtrouter generate: --out %s is not a directory\n", out_dir.c_str());
    return kExitBadInput;
  }

  int code = kExitOk;
  const auto api = load_spec_arg(spec_path, options, code);
  if (!api) return code;
  codegen::GeneratedCode generated;
  try {
    generated = codegen::generate(*api, gen);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "brrtrouter generate: %s\n", e.what());
    return kExitBadInput;
  }
  if (verbose)
    for (const auto& n : generated.notes)
      std::fprintf(stderr, "%s: %s\n", n.location.c_str(), n.message.c_str());
  for (const auto& file : generated.files) {
    const std::string error =
        write_if_changed(std::filesystem::path(out_dir) / file.name, file.text);
    if (!error.empty()) {
      std::fprintf(stderr, "brrtrouter generate: %s\n", error.c_str());
      return kExitBadInput;
    }
  }
  return kExitOk;
}

const CommandRegistration registration{
    {"generate", "generate SPEC --out DIR      Write typed C++ handler code for a spec",
     &run_generate}};

}  // namespace
}  // namespace brrt::cli
