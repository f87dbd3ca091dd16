// brrtrouter validate --schema FILE --instance FILE: one instance against one JSON Schema.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "brrt/core/ascii.hpp"
#include "brrt/schema/compiler.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"
#include "cli/command.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: brrtrouter validate --schema FILE --instance FILE [--dialect 2020-12|draft7|oas30]\n"
    "                           [--format-assert] [--map URL-PREFIX=DIR ...] [--doc FILE ...]\n"
    "                           [--max-errors N]\n"
    "Validates the instance against the schema (JSON, or YAML for .yaml/.yml files).\n"
    "Exit 0: valid. Exit 1: invalid, one JSON line per error on stdout:\n"
    "  {\"instanceLocation\":..,\"keywordLocation\":..,\"keyword\":..,\"message\":..}\n"
    "Exit 2: bad input (unreadable file, malformed JSON, invalid schema, unresolvable $ref).\n"
    "$refs to file: URIs (relative refs resolve against the schema file) read local files;\n"
    "--map resolves $refs under URL-PREFIX to files under DIR (never the network); --doc\n"
    "registers a document up front, so $refs to its $id resolve (e.g. a meta-schema's parts).\n";

// Bad input is reported as `brrtrouter check` reports a spec's errors:
// "file:line:col: error: message (at /pointer)" and a hint.
std::string diagnostic(std::string file, int line, int column, std::string message,
                       std::string hint, std::string pointer = {}) {
  spec::Diagnostic d;
  d.file = std::move(file);
  d.line = line;
  d.column = column;
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.pointer = std::move(pointer);
  return d.to_string();
}

// `.yaml`/`.yml` files are YAML, anything else JSON: an instance file that is not JSON is
// bad input, not a YAML string.
spec::Syntax syntax_of(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml" ? spec::Syntax::Yaml : spec::Syntax::Json;
}

// Reads a JSON (or YAML) file with the spec loader, so that bad input is reported as `check`
// reports it ("file:line:col: error: message" and a hint) and a schema's compile error can be
// placed in it by line. nullptr when it cannot be read or parsed; `error` says why.
std::shared_ptr<const spec::Document> load_document(const std::string& path, std::string& error) {
  try {
    return spec::Document::load_file(path, syntax_of(path));
  } catch (const spec::SpecError& e) {
    error = e.what();  // every diagnostic, one per line, each with its hint
    return nullptr;
  }
}

// Where a compile error is: the file it is in (when it is one this command read), the line
// and column of its pointer there, and a hint.
std::string locate_compile_error(
    const schema::CompileError& e,
    const std::map<std::string, std::shared_ptr<const spec::Document>, std::less<>>& read) {
  std::string file = e.uri();
  spec::SourceLocation at;
  if (auto it = read.find(e.uri()); it != read.end()) {
    file = it->second->path();
    at = it->second->locate(e.pointer());
  }
  return diagnostic(file, at.line, at.column, "invalid schema: " + e.detail(),
                    e.hint().empty() ? "fix the schema, or the $ref it names" : e.hint(),
                    e.pointer());
}

// The file a --map entry names for `uri`: the rest of the URI after the prefix, percent-decoded,
// under the entry's directory. nullopt when no entry applies; "" (with `refused` saying why)
// when the file would be outside the directory ('..' segments, %2e%2e, an absolute path after a
// prefix without a trailing slash): a mapping reads only what is inside its directory.
std::optional<std::string> mapped_path(std::string_view uri,
                                       const std::vector<std::pair<std::string, std::string>>& maps,
                                       std::string& refused) {
  for (const auto& [prefix, dir] : maps) {
    if (!uri.starts_with(prefix)) continue;
    std::string_view rest = uri.substr(prefix.size());
    // `http://ex.test` maps `http://ex.test/a`, not `http://ex.test.evil/a`.
    if (!prefix.ends_with('/') && !rest.empty() && rest.front() != '/') continue;
    std::string relative = percent_decode_lenient(rest);
    const std::size_t start = relative.find_first_not_of('/');
    relative.erase(0, start == std::string::npos ? relative.size() : start);
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(fs::absolute(dir, ec), ec);
    // Symbolic links are followed before the comparison, so one cannot lead outside either.
    const fs::path target = fs::weakly_canonical(base / relative, ec);
    const auto [in_base, in_target] =
        std::mismatch(base.begin(), base.end(), target.begin(), target.end());
    const bool inside =
        in_base == base.end() || (std::next(in_base) == base.end() && in_base->empty());  // "dir/"
    if (relative.find('\0') != std::string::npos || !inside) {
      refused = diagnostic(std::string(uri), 0, 0,
                           "not read: --map " + prefix + "=" + dir + " maps it to " +
                               target.string() + ", which is outside " + base.string(),
                           "a mapped $ref can only name files inside the mapped directory");
      return std::string();
    }
    return target.string();
  }
  return std::nullopt;
}

