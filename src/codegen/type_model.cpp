#include "codegen/type_model.hpp"

#include <algorithm>
#include <functional>

#include "brrt/core/ascii.hpp"
#include "brrt/core/json_pointer.hpp"

namespace brrt::codegen {

namespace json = boost::json;

namespace {

// Deep enough for any schema a person writes; a $ref chain or nesting beyond it is a loop the
// generator does not follow (the value becomes a boost::json::value).
constexpr int kMaxDepth = 64;

const json::object* as_object(const json::value* v) {
  return v ? v->if_object() : nullptr;
}

std::string_view string_member(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string()) return v->as_string();
  return {};
}

// RFC 6901 reference token, unescaped.
std::string last_token(std::string_view pointer) {
  const auto slash = pointer.rfind('/');
  return unescape_pointer_token(slash == std::string_view::npos ? pointer
                                                                : pointer.substr(slash + 1));
}

bool is_null_schema(const json::value& v) {
  const auto* o = v.if_object();
  if (!o) return false;
  const auto* type = o->if_contains("type");
  if (type && type->is_string()) return type->as_string() == "null";
  if (const auto* e = o->if_contains("enum"); e && e->is_array())
    return e->as_array().size() == 1 && e->as_array()[0].is_null();
  return false;
}

}  // namespace

std::string TypeModel::Node::key() const {
  return (document ? document->uri() : std::string()) + "#" + pointer;
}

std::string TypeModel::Node::where() const {
  return (document ? document->path() : std::string()) + "#" + pointer;
}

TypeModel::TypeModel(const spec::Api& api, NameScope& type_names)
    : api_(api), type_names_(type_names) {}

CppType TypeModel::map(const spec::SchemaRef& ref, std::string_view hint) {
  if (!ref) return CppType::of(CppType::Kind::Json);
  return map_node(Node{ref.document, ref.node, ref.pointer}, hint, 0);
}

bool TypeModel::has_default(const spec::SchemaRef& ref) const {
  if (!ref) return false;
  const Node n = resolve(Node{ref.document, ref.node, ref.pointer});
  const auto* o = as_object(n.value);
  return o && o->contains("default");
}

bool TypeModel::composite(const spec::SchemaRef& ref) const {
  if (!ref) return false;
  Node n = resolve(Node{ref.document, ref.node, ref.pointer});
  for (int depth = 0; depth < 2; ++depth) {  // the schema, then its items
    const auto* o = as_object(n.value);
    if (!o) return false;
    for (const char* k : {"properties", "additionalProperties", "allOf", "anyOf", "oneOf"})
      if (o->contains(k)) return true;
    const boost::json::value* type = o->if_contains("type");
    const auto is_object = [](const boost::json::value& t) {
      return t.is_string() && t.get_string() == "object";
    };
    if (type &&
        (is_object(*type) || (type->is_array() && std::any_of(type->get_array().begin(),
                                                              type->get_array().end(), is_object))))
      return true;
    const boost::json::value* items = o->if_contains("items");
    if (!items) return false;
    n = resolve(Node{n.document, items, spec::pointer_append(n.pointer, "items")});
  }
  return false;
}

TypeModel::Node TypeModel::follow(const Node& n, std::string_view ref) const {
  const std::string absolute = spec::resolve_uri(n.document ? n.document->uri() : "", ref);
  const auto hash = absolute.find('#');
  const std::string_view uri = std::string_view(absolute).substr(0, hash);
  const spec::Document* doc = api_.documents().find(uri);
  if (!doc && n.document && n.document->uri() == uri) doc = n.document;
  if (!doc) return {};
  const std::string fragment =
      hash == std::string::npos ? std::string() : percent_decode_lenient(absolute.substr(hash + 1));
  // A plain-name fragment is an $anchor, which the generator does not look up.
  if (!fragment.empty() && fragment.front() != '/') return {};
  const json::value* v = doc->find(fragment);
  if (!v) return {};
  return Node{doc, v, fragment};
}

