#pragma once
// The immutable model of an OpenAPI 3.0/3.1 document. Built once by `load_api`, shared
// read-only between threads (the whole compiled server state is swapped atomically on
// reload). Objects referenced by `$ref` in parameters, request bodies, responses, headers,
// path items and security schemes are resolved here; schemas are NOT inlined: a
// `SchemaRef` names where the schema lives, and the schema compiler resolves `$ref`s
// inside it (schemas may be recursive).
#include "brrt/core/method.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brrt::spec {

// Dialect of the schemas inside the document, from `openapi` (3.0 -> Oas30) and
// `jsonSchemaDialect` / `$schema`.
enum class SchemaDialect { Oas30, Draft2020_12, Draft7 };

// Where a schema lives. `node` points into a Document owned by the Api's DocumentSet.
struct SchemaRef {
  const boost::json::value* node = nullptr;  // the schema as written (may be a bare $ref)
  const Document* document = nullptr;        // document holding it (base URI for $ref)
  std::string pointer;                       // JSON pointer of `node` inside `document`
  explicit operator bool() const noexcept { return node != nullptr; }
};

// Any model object: where it came from and its raw JSON (for `x-` extensions and
// anything the typed model does not carry).
struct Located {
  const boost::json::object* raw = nullptr;  // the object as written (after $ref resolution)
  const Document* document = nullptr;
  std::string pointer;  // JSON pointer of `raw` inside `document`

  // Value of an extension (`x-handler`, `x-sse`, ...) or nullptr. `key` includes "x-".
  const boost::json::value* extension(std::string_view key) const noexcept;
};

enum class ParamIn { Path, Query, Header, Cookie };
enum class ParamStyle { Simple, Label, Matrix, Form, SpaceDelimited, PipeDelimited, DeepObject };

std::string_view to_string(ParamIn in) noexcept;
std::string_view to_string(ParamStyle style) noexcept;

struct MediaType : Located {
  std::string content_type;  // as written: "application/json", "image/*", "*/*"
  SchemaRef schema;
  const boost::json::value* example = nullptr;  // `example`, or the first `examples` entry's value
  const boost::json::object* encoding = nullptr;
};

struct Parameter : Located {
  std::string name;
  ParamIn in = ParamIn::Query;
  bool required = false;  // always true for path parameters
  bool deprecated = false;
  bool allow_empty_value = false;
  bool allow_reserved = false;
  ParamStyle style = ParamStyle::Form;  // defaulted per `in` when absent
  bool explode = true;                  // defaulted per style when absent
  SchemaRef schema;                     // from `schema`, or from the single `content` entry
  std::optional<MediaType> content;     // when the parameter uses `content` instead of `schema`
};

struct RequestBody : Located {
  bool required = false;
  std::vector<MediaType> content;
};

struct Header : Located {
  std::string name;
  std::string description;
  bool required = false;
  SchemaRef schema;
  const boost::json::value* example = nullptr;  // `example`, or the first `examples` entry's value
};

struct Response : Located {
  std::string status;  // "200", "2XX", "default"
  std::string description;
  std::vector<Header> headers;
  std::vector<MediaType> content;
};

// One security requirement object: every scheme in it must pass (AND).
struct SecurityRequirement {
  std::vector<std::pair<std::string, std::vector<std::string>>> schemes;  // name -> scopes
};

struct SecurityScheme : Located {
  enum class Type { ApiKey, Http, OAuth2, OpenIdConnect, MutualTLS };
  std::string name;  // key in components.securitySchemes
  Type type = Type::ApiKey;
  ParamIn in = ParamIn::Header;  // apiKey only
  std::string param_name;        // apiKey: header/query/cookie name
  std::string scheme;            // http: "bearer", "basic", ... (lower-cased)
  std::string bearer_format;
  std::string open_id_connect_url;
  const boost::json::object* flows = nullptr;  // oauth2
};

struct Callback : Located {
  std::string name;
  std::string expression;  // runtime expression (the key)
};