int run_validate(std::span<const std::string_view> args) {
  std::string schema_path, instance_path;
  schema::CompileOptions options;
  std::vector<std::pair<std::string, std::string>> maps;  // URL prefix -> directory
  std::size_t max_errors = 100;
  std::vector<std::string> docs;  // --doc files
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    // The option's value; an option at the end without one is noted, and reported below.
    bool missing_value = false;
    auto value = [&]() -> std::optional<std::string> {
      missing_value = i + 1 >= args.size();
      if (missing_value) return std::nullopt;
      return std::string(args[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    }
    std::optional<std::string> v;
    if (a == "--schema" && (v = value())) {
      schema_path = *v;
    } else if (a == "--instance" && (v = value())) {
      instance_path = *v;
    } else if (a == "--dialect" && (v = value())) {
      auto d = schema::parse_dialect(*v);
      if (!d) {
        std::fprintf(stderr, "brrtrouter validate: unknown dialect '%s' (2020-12, draft7, oas30)\n",
                     v->c_str());
        return kExitBadInput;
      }
      options.dialect = *d;
    } else if (a == "--format-assert") {
      options.format_assertion = true;
    } else if (a == "--map" && (v = value())) {
      const std::size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "brrtrouter validate: --map expects URL-PREFIX=DIR, got '%s'\n",
                     v->c_str());
        return kExitBadInput;
      }
      maps.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    } else if (a == "--doc" && (v = value())) {
      docs.push_back(*v);
    } else if (a == "--max-errors" && (v = value())) {
      try {
        max_errors = std::stoul(*v);
      } catch (const std::exception&) {
        std::fprintf(stderr, "brrtrouter validate: --max-errors expects a number\n");
        return kExitBadInput;
      }
    } else if (missing_value) {
      option_needs_value("validate", a, kUsage);
      return kExitBadInput;
    } else {
      std::fprintf(stderr, "brrtrouter validate: unexpected argument '%.*s'\n%s",
                   static_cast<int>(a.size()), a.data(), kUsage);
      return kExitBadInput;
    }
  }
  if (schema_path.empty() || instance_path.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return kExitBadInput;
  }

  std::string error;
  const auto schema_doc = load_document(schema_path, error);
  if (!schema_doc) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kExitBadInput;
  }
  const auto instance = load_document(instance_path, error);
  if (!instance) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kExitBadInput;
  }

  // Every document read, by URI: the compiler resolves $refs into them (they live until
  // compilation ends; the compiler keeps copies) and compile errors are located in them.
  std::map<std::string, std::shared_ptr<const spec::Document>, std::less<>> read;
  read[schema_doc->uri()] = schema_doc;
  std::string resolve_error;
  options.resolver = [&](std::string_view uri) -> const json::value* {
    const std::optional<std::string> mapped = mapped_path(uri, maps, resolve_error);
    const std::string path = mapped ? *mapped : spec::uri_to_path(uri);  // file: URIs, decoded
    if (path.empty()) return nullptr;
    std::string e;
    auto doc = load_document(path, e);
    if (!doc) {
      resolve_error = e;
      return nullptr;
    }
    return &(read[std::string(uri)] = std::move(doc))->root();
  };

  schema::Program program;
  schema::SchemaId id;
  try {
    schema::Compiler compiler(std::move(options));
    for (const std::string& path : docs) {
      auto doc = load_document(path, error);
      if (!doc) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return kExitBadInput;
      }
      compiler.add_document(doc->uri(), doc->root());
      read[doc->uri()] = std::move(doc);
    }
    compiler.add_document(schema_doc->uri(), schema_doc->root());
    id = compiler.compile(schema_doc->uri());
    program = compiler.build();
  } catch (const schema::CompileError& e) {
    std::fprintf(stderr, "%s\n", locate_compile_error(e, read).c_str());
    if (!resolve_error.empty()) std::fprintf(stderr, "%s\n", resolve_error.c_str());
    return kExitBadInput;
  }

  std::vector<schema::ValidationError> errors;
  if (program.validate(id, instance->root(), errors, max_errors)) return kExitOk;
  for (const auto& e : errors) {
    json::object line;
    line["instanceLocation"] = e.instance_location();
    line["keywordLocation"] = e.keyword_location();
    line["keyword"] = e.keyword();
    line["message"] = e.message();
    std::printf("%s\n", json::serialize(line).c_str());
  }
  return kExitFailed;
}

const CommandRegistration kRegistration{
    {"validate", "validate --schema FILE --instance FILE  Validate JSON against a JSON Schema",
     run_validate}};

}  // namespace
}  // namespace brrt::cli
