#include "brrt/schema/compiler.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "brrt/core/ascii.hpp"
#include "brrt/core/json_pointer.hpp"
#include "schema/error_writer.hpp"
#include "schema/metaschemas.hpp"
#include "schema/node.hpp"
#include "schema/uri.hpp"

namespace brrt::schema {

using namespace detail;
namespace json = boost::json;

CompileError::CompileError(std::string uri, std::string pointer, const std::string& message,
                           std::string hint)
    : std::runtime_error(uri + "#" + pointer + ": " + message),
      uri_(std::move(uri)),
      pointer_(std::move(pointer)),
      detail_(message),
      hint_(std::move(hint)) {}

std::optional<Dialect> parse_dialect(std::string_view name) noexcept {
  if (name == "2020-12" || name == "draft2020-12" ||
      name == "https://json-schema.org/draft/2020-12/schema")
    return Dialect::Draft2020_12;
  if (name == "draft7" || name == "draft-07" || name == "http://json-schema.org/draft-07/schema#" ||
      name == "http://json-schema.org/draft-07/schema")
    return Dialect::Draft7;
  if (name == "oas30" || name == "openapi-3.0" || name == "3.0") return Dialect::Oas30;
  return std::nullopt;
}

std::string_view to_string(Dialect d) noexcept {
  switch (d) {
    case Dialect::Draft2020_12:
      return "2020-12";
    case Dialect::Draft7:
      return "draft7";
    case Dialect::Oas30:
      return "oas30";
  }
  return "?";
}

namespace {

constexpr const char* kRegexHint =
    "patterns are ECMA-262 regular expressions, run by PCRE2 (docs/CONFORMANCE.md lists what "
    "differs); in JSON strings, and YAML double-quoted ones, a backslash is written twice";

// The dialects as the compiler tells them apart (2019-09 only where it differs from 2020-12).
enum class Draft : std::uint8_t { D2020, D2019, D7, D4, Oas30 };

// draft-04 and draft-06 read as draft-07 except for what differs: `id`, boolean exclusive bounds.
bool draft7_family(Draft d) {
  return d == Draft::D7 || d == Draft::D4;
}

// 2019-09 $recursiveAnchor: true is kept as a dynamic anchor under a name no $dynamicAnchor can
// have.
constexpr const char* kRecursiveAnchor = "#recursive";

enum Vocab : std::uint8_t {
  kVocabApplicator = 1,
  kVocabValidation = 2,
  kVocabUnevaluated = 4,
  kVocabFormatAssertion = 8,
  kVocabDefault = kVocabApplicator | kVocabValidation | kVocabUnevaluated,
};

// What a schema at some location is read with: its base URI, dialect, vocabularies and the
// schema resource it belongs to.
struct Scope {
  std::string base;
  Draft draft = Draft::D2020;
  std::uint8_t vocab = kVocabDefault;
  std::uint32_t resource = 0;
};

struct Location {
  std::uint32_t doc = 0;
  std::string pointer;
};

struct SchemaDocument {
  std::string uri;
  json::value root;
  std::unordered_map<std::string, Scope> scopes;  // pointer -> scope of the schema there
  bool scanned = false;
  // Bit 1: some object has "readOnly": true, bit 2 "writeOnly": true; bit 0: looked.
  std::uint8_t markers = 0;
};

// The keyword that keeps a property to the other side of `direction`: "readOnly" properties are
// not sent in requests, "writeOnly" ones not in responses.
const char* other_side_keyword(Direction direction) noexcept {
  return direction == Direction::Request ? "readOnly" : "writeOnly";
}

// Which of "readOnly": true (bit 1) and "writeOnly": true (bit 2) occur anywhere in `root`.
std::uint8_t find_markers(const json::value& root) {
  std::uint8_t found = 1;
  std::vector<const json::value*> stack{&root};
  while (!stack.empty()) {
    const json::value* v = stack.back();
    stack.pop_back();
    if (v->is_array()) {
      for (const json::value& e : v->get_array()) stack.push_back(&e);
    } else if (v->is_object()) {
      for (const auto& kv : v->get_object()) {
        if (kv.value().is_bool() && kv.value().get_bool()) {
          if (kv.key() == "readOnly") found |= 2;
          if (kv.key() == "writeOnly") found |= 4;
        }
        if (kv.value().is_structured()) stack.push_back(&kv.value());
      }
    }
  }
  return found;
}

struct ResourceInfo {
  std::uint32_t doc = 0;
  std::string pointer;
  std::vector<std::pair<std::string, std::string>> dynamic_anchors;  // name -> pointer
  bool anchors_queued = false;
};

struct Pending {
  NodeId id;
  std::uint32_t doc;
  std::string pointer;
  std::optional<Scope> parent;  // for locations the scan did not visit
  Direction direction = Direction::Neither;
};

// The key of a compiled node: plain nodes "doc:pointer", a direction's copies prefixed by a
// letter (which no plain key starts with).
std::string node_key(std::uint32_t doc, std::string_view pointer, Direction direction) {
  std::string key = direction == Direction::Request    ? "r"
                    : direction == Direction::Response ? "w"
                                                       : "";
  key += std::to_string(doc);
  key += ':';
  key += pointer;
  return key;
}

Draft draft_of(Dialect d) {
  switch (d) {
    case Dialect::Draft7:
      return Draft::D7;
    case Dialect::Oas30:
      return Draft::Oas30;
    default:
      return Draft::D2020;
  }
}

std::string strip_empty_fragment(std::string_view uri) {
  if (!uri.empty() && uri.back() == '#') uri.remove_suffix(1);
  return std::string(uri);
}

std::optional<Draft> known_metaschema(std::string_view uri) {
  const std::string u = strip_empty_fragment(uri);
  if (u == "https://json-schema.org/draft/2020-12/schema") return Draft::D2020;
  if (u == "https://json-schema.org/draft/2019-09/schema") return Draft::D2019;
  if (u == "http://json-schema.org/draft-07/schema" ||
      u == "http://json-schema.org/draft-06/schema")
    return Draft::D7;
  if (u == "http://json-schema.org/draft-04/schema") return Draft::D4;
  return std::nullopt;
}

const json::value* navigate(const json::value& root, std::string_view pointer) {
  const json::value* v = &root;
  std::size_t pos = 0;
  while (pos < pointer.size()) {
    if (pointer[pos] != '/') return nullptr;
    std::size_t end = pointer.find('/', pos + 1);
    if (end == std::string_view::npos) end = pointer.size();
    const std::string token = unescape_pointer_token(pointer.substr(pos + 1, end - pos - 1));
    if (v->is_object()) {
      auto it = v->get_object().find(token);
      if (it == v->get_object().end()) return nullptr;
      v = &it->value();
    } else if (v->is_array()) {
      if (token.empty() || (token.size() > 1 && token[0] == '0')) return nullptr;
      std::size_t index = 0;
      for (char c : token) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<std::size_t>(c - '0');
        if (index > v->get_array().size()) return nullptr;
      }
      if (index >= v->get_array().size()) return nullptr;
      v = &v->get_array()[index];
    } else {
      return nullptr;
    }
    pos = end;
  }
  return v;
}

long double to_long_double(const json::value& v) {
  if (v.is_int64()) return static_cast<long double>(v.get_int64());
  if (v.is_uint64()) return static_cast<long double>(v.get_uint64());
  return static_cast<long double>(v.get_double());
}

}  // namespace

struct Compiler::State {
  CompileOptions options;
  std::deque<SchemaDocument> docs;
  std::unordered_map<std::string, Location> uris;  // "uri" and "uri#anchor" -> location
  std::vector<ResourceInfo> resources;
  std::unordered_map<std::string, NodeId> compiled;  // "doc:pointer" -> node
  std::vector<Node> nodes;
  std::deque<Pending> queue;
  std::size_t anonymous = 0;
  // Per direction (Request, Response): whether the schema at "doc:pointer" reaches an object
  // whose `required` that direction changes. Only those locations get a directional node.
  std::unordered_map<std::string, bool> reaches_directional[2];