TypeModel::Node TypeModel::resolve(Node n) const {
  for (int i = 0; i < kMaxDepth && n.value; ++i) {
    const auto* o = as_object(n.value);
    if (!o) return n;
    const auto ref = string_member(*o, "$ref");
    if (ref.empty()) return n;
    n = follow(n, ref);
  }
  return n;
}

bool TypeModel::marked(const Node& in, std::string_view keyword) const {
  Node n = in;
  for (int i = 0; i < kMaxDepth && n.value; ++i) {
    const auto* o = as_object(n.value);
    if (!o) return false;
    if (const auto* m = o->if_contains(keyword); m && m->is_bool()) return m->as_bool();
    const auto ref = string_member(*o, "$ref");
    if (ref.empty()) return false;
    n = follow(n, ref);
  }
  return false;
}

void TypeModel::fallback(const Node& n, std::string reason) {
  notes_.push_back({n.where(), "boost::json::value: " + reason});
}

std::string TypeModel::name_for(const Node& n, std::string_view hint) {
  // components.schemas entries keep their names (PascalCase), wherever they are reached from.
  constexpr std::string_view kComponents = "/components/schemas/";
  std::string name;
  if (n.pointer.starts_with(kComponents) &&
      n.pointer.find('/', kComponents.size()) == std::string::npos)
    name = pascal_case(last_token(n.pointer));
  else
    name = pascal_case(hint);
  if (name.empty()) name = "Type";
  return type_names_.unique(std::move(name));
}

CppType TypeModel::map_node(const Node& n, std::string_view hint, int depth) {
  using K = CppType::Kind;
  if (depth > kMaxDepth) {
    fallback(n, "nested or referenced more than 64 deep");
    return CppType::of(K::Json);
  }
  const auto* o = as_object(n.value);
  if (!o) return CppType::of(K::Json);  // `true`, `false`, or no schema: any value

  if (const auto ref = string_member(*o, "$ref"); !ref.empty()) {
    const Node target = follow(n, ref);
    if (!target.value) {
      fallback(n, "its $ref '" + std::string(ref) + "' is not followed (an $anchor or $id)");
      return CppType::of(K::Json);
    }
    if (const auto it = by_location_.find(target.key()); it != by_location_.end())
      return CppType::named(it->second);
    return map_node(target, last_token(target.pointer), depth + 1);
  }

  bool nullable = false;
  if (const auto* v = o->if_contains("nullable"); v && v->is_bool() && v->as_bool())
    nullable = true;
  std::string_view type;
  if (const auto* t = o->if_contains("type")) {
    if (t->is_string()) {
      type = t->as_string();
    } else if (t->is_array()) {
      int others = 0;
      for (const auto& e : t->as_array()) {
        if (!e.is_string()) continue;
        if (e.as_string() == "null")
          nullable = true;
        else if (++others == 1)
          type = e.as_string();
      }
      if (others > 1) {
        fallback(n, "its type is a list of types");
        return CppType::of(K::Json);
      }
    }
  }
  const auto finish = [&](CppType t) {
    if (nullable && t.kind != K::Json && t.kind != K::Optional)
      return CppType::wrap(K::Optional, std::move(t));
    return t;
  };

  if (const auto* e = o->if_contains("enum"); e && e->is_array() && !e->as_array().empty()) {
    bool strings = true;
    for (const auto& v : e->as_array()) {
      if (v.is_null())
        nullable = true;
      else if (!v.is_string())
        strings = false;
    }
    if (strings && (type.empty() || type == "string"))
      return finish(map_enum(n, e->as_array(), hint));
  }
  if (o->contains("allOf") && !o->contains("oneOf") && !o->contains("anyOf"))
    return finish(map_object(n, hint, depth));
  for (const std::string_view keyword : {"oneOf", "anyOf"}) {
    const auto* branches = o->if_contains(keyword);
    if (!branches || !branches->is_array() || o->contains("properties")) continue;
    return finish(map_variant(n, branches->as_array(), hint, depth));
  }

  if (type.empty()) {
    if (o->contains("properties") || o->contains("additionalProperties"))
      type = "object";
    else if (o->contains("items"))
      type = "array";
    else if (const auto* c = o->if_contains("const")) {
      if (c->is_string())
        type = "string";
      else if (c->is_bool())
        type = "boolean";
      else if (c->is_int64() || c->is_uint64())
        type = "integer";
      else if (c->is_double())
        type = "number";
    }
  }
  if (type == "string") return finish(CppType::of(K::String));
  if (type == "integer")
    return finish(CppType::of(string_member(*o, "format") == "int32" ? K::Int32 : K::Int64));
  if (type == "number") return finish(CppType::of(K::Double));
  if (type == "boolean") return finish(CppType::of(K::Bool));
  if (type == "array") {
    const auto* items = o->if_contains("items");
    if (!items || !(items->is_object() || items->is_bool()))
      return finish(CppType::wrap(K::Vector, CppType::of(K::Json)));
    const Node item{n.document, items, spec::pointer_append(n.pointer, "items")};
    return finish(CppType::wrap(K::Vector, map_node(item, std::string(hint) + "Item", depth + 1)));
  }
  if (type == "object") return finish(map_object(n, hint, depth));
  return CppType::of(K::Json);  // no type (any value), or "null"
}

