#pragma once
// A parsed YAML or JSON document as a Boost.JSON value, with a way back to source
// positions. JSON input is parsed by Boost.JSON (fast enough for the 13 MB GitHub spec);
// YAML input by yaml-cpp, converted with YAML 1.2 core-schema scalar resolution.
// Locations are computed lazily, only when a diagnostic needs one.
#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace brrt::spec {

struct SourceLocation {
  int line = 0;    // 1-based, 0 = unknown
  int column = 0;  // 1-based, 0 = unknown
};

// How a document's text is read: by its content (JSON when it starts with `{` or `[`, YAML
// otherwise), or as the one syntax a caller knows the file is in: a `.json` file that is not
// JSON gets a JSON syntax error instead of being read as a YAML string, and a `.yaml` file
// in flow style (`{a: 1}`) is read as the YAML it is.
enum class Syntax { ByContent, Json, Yaml };

class Document {
 public:
  // Parses `text`; `path` names the file in diagnostics, `uri` is the absolute base URI
  // used for $ref resolution (file:///abs/path.yaml). A leading UTF-8 byte order mark is
  // dropped (RFC 8259 section 8.1 lets a parser ignore it; editors write one). Throws
  // SpecError on syntax errors, with line and column.
  static std::shared_ptr<const Document> parse(std::string text, std::string path, std::string uri,
                                               Syntax syntax = Syntax::ByContent);
  // Reads and parses a file. Throws SpecError (file not found, syntax errors).
  static std::shared_ptr<const Document> load_file(const std::string& path,
                                                   Syntax syntax = Syntax::ByContent);

  const boost::json::value& root() const noexcept { return root_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& uri() const noexcept { return uri_; }
  bool is_json() const noexcept { return is_json_; }
  // The document's text as read (served verbatim at /openapi.yaml).
  const std::string& text() const noexcept { return text_; }

  // Source position of the value at `pointer` (RFC 6901); the nearest existing ancestor's
  // position when the pointer does not exist.
  SourceLocation locate(std::string_view pointer) const;

  // Value at `pointer` (RFC 6901, "" = root), or nullptr.
  const boost::json::value* find(std::string_view pointer) const noexcept;

  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

 private:
  Document() = default;
  boost::json::value root_;
  std::string path_;
  std::string uri_;
  std::string text_;  // kept for lazy location lookup
  bool is_json_ = false;
  struct YamlIndex;  // positions of YAML nodes, keyed by JSON pointer (built at parse)
  std::unique_ptr<YamlIndex> yaml_index_;
};

// All documents reachable from the root spec, keyed by absolute URI without fragment.
// Owns the documents; pointers into them stay valid as long as the set lives.
class DocumentSet {
 public:
  // Loads (or returns the already loaded) document for `uri`. Throws SpecError.
  const Document& load(const std::string& uri);
  void add(std::shared_ptr<const Document> doc);
  const Document* find(std::string_view uri) const noexcept;
  const std::map<std::string, std::shared_ptr<const Document>, std::less<>>& all() const noexcept {
    return docs_;
  }

 private:
  std::map<std::string, std::shared_ptr<const Document>, std::less<>> docs_;
};

// Helpers for JSON pointers (RFC 6901) and URIs used across the loader and schema compiler.
std::string pointer_append(std::string_view base, std::string_view token);
// Absolute file URI for a filesystem path ("file:///abs/path").
std::string file_uri(const std::string& path);
// Filesystem path from a file URI; empty when `uri` is not file:.
std::string uri_to_path(std::string_view uri);
// Resolves `ref` against `base` (RFC 3986). Returns the absolute URI, fragment included.
std::string resolve_uri(std::string_view base, std::string_view ref);

}  // namespace brrt::spec