  explicit State(CompileOptions o) : options(std::move(o)) {
    for (const EmbeddedDocument& m : embedded_metaschemas())
      add_document(m.uri, json::parse(m.json));
  }

  [[noreturn]] void fail(std::uint32_t doc, std::string_view pointer, const std::string& msg,
                         std::string hint = {}) const {
    throw CompileError(docs[doc].uri, std::string(pointer), msg, std::move(hint));
  }

  static std::string normalize(std::string_view uri) {
    try {
      return resolve_uri("", strip_empty_fragment(uri));
    } catch (const std::exception&) {
      return strip_empty_fragment(uri);
    }
  }

  std::uint32_t add_document(std::string_view uri, json::value root) {
    const std::string key = normalize(uri);
    if (auto it = uris.find(key); it != uris.end() && it->second.pointer.empty()) {
      // Re-adding a document under the same URI replaces nothing already compiled.
      return it->second.doc;
    }
    const auto doc = static_cast<std::uint32_t>(docs.size());
    docs.push_back(SchemaDocument{key, std::move(root), {}, false});
    uris.emplace(key, Location{doc, ""});
    return doc;
  }

  // Scans a document once: registers `$id`s, anchors and the scope of every subschema.
  void ensure_scanned(std::uint32_t doc) {
    if (docs[doc].scanned) return;
    docs[doc].scanned = true;
    Scope root;
    root.base = docs[doc].uri;
    root.draft = draft_of(options.dialect);
    root.vocab = kVocabDefault | (options.format_assertion ? kVocabFormatAssertion : 0);
    root.resource = new_resource(doc, "");
    scan(doc, docs[doc].root, "", root, true, 0);
  }

  std::uint32_t new_resource(std::uint32_t doc, std::string pointer) {
    resources.push_back(ResourceInfo{doc, std::move(pointer), {}, false});
    return static_cast<std::uint32_t>(resources.size() - 1);
  }

  // Applies `$schema`, `$id` and anchors of the schema at `pointer` to the scope it sits in.
  Scope enter(std::uint32_t doc, const json::value& v, const std::string& pointer, Scope scope,
              bool document_root) {
    if (!v.is_object()) return scope;
    const json::object& o = v.get_object();
    if (scope.draft == Draft::Oas30) return scope;

    // A document's `$schema` is applied first: it says how its own id is spelled (a draft-04
    // root's `id` is its base URI).
    const json::value* root_schema = document_root ? o.if_contains("$schema") : nullptr;
    if (root_schema && root_schema->is_string())
      apply_metaschema(doc, pointer, std::string_view(root_schema->get_string()), scope);
    const json::value* id = o.if_contains(scope.draft == Draft::D4 ? "id" : "$id");
    if (draft7_family(scope.draft) && o.contains("$ref")) id = nullptr;  // $ref hides siblings
    const bool resource_root =
        document_root || (id != nullptr && id->is_string() && !id->get_string().starts_with("#"));

    if (resource_root && !document_root) {
      if (const json::value* s = o.if_contains("$schema");
          s && s->is_string() && !draft7_family(scope.draft))
        apply_metaschema(doc, pointer, std::string_view(s->get_string()), scope);
    }
    if (id != nullptr) {
      if (!id->is_string()) fail(doc, pointer, "$id must be a string");
      const std::string_view text = id->get_string();
      const UriParts parts = split_fragment(text);
      if (!parts.uri.empty()) {
        try {
          scope.base = resolve_uri(scope.base, parts.uri);
        } catch (const std::exception& e) {
          fail(doc, pointer, std::string("invalid $id: ") + e.what());
        }
        if (!document_root) scope.resource = new_resource(doc, pointer);
        uris.emplace(scope.base, Location{doc, pointer});
      }
      if (!parts.fragment.empty()) {
        if (!draft7_family(scope.draft))
          fail(doc, pointer, "$id must not contain a fragment ('" + std::string(text) + "')");
        uris.emplace(scope.base + "#" + percent_decode_lenient(parts.fragment),
                     Location{doc, pointer});
      }
    }
    if (document_root && !scope.base.empty()) uris.emplace(scope.base, Location{doc, pointer});
    if (!draft7_family(scope.draft)) {
      if (const json::value* a = o.if_contains("$anchor"); a && a->is_string())
        uris.emplace(scope.base + "#" + std::string(a->get_string()), Location{doc, pointer});
      if (const json::value* a = o.if_contains("$dynamicAnchor"); a && a->is_string()) {
        const std::string name(a->get_string());
        uris.emplace(scope.base + "#" + name, Location{doc, pointer});
        auto& anchors = resources[scope.resource].dynamic_anchors;
        bool known = false;
        for (const auto& [n, p] : anchors) known = known || n == name;
        if (!known) anchors.emplace_back(name, pointer);
      }
      if (scope.draft == Draft::D2019) {
        if (const json::value* a = o.if_contains("$recursiveAnchor");
            a && a->is_bool() && a->get_bool()) {
          auto& anchors = resources[scope.resource].dynamic_anchors;
          anchors.emplace_back(kRecursiveAnchor, pointer);
        }
      }
    }
    return scope;
  }

  // `$schema`: a known dialect, or a custom meta-schema whose `$vocabulary` selects keywords.
  void apply_metaschema(std::uint32_t doc, const std::string& pointer, std::string_view uri,
                        Scope& scope) {
    if (auto d = known_metaschema(uri)) {
      scope.draft = *d;
      scope.vocab = kVocabDefault | (options.format_assertion ? kVocabFormatAssertion : 0);
      return;
    }
    std::string target;
    try {
      target = resolve_uri(scope.base, split_fragment(uri).uri);
    } catch (const std::exception& e) {
      fail(doc, pointer, std::string("invalid $schema: ") + e.what());
    }
    const Location* meta = find_resource(target);
    if (meta == nullptr)
      fail(
          doc, pointer, "unknown meta-schema '" + std::string(uri) + "'",
          "$schema names a dialect brrtrouter knows (https://json-schema.org/draft/2020-12/schema, "
          "http://json-schema.org/draft-07/schema#) or a meta-schema registered as a document");
    const json::value* mv = navigate(docs[meta->doc].root, meta->pointer);
    if (mv == nullptr || !mv->is_object()) fail(doc, pointer, "meta-schema is not an object");
    const json::object& mo = mv->get_object();
    if (const json::value* s = mo.if_contains("$schema"); s && s->is_string())
      if (auto d = known_metaschema(s->get_string())) scope.draft = *d;
    if (const json::value* voc = mo.if_contains("$vocabulary"); voc && voc->is_object()) {
      std::uint8_t v = 0;
      for (const auto& kv : voc->get_object()) {
        const std::string_view k = kv.key();
        if (k.ends_with("/vocab/applicator"))
          v |= kVocabApplicator;
        else if (k.ends_with("/vocab/validation"))
          v |= kVocabValidation;
        else if (k.ends_with("/vocab/unevaluated"))
          v |= kVocabUnevaluated;
        else if (k.ends_with("/vocab/format-assertion"))
          v |= kVocabFormatAssertion;
      }
      if (options.format_assertion) v |= kVocabFormatAssertion;
      scope.vocab = v;
    }
  }

  // The resource registered as `uri` (no fragment), loading it through the resolver if needed.
  const Location* find_resource(const std::string& uri) {
    auto it = uris.find(uri);
    if (it == uris.end()) {
      // An `$id` inside a registered document that has not been scanned yet.
      for (std::uint32_t d = 0; d < docs.size(); ++d) ensure_scanned(d);
      it = uris.find(uri);
    }
    if (it == uris.end() && options.resolver) {
      if (const json::value* v = options.resolver(uri)) {
        const std::uint32_t doc = add_document(uri, *v);
        ensure_scanned(doc);
        it = uris.find(uri);
      }
    }
    if (it == uris.end()) return nullptr;
    ensure_scanned(it->second.doc);
    return &it->second;
  }