bool TypeModel::collect_object(const Node& in, std::vector<std::pair<std::string, Node>>& props,
                               std::vector<std::string>& required, int depth) const {
  if (depth > kMaxDepth) return false;
  const Node n = in;
  const auto* o = as_object(n.value);
  if (!o) return n.value && n.value->is_bool() && n.value->as_bool();
  if (const auto ref = string_member(*o, "$ref"); !ref.empty()) {
    const Node target = follow(n, ref);
    if (!target.value || !collect_object(target, props, required, depth + 1)) return false;
  }
  if (const auto* t = o->if_contains("type"); t && t->is_string() && t->as_string() != "object")
    return false;
  if (o->contains("oneOf") || o->contains("anyOf") || o->contains("enum")) return false;
  if (const auto* p = o->if_contains("properties"); p && p->is_object()) {
    const std::string base = spec::pointer_append(n.pointer, "properties");
    for (const auto& kv : p->as_object()) {
      const auto same = [&](const auto& e) { return e.first == kv.key(); };
      if (std::find_if(props.begin(), props.end(), same) == props.end())
        props.emplace_back(std::string(kv.key()),
                           Node{n.document, &kv.value(), spec::pointer_append(base, kv.key())});
    }
  }
  if (const auto* r = o->if_contains("required"); r && r->is_array())
    for (const auto& name : r->as_array())
      if (name.is_string() &&
          std::find(required.begin(), required.end(), name.as_string()) == required.end())
        required.emplace_back(name.as_string());
  if (const auto* all = o->if_contains("allOf"); all && all->is_array()) {
    const std::string base = spec::pointer_append(n.pointer, "allOf");
    std::size_t i = 0;
    for (const auto& branch : all->as_array()) {
      const Node b{n.document, &branch, spec::pointer_append(base, std::to_string(i++))};
      if (!collect_object(b, props, required, depth + 1)) return false;
    }
  }
  return true;
}

