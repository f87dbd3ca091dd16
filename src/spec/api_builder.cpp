// Builds the immutable `Api` model from a loaded document: resolves `$ref`s of
// non-schema objects, merges path-item parameters, applies OpenAPI defaults, and
// collects every error with its location instead of stopping at the first.
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "brrt/core/ascii.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::spec {

namespace json = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  to_lower_ascii(out);
  return out;
}

std::string_view str_or(const json::object& o, std::string_view key, std::string_view dflt = {}) {
  if (auto it = o.find(key); it != o.end() && it->value().is_string())
    return it->value().get_string();
  return dflt;
}

bool bool_or(const json::object& o, std::string_view key, bool dflt) {
  if (auto it = o.find(key); it != o.end() && it->value().is_bool()) return it->value().get_bool();
  return dflt;
}

}  // namespace

// A node of the document together with where it lives.
struct SourceNode {
  const Document* doc = nullptr;
  const json::value* value = nullptr;
  std::string pointer;
  explicit operator bool() const noexcept { return value != nullptr; }
  const json::object* object() const noexcept { return value ? value->if_object() : nullptr; }
  SourceNode child(std::string_view key) const {
    if (const auto* o = object())
      if (auto it = o->find(key); it != o->end())
        return SourceNode{doc, &it->value(), pointer_append(pointer, key)};
    return {};
  }
  SourceNode item(std::size_t i) const {
    if (const auto* a = value ? value->if_array() : nullptr)
      if (i < a->size()) return SourceNode{doc, &(*a)[i], pointer + "/" + std::to_string(i)};
    return {};
  }
};

class ApiBuilder {
 public:
  ApiBuilder(Api& api, const LoadOptions& options) : api_(api), options_(options) {}

  void build(std::shared_ptr<const Document> root_doc) {
    const Document* root = root_doc.get();
    api_.documents_.add(std::move(root_doc));
    api_.root_ = root;
    SourceNode top{root, &root->root(), ""};
    const json::object* o = top.object();
    if (!o) {
      error(top, "an OpenAPI document must be a mapping at the top level",
            "start the document with 'openapi: 3.1.0'");
      return finish();
    }
    if (!check_version(top)) return finish();
    phase("version");

    if (SourceNode info = top.child("info"); info.object()) {
      api_.info_.title = std::string(str_or(*info.object(), "title"));
      api_.info_.version = std::string(str_or(*info.object(), "version"));
      api_.info_.summary = std::string(str_or(*info.object(), "summary"));
      api_.info_.description = std::string(str_or(*info.object(), "description"));
      if (api_.info_.title.empty()) warn(info, "info.title is missing", "add a title for the API");
    } else {
      error(top, "missing 'info' object", "add info: {title: ..., version: ...}");
    }
    servers(top.child("servers"));
    base_path(top);
    security_schemes(top.child("components").child("securitySchemes"));
    api_.security_ = requirements(top.child("security"));
    paths(top.child("paths"));
    phase("paths");
    webhooks(top.child("webhooks"));
    if (SourceNode schemas = top.child("components").child("schemas"); schemas.object()) {
      for (const auto& kv : *schemas.object()) {
        SourceNode s = schemas.child(kv.key());
        api_.schemas_.emplace_back(std::string(kv.key()), SchemaRef{s.value, s.doc, s.pointer});
      }
    }
    check_all_refs();
    phase("refs");
    finish();
  }

 private:
  using Clock = std::chrono::steady_clock;