  void scan(std::uint32_t doc, const json::value& v, const std::string& pointer, Scope parent,
            bool document_root, std::size_t depth) {
    if (depth > options.limits.max_schema_depth)
      fail(
          doc, pointer,
          "schema nesting exceeds the limit of " + std::to_string(options.limits.max_schema_depth));
    Scope scope = enter(doc, v, pointer, std::move(parent), document_root);
    docs[doc].scopes.emplace(pointer, scope);
    if (!v.is_object()) return;
    const json::object& o = v.get_object();
    for_each_subschema(o, scope.draft, [&](const json::value& sub, const std::string& suffix) {
      scan(doc, sub, pointer + suffix, scope, false, depth + 1);
    });
  }

  template <class F>
  static void for_each_subschema(const json::object& o, Draft draft, F&& f) {
    auto single = [&](std::string_view k) {
      if (const json::value* s = o.if_contains(k); s && (s->is_object() || s->is_bool()))
        f(*s, "/" + escape_pointer_token(k));
    };
    auto array = [&](std::string_view k) {
      if (const json::value* s = o.if_contains(k); s && s->is_array()) {
        const json::array& a = s->get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
          f(a[i], "/" + escape_pointer_token(k) + "/" + std::to_string(i));
      }
    };
    auto map = [&](std::string_view k) {
      if (const json::value* s = o.if_contains(k); s && s->is_object())
        for (const auto& kv : s->get_object())
          if (kv.value().is_object() || kv.value().is_bool())
            f(kv.value(), "/" + escape_pointer_token(k) + "/" + escape_pointer_token(kv.key()));
    };
    if (draft == Draft::Oas30) {
      for (auto k : {"items", "additionalProperties", "not"}) single(k);
      for (auto k : {"allOf", "anyOf", "oneOf"}) array(k);
      map("properties");
      return;
    }
    for (auto k : {"additionalProperties", "propertyNames", "items", "contains", "not", "if",
                   "then", "else", "additionalItems"})
      single(k);
    for (auto k : {"allOf", "anyOf", "oneOf", "items"}) array(k);
    for (auto k : {"properties", "patternProperties", "definitions", "dependencies"}) map(k);
    if (!draft7_family(draft)) {
      for (auto k : {"unevaluatedItems", "unevaluatedProperties", "contentSchema"}) single(k);
      array("prefixItems");
      for (auto k : {"$defs", "dependentSchemas"}) map(k);
    }
  }

  // The scope of the schema at `pointer`, for locations the scan did not visit (a `$ref` into
  // an unknown keyword): the nearest visited ancestor's scope, entered.
  Scope scope_at(std::uint32_t doc, const std::string& pointer, const std::optional<Scope>& parent,
                 const json::value& v) {
    auto& scopes = docs[doc].scopes;
    if (auto it = scopes.find(pointer); it != scopes.end()) return it->second;
    Scope p;
    if (parent) {
      p = *parent;
    } else {
      std::string up = pointer;
      while (true) {
        const std::size_t slash = up.rfind('/');
        up = slash == std::string::npos ? std::string() : up.substr(0, slash);
        if (auto it = scopes.find(up); it != scopes.end()) {
          p = it->second;
          break;
        }
        if (up.empty()) break;
      }
    }
    Scope s = enter(doc, v, pointer, p, false);
    scopes.emplace(pointer, s);
    return s;
  }

  NodeId node_at(std::uint32_t doc, const std::string& pointer, std::optional<Scope> parent,
                 Direction direction = Direction::Neither) {
    if (direction != Direction::Neither &&
        !reaches_directional_change(direction, doc, pointer, parent))
      direction = Direction::Neither;
    std::string key = node_key(doc, pointer, direction);
    if (auto it = compiled.find(key); it != compiled.end()) return it->second;
    const auto id = static_cast<NodeId>(nodes.size());
    nodes.emplace_back();
    compiled.emplace(std::move(key), id);
    queue.push_back(Pending{id, doc, pointer, std::move(parent), direction});
    return id;
  }

  // Whether the property `name` of the object schema `o` at (doc, ptr) is marked for the other
  // side of `direction` (readOnly when compiling for requests, writeOnly for responses): on its
  // own schema (also beside a $ref, which OpenAPI 3.0 otherwise ignores, since that is how
  // documents mark a referenced property), else on the end of its $ref chain.
  bool marked_for_other_side(Direction direction, std::uint32_t doc, const std::string& ptr,
                             const json::object& o, const Scope& scope, std::string_view name) {
    const json::value* props = o.if_contains("properties");
    const json::value* prop =
        props && props->is_object() ? props->get_object().if_contains(name) : nullptr;
    if (prop == nullptr) {
      // Declared in one of this schema's own allOf branches, or beside the allOf this schema
      // is a branch of.
      std::unordered_set<std::string> seen;
      if (const std::optional<bool> marked =
              marked_in_branches(direction, doc, ptr, o, scope, name, {}, 0, seen))
        return *marked;
      return marked_in_all_of(direction, doc, ptr, name);
    }
    const std::string_view marker = other_side_keyword(direction);
    return along_refs(doc, ptr + "/properties/" + escape_pointer_token(name), scope, *prop,
                      [&](const json::object& po, std::uint32_t, const std::string&,
                          const Scope&) -> std::optional<bool> {
                        const json::value* m = po.if_contains(marker);
                        if (m && m->is_bool()) return m->get_bool();
                        return std::nullopt;
                      })
        .value_or(false);
  }

  // Walks the schema `v` at (doc, at), whose parent's scope is `parent`, and the chain of
  // `$ref`s from it (at most 64), asking `f(object, doc, pointer, scope)` of each object on the
  // way; the first answer it gives, or nullopt when none did. A broken reference ends the walk
  // (it is reported where the schema is compiled, not here).
  template <class F>
  std::optional<bool> along_refs(std::uint32_t doc, std::string at, const Scope& parent,
                                 const json::value& v, F&& f) {
    const json::value* at_value = &v;
    try {
      Scope at_scope = scope_at(doc, at, parent, v);
      for (int hops = 0; hops < 64 && at_value != nullptr && at_value->is_object(); ++hops) {
        const json::object& o = at_value->get_object();
        if (std::optional<bool> answer = f(o, doc, at, at_scope)) return answer;
        const json::value* r = o.if_contains("$ref");
        if (r == nullptr || !r->is_string()) return std::nullopt;
        const Location l = resolve_ref(doc, at + "/$ref", at_scope, r->get_string());
        doc = l.doc;
        at = l.pointer;
        at_value = navigate(docs[doc].root, at);
        if (at_value != nullptr) at_scope = scope_at(doc, at, std::nullopt, *at_value);
      }
    } catch (const CompileError&) {
    }
    return std::nullopt;
  }

  // Whether the object schema at (doc, ptr) declares the property `name`.
  static bool declares(const json::object& o, std::string_view name) {
    const json::value* props = o.if_contains("properties");
    return props && props->is_object() && props->get_object().contains(name);
  }

  // Where the schema `v` at (doc, at), whose parent's scope is `parent`, declares the property
  // `name` (itself, along its $ref chain, or in its allOf branches, nested at most 16 deep):
  // whether that declaration is marked for the other side of `direction`; nullopt when it
  // declares none. Each location is searched once per search (`seen`), so allOfs that refer
  // back to their own schema cost one visit per location, not one per path.
  std::optional<bool> declared_marked(Direction direction, std::uint32_t doc, std::string at,
                                      const Scope& parent, const json::value& v,
                                      std::string_view name, int depth,
                                      std::unordered_set<std::string>& seen) {
    if (depth > 16) return std::nullopt;
    return along_refs(doc, std::move(at), parent, v,
                      [&](const json::object& bo, std::uint32_t at_doc, const std::string& at_ptr,
                          const Scope& at_scope) -> std::optional<bool> {
                        if (!seen.insert(std::to_string(at_doc) + "#" + at_ptr).second)
                          return std::nullopt;
                        if (declares(bo, name))
                          return marked_for_other_side(direction, at_doc, at_ptr, bo, at_scope,
                                                       name);
                        return marked_in_branches(direction, at_doc, at_ptr, bo, at_scope, name, {},
                                                  depth + 1, seen);
                      });
  }