CppType TypeModel::map_object(const Node& n, std::string_view hint, int depth) {
  using K = CppType::Kind;
  if (const auto it = by_location_.find(n.key()); it != by_location_.end())
    return CppType::named(it->second);
  std::vector<std::pair<std::string, Node>> props;
  std::vector<std::string> required;
  if (!collect_object(n, props, required, depth)) {
    // allOf with one schema that is not an object (allOf: [$ref: Id] adding a description).
    const auto* all = as_object(n.value)->if_contains("allOf");
    if (all && all->is_array() && all->as_array().size() == 1 &&
        !as_object(n.value)->contains("properties")) {
      const Node only{n.document, &all->as_array()[0], spec::pointer_append(n.pointer, "allOf/0")};
      return map_node(only, hint, depth + 1);
    }
    fallback(n, "allOf of schemas that are not all objects");
    return CppType::of(K::Json);
  }
  if (props.empty()) {
    const auto* ap = as_object(n.value)->if_contains("additionalProperties");
    if (ap && ap->is_object() && !ap->as_object().empty()) {
      const Node value{n.document, ap, spec::pointer_append(n.pointer, "additionalProperties")};
      return CppType::wrap(K::Map, map_node(value, std::string(hint) + "Value", depth + 1));
    }
    return CppType::of(K::Json);  // a free-form object
  }

  // Declared before its members are mapped: a member may hold this type.
  const std::size_t index = declare(Decl::Kind::Struct, n, hint);

  NameScope members;
  std::vector<Field> fields;
  for (auto& [name, node] : props) {
    Field f;
    f.json_name = name;
    f.cpp_name = members.unique(cpp_identifier(name));
    f.read_only = marked(node, "readOnly");
    f.write_only = marked(node, "writeOnly");
    // A member of one side is absent on the other: required there only, optional here.
    f.required = !f.read_only && !f.write_only &&
                 std::find(required.begin(), required.end(), name) != required.end();
    f.type = map_node(node, decls_[index].name + pascal_case(name), depth + 1);
    if (!f.required && f.type.kind != K::Optional) f.type = CppType::wrap(K::Optional, f.type);
    if (const auto* po = as_object(node.value)) f.description = string_member(*po, "description");
    fields.push_back(std::move(f));
  }
  decls_[index].fields = std::move(fields);
  // The members `properties` does not name, when the schema admits some by name: an
  // additionalProperties schema (or `true`) types them; with patternProperties beside it (or
  // alone, additionalProperties then defaulting to any), one map cannot type both kinds, so
  // they are kept as JSON (validated all the same).
  const json::object* own = as_object(n.value);
  const json::value* ap = own ? own->if_contains("additionalProperties") : nullptr;
  const bool patterns = own && own->contains("patternProperties");
  const bool open = ap && (ap->is_object() || (ap->is_bool() && ap->as_bool()));
  if (open || patterns) {
    Field f;
    f.cpp_name = members.unique("additional_properties");
    f.required = true;
    const CppType value =
        open && ap->is_object() && !patterns
            ? map_node(
                  Node{n.document, ap, spec::pointer_append(n.pointer, "additionalProperties")},
                  decls_[index].name + "Value", depth + 1)
            : CppType::of(K::Json);
    f.type = CppType::wrap(K::Map, value);
    f.description = patterns ? "the members `properties` does not name (patternProperties, "
                               "additionalProperties)"
                             : "the members `properties` does not name (additionalProperties)";
    decls_[index].additional = std::move(f);
  }
  return CppType::named(index);
}