struct Operation : Located {
  std::size_t index = 0;  // position in Api::operations()
  Method method = Method::Get;
  std::string path;  // template as written in `paths` (without the server base path)
  std::string operation_id;
  bool operation_id_generated = false;  // true when the spec had none
  std::string handler;                  // `x-handler` when present, else operation_id
  std::string summary;
  std::vector<std::string> tags;
  bool deprecated = false;
  // Path-item parameters merged with operation parameters (operation wins on name+in).
  std::vector<Parameter> parameters;
  std::optional<RequestBody> request_body;
  std::vector<Response> responses;  // in document order
  // Effective requirements: operation-level when present, else the top level.
  // Alternatives are OR; an empty list means public.
  std::vector<SecurityRequirement> security;
  bool security_from_operation = false;
  std::vector<Callback> callbacks;

  // The response for `status` following OpenAPI's precedence: exact code, then range
  // ("2XX"), then "default". nullptr when none applies.
  const Response* response_for(int status) const noexcept;
};

struct Server {
  std::string url;  // with server variables substituted by their defaults
  std::string description;
};

struct Webhook : Located {
  std::string name;
  std::vector<std::pair<Method, std::string>> operations;  // method, operationId
};

struct Info {
  std::string title;
  std::string version;
  std::string summary;
  std::string description;
};

class Api {
 public:
  const std::string& openapi_version() const noexcept { return openapi_version_; }  // "3.1.0"
  SchemaDialect dialect() const noexcept { return dialect_; }
  const Info& info() const noexcept { return info_; }
  const std::vector<Server>& servers() const noexcept { return servers_; }
  // Path prefix every route is served under: from the first server URL's path, or the
  // override in LoadOptions. "" or "/v1" (never a trailing slash).
  const std::string& base_path() const noexcept { return base_path_; }
  // The first server URL as served when LoadOptions::base_path changed the base path: the new
  // path, relative ("/v2"), so that clients of the served document call the server that
  // served it; else "". The document served at /openapi.json announces it.
  const std::string& served_server_url() const noexcept { return served_server_url_; }
  const std::vector<Operation>& operations() const noexcept { return operations_; }
  const Operation* find_operation(std::string_view operation_id) const noexcept;
  const std::vector<SecurityScheme>& security_schemes() const noexcept { return security_schemes_; }
  const SecurityScheme* find_security_scheme(std::string_view name) const noexcept;
  const std::vector<SecurityRequirement>& security() const noexcept { return security_; }
  const std::vector<Webhook>& webhooks() const noexcept { return webhooks_; }
  // components.schemas entries by name, in document order.
  const std::vector<std::pair<std::string, SchemaRef>>& schemas() const noexcept {
    return schemas_;
  }
  const std::vector<Diagnostic>& warnings() const noexcept { return warnings_; }
  const Document& root() const noexcept { return *root_; }
  const DocumentSet& documents() const noexcept { return documents_; }
  // Top-level `x-` extension of the document.
  const boost::json::value* extension(std::string_view key) const noexcept;

 private:
  friend class ApiBuilder;
  std::string openapi_version_;
  SchemaDialect dialect_ = SchemaDialect::Draft2020_12;
  Info info_;
  std::vector<Server> servers_;
  std::string base_path_;
  std::string served_server_url_;
  std::vector<Operation> operations_;
  std::vector<SecurityScheme> security_schemes_;
  std::vector<SecurityRequirement> security_;
  std::vector<Webhook> webhooks_;
  std::vector<std::pair<std::string, SchemaRef>> schemas_;
  std::vector<Diagnostic> warnings_;
  const Document* root_ = nullptr;
  DocumentSet documents_;
};

struct LoadOptions {
  std::optional<std::string> base_path;  // overrides the first server URL's path
  bool verbose = false;                  // log each phase through `log`
  void (*log)(std::string_view line) = nullptr;
};

// Loads `path` (YAML or JSON, by content), resolves `$ref`s and builds the model.
// Throws SpecError listing every error (with file, line, column, JSON pointer, hint).
std::shared_ptr<const Api> load_api(const std::string& path, const LoadOptions& options = {});
// The two steps of load_api: reading and parsing the file (logged when `options.verbose`;
// throws SpecError for an unreadable file or a syntax error), then building the model.
std::shared_ptr<const Document> read_spec(const std::string& path, const LoadOptions& options = {});
std::shared_ptr<const Api> load_api_from_document(std::shared_ptr<const Document> document,
                                                  const LoadOptions& options = {});
// Same, from text already in memory (`path` names it in diagnostics and is the base for
// relative file refs).
std::shared_ptr<const Api> load_api_from_text(std::string text, const std::string& path,
                                              const LoadOptions& options = {});

}  // namespace brrt::spec