  // declared_marked over the allOf branches of the object schema `o` at (doc, ptr), in order,
  // skipping the branch at the pointer `skip`: the first declaration's answer, or nullopt.
  std::optional<bool> marked_in_branches(Direction direction, std::uint32_t doc,
                                         const std::string& ptr, const json::object& o,
                                         const Scope& scope, std::string_view name,
                                         std::string_view skip, int depth,
                                         std::unordered_set<std::string>& seen) {
    const json::value* all = o.if_contains("allOf");
    if (all == nullptr || !all->is_array()) return std::nullopt;
    for (std::size_t i = 0; i < all->get_array().size(); ++i) {
      std::string at = ptr + "/allOf/" + std::to_string(i);
      if (at == skip) continue;
      if (std::optional<bool> marked = declared_marked(direction, doc, std::move(at), scope,
                                                       all->get_array()[i], name, depth, seen))
        return marked;
    }
    return std::nullopt;
  }

  // A `required` in one allOf branch may name a property that another branch, or the schema
  // holding the allOf, declares (`allOf: [{$ref: Base}, {required: [id]}]`): when the schema
  // at (doc, ptr) is such a branch, whether that declaration is marked for the other side.
  // The holder, then each other branch (declared_marked: through $refs and nested allOfs),
  // then, when the holder is itself an allOf branch, the same one level up.
  bool marked_in_all_of(Direction direction, std::uint32_t doc, const std::string& ptr,
                        std::string_view name) {
    const std::size_t slash = ptr.rfind('/');
    if (slash == std::string::npos || slash + 1 == ptr.size()) return false;
    const std::string_view index = std::string_view(ptr).substr(slash + 1);
    if (!std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    const std::string list = ptr.substr(0, slash);
    if (!list.ends_with("/allOf")) return false;
    const std::string holder = list.substr(0, list.size() - 6);
    const json::value* hv = navigate(docs[doc].root, holder);
    if (hv == nullptr || !hv->is_object()) return false;
    try {
      const Scope holder_scope = scope_at(doc, holder, std::nullopt, *hv);
      const json::object& ho = hv->get_object();
      if (declares(ho, name))
        return marked_for_other_side(direction, doc, holder, ho, holder_scope, name);
      const json::value* all = ho.if_contains("allOf");
      if (all == nullptr || !all->is_array()) return false;
      std::unordered_set<std::string> seen;
      if (const std::optional<bool> marked =
              marked_in_branches(direction, doc, holder, ho, holder_scope, name, ptr, 0, seen))
        return *marked;
      return marked_in_all_of(direction, doc, holder, name);
    } catch (const CompileError&) {
      // A broken reference is reported where the schema is compiled, not here.
    }
    return false;
  }

  // Whether compiling the object schema `o` for `direction` changes it: a `required` names a
  // property marked for the other side or, when such properties are refused, `properties`
  // has one.
  bool direction_changes(Direction direction, std::uint32_t doc, const std::string& ptr,
                         const json::object& o, const Scope& scope) {
    if (const json::value* props = o.if_contains("properties");
        options.reject_other_side_properties && props && props->is_object())
      for (const auto& kv : props->get_object())
        if (marked_for_other_side(direction, doc, ptr, o, scope, kv.key())) return true;
    const json::value* required = o.if_contains("required");
    if (required == nullptr || !required->is_array()) return false;
    for (const json::value& name : required->get_array())
      if (name.is_string() &&
          marked_for_other_side(direction, doc, ptr, o, scope, name.get_string()))
        return true;
    return false;
  }

  // The node of a property marked for the other side of `direction`, at (doc, ptr): a false
  // schema whose error names the marker.
  NodeId other_side_node(std::uint32_t doc, const std::string& ptr, Direction direction,
                         std::uint32_t resource) {
    std::string key = "x" + node_key(doc, ptr, direction);
    if (auto it = compiled.find(key); it != compiled.end()) return it->second;
    const auto id = static_cast<NodeId>(nodes.size());
    Node& n = nodes.emplace_back();
    n.location = docs[doc].uri + "#" + ptr;
    n.resource = resource;
    n.boolean_schema = true;
    n.boolean_value = false;
    n.other_side_marker = other_side_keyword(direction);
    compiled.emplace(std::move(key), id);
    return id;
  }

  // The locations compile_node compiles nodes for from the schema `v` at (doc, ptr), plus a
  // few it does not (siblings under a vocabulary that is off): a superset only costs a copy.
  template <class F>
  void for_each_edge(std::uint32_t doc, const std::string& ptr, const json::value& v,
                     const Scope& scope, F&& f) {
    if (!v.is_object()) return;
    const json::object& o = v.get_object();
    for (const char* kw : {"$ref", "$dynamicRef", "$recursiveRef"}) {
      const json::value* r = o.if_contains(kw);
      if (r == nullptr || !r->is_string()) continue;
      try {
        const Location l = resolve_ref(doc, ptr + "/" + kw, scope, r->get_string());
        f(l.doc, l.pointer, std::optional<Scope>());
      } catch (const CompileError&) {
        // Reported where the schema is compiled.
      }
    }
    if (o.contains("$ref") && (draft7_family(scope.draft) || scope.draft == Draft::Oas30)) return;
    for_each_subschema(o, scope.draft, [&](const json::value&, const std::string& suffix) {
      // Definitions are compiled only when referenced, and contentSchema never.
      if (suffix.starts_with("/$defs/") || suffix.starts_with("/definitions/") ||
          suffix == "/contentSchema")
        return;
      f(doc, ptr + suffix, std::optional<Scope>(scope));
    });
  }

  // Whether `direction` changes the schema at (doc, ptr): whether it reaches (through
  // subschemas and references) an object that direction_changes. Every location reachable from it
  // is settled in one walk and remembered, so a location is walked once per direction however many
  // schemas reach it.
  bool reaches_directional_change(Direction direction, std::uint32_t doc, const std::string& ptr,
                                  const std::optional<Scope>& parent) {
    // Most documents mark nothing for one side or both: then nothing is walked. (A resolver
    // may bring in documents not seen yet, which could.)
    if (!options.resolver) {
      const std::uint8_t bit = direction == Direction::Request ? 2 : 4;
      bool marked = false;
      for (SchemaDocument& d : docs) {
        if (d.markers == 0) d.markers = find_markers(d.root);
        marked = marked || (d.markers & bit) != 0;
      }
      if (!marked) return false;
    }
    auto& known = reaches_directional[direction == Direction::Request ? 0 : 1];
    const std::string root_key = node_key(doc, ptr, Direction::Neither);
    if (auto it = known.find(root_key); it != known.end()) return it->second;

    struct Visit {
      std::uint32_t doc;
      std::string pointer;
      std::optional<Scope> parent;
      std::size_t from;  // the location that leads here, or kNone
    };
    constexpr std::size_t kNone = SIZE_MAX;
    struct Settling {
      std::string key;
      bool reaches = false;
      std::vector<std::size_t> from;  // the locations that lead here
    };
    std::unordered_map<std::string, std::size_t> index;
    std::vector<Settling> walked;
    std::vector<std::size_t> reaching;  // locations known to reach one, to spread to `from`
    std::vector<Visit> stack{{doc, ptr, parent, kNone}};
    while (!stack.empty()) {
      Visit at = std::move(stack.back());
      stack.pop_back();
      std::string key = node_key(at.doc, at.pointer, Direction::Neither);
      if (auto it = known.find(key); it != known.end()) {
        if (it->second && at.from != kNone) reaching.push_back(at.from);
        continue;
      }
      if (auto it = index.find(key); it != index.end()) {
        if (at.from != kNone) walked[it->second].from.push_back(at.from);
        continue;
      }
      const std::size_t i = walked.size();
      index.emplace(key, i);
      walked.push_back(Settling{std::move(key), false, {}});
      if (at.from != kNone) walked[i].from.push_back(at.from);
      const json::value* v = navigate(docs[at.doc].root, at.pointer);
      if (v == nullptr) continue;
      try {
        const Scope scope = scope_at(at.doc, at.pointer, at.parent, *v);
        if (v->is_object() &&
            direction_changes(direction, at.doc, at.pointer, v->get_object(), scope))
          reaching.push_back(i);
        for_each_edge(at.doc, at.pointer, *v, scope,
                      [&](std::uint32_t d, const std::string& p, std::optional<Scope> s) {
                        stack.push_back(Visit{d, p, std::move(s), i});
                      });
      } catch (const CompileError&) {
        // Reported where the schema is compiled.
      }
    }
    while (!reaching.empty()) {
      const std::size_t i = reaching.back();
      reaching.pop_back();
      if (walked[i].reaches) continue;
      walked[i].reaches = true;
      for (std::size_t from : walked[i].from) reaching.push_back(from);
    }
    for (Settling& s : walked) known.emplace(std::move(s.key), s.reaches);
    return known.at(root_key);
  }

  // Resolves a `$ref` value met at (doc, pointer) in `scope`.
  // `pointer` is the reference keyword's own location, which errors name.
  Location resolve_ref(std::uint32_t doc, const std::string& pointer, const Scope& scope,
                       std::string_view ref) {
    const UriParts parts = split_fragment(ref);
    std::string target;
    try {
      target = parts.uri.empty() ? scope.base : resolve_uri(scope.base, parts.uri);
    } catch (const std::exception& e) {
      fail(doc, pointer, "cannot resolve $ref '" + std::string(ref) + "': " + e.what());
    }
    const Location* res = find_resource(target);
    if (res == nullptr)
      fail(doc, pointer,
           "unresolvable $ref '" + std::string(ref) + "': no document or $id '" + target + "'",
           "a relative $ref resolves against the schema's base URI (its $id, else its file); "
           "other documents are found only when registered (validate: --doc FILE, or --map "
           "URL-PREFIX=DIR for a URL prefix); nothing is fetched from the network");
    const std::string fragment = percent_decode_lenient(parts.fragment);
    if (fragment.empty()) return *res;
    if (fragment[0] == '/') {
      Location l{res->doc, res->pointer + fragment};
      if (navigate(docs[l.doc].root, l.pointer) == nullptr)
        fail(doc, pointer,
             "unresolvable $ref '" + std::string(ref) + "': no value at '" + fragment + "' in '" +
                 target + "'",
             "the fragment is a JSON pointer from the document's root ('#/$defs/Name'); '~1' "
             "stands for '/' and '~0' for '~' in a name");
      return l;
    }
    auto it = uris.find(target + "#" + fragment);
    if (it == uris.end())
      fail(doc, pointer,
           "unresolvable $ref '" + std::string(ref) + "': no anchor '" + fragment + "' in '" +
               target + "'",
           "a plain-name fragment names an $anchor in that resource; a JSON pointer starts with "
           "'/' ('#/$defs/Name')");
    return it->second;
  }

  void drain() {
    while (!queue.empty()) {
      Pending p = std::move(queue.front());
      queue.pop_front();
      compile_node(p);
    }
  }

  static std::uint64_t non_negative(const json::value& v, SchemaDocument& d, const std::string& ptr,
                                    std::string_view kw) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    if (v.is_double() && v.get_double() >= 0 && std::floor(v.get_double()) == v.get_double()) {
      const double x = v.get_double();
      return x >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(x);
    }
    throw CompileError(d.uri, ptr + "/" + std::string(kw),
                       std::string(kw) + " must be a non-negative integer");
  }

