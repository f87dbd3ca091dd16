// brrtrouter validate --schema FILE --instance FILE: one instance against one JSON Schema.
#include <yaml-cpp/yaml.h>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "brrt/schema/compiler.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"
#include "cli/command.hpp"

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

bool read_text(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = diagnostic(path, 0, 0, std::string("cannot read the file: ") + std::strerror(errno),
                       "check the path");
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

bool is_yaml(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// Same nesting bound as the JSON parser below, so a hostile YAML file cannot exhaust the stack.
constexpr int kMaxDepth = 1024;

json::value yaml_to_json(const YAML::Node& n, int depth = 0) {
  if (depth > kMaxDepth)
    throw YAML::Exception(n.Mark(), "nesting deeper than " + std::to_string(kMaxDepth));
  switch (n.Type()) {
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& e : n) a.push_back(yaml_to_json(e, depth + 1));
      return a;
    }
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second, depth + 1);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return json::value(s);  // quoted: always a string
      if (s == "null" || s == "~" || s.empty()) return nullptr;
      if (s == "true") return true;
      if (s == "false") return false;
      // Numbers as JSON would read them; anything else stays a string.
      json::stream_parser p;
      boost::system::error_code ec;
      p.write(s, ec);
      if (!ec) p.finish(ec);
      if (!ec) {
        json::value v = p.release();
        if (v.is_number()) return v;
      }
      return json::value(s);
    }
    default:
      return nullptr;
  }
}

// Reads a JSON (or YAML) file; on failure `error` is "file:line:col: error: message" and a hint.
std::optional<json::value> load_document(const std::string& path, std::string& error) {
  std::string text;
  if (!read_text(path, text, error)) return std::nullopt;
  if (is_yaml(path)) {
    try {
      return yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception& e) {
      error = diagnostic(path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg,
                         "check the indentation and quoting near this position");
      return std::nullopt;
    }
  }
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::stream_parser p({}, options);
  boost::system::error_code ec;
  std::size_t at = p.write_some(text.data(), text.size(), ec);
  // write_some stops after the first complete value: anything but whitespace after it is a
  // second value or garbage.
  const std::size_t extra = ec ? std::string::npos : text.find_first_not_of(" \t\r\n", at);
  if (extra != std::string::npos) at = extra;
  if (!ec && extra == std::string::npos) p.finish(ec);
  if (ec || extra != std::string::npos) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error =
        ec ? diagnostic(path, line, column, "invalid JSON: " + ec.message(),
                        "check the JSON syntax near this position")
           : diagnostic(path, line, column, "invalid JSON: more text after the document's value",
                        "a JSON document holds one value; remove what follows it");
    return std::nullopt;
  }
  return p.release();
}

// Where a compile error is: the file it is in (when it is one this command read), the line
// and column of its pointer there, and a hint.
std::string locate_compile_error(const schema::CompileError& e,
                                 const std::map<std::string, std::string>& files) {
  std::string file = e.uri();
  int line = 0, column = 0;
  if (auto it = files.find(e.uri()); it != files.end()) {
    file = it->second;
    std::string text, ignored;
    if (read_text(file, text, ignored)) {
      try {
        // Only for its source positions: the document has parsed once already.
        const auto doc = spec::Document::parse(std::move(text), file, e.uri());
        const spec::SourceLocation at = doc->locate(e.pointer());
        line = at.line;
        column = at.column;
      } catch (const std::exception&) {
        // A document the spec loader refuses (deeper than its limits): no position.
      }
    }
  }
  return diagnostic(file, line, column, "invalid schema: " + e.detail(),
                    e.hint().empty() ? "fix the schema, or the $ref it names" : e.hint(),
                    e.pointer());
}

std::string file_uri(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  return "file://" + abs.lexically_normal().string();
}

int run_validate(std::span<const std::string_view> args) {
  std::string schema_path, instance_path;
  schema::CompileOptions options;
  std::vector<std::pair<std::string, std::string>> maps;  // URL prefix -> directory
  std::size_t max_errors = 100;
  std::vector<std::string> docs;  // --doc files
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
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

  // Referenced documents: mapped prefixes first, then local file: URIs. Loaded documents live
  // here until compilation ends (the compiler keeps copies).
  std::map<std::string, json::value> loaded;
  std::map<std::string, std::string> files;  // URI -> path of every document read
  files[file_uri(schema_path)] = schema_path;
  std::string resolve_error;
  options.resolver = [&](std::string_view uri) -> const json::value* {
    std::string path;
    for (const auto& [prefix, dir] : maps)
      if (uri.starts_with(prefix)) {
        path = (fs::path(dir) / std::string(uri.substr(prefix.size()))).string();
        break;
      }
    if (path.empty() && uri.starts_with("file://")) path = std::string(uri.substr(7));
    if (path.empty()) return nullptr;
    std::string e;
    auto doc = load_document(path, e);
    if (!doc) {
      resolve_error = e;
      return nullptr;
    }
    files[std::string(uri)] = path;
    return &loaded.insert_or_assign(std::string(uri), std::move(*doc)).first->second;
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
      compiler.add_document(file_uri(path), *doc);
      files[file_uri(path)] = path;
    }
    compiler.add_document(file_uri(schema_path), *schema_doc);
    id = compiler.compile(file_uri(schema_path));
    program = compiler.build();
  } catch (const schema::CompileError& e) {
    std::fprintf(stderr, "%s\n", locate_compile_error(e, files).c_str());
    if (!resolve_error.empty()) std::fprintf(stderr, "%s\n", resolve_error.c_str());
    return kExitBadInput;
  }

  std::vector<schema::ValidationError> errors;
  if (program.validate(id, *instance, errors, max_errors)) return kExitOk;
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