CppType TypeModel::map_variant(const Node& n, const json::array& branches, std::string_view hint,
                               int depth) {
  using K = CppType::Kind;
  if (const auto it = by_location_.find(n.key()); it != by_location_.end())
    return CppType::named(it->second);
  const std::string keyword = as_object(n.value)->contains("oneOf") ? "oneOf" : "anyOf";
  std::vector<Node> alternatives;
  bool nullable = false;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    if (is_null_schema(branches[i])) {
      nullable = true;
      continue;
    }
    alternatives.push_back(
        Node{n.document, &branches[i],
             spec::pointer_append(n.pointer, keyword + "/" + std::to_string(i))});
  }
  const auto maybe_null = [&](CppType t) {
    return nullable && t.kind != K::Json && t.kind != K::Optional
               ? CppType::wrap(K::Optional, std::move(t))
               : t;
  };
  if (alternatives.size() == 1) return maybe_null(map_node(alternatives[0], hint, depth + 1));

  const auto* disc = as_object(as_object(n.value)->if_contains("discriminator"));
  const std::string_view property = disc ? string_member(*disc, "propertyName") : "";
  // Each alternative a $ref to an object schema: a variant told apart by the property.
  std::vector<Node> targets;
  for (const Node& a : alternatives) {
    const auto ref = string_member(*as_object(a.value), "$ref");
    Node t = ref.empty() ? Node{} : resolve(a);
    std::vector<std::pair<std::string, Node>> props;
    std::vector<std::string> required;
    if (!t.value || !collect_object(t, props, required, depth + 1) || props.empty()) break;
    targets.push_back(std::move(t));
  }
  if (property.empty() || targets.size() != alternatives.size()) {
    fallback(n, property.empty() ? keyword + " without a discriminator"
                                 : keyword + " whose alternatives are not all $refs to objects");
    return CppType::of(K::Json);
  }

  const std::size_t index = declare(Decl::Kind::Variant, n, hint);
  decls_[index].discriminator = property;

  std::vector<std::size_t> alts;
  for (const Node& t : targets) {
    const CppType a = map_node(t, last_token(t.pointer), depth + 1);
    if (a.kind != K::Named || decls_[a.decl].kind != Decl::Kind::Struct ||
        std::find(alts.begin(), alts.end(), a.decl) != alts.end()) {
      decls_[index].kind = Decl::Kind::Json;
      fallback(n, keyword + " alternatives that are not distinct object types");
      return maybe_null(CppType::named(index));
    }
    alts.push_back(a.decl);
  }
  // The discriminator's values: the mapping's, then each alternative's schema name for the
  // ones the mapping does not name (OpenAPI's implicit mapping).
  std::vector<std::pair<std::string, std::size_t>> mapping;
  std::vector<bool> mapped(targets.size(), false);
  if (const auto* m = as_object(disc->if_contains("mapping"))) {
    for (const auto& kv : *m) {
      if (!kv.value().is_string()) continue;
      std::string_view ref = kv.value().as_string();
      // A bare schema name is short for #/components/schemas/<name>.
      const std::string full = ref.find_first_of("#/.") == std::string_view::npos
                                   ? "#/components/schemas/" + std::string(ref)
                                   : std::string(ref);
      const Node target = resolve(follow(Node{&api_.root(), nullptr, ""}, full));
      for (std::size_t i = 0; i < targets.size(); ++i)
        if (target.value && target.key() == targets[i].key()) {
          mapping.emplace_back(std::string(kv.key()), i);
          mapped[i] = true;
        }
    }
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (!mapped[i]) mapping.emplace_back(last_token(targets[i].pointer), i);
  decls_[index].alternatives = std::move(alts);
  decls_[index].mapping = std::move(mapping);
  return maybe_null(CppType::named(index));
}

CppType TypeModel::map_enum(const Node& n, const json::array& values, std::string_view hint) {
  if (const auto it = by_location_.find(n.key()); it != by_location_.end())
    return CppType::named(it->second);
  std::vector<std::pair<std::string, std::string>> enumerators;
  NameScope names;
  for (const auto& v : values) {
    if (!v.is_string()) continue;
    const std::string_view text = v.as_string();
    const auto same = [&](const auto& e) { return e.first == text; };
    if (std::find_if(enumerators.begin(), enumerators.end(), same) != enumerators.end()) continue;
    enumerators.emplace_back(std::string(text),
                             names.unique(text.empty() ? "empty" : cpp_identifier(text)));
  }
  const std::size_t index = declare(Decl::Kind::Enum, n, hint);
  decls_[index].enumerators = std::move(enumerators);
  return CppType::named(index);
}

std::size_t TypeModel::declare(Decl::Kind kind, const Node& n, std::string_view hint) {
  const std::size_t index = decls_.size();
  Decl d;
  d.kind = kind;
  d.name = name_for(n, hint);
  d.location = n.where();
  if (const auto* o = as_object(n.value)) d.description = string_member(*o, "description");
  decls_.push_back(std::move(d));
  by_location_.emplace(n.key(), index);
  return index;
}