  void compile_node(const Pending& p) {
    const std::uint32_t doc = p.doc;
    const std::string& ptr = p.pointer;
    const json::value* vp = navigate(docs[doc].root, ptr);
    if (vp == nullptr) fail(doc, ptr, "no schema at this location");
    const json::value& v = *vp;
    const Scope scope = scope_at(doc, ptr, p.parent, v);

    Node n;
    n.location = docs[doc].uri + "#" + ptr;
    n.resource = scope.resource;
    if (!resources[scope.resource].anchors_queued) {
      resources[scope.resource].anchors_queued = true;
      for (const auto& [name, aptr] : resources[scope.resource].dynamic_anchors)
        node_at(resources[scope.resource].doc, aptr, std::nullopt);
    }
    if (v.is_bool()) {
      n.boolean_schema = true;
      n.boolean_value = v.get_bool();
      nodes[p.id] = std::move(n);
      return;
    }
    if (!v.is_object()) fail(doc, ptr, "a schema must be an object or a boolean");
    const json::object& o = v.get_object();
    const Draft draft = scope.draft;
    const bool applicator = scope.vocab & kVocabApplicator;
    const bool validation = scope.vocab & kVocabValidation;

    auto sub = [&](std::string_view kw) -> NodeId {
      const json::value& s = o.at(kw);
      if (!s.is_object() && !s.is_bool())
        fail(doc, ptr + "/" + std::string(kw), std::string(kw) + " must be a schema");
      return node_at(doc, ptr + "/" + escape_pointer_token(kw), scope, p.direction);
    };
    auto sub_array = [&](std::string_view kw) {
      std::vector<NodeId> out;
      const json::value& s = o.at(kw);
      if (!s.is_array() || (s.get_array().empty() && draft != Draft::D2020))
        fail(doc, ptr + "/" + std::string(kw), std::string(kw) + " must be an array of schemas");
      for (std::size_t i = 0; i < s.get_array().size(); ++i) {
        const json::value& e = s.get_array()[i];
        if (!e.is_object() && !e.is_bool())
          fail(doc, ptr + "/" + std::string(kw) + "/" + std::to_string(i), "not a schema");
        out.push_back(node_at(doc, ptr + "/" + escape_pointer_token(kw) + "/" + std::to_string(i),
                              scope, p.direction));
      }
      return out;
    };
    auto number = [&](std::string_view kw, NumberBound& b) {
      const json::value* s = o.if_contains(kw);
      if (s == nullptr) return;
      if (!s->is_number())
        fail(doc, ptr + "/" + std::string(kw), std::string(kw) + " must be a number");
      b.present = true;
      b.value = to_long_double(*s);
      b.json = *s;
      char text[kNumberRoom];
      b.text.assign(text, write_number(text, *s));
      if (s->is_int64() || (s->is_uint64() && s->get_uint64() <= INT64_MAX)) {
        b.is_int = true;
        b.int_value = s->is_int64() ? s->get_int64() : static_cast<std::int64_t>(s->get_uint64());
      }
      b.double_value = static_cast<double>(b.value);
      b.double_exact = static_cast<long double>(b.double_value) == b.value;
    };
    auto has = [&](std::string_view kw) { return o.contains(kw); };

    // References. In draft-07 and OpenAPI 3.0 a $ref replaces the whole schema.
    if (const json::value* r = o.if_contains("$ref")) {
      if (!r->is_string()) fail(doc, ptr + "/$ref", "$ref must be a string");
      const Location l = resolve_ref(doc, ptr + "/$ref", scope, r->get_string());
      n.ref = node_at(l.doc, l.pointer, std::nullopt, p.direction);
      if (draft7_family(draft) || draft == Draft::Oas30) {
        nodes[p.id] = std::move(n);
        return;
      }
    }
    if (draft == Draft::D2020) {
      if (const json::value* r = o.if_contains("$dynamicRef")) {
        if (!r->is_string()) fail(doc, ptr + "/$dynamicRef", "$dynamicRef must be a string");
        const std::string_view ref = r->get_string();
        const Location l = resolve_ref(doc, ptr + "/$dynamicRef", scope, ref);
        n.dynamic_ref = node_at(l.doc, l.pointer, std::nullopt, p.direction);
        n.dynamic_ref_keyword = "$dynamicRef";
        const UriParts parts = split_fragment(ref);
        // Dynamic only when the initial target carries the matching $dynamicAnchor.
        if (!parts.fragment.empty() && parts.fragment[0] != '/') {
          const json::value* t = navigate(docs[l.doc].root, l.pointer);
          if (t && t->is_object())
            if (const json::value* a = t->get_object().if_contains("$dynamicAnchor");
                a && a->is_string() && a->get_string() == parts.fragment)
              n.dynamic_ref_anchor = std::string(parts.fragment);
        }
      }
    }
    if (draft == Draft::D2019) {
      if (const json::value* r = o.if_contains("$recursiveRef"); r && r->is_string()) {
        const Location l = resolve_ref(doc, ptr + "/$recursiveRef", scope, r->get_string());
        n.dynamic_ref = node_at(l.doc, l.pointer, std::nullopt, p.direction);
        n.dynamic_ref_keyword = "$recursiveRef";
        const json::value* t = navigate(docs[l.doc].root, l.pointer);
        if (t && t->is_object())
          if (const json::value* a = t->get_object().if_contains("$recursiveAnchor");
              a && a->is_bool() && a->get_bool())
            n.dynamic_ref_anchor = kRecursiveAnchor;
      }
    }

    if (validation) {
      if (const json::value* t = o.if_contains("type")) {
        auto bit = [&](const json::value& name) -> std::uint8_t {
          if (!name.is_string()) fail(doc, ptr + "/type", "type names must be strings");
          const std::string_view s = name.get_string();
          if (s == "null") return kNull;
          if (s == "boolean") return kBoolean;
          if (s == "object") return kObject;
          if (s == "array") return kArray;
          if (s == "number") return kNumber;
          if (s == "string") return kString;
          if (s == "integer") return kInteger;
          fail(doc, ptr + "/type", "unknown type '" + std::string(s) + "'",
               "the types are null, boolean, object, array, number, string and integer");
        };
        if (t->is_array() && draft == Draft::Oas30)
          fail(
              doc, ptr + "/type", "OpenAPI 3.0 takes one type name, not an array",
              "write the one type and 'nullable: true' for null ({type: integer, nullable: true}), "
              "or anyOf/oneOf for several types; type arrays are OpenAPI 3.1 (JSON Schema)");
        if (t->is_array()) {
          for (const json::value& e : t->get_array()) n.types |= bit(e);
          if (n.types == 0) n.types = 0x80;  // "type": [] admits nothing
        } else {
          n.types = bit(*t);
        }
      }
      if (draft == Draft::Oas30)
        if (const json::value* nl = o.if_contains("nullable"); nl && nl->is_bool())
          n.nullable = nl->get_bool();
      if (const json::value* c = o.if_contains("const"); c && draft != Draft::Oas30) {
        n.has_const = true;
        n.const_value = *c;
      }
      if (const json::value* e = o.if_contains("enum")) {
        if (!e->is_array()) fail(doc, ptr + "/enum", "enum must be an array");
        n.has_enum = true;
        n.enum_values.assign(e->get_array().begin(), e->get_array().end());
        n.enum_all_strings = std::all_of(n.enum_values.begin(), n.enum_values.end(),
                                         [](const json::value& x) { return x.is_string(); });
        if (n.enum_all_strings)
          for (std::size_t i = 0; i < n.enum_values.size(); ++i)
            if (n.enum_strings.find(n.enum_values[i].get_string()) == kNoNode)
              n.enum_strings.add(std::string(n.enum_values[i].get_string()),
                                 static_cast<NodeId>(i));
      }
      number("minimum", n.minimum);
      number("maximum", n.maximum);
      if (draft == Draft::Oas30 || draft == Draft::D4) {
        // OpenAPI 3.0 and draft-04: boolean exclusiveMinimum/Maximum make minimum/maximum
        // exclusive.
        auto exclusive = [&](std::string_view kw, NumberBound& inclusive, NumberBound& out) {
          const json::value* e = o.if_contains(kw);
          if (e == nullptr) return;
          if (!e->is_bool())
            fail(doc, ptr + "/" + std::string(kw),
                 std::string(kw) + " must be a boolean in OpenAPI 3.0 and draft-04");
          if (e->get_bool() && inclusive.present) {
            out = inclusive;
            inclusive = NumberBound{};
          }
        };
        exclusive("exclusiveMinimum", n.minimum, n.exclusive_minimum);
        exclusive("exclusiveMaximum", n.maximum, n.exclusive_maximum);
      } else {
        number("exclusiveMinimum", n.exclusive_minimum);
        number("exclusiveMaximum", n.exclusive_maximum);
      }
      number("multipleOf", n.multiple_of);
      if (n.multiple_of.present && n.multiple_of.value <= 0)
        fail(doc, ptr + "/multipleOf", "multipleOf must be greater than 0");
      if (has("minLength")) {
        n.min_length = non_negative(o.at("minLength"), docs[doc], ptr, "minLength");
        n.has_min_length = true;
      }
      if (has("maxLength")) {
        n.max_length = non_negative(o.at("maxLength"), docs[doc], ptr, "maxLength");
        n.has_max_length = true;
      }
      if (has("minItems")) {
        n.min_items = non_negative(o.at("minItems"), docs[doc], ptr, "minItems");
        n.has_min_items = true;
      }
      if (has("maxItems")) {
        n.max_items = non_negative(o.at("maxItems"), docs[doc], ptr, "maxItems");
        n.has_max_items = true;
      }
      if (const json::value* u = o.if_contains("uniqueItems")) {
        if (!u->is_bool()) fail(doc, ptr + "/uniqueItems", "uniqueItems must be a boolean");
        n.unique_items = u->get_bool();
      }
      if (has("minProperties")) {
        n.min_properties = non_negative(o.at("minProperties"), docs[doc], ptr, "minProperties");
        n.has_min_properties = true;
      }
      if (has("maxProperties")) {
        n.max_properties = non_negative(o.at("maxProperties"), docs[doc], ptr, "maxProperties");
        n.has_max_properties = true;
      }
      if (const json::value* r = o.if_contains("required")) {
        if (!r->is_array()) fail(doc, ptr + "/required", "required must be an array of strings");
        for (const json::value& e : r->get_array()) {
          if (!e.is_string()) fail(doc, ptr + "/required", "required must be an array of strings");
          if (p.direction != Direction::Neither &&
              marked_for_other_side(p.direction, doc, ptr, o, scope, e.get_string()))
            continue;
          n.required.emplace_back(e.get_string());
        }
      }
      if (draft == Draft::D2020 || draft == Draft::D2019) {
        if (const json::value* d = o.if_contains("dependentRequired")) {
          if (!d->is_object())
            fail(doc, ptr + "/dependentRequired", "dependentRequired must be an object");
          for (const auto& kv : d->get_object()) {
            DependentRequired dr{std::string(kv.key()), {}};
            if (!kv.value().is_array())
              fail(doc, ptr + "/dependentRequired", "values must be arrays of strings");
            for (const json::value& e : kv.value().get_array())
              if (e.is_string()) dr.required.emplace_back(e.get_string());
            n.dependent_required.push_back(std::move(dr));
          }
        }
        if (has("minContains")) {
          n.min_contains = non_negative(o.at("minContains"), docs[doc], ptr, "minContains");
        }
        if (has("maxContains")) {
          n.max_contains = non_negative(o.at("maxContains"), docs[doc], ptr, "maxContains");
          n.has_max_contains = true;
        }
      }
      if (const json::value* pat = o.if_contains("pattern")) {
        if (!pat->is_string()) fail(doc, ptr + "/pattern", "pattern must be a string");
        std::string error;
        n.pattern = Regex::compile(pat->get_string(), error);
        if (!n.pattern)
          fail(doc, ptr + "/pattern", "invalid regular expression: " + error, kRegexHint);
      }
    }
    if (const json::value* f = o.if_contains("format"); f && f->is_string()) {
      n.format_name = std::string(f->get_string());
      n.format = parse_format(n.format_name);
      n.format_assert = (scope.vocab & kVocabFormatAssertion) != 0;
    }

    if (draft7_family(draft)) {
      if (const json::value* e = o.if_contains("contentEncoding"); e && e->is_string())
        n.content_base64 = e->get_string() == "base64";
      if (const json::value* m = o.if_contains("contentMediaType"); m && m->is_string())
        n.content_json = m->get_string() == "application/json";
    }
    if (applicator) {
      if (has("allOf")) n.all_of = sub_array("allOf");
      if (has("anyOf")) n.any_of = sub_array("anyOf");
      if (has("oneOf")) n.one_of = sub_array("oneOf");
      if (has("not")) n.not_ = sub("not");
      if (draft != Draft::Oas30) {
        if (has("if")) {
          n.if_ = sub("if");
          if (has("then")) n.then_ = sub("then");
          if (has("else")) n.else_ = sub("else");
        }
      }
      // arrays
      if (draft == Draft::D2020) {
        if (has("prefixItems")) n.prefix_items = sub_array("prefixItems");
        if (has("items")) n.items = sub("items");
      } else if (const json::value* it = o.if_contains("items")) {
        if (it->is_array() && draft != Draft::Oas30) {
          n.prefix_items = sub_array("items");
          if (has("additionalItems")) {
            n.items = sub("additionalItems");
            n.items_keyword = "additionalItems";
          }
        } else {
          n.items = sub("items");
        }
      }
      if (draft != Draft::Oas30 && has("contains")) n.contains = sub("contains");
      // objects
      if (const json::value* props = o.if_contains("properties")) {
        if (!props->is_object()) fail(doc, ptr + "/properties", "properties must be an object");
        for (const auto& kv : props->get_object()) {
          if (!kv.value().is_object() && !kv.value().is_bool())
            fail(doc, ptr + "/properties/" + escape_pointer_token(kv.key()), "not a schema");
          const std::string at = ptr + "/properties/" + escape_pointer_token(kv.key());
          const bool refused = p.direction != Direction::Neither &&
                               options.reject_other_side_properties &&
                               marked_for_other_side(p.direction, doc, ptr, o, scope, kv.key());
          n.properties.add(std::string(kv.key()),
                           refused ? other_side_node(doc, at, p.direction, scope.resource)
                                   : node_at(doc, at, scope, p.direction));
        }
      }
      if (const json::value* pp = o.if_contains("patternProperties"); pp && draft != Draft::Oas30) {
        if (!pp->is_object())
          fail(doc, ptr + "/patternProperties", "patternProperties must be an object");
        for (const auto& kv : pp->get_object()) {
          const std::string at = ptr + "/patternProperties/" + escape_pointer_token(kv.key());
          std::string error;
          auto re = Regex::compile(kv.key(), error);
          if (!re) fail(doc, at, "invalid regular expression: " + error, kRegexHint);
          n.pattern_properties.push_back({std::move(re), node_at(doc, at, scope, p.direction)});
        }
      }
      if (has("additionalProperties")) n.additional_properties = sub("additionalProperties");
      if (draft != Draft::Oas30 && has("propertyNames")) n.property_names = sub("propertyNames");
      if (draft == Draft::D2020 || draft == Draft::D2019)
        if (const json::value* d = o.if_contains("dependentSchemas")) {
          if (!d->is_object())
            fail(doc, ptr + "/dependentSchemas", "dependentSchemas must be an object");
          for (const auto& kv : d->get_object())
            n.dependent_schemas.push_back(
                {std::string(kv.key()),
                 node_at(doc, ptr + "/dependentSchemas/" + escape_pointer_token(kv.key()), scope,
                         p.direction)});
        }
      if (const json::value* d = o.if_contains("dependencies");
          d && d->is_object() && draft != Draft::Oas30) {
        // draft-07 `dependencies`: arrays are dependentRequired, schemas dependentSchemas.
        for (const auto& kv : d->get_object()) {
          if (kv.value().is_array()) {
            DependentRequired dr{std::string(kv.key()), {}};
            for (const json::value& e : kv.value().get_array())
              if (e.is_string()) dr.required.emplace_back(e.get_string());
            n.dependent_required.push_back(std::move(dr));
            n.dependent_required_keyword = "dependencies";
          } else {
            n.dependent_schemas.push_back(
                {std::string(kv.key()),
                 node_at(doc, ptr + "/dependencies/" + escape_pointer_token(kv.key()), scope,
                         p.direction)});
            n.dependent_schemas_keyword = "dependencies";
          }
        }
      }
    }
    if ((draft == Draft::D2020 || draft == Draft::D2019) && (scope.vocab & kVocabUnevaluated)) {
      if (has("unevaluatedItems")) n.unevaluated_items = sub("unevaluatedItems");
      if (has("unevaluatedProperties")) n.unevaluated_properties = sub("unevaluatedProperties");
      n.needs_annotations = n.unevaluated_items != kNoNode || n.unevaluated_properties != kNoNode;
    }

    n.has_number_checks = n.minimum.present || n.maximum.present || n.exclusive_minimum.present ||
                          n.exclusive_maximum.present || n.multiple_of.present ||
                          (n.format_assert && n.format >= Format::Int32);
    n.has_string_checks =
        n.has_min_length || n.has_max_length || n.pattern || n.content_base64 || n.content_json ||
        (n.format_assert && n.format != Format::None && n.format != Format::Unknown);
    n.has_array_checks = !n.prefix_items.empty() || n.items != kNoNode || n.contains != kNoNode ||
                         n.has_min_items || n.has_max_items || n.unique_items ||
                         n.unevaluated_items != kNoNode;
    n.has_object_checks = !n.properties.empty() || !n.pattern_properties.empty() ||
                          n.additional_properties != kNoNode || n.property_names != kNoNode ||
                          !n.required.empty() || !n.dependent_required.empty() ||
                          !n.dependent_schemas.empty() || n.has_min_properties ||
                          n.has_max_properties || n.unevaluated_properties != kNoNode;
    n.has_applicators = !n.all_of.empty() || !n.any_of.empty() || !n.one_of.empty() ||
                        n.not_ != kNoNode || n.if_ != kNoNode;
    if (!n.required.empty()) {
      n.required_in_properties = true;
      const auto& entries = n.properties.entries();
      for (std::size_t e = 0; e < entries.size(); ++e) {
        bool named = false;
        for (const std::string& r : n.required) named = named || r == entries[e].name;
        if (named) {
          n.properties.set_required(e);
          ++n.required_count;
        }
      }
      // Names absent from "properties" can only be checked by lookup.
      for (const std::string& r : n.required)
        if (n.properties.find(r) == kNoNode) n.required_in_properties = false;
    }
    n.leaf = !n.boolean_schema && n.ref == kNoNode && n.dynamic_ref == kNoNode && !n.has_const &&
             !n.has_enum && !n.pattern && !n.content_base64 && !n.content_json &&
             !(n.format_assert && n.format != Format::None && n.format != Format::Unknown) &&
             !n.has_array_checks && !n.has_object_checks && !n.has_applicators &&
             !n.needs_annotations;
    n.plain_object = !n.boolean_schema && (n.types == 0 || n.types == kObject) &&
                     n.ref == kNoNode && n.dynamic_ref == kNoNode && !n.has_const && !n.has_enum &&
                     !n.has_applicators && !n.needs_annotations && !n.has_string_checks &&
                     !n.has_number_checks && !n.has_array_checks && n.has_object_checks;
    n.simple_object = n.plain_object && !n.has_min_properties && !n.has_max_properties &&
                      n.dependent_required.empty() && n.dependent_schemas.empty() &&
                      n.pattern_properties.empty() && n.property_names == kNoNode &&
                      (n.required.empty() || n.required_in_properties);
    nodes[p.id] = std::move(n);
  }
};