  void phase(std::string_view name) {
    if (!options_.verbose || !options_.log) return;
    const auto now = Clock::now();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - last_).count();
    last_ = now;
    std::string line = "spec: " + std::string(name) + " done in " + std::to_string(us / 1000) +
                       "." + std::to_string((us % 1000) / 100) + " ms";
    options_.log(line);
  }

  void finish() {
    if (!errors_.empty()) throw SpecError(std::move(errors_));
  }

  Diagnostic make(const SourceNode& at, Diagnostic::Severity sev, std::string message,
                  std::string hint) {
    Diagnostic d;
    d.severity = sev;
    if (at.doc) {
      d.file = at.doc->path();
      const auto loc = at.doc->locate(at.pointer);
      d.line = loc.line;
      d.column = loc.column;
    }
    d.pointer = at.pointer.empty() ? "/" : at.pointer;
    d.message = std::move(message);
    d.hint = std::move(hint);
    return d;
  }
  void error(const SourceNode& at, std::string message, std::string hint = {}) {
    if (!reported_.insert(key(at)).second) return;
    errors_.push_back(make(at, Diagnostic::Severity::Error, std::move(message), std::move(hint)));
  }
  void warn(const SourceNode& at, std::string message, std::string hint = {}) {
    // A path-item parameter is checked once per operation: the same warning is kept once.
    if (!warned_.insert(key(at) + "\n" + message).second) return;
    api_.warnings_.push_back(
        make(at, Diagnostic::Severity::Warning, std::move(message), std::move(hint)));
  }

  void path_param_not_in_template(const Parameter& p, const std::string& path) {
    const SourceNode at{p.document, nullptr, p.pointer};
    warn(at,
         "path parameter '" + p.name + "' is declared but the path '" + path + "' has no {" +
             p.name + "}: every request to it is refused (400) for the missing parameter",
         "add {" + p.name + "} to the path, or declare it in: query, header or cookie");
  }
  static std::string key(const SourceNode& n) {
    return (n.doc ? n.doc->uri() : "") + "#" + n.pointer;
  }

  bool check_version(const SourceNode& top) {
    const json::object& o = *top.object();
    if (o.contains("swagger")) {
      error(top.child("swagger"), "Swagger 2.0 documents are not supported",
            "convert it to OpenAPI 3 first (for example with swagger2openapi)");
      return false;
    }
    SourceNode v = top.child("openapi");
    if (!v || !v.value->is_string()) {
      error(v ? v : top, "missing or non-string 'openapi' version field",
            "start the document with 'openapi: 3.1.0' (quoted in YAML if needed)");
      return false;
    }
    const std::string ver(v.value->get_string());
    api_.openapi_version_ = ver;
    auto starts = [&](std::string_view p) {
      return ver.size() >= p.size() && ver.compare(0, p.size(), p) == 0 &&
             (ver.size() == p.size() || ver[p.size()] == '.');
    };
    if (starts("3.0")) {
      api_.dialect_ = SchemaDialect::Oas30;
    } else if (starts("3.1") || starts("3.2")) {
      api_.dialect_ = SchemaDialect::Draft2020_12;
      const std::string_view d = str_or(o, "jsonSchemaDialect");
      if (d.find("draft-07") != std::string_view::npos) api_.dialect_ = SchemaDialect::Draft7;
    } else {
      error(v, "unsupported OpenAPI version '" + ver + "'",
            "brrtrouter reads OpenAPI 3.0.x, 3.1.x and 3.2.x documents");
      return false;
    }
    return true;
  }

  void servers(const SourceNode& list) {
    if (!list) return;
    if (!list.value->is_array()) {
      error(list, "'servers' must be a list", "servers: [{url: https://api.example.com/v1}]");
      return;
    }
    for (std::size_t i = 0; i < list.value->get_array().size(); ++i) {
      SourceNode s = list.item(i);
      const json::object* so = s.object();
      if (!so || !so->contains("url") || !so->at("url").is_string()) {
        error(s, "a server needs a 'url' string", "servers: [{url: /v1}]");
        continue;
      }
      std::string url(so->at("url").get_string());
      // Substitute {variables} with their defaults.
      if (SourceNode vars = s.child("variables"); vars.object()) {
        for (const auto& kv : *vars.object()) {
          const json::object* vo = kv.value().if_object();
          const std::string name = "{" + std::string(kv.key()) + "}";
          std::string dflt = vo ? std::string(str_or(*vo, "default")) : std::string();
          for (std::size_t at = url.find(name); at != std::string::npos; at = url.find(name))
            url.replace(at, name.size(), dflt);
        }
      }
      api_.servers_.push_back(Server{url, std::string(str_or(*so, "description"))});
    }
  }

  // The override when there is one (with or without `servers`), else the first server's path.
  // An override that changes the path also gives the server URL to announce in the served
  // document.
  void base_path(const SourceNode& top) {
    std::string path;  // of the first server URL: "/v1" of "https://api.example.com/v1"
    if (!api_.servers_.empty()) {
      const std::string& url = api_.servers_.front().url;
      std::size_t slash = 0;
      if (auto scheme = url.find("://"); scheme != std::string::npos)
        slash = url.find('/', scheme + 3);
      else if (url.rfind("//", 0) == 0)
        slash = url.find('/', 2);
      path = slash == std::string::npos ? std::string() : url.substr(slash);
      if (auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
    }
    api_.base_path_ = normalize_base(path);
    if (options_.base_path) {
      const std::string declared = api_.base_path_;
      api_.base_path_ = normalize_base(*options_.base_path);
      // A request target holds these characters only (RFC 3986 pchar and '/'); a base path
      // with others (a space, non-ASCII) could never be matched.
      for (const char c : api_.base_path_)
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("/-._~!$&'()*+,;=:@%").find(c) != std::string_view::npos)) {
          error(top,
                "the base path '" + *options_.base_path +
                    "' has a character a request path cannot hold",
                "use letters, digits and - . _ ~ (percent-encode anything else, e.g. %20)");
          break;
        }
      // Relative: the clients of the served document (Swagger UI's "Try it out") call the
      // host and port that served it, whatever the document's own server says.
      if (api_.base_path_ != declared || api_.servers_.empty())
        api_.served_server_url_ = api_.base_path_.empty() ? "/" : api_.base_path_;
    }
  }

  static std::string normalize_base(std::string p) {
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (!p.empty() && p.front() != '/') p.insert(p.begin(), '/');
    return p;
  }

  // Follows `$ref` chains of non-schema objects. Returns an empty node (and reports)
  // when a reference cannot be resolved.
  SourceNode deref(SourceNode n) {
    std::set<std::string> seen;
    while (n.object()) {
      auto it = n.object()->find("$ref");
      if (it == n.object()->end() || !it->value().is_string()) return n;
      const std::string_view ref = it->value().get_string();
      if (is_remote(ref)) {
        warn(n.child("$ref"),
             "remote $ref '" + std::string(ref) + "' is not fetched; the object is left out",
             "brrtrouter never loads documents over the network: copy it next to the spec and "
             "reference it by a relative path");
        return {};
      }
      if (!seen.insert(key(n)).second || seen.size() > 64) {
        error(n, "circular $ref chain '" + std::string(ref) + "'",
              "a $ref must end at an object, not lead back to itself");
        return {};
      }
      SourceNode target = resolve_ref(n.child("$ref"), ref);
      if (!target) return {};
      n = target;
    }
    return n;
  }

  static bool is_remote(std::string_view ref) {
    const auto colon = ref.find(':');
    return colon != std::string_view::npos && ref.find_first_of("/#") > colon &&
           ref.substr(0, colon) != "file";
  }

  // Resolves one reference string found at `at`.
  SourceNode resolve_ref(const SourceNode& at, std::string_view ref) {
    const std::string absolute = resolve_uri(at.doc->uri(), ref);
    const auto hash = absolute.find('#');
    const std::string doc_uri = absolute.substr(0, hash);
    const std::string fragment = hash == std::string::npos
                                     ? std::string()
                                     : percent_decode_lenient(absolute.substr(hash + 1));
    const Document* doc = api_.documents_.find(doc_uri);
    if (!doc) {
      try {
        doc = &api_.documents_.load(doc_uri);
      } catch (const SpecError& e) {
        const auto& d = e.diagnostics().front();
        error(at,
              "$ref '" + std::string(ref) + "' cannot be loaded: " + d.message +
                  (d.file.empty()
                       ? ""
                       : " (" + d.file + (d.line ? ":" + std::to_string(d.line) : "") + ")"),
              d.hint);
        return {};
      }
    }
    if (!fragment.empty() && fragment.front() != '/') {
      // A plain-name fragment ($anchor) is a schema concern; non-schema objects can't use it.
      error(at, "$ref '" + std::string(ref) + "' does not use a JSON pointer fragment",
            "write the target as '#/components/...'");
      return {};
    }
    const json::value* v = doc->find(fragment);
    if (!v) {
      error(at,
            "$ref '" + std::string(ref) + "' points to nothing: " +
                (fragment.empty() ? std::string("the document") : fragment) + " does not exist" +
                (doc != at.doc ? " in " + doc->path() : std::string()),
            nearest_hint(*doc, fragment));
      return {};
    }
    return SourceNode{doc, v, fragment};
  }

  static std::string nearest_hint(const Document& doc, const std::string& fragment) {
    const auto slash = fragment.rfind('/');
    if (slash == std::string::npos) return "check the spelling of the reference";
    const std::string parent = fragment.substr(0, slash);
    const json::value* p = doc.find(parent);
    if (!p || !p->is_object())
      return "the parent " + (parent.empty() ? "/" : parent) + " does not exist either";
    std::string names;
    std::size_t n = 0;
    for (const auto& kv : p->get_object()) {
      if (n++ == 8) {
        names += ", ...";
        break;
      }
      names += (names.empty() ? "" : ", ") + std::string(kv.key());
    }
    return (parent.empty() ? std::string("defined at the top level") : "defined under " + parent) +
           ": " + (names.empty() ? "(nothing)" : names);
  }

  SchemaRef schema_ref(const SourceNode& n) {
    return n ? SchemaRef{n.value, n.doc, n.pointer} : SchemaRef{};
  }

  static Located located(const SourceNode& n) {
    Located l;
    l.raw = n.object();
    l.document = n.doc;
    l.pointer = n.pointer;
    return l;
  }

  const json::value* example_of(const SourceNode& media) {
    if (!media.object()) return nullptr;
    if (SourceNode e = media.child("example")) return e.value;
    if (SourceNode ex = media.child("examples"); ex.object()) {
      for (const auto& kv : *ex.object()) {
        SourceNode entry = deref(ex.child(kv.key()));
        if (SourceNode v = entry.child("value")) return v.value;
      }
    }
    return nullptr;
  }

  std::vector<MediaType> content(const SourceNode& c) {
    std::vector<MediaType> out;
    if (!c) return out;
    if (!c.object()) {
      error(c, "'content' must map media types to media type objects",
            "content: {application/json: {schema: ...}}");
      return out;
    }
    for (const auto& kv : *c.object()) {
      SourceNode m = c.child(kv.key());
      MediaType mt;
      static_cast<Located&>(mt) = located(m);
      mt.content_type = std::string(kv.key());
      mt.schema = schema_ref(m.child("schema"));
      mt.example = example_of(m);
      if (SourceNode enc = m.child("encoding")) mt.encoding = enc.object();
      out.push_back(std::move(mt));
    }
    return out;
  }

  std::optional<Parameter> parameter(SourceNode n) {
    n = deref(n);
    if (!n) return std::nullopt;
    const json::object* o = n.object();
    if (!o) {
      error(n, "a parameter must be an object", "parameters: [{name: id, in: path, schema: ...}]");
      return std::nullopt;
    }
    Parameter p;
    static_cast<Located&>(p) = located(n);
    p.name = std::string(str_or(*o, "name"));
    const std::string in(str_or(*o, "in"));
    if (p.name.empty()) error(n, "parameter without a 'name'", "every parameter needs name and in");
    if (in == "path")
      p.in = ParamIn::Path;
    else if (in == "query")
      p.in = ParamIn::Query;
    else if (in == "header")
      p.in = ParamIn::Header;
    else if (in == "cookie")
      p.in = ParamIn::Cookie;
    else {
      error(n.child("in") ? n.child("in") : n,
            "parameter '" + p.name + "': 'in' must be path, query, header or cookie, got '" + in +
                "'",
            "set in: query (or path, header, cookie)");
      return std::nullopt;
    }
    p.required = bool_or(*o, "required", false);
    if (p.in == ParamIn::Path && !p.required) {
      warn(n, "path parameter '" + p.name + "' is not marked required: true",
           "OpenAPI requires path parameters to be required; treated as required");
      p.required = true;
    }
    p.deprecated = bool_or(*o, "deprecated", false);
    p.allow_empty_value = bool_or(*o, "allowEmptyValue", false);
    p.allow_reserved = bool_or(*o, "allowReserved", false);
    const std::string style(str_or(*o, "style"));
    if (style.empty())
      p.style = (p.in == ParamIn::Query || p.in == ParamIn::Cookie) ? ParamStyle::Form
                                                                    : ParamStyle::Simple;
    else if (style == "simple")
      p.style = ParamStyle::Simple;
    else if (style == "label")
      p.style = ParamStyle::Label;
    else if (style == "matrix")
      p.style = ParamStyle::Matrix;
    else if (style == "form")
      p.style = ParamStyle::Form;
    else if (style == "spaceDelimited")
      p.style = ParamStyle::SpaceDelimited;
    else if (style == "pipeDelimited")
      p.style = ParamStyle::PipeDelimited;
    else if (style == "deepObject")
      p.style = ParamStyle::DeepObject;
    else
      error(n.child("style"), "parameter '" + p.name + "': unknown style '" + style + "'",
            "use simple, label, matrix, form, spaceDelimited, pipeDelimited or deepObject");
    p.explode = bool_or(*o, "explode", p.style == ParamStyle::Form);
    if (SourceNode s = n.child("schema")) {
      p.schema = schema_ref(s);
    } else if (SourceNode c = n.child("content")) {
      auto media = content(c);
      if (media.size() != 1)
        error(c, "parameter '" + p.name + "': 'content' must have exactly one media type",
              "use schema for plain values, or one media type under content");
      if (!media.empty()) {
        p.schema = media.front().schema;
        p.content = std::move(media.front());
      }
    }
    return p;
  }

  std::vector<Parameter> parameter_list(const SourceNode& list) {
    std::vector<Parameter> out;
    if (!list) return out;
    if (!list.value->is_array()) {
      error(list, "'parameters' must be a list", "parameters: [{name: id, in: query}]");
      return out;
    }
    for (std::size_t i = 0; i < list.value->get_array().size(); ++i) {
      if (auto p = parameter(list.item(i))) {
        const bool dup = std::any_of(out.begin(), out.end(), [&](const Parameter& q) {
          return q.name == p->name && q.in == p->in;
        });
        if (dup)
          error(list.item(i),
                "parameter '" + p->name + "' (in " + std::string(to_string(p->in)) +
                    ") is listed twice",
                "a parameter is identified by name and location; remove the duplicate");
        else
          out.push_back(std::move(*p));
      }
    }
    return out;
  }

  std::vector<SecurityRequirement> requirements(const SourceNode& list) {
    std::vector<SecurityRequirement> out;
    if (!list) return out;
    if (!list.value->is_array()) {
      error(list, "'security' must be a list of requirement objects",
            "security: [{ApiKeyAuth: []}]");
      return out;
    }
    for (std::size_t i = 0; i < list.value->get_array().size(); ++i) {
      SourceNode r = list.item(i);
      if (!r.object()) {
        error(r, "a security requirement must be an object", "security: [{ApiKeyAuth: []}]");
        continue;
      }
      SecurityRequirement req;
      for (const auto& kv : *r.object()) {
        std::vector<std::string> scopes;
        if (const auto* a = kv.value().if_array())
          for (const auto& s : *a)
            if (s.is_string()) scopes.emplace_back(s.get_string());
        // A requirement naming an undeclared scheme can never be met: the security layer
        // fails closed for it. Documents in the wild have this, so it is not fatal here.
        if (!api_.find_security_scheme(kv.key()))
          warn(r.child(kv.key()),
               "security requirement names '" + std::string(kv.key()) +
                   "', which is not in components.securitySchemes",
               "declare the scheme under components.securitySchemes or fix the name; requests "
               "needing it are refused");
        req.schemes.emplace_back(std::string(kv.key()), std::move(scopes));
      }
      out.push_back(std::move(req));
    }
    return out;
  }

  void security_schemes(const SourceNode& map) {
    if (!map || !map.object()) return;
    for (const auto& kv : *map.object()) {
      SourceNode n = deref(map.child(kv.key()));
      if (!n) continue;
      const json::object* o = n.object();
      if (!o) {
        error(n, "security scheme '" + std::string(kv.key()) + "' must be an object");
        continue;
      }
      SecurityScheme s;
      static_cast<Located&>(s) = located(n);
      s.name = std::string(kv.key());
      const std::string type(str_or(*o, "type"));
      if (type == "apiKey") {
        s.type = SecurityScheme::Type::ApiKey;
        const std::string in(str_or(*o, "in"));
        s.in = in == "query" ? ParamIn::Query : in == "cookie" ? ParamIn::Cookie : ParamIn::Header;
        if (in != "query" && in != "cookie" && in != "header")
          error(n, "apiKey scheme '" + s.name + "' needs in: header, query or cookie");
        s.param_name = std::string(str_or(*o, "name"));
        if (s.param_name.empty()) error(n, "apiKey scheme '" + s.name + "' needs a 'name'");
      } else if (type == "http") {
        s.type = SecurityScheme::Type::Http;
        s.scheme = lower(str_or(*o, "scheme"));
        s.bearer_format = std::string(str_or(*o, "bearerFormat"));
        if (s.scheme.empty())
          error(n, "http scheme '" + s.name + "' needs 'scheme' (bearer, basic)");
      } else if (type == "oauth2") {
        s.type = SecurityScheme::Type::OAuth2;
        s.flows = n.child("flows").object();
      } else if (type == "openIdConnect") {
        s.type = SecurityScheme::Type::OpenIdConnect;
        s.open_id_connect_url = std::string(str_or(*o, "openIdConnectUrl"));
      } else if (type == "mutualTLS") {
        s.type = SecurityScheme::Type::MutualTLS;
      } else {
        error(n.child("type") ? n.child("type") : n,
              "security scheme '" + s.name + "' has unknown type '" + type + "'",
              "use apiKey, http, oauth2, openIdConnect or mutualTLS");
        continue;
      }
      api_.security_schemes_.push_back(std::move(s));
    }
  }

  static std::string generated_id(Method m, std::string_view path) {
    std::string id(method_key(m));
    std::string word;
    auto flush = [&] {
      if (!word.empty()) id += "_" + word;
      word.clear();
    };
    for (char c : path) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        word += c;
      else
        flush();
    }
    flush();
    return id;
  }

  void operation(const SourceNode& op_node, Method method, const std::string& path,
                 const std::vector<Parameter>& path_params) {
    const json::object* o = op_node.object();
    if (!o) {
      error(op_node,
            std::string(method_key(method)) + " " + path + ": an operation must be an object");
      return;
    }
    Operation op;
    static_cast<Located&>(op) = located(op_node);
    op.method = method;
    op.path = path;
    op.operation_id = std::string(str_or(*o, "operationId"));
    if (op.operation_id.empty()) {
      op.operation_id = generated_id(method, path);
      op.operation_id_generated = true;
      std::string id = op.operation_id;
      for (int n = 2; ids_.count(id); ++n) id = op.operation_id + "_" + std::to_string(n);
      op.operation_id = id;
      warn(op_node,
           std::string(method_name(method)) + " " + path + " has no operationId; using '" +
               op.operation_id + "'",
           "add an operationId so handler names do not change when the path does");
    } else if (!ids_.insert(op.operation_id).second) {
      error(op_node.child("operationId"),
            "operationId '" + op.operation_id + "' is used by more than one operation",
            "operationIds must be unique: handlers are registered by them");
    }
    ids_.insert(op.operation_id);
    op.handler = std::string(str_or(*o, "x-handler", op.operation_id));
    op.summary = std::string(str_or(*o, "summary"));
    op.deprecated = bool_or(*o, "deprecated", false);
    if (auto it = o->find("tags"); it != o->end() && it->value().is_array())
      for (const auto& t : it->value().get_array())
        if (t.is_string()) op.tags.emplace_back(t.get_string());

    op.parameters = path_params;
    for (auto& p : parameter_list(op_node.child("parameters"))) {
      auto same = std::find_if(op.parameters.begin(), op.parameters.end(), [&](const Parameter& q) {
        return q.name == p.name && q.in == p.in;
      });
      if (same != op.parameters.end())
        *same = std::move(p);
      else
        op.parameters.push_back(std::move(p));
    }
    // Every template variable should be declared (warn: many real specs forget some). A
    // malformed template ('{}', '{a', '{a{b}') is the router's error, not a missing declaration.
    std::vector<std::string> template_names;
    for (std::size_t at = path.find('{'); at != std::string::npos; at = path.find('{', at + 1)) {
      const auto close = path.find('}', at);
      if (close == std::string::npos) break;
      const std::string name = path.substr(at + 1, close - at - 1);
      if (name.empty() || name.find('{') != std::string::npos) continue;
      template_names.push_back(name);
      const bool declared =
          std::any_of(op.parameters.begin(), op.parameters.end(),
                      [&](const Parameter& p) { return p.in == ParamIn::Path && p.name == name; });
      if (!declared)
        warn(op_node,
             std::string(method_name(method)) + " " + path + ": path parameter '" + name +
                 "' is not declared",
             "add {name: " + name + ", in: path, required: true, schema: {type: string}}");
    }
    // A path parameter the template does not have can never be sent: the parameter is required,
    // so every request to the operation is refused. OpenAPI says the name MUST correspond to a
    // template expression in the path, but the specification's own examples break it (the
    // conformance corpus's v3.1/pass/operation-object-example.yaml): a warning.
    for (const Parameter& p : op.parameters)
      if (p.in == ParamIn::Path &&
          std::find(template_names.begin(), template_names.end(), p.name) == template_names.end())
        path_param_not_in_template(p, path);

    if (SourceNode rb = op_node.child("requestBody")) {
      SourceNode body = deref(rb);
      if (body.object()) {
        RequestBody b;
        static_cast<Located&>(b) = located(body);
        b.required = bool_or(*body.object(), "required", false);
        b.content = content(body.child("content"));
        op.request_body = std::move(b);
      } else if (body) {
        error(body, "a requestBody must be an object");
      }
    }

    if (SourceNode rs = op_node.child("responses"); rs.object()) {
      for (const auto& kv : *rs.object()) {
        const std::string code(kv.key());
        if (code.rfind("x-", 0) == 0) continue;
        const bool valid =
            code == "default" || (code.size() == 3 && code[0] >= '1' && code[0] <= '5' &&
                                  ((std::isdigit(static_cast<unsigned char>(code[1])) &&
                                    std::isdigit(static_cast<unsigned char>(code[2]))) ||
                                   (code[1] == 'X' && code[2] == 'X')));
        SourceNode r = deref(rs.child(kv.key()));
        if (!valid) {
          error(rs.child(kv.key()), "response key '" + code + "' is not a status code",
                "use a code like 200, a range like 2XX, or default");
          continue;
        }
        if (!r.object()) continue;
        Response resp;
        static_cast<Located&>(resp) = located(r);
        resp.status = code;
        resp.description = std::string(str_or(*r.object(), "description"));
        resp.content = content(r.child("content"));
        if (SourceNode hs = r.child("headers"); hs.object()) {
          for (const auto& h : *hs.object()) {
            SourceNode hn = deref(hs.child(h.key()));
            if (!hn.object()) continue;
            Header header;
            static_cast<Located&>(header) = located(hn);
            header.name = std::string(h.key());
            header.required = bool_or(*hn.object(), "required", false);
            header.description = std::string(str_or(*hn.object(), "description"));
            header.schema = schema_ref(hn.child("schema"));
            header.example = example_of(hn);
            resp.headers.push_back(std::move(header));
          }
        }
        op.responses.push_back(std::move(resp));
      }
    } else if (SourceNode rs2 = op_node.child("responses"); rs2) {
      error(rs2, "'responses' must be an object", "responses: {'200': {description: OK}}");
    }

    if (SourceNode sec = op_node.child("security")) {
      op.security = requirements(sec);
      op.security_from_operation = true;
    } else {
      op.security = api_.security_;
    }
    // `[{}]` (an empty requirement) also means anonymous access is allowed.
    if (std::any_of(op.security.begin(), op.security.end(),
                    [](const SecurityRequirement& r) { return r.schemes.empty(); }))
      op.security.clear();

    if (SourceNode cbs = op_node.child("callbacks"); cbs.object()) {
      for (const auto& kv : *cbs.object()) {
        SourceNode cb = deref(cbs.child(kv.key()));
        if (!cb.object()) continue;
        for (const auto& expr : *cb.object()) {
          Callback c;
          static_cast<Located&>(c) = located(cb);
          c.name = std::string(kv.key());
          c.expression = std::string(expr.key());
          op.callbacks.push_back(std::move(c));
        }
      }
    }
    op.index = api_.operations_.size();
    api_.operations_.push_back(std::move(op));
  }

  // Calls f(method, operation node) for each operation of a path item.
  template <typename F>
  void each_operation(const SourceNode& item, F&& f) {
    for (std::size_t i = 0; i < kMethodCount; ++i) {
      const auto m = static_cast<Method>(i);
      if (SourceNode op = item.child(method_key(m))) f(m, op);
    }
    // BRRTRouter's spelling of QUERY for 3.1 documents. With `query` beside it, both are QUERY
    // operations and the route table reports the pair, as it does for 3.2's `query` beside
    // additionalOperations' QUERY.
    if (SourceNode op = item.child("x-brrtrouter-query")) f(Method::Query, op);
    if (SourceNode extra = item.child("additionalOperations"); extra.object()) {
      for (const auto& kv : *extra.object()) {
        if (auto m = parse_method(kv.key()))
          f(*m, extra.child(kv.key()));
        else
          warn(extra.child(kv.key()),
               "additional operation method '" + std::string(kv.key()) + "' is not routed",
               "brrtrouter routes GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE and QUERY");
      }
    }
  }

  void paths(const SourceNode& ps) {
    if (!ps) {
      if (!api_.root_->root().as_object().contains("webhooks") &&
          !api_.root_->root().as_object().contains("components"))
        error(SourceNode{api_.root_, &api_.root_->root(), ""},
              "the document has no paths, webhooks or components", "add a paths object");
      return;
    }
    if (!ps.object()) {
      error(ps, "'paths' must be an object", "paths: {/pets: {get: ...}}");
      return;
    }
    for (const auto& kv : *ps.object()) {
      const std::string path(kv.key());
      if (path.rfind("x-", 0) == 0) continue;
      SourceNode raw = ps.child(kv.key());
      if (path.empty() || path.front() != '/') {
        error(raw, "path '" + path + "' must start with '/'", "write it as '/" + path + "'");
        continue;
      }
      if (const auto at = path.find_first_of("?#"); at != std::string::npos)
        warn(raw,
             path[at] == '?'
                 ? "path '" + path +
                       "' contains '?': in a request, what follows '?' is the query string, so "
                       "only a request with the '?' percent-encoded as %3F reaches this path"
                 : "path '" + path +
                       "' contains '#': clients do not send what follows '#' (the fragment), so "
                       "only a request with the '#' percent-encoded as %23 reaches this path",
             path[at] == '?'
                 ? "describe query values as parameters (in: query) and keep them out of the "
                   "path key"
                 : "remove the '#...' part: operations on one path are told apart by method, "
                   "and variants by parameters");
      SourceNode item = deref(raw);
      if (!item) continue;
      if (!item.object()) {
        if (!item.value->is_null()) error(item, "path item '" + path + "' must be an object");
        continue;
      }
      const auto path_params = parameter_list(item.child("parameters"));
      warn_servers(item.child("servers"), "path item '" + path + "'");
      each_operation(item, [&](Method m, const SourceNode& op) {
        warn_servers(op.child("servers"), std::string(method_key(m)) + " " + path);
        operation(op, m, path, path_params);
      });
    }
  }

  // `servers` below the top level name other hosts or base paths for some operations; routes
  // are served under the document's one base path, so such servers are said to be unused.
  void warn_servers(const SourceNode& servers, const std::string& where) {
    if (!servers || !servers.value->is_array() || servers.value->get_array().empty()) return;
    warn(servers,
         where +
             " declares its own servers, which brrtrouter does not route by: it is served "
             "under the document's base path '" +
             api_.base_path_ + "'",
         "move the operation to a document of its own, or drop these servers");
  }

  void webhooks(const SourceNode& hooks) {
    if (!hooks || !hooks.object()) return;
    for (const auto& kv : *hooks.object()) {
      SourceNode item = deref(hooks.child(kv.key()));
      if (!item.object()) continue;
      Webhook w;
      static_cast<Located&>(w) = located(item);
      w.name = std::string(kv.key());
      each_operation(item, [&](Method m, const SourceNode& op) {
        w.operations.emplace_back(
            m, op.object() ? std::string(str_or(*op.object(), "operationId")) : std::string());
      });
      api_.webhooks_.push_back(std::move(w));
    }
  }

  // Every `$ref` string in every loaded document must resolve. Skips values that are data
  // (examples, enums, defaults, extensions) and schema resources with their own `$id`
  // (their refs resolve against that id; the schema compiler checks them).
  void check_all_refs() {
    std::set<std::string> walked;
    bool more = true;
    while (more) {
      more = false;
      std::vector<const Document*> docs;
      for (const auto& [uri, doc] : api_.documents_.all())
        if (!walked.count(uri)) docs.push_back(doc.get());
      for (const Document* d : docs) {
        walked.insert(d->uri());
        walk_refs(SourceNode{d, &d->root(), ""}, 0);
        more = true;
      }
    }
  }

  void walk_refs(const SourceNode& n, int depth) {
    if (depth > 512) {
      error(n, "document nesting deeper than 512 levels", "flatten the document or use $ref");
      return;
    }
    if (const json::object* o = n.object()) {
      if (depth > 0 && o->contains("$id") && o->at("$id").is_string()) return;
      if (auto it = o->find("$ref"); it != o->end() && it->value().is_string()) {
        const std::string_view ref = it->value().get_string();
        const auto hash = ref.find('#');
        const bool pointer_or_file =
            hash == std::string_view::npos || hash + 1 == ref.size() || ref[hash + 1] == '/';
        const bool remote = is_remote(ref);
        if (pointer_or_file && !remote) (void)resolve_ref(n.child("$ref"), ref);
      }
      for (const auto& kv : *o) {
        const std::string_view k = kv.key();
        if (k == "example" || k == "examples" || k == "enum" || k == "const" || k == "default" ||
            k.rfind("x-", 0) == 0)
          continue;
        if (kv.value().is_object() || kv.value().is_array()) walk_refs(n.child(k), depth + 1);
      }
    } else if (const json::array* a = n.value->if_array()) {
      for (std::size_t i = 0; i < a->size(); ++i)
        if ((*a)[i].is_object() || (*a)[i].is_array()) walk_refs(n.item(i), depth + 1);
    }
  }

  Api& api_;
  const LoadOptions& options_;
  std::vector<Diagnostic> errors_;
  std::set<std::string> reported_;
  std::set<std::string> warned_;
  std::set<std::string> ids_;
  Clock::time_point last_ = Clock::now();
};

std::shared_ptr<const Api> load_api_from_document(std::shared_ptr<const Document> doc,
                                                  const LoadOptions& options) {
  auto api = std::make_shared<Api>();
  ApiBuilder(*api, options).build(std::move(doc));
  return api;
}

std::shared_ptr<const Document> read_spec(const std::string& path, const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto doc = Document::load_file(path);
  if (options.verbose && options.log) {
    const auto ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    options.log("spec: parsed " + path + (doc->is_json() ? " (JSON)" : " (YAML)") + " in " +
                std::to_string(ms).substr(0, std::to_string(ms).find('.') + 2) + " ms");
  }
  return doc;
}

std::shared_ptr<const Api> load_api(const std::string& path, const LoadOptions& options) {
  return load_api_from_document(read_spec(path, options), options);
}

std::shared_ptr<const Api> load_api_from_text(std::string text, const std::string& path,
                                              const LoadOptions& options) {
  return load_api_from_document(Document::parse(std::move(text), path, file_uri(path)), options);
}

}  // namespace brrt::spec