void TypeModel::finish() {
  using K = CppType::Kind;
  // A member named like a type would change what the type's name means inside the struct.
  for (auto& d : decls_) {
    for (auto& f : d.fields)
      while (type_names_.taken(f.cpp_name)) f.cpp_name += '_';
    if (d.additional)
      while (type_names_.taken(d.additional->cpp_name)) d.additional->cpp_name += '_';
  }

  // The decl a member's type names, and whether the member holds it by value (itself, in an
  // optional or as a map's values): a vector's elements may be incomplete where the vector is
  // declared, so that a type can hold a vector of itself.
  struct Held {
    const CppType* named = nullptr;
    bool by_value = true;
  };
  const std::function<Held(const CppType&, bool)> held = [&](const CppType& t,
                                                             bool by_value) -> Held {
    switch (t.kind) {
      case K::Named:
        return {&t, by_value};
      case K::Optional:
      case K::Map:
        return held(*t.inner, by_value);
      case K::Vector:
        return held(*t.inner, t.inner->kind == K::Named ? false : by_value);
      default:
        return {};
    }
  };
  enum State : std::uint8_t { Unvisited, Open, Done };
  std::vector<State> state(decls_.size(), Unvisited);
  order_.clear();
  const std::function<void(std::size_t)> visit = [&](std::size_t i) {
    state[i] = Open;
    Decl& d = decls_[i];
    if (d.kind == Decl::Kind::Struct) {
      // `additional`: the additionalProperties map, which stays a map (of JSON on a cycle).
      const auto member = [&](Field& f, bool additional) {
        const Held h = held(f.type, true);
        if (!h.named) return;
        const std::size_t dep = h.named->decl;
        if (state[dep] == Open && h.by_value) {
          // A cycle of by-value members: this one holds the JSON instead.
          notes_.push_back({d.location, "boost::json::value: member '" +
                                            (additional ? "additionalProperties" : f.json_name) +
                                            "' holds " + decls_[dep].name +
                                            " by value, which holds this type again"});
          f.type = additional   ? CppType::wrap(K::Map, CppType::of(K::Json))
                   : f.required ? CppType::of(K::Json)
                                : CppType::wrap(K::Optional, CppType::of(K::Json));
        } else if (state[dep] == Unvisited) {
          // A vector's element type is defined first too when it can be (it is not on a
          // cycle): a later struct holding this one by value in a map or optional makes clang
          // instantiate this one's members, an optional vector's destructor among them, which
          // needs the element complete.
          visit(dep);
        }
      };
      for (auto& f : d.fields) member(f, false);
      if (d.additional) member(*d.additional, true);
    } else if (d.kind == Decl::Kind::Variant) {
      for (const std::size_t a : d.alternatives)
        if (state[a] == Open) {
          notes_.push_back(
              {d.location, "boost::json::value: an alternative holds this type by value"});
          d.kind = Decl::Kind::Json;
          d.alternatives.clear();
          d.mapping.clear();
          break;
        }
      for (const std::size_t a : d.alternatives)
        if (state[a] == Unvisited) visit(a);
    }
    state[i] = Done;
    order_.push_back(i);
  };
  for (std::size_t i = 0; i < decls_.size(); ++i)
    if (state[i] == Unvisited) visit(i);
}

std::string TypeModel::initializer(const CppType& t) const {
  using K = CppType::Kind;
  switch (t.kind) {
    case K::Int64:
    case K::Int32:
    case K::Double:
    case K::Bool:
      return "{}";
    case K::Named:
      return decls_[t.decl].kind == Decl::Kind::Enum ? "{}" : "";
    default:
      return "";
  }
}

std::string TypeModel::render(const CppType& t) const {
  using K = CppType::Kind;
  switch (t.kind) {
    case K::Json:
      return "::boost::json::value";
    case K::String:
      return "::std::string";
    case K::Int64:
      return "::std::int64_t";
    case K::Int32:
      return "::std::int32_t";
    case K::Double:
      return "double";
    case K::Bool:
      return "bool";
    case K::Vector:
      return "::std::vector<" + render(*t.inner) + ">";
    case K::Map:
      return "::std::map<::std::string, " + render(*t.inner) + ", ::std::less<>>";
    case K::Optional:
      return "::std::optional<" + render(*t.inner) + ">";
    case K::Named:
      return decls_[t.decl].name;
  }
  return "::boost::json::value";
}

}  // namespace brrt::codegen