Compiler::Compiler(CompileOptions options) : state_(std::make_unique<State>(std::move(options))) {}
Compiler::~Compiler() = default;
Compiler::Compiler(Compiler&&) noexcept = default;
Compiler& Compiler::operator=(Compiler&&) noexcept = default;

void Compiler::add_document(std::string_view uri, const boost::json::value& document) {
  if (!split_fragment(uri).fragment.empty())
    throw CompileError(std::string(uri), "", "a document URI must not have a fragment");
  state_->add_document(uri, document);
}

SchemaId Compiler::compile(std::string_view uri, std::string_view pointer, Direction direction) {
  State& s = *state_;
  const UriParts parts = split_fragment(uri);
  std::string base;
  try {
    base = resolve_uri("", parts.uri);
  } catch (const std::exception& e) {
    throw CompileError(std::string(uri), std::string(pointer), e.what());
  }
  const Location* res = s.find_resource(base);
  if (res == nullptr)
    throw CompileError(std::string(uri), std::string(pointer),
                       "no document registered under this URI");
  Location l = *res;
  if (parts.has_fragment && !parts.fragment.empty()) {
    if (!pointer.empty())
      throw CompileError(std::string(uri), std::string(pointer),
                         "give either a URI fragment or a pointer, not both");
    const std::string fragment = percent_decode_lenient(parts.fragment);
    if (fragment[0] == '/') {
      l.pointer += fragment;
    } else {
      auto it = s.uris.find(base + "#" + fragment);
      if (it == s.uris.end())
        throw CompileError(std::string(uri), "", "no anchor '" + fragment + "'");
      l = it->second;
    }
  } else {
    l.pointer += pointer;
  }
  if (navigate(s.docs[l.doc].root, l.pointer) == nullptr)
    throw CompileError(s.docs[l.doc].uri, l.pointer, "no schema at this location");
  const std::size_t before = s.nodes.size();
  try {
    const NodeId id = s.node_at(l.doc, l.pointer, std::nullopt, direction);
    s.drain();
    return SchemaId{id};
  } catch (...) {
    // Leave no half-compiled nodes behind: drop what this call added.
    s.queue.clear();
    if (s.nodes.size() > before) {
      for (auto it = s.compiled.begin(); it != s.compiled.end();)
        it = it->second >= before ? s.compiled.erase(it) : std::next(it);
      s.nodes.resize(before);
    }
    throw;
  }
}

SchemaId Compiler::compile_document(const boost::json::value& schema, std::string_view uri) {
  std::string name;
  if (uri.empty()) {
    // A hierarchical base (relative `$id`s resolve against it) in a reserved domain.
    name = "https://brrt.invalid/schema/" + std::to_string(state_->anonymous++) + ".json";
    uri = name;
  }
  // Prefer the schema's own $id as its base when the caller gives none.
  add_document(uri, schema);
  return compile(uri, "");
}

namespace {

// The end of a chain of "$ref"-only nodes starting at `id`, or kNoNode when `id` is not one
// (or the chain is a cycle of references, which evaluation reports as too deep).
NodeId ref_chain_end(const std::vector<Node>& nodes, NodeId id) {
  NodeId at = id;
  for (std::size_t hops = 0; hops < 64 && at < nodes.size() && only_ref(nodes[at]); ++hops)
    at = nodes[at].ref;
  if (at == id || at >= nodes.size() || only_ref(nodes[at])) return kNoNode;
  return at;
}

// The property table's inline check for a leaf that is a bounded string or integer range
// (most request body fields): see PropertyTable::Entry::FastLeaf.
void set_fast_leaf(PropertyTable& table, std::size_t entry, const Node& child) {
  using FastLeaf = PropertyTable::Entry::FastLeaf;
  if (!child.leaf || child.nullable) return;
  if (child.types == kString) {
    table.set_fast_leaf(entry, FastLeaf::Length, child.min_length, child.max_length);
    return;
  }
  const bool numeric = child.types != 0 && (child.types & ~(kInteger | kNumber)) == 0;
  const bool int_bounds = (!child.minimum.present || child.minimum.is_int) &&
                          (!child.maximum.present || child.maximum.is_int);
  if (numeric && int_bounds && !child.exclusive_minimum.present &&
      !child.exclusive_maximum.present && !child.multiple_of.present) {
    const std::int64_t lo = child.minimum.present ? child.minimum.int_value : INT64_MIN;
    const std::int64_t hi = child.maximum.present ? child.maximum.int_value : INT64_MAX;
    table.set_fast_leaf(entry, FastLeaf::IntRange, static_cast<std::uint64_t>(lo),
                        static_cast<std::uint64_t>(hi));
  }
}

}  // namespace

Program Compiler::build() const {
  auto data = std::make_shared<ProgramData>();
  data->nodes = state_->nodes;
  data->limits = state_->options.limits;
  data->resources.resize(state_->resources.size());
  for (std::size_t r = 0; r < state_->resources.size(); ++r) {
    const ResourceInfo& info = state_->resources[r];
    for (const auto& [name, ptr] : info.dynamic_anchors) {
      auto it = state_->compiled.find(std::to_string(info.doc) + ":" + ptr);
      if (it != state_->compiled.end())
        data->resources[r].dynamic_anchors.emplace_back(name, it->second);
    }
  }
  for (const Node& n : data->nodes)
    if (!n.dynamic_ref_anchor.empty()) data->has_dynamic_refs = true;
  if (!data->has_dynamic_refs)
    for (std::size_t id = 0; id < data->nodes.size(); ++id)
      data->nodes[id].ref_target = ref_chain_end(data->nodes, static_cast<NodeId>(id));
  for (Node& n : data->nodes)
    n.simple_array = n.items != kNoNode && (n.types == 0 || (n.types & kArray)) &&
                     n.prefix_items.empty() && n.contains == kNoNode && !n.unique_items &&
                     !n.has_min_items && !n.has_max_items && n.unevaluated_items == kNoNode &&
                     !n.has_applicators && !n.has_const && !n.has_enum && n.ref == kNoNode &&
                     n.dynamic_ref == kNoNode && !n.boolean_schema && !n.needs_annotations;
  for (Node& n : data->nodes) {
    // Whether each property's schema is a leaf is known only once every node is compiled.
    for (std::size_t e = 0; e < n.properties.entries().size(); ++e) {
      const NodeId node = n.properties.declared_node(n.properties.entries()[e]);
      const NodeId quiet =
          data->nodes[node].ref_target != kNoNode ? data->nodes[node].ref_target : node;
      n.properties.set_quiet_node(e, quiet);
      const Node& child = data->nodes[quiet];
      n.properties.set_leaf(e, child.leaf,
                            child.leaf && !child.has_number_checks && !child.has_string_checks,
                            accepted_kinds(child.types, child.nullable),
                            (child.types & kInteger) && !(child.types & kNumber));
      set_fast_leaf(n.properties, e, child);
      // The name's number in the program's key dictionary.
      const std::string& name = n.properties.entries()[e].name;
      std::uint32_t key = data->keys.find(name);
      if (key == UINT32_MAX) {
        key = static_cast<std::uint32_t>(data->keys.entries().size());
        data->keys.add(name, key);
      }
      n.properties.set_key(e, key);
    }
    n.properties.index_keys();
  }
  return Program(std::move(data));
}

}  // namespace brrt::schema
