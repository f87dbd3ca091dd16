#include "brrt/dispatch/param_decoder.hpp"

#include <boost/json/parse.hpp>

#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "brrt/core/json_pointer.hpp"
#include "brrt/core/utf8.hpp"

namespace brrt::dispatch {

namespace json = boost::json;

namespace {

// The types a `type` name allows; an unknown name constrains nothing.
TypeSet type_bits(std::string_view t) {
  if (t == "string") return types::String;
  if (t == "integer") return types::Integer;
  if (t == "number") return types::Number | types::Integer;
  if (t == "boolean") return types::Boolean;
  if (t == "array") return types::Array;
  if (t == "object") return types::Object;
  if (t == "null") return types::Null;
  return types::All;
}

// The type of an `enum` or `const` value (1.0 is an integer, as JSON Schema counts them).
TypeSet value_bits(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
      return types::Integer;
    case json::kind::double_: {
      const double d = v.get_double();
      return std::isfinite(d) && d == std::floor(d) ? types::Integer
                                                    : types::Number | types::Integer;
    }
    case json::kind::bool_:
      return types::Boolean;
    case json::kind::string:
      return types::String;
    case json::kind::array:
      return types::Array;
    case json::kind::object:
      return types::Object;
    default:
      return types::Null;
  }
}

// What text is coerced to for a value of `set`.
struct Target {
  Kind kind = Kind::Any;
  TypeSet types = 0;      // with Kind::Union
  bool nullable = false;  // a single kind that may also be null ("null" is null)
};

Target target_of(TypeSet set, bool numeric) {
  if (set == types::All) {
    // No type at all. Text stays text, as JSON Schema takes an untyped value, except where a
    // numeric keyword (`minimum`, `multipleOf`, ...) says a number is meant: text that reads as one
    // becomes a number, anything else stays a string. Otherwise `{minimum: 3}` accepts "2", since
    // numeric keywords ignore strings. Ajv's coerceTypes (express-openapi-validator) and
    // openapi-core coerce by `type` alone and let "2" through; a query, path, header or cookie
    // value has no other way to carry a number, so the keyword is taken to say which is meant.
    if (numeric) return {Kind::Union, types::Number | types::Integer | types::String, false};
    return {};
  }
  // No type satisfies every part of the schema: the text is left as text and the validator says why
  // nothing matches.
  if (set == 0) return {};
  const bool nullable = (set & types::Null) != 0;
  switch (set & ~types::Null) {
    case types::Integer:
      return {Kind::Integer, 0, nullable};
    case types::Number | types::Integer:
      return {Kind::Number, 0, nullable};
    case types::Boolean:
      return {Kind::Boolean, 0, nullable};
    case types::String:
      return {Kind::String, 0, nullable};
    case types::Array:
      return {Kind::Array, 0, nullable};
    case types::Object:
      return {Kind::Object, 0, nullable};
    default:
      return {Kind::Union, set, false};  // the union tries null itself
  }
}

// Walks a schema as far as shape_of needs: its `$ref`s (into other documents of the spec through
// the set) and the applicators that say what a value is (allOf, anyOf, oneOf). Load time only.
// Depth and visits are bounded: schemas may be recursive, and a wide `oneOf` of `oneOf`s would
// otherwise be walked once per path to it.
class SchemaWalk {
 public:
  explicit SchemaWalk(const spec::DocumentSet* documents) : documents_(documents) {}

  // The types `v` (written in `doc`) lets a value take, and whether a numeric keyword appears in
  // it, as a Target.
  Target target(const spec::Document* doc, const json::value* v) {
    visits_ = 0;
    numeric_ = false;
    const TypeSet set = types(doc, v, 0);
    return target_of(set, numeric_);
  }

  // Calls `f(doc, object)` for `v` and every schema it is a conjunct of (`$ref`, `allOf`), and with
  // `alternatives` the members of `anyOf` and `oneOf` too, in document order.
  template <class F>
  void visit(const spec::Document* doc, const json::value* v, bool alternatives, F&& f) {
    visits_ = 0;
    walk(doc, v, 0, alternatives, f);
  }

 private:
  static constexpr int kMaxDepth = 32;
  static constexpr int kMaxVisits = 4096;

  bool enter(const json::value* v, int depth) {
    return v && depth <= kMaxDepth && ++visits_ <= kMaxVisits;
  }

  // The schema `ref` (written in `doc`) names, with `doc` set to the document holding it; nullptr
  // when it is not loaded or names no JSON pointer (an `$anchor` is the schema compiler's).
  const json::value* follow(const spec::Document*& doc, std::string_view ref) const {
    if (!doc) return nullptr;
    std::string absolute;
    std::string_view fragment;
    if (!ref.empty() && ref.front() == '#') {
      fragment = ref.substr(1);
    } else {
      if (!documents_) return nullptr;
      absolute = spec::resolve_uri(doc->uri(), ref);
      const auto hash = absolute.find('#');
      const spec::Document* target = documents_->find(std::string_view(absolute).substr(0, hash));
      if (!target) return nullptr;
      doc = target;
      if (hash != std::string::npos) fragment = std::string_view(absolute).substr(hash + 1);
    }
    if (!fragment.empty() && fragment.front() != '/') return nullptr;
    std::string decoded;
    if (fragment.find('%') != std::string_view::npos) {
      if (url_decode(fragment, decoded, false) != DecodeError::None) return nullptr;
      fragment = decoded;
    }
    return doc->find(fragment);
  }

  TypeSet types(const spec::Document* doc, const json::value* v, int depth) {
    if (!enter(v, depth)) return types::All;
    if (v->is_bool()) return v->get_bool() ? types::All : 0;
    const json::object* o = v->if_object();
    if (!o) return types::All;
    TypeSet set = types::All;
    if (auto t = o->find("type"); t != o->end()) {
      TypeSet own = types::All;
      if (t->value().is_string()) {
        own = type_bits(t->value().get_string());
      } else if (const json::array* names = t->value().if_array()) {
        own = 0;
        for (const auto& n : *names) own |= n.is_string() ? type_bits(n.get_string()) : 0;
      }
      // OpenAPI 3.0's `nullable` widens the `type` beside it.
      if (auto n = o->find("nullable");
          n != o->end() && n->value().is_bool() && n->value().get_bool())
        own |= types::Null;
      set &= own;
    }
    if (auto e = o->find("enum"); e != o->end() && e->value().is_array()) {
      TypeSet values = 0;
      for (const auto& x : e->value().get_array()) values |= value_bits(x);
      set &= values;
    }
    if (auto c = o->find("const"); c != o->end()) set &= value_bits(c->value());
    if (auto r = o->find("$ref"); r != o->end() && r->value().is_string()) {
      const spec::Document* d = doc;
      if (const json::value* target = follow(d, r->value().get_string()))
        set &= types(d, target, depth + 1);
    }
    if (auto all = o->find("allOf"); all != o->end() && all->value().is_array())
      for (const auto& m : all->value().get_array()) set &= types(doc, &m, depth + 1);
    for (const char* key : {"anyOf", "oneOf"}) {
      auto any = o->find(key);
      if (any == o->end() || !any->value().is_array()) continue;
      TypeSet either = 0;
      for (const auto& m : any->value().get_array()) either |= types(doc, &m, depth + 1);
      set &= either;
    }
    for (const char* key :
         {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
      numeric_ |= o->contains(key);
    return set;
  }

  template <class F>
  void walk(const spec::Document* doc, const json::value* v, int depth, bool alternatives, F& f) {
    if (!enter(v, depth)) return;
    const json::object* o = v->if_object();
    if (!o) return;
    f(doc, *o);
    if (auto r = o->find("$ref"); r != o->end() && r->value().is_string()) {
      const spec::Document* d = doc;
      if (const json::value* target = follow(d, r->value().get_string()))
        walk(d, target, depth + 1, alternatives, f);
    }
    for (const char* key : {"allOf", "anyOf", "oneOf"}) {
      if (!alternatives && std::string_view(key) != "allOf") continue;
      auto members = o->find(key);
      if (members == o->end() || !members->value().is_array()) continue;
      for (const auto& m : members->value().get_array()) walk(doc, &m, depth + 1, alternatives, f);
    }
  }

  const spec::DocumentSet* documents_;
  int visits_ = 0;
  bool numeric_ = false;
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::String:
      return "a string";
    case Kind::Integer:
      return "an integer";
    case Kind::Number:
      return "a number";
    case Kind::Boolean:
      return "a boolean (true or false)";
    case Kind::Array:
      return "an array";
    case Kind::Object:
      return "an object";
    default:
      return "a value";
  }
}

// "an integer or a boolean (true or false)": the scalar types of a union, for a text that is none
// of them. Error path only.
void append_types(std::string& out, TypeSet set) {
  const char* names[4];
  int n = 0;
  if (set & types::Null) names[n++] = "null";
  if (set & types::Number)
    names[n++] = "a number";
  else if (set & types::Integer)
    names[n++] = "an integer";
  if (set & types::Boolean) names[n++] = "a boolean (true or false)";
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += names[i];
  }
  if (n == 0) out += "a value";
}

// [b, e) as an integer when it is an optional '-' and 1 to 18 decimal digits (which cannot
// overflow an int64); nullopt for anything else, which from_chars then reads. An id or a count
// in a path or query is read in a few instructions per digit instead of from_chars's generic
// loop (130 instructions for a six-digit id, the largest single cost of decoding one).
[[gnu::always_inline]] inline std::optional<std::int64_t> decimal_digits(const char* b,
                                                                         const char* e) {
  const bool negative = b != e && *b == '-';
  if (negative) ++b;
  if (b == e || e - b > 18) return std::nullopt;
  std::int64_t v = 0;
  for (; b != e; ++b) {
    const unsigned d = static_cast<unsigned char>(*b) - unsigned{'0'};
    if (d > 9) return std::nullopt;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, 64));
  if (s.size() > 64) out += "...";
  out += "'";
  return out;
}

}  // namespace

const Shape::Property* Shape::find_property(std::string_view name) const noexcept {
  for (const auto& p : properties)
    if (p.name == name) return &p;
  return nullptr;
}

Shape shape_of(const spec::SchemaRef& schema, const spec::DocumentSet* documents) {
  Shape s;
  if (!schema) return s;
  SchemaWalk walk(documents);
  const Target value = walk.target(schema.document, schema.node);
  s.kind = value.kind;
  s.types = value.types;
  s.nullable = value.nullable;
  // The parts of the schema that hold for every value (itself, its `$ref`s, `allOf`) give the
  // default; the alternatives give items and properties too (each is one a value may have).
  walk.visit(schema.document, schema.node, false,
             [&](const spec::Document*, const json::object& o) {
               if (auto d = o.find("default"); d != o.end() && !s.default_value)
                 s.default_value = &d->value();
             });
  // The first `items` of a schema or its alternatives: the array's item schema.
  const auto items_of = [&walk](const spec::Document* d, const json::value* node) {
    std::pair<const spec::Document*, const json::value*> found{nullptr, nullptr};
    walk.visit(d, node, true, [&](const spec::Document* doc, const json::object& o) {
      if (auto it = o.find("items"); it != o.end() && !found.second) found = {doc, &it->value()};
    });
    return found;
  };
  const auto [items_doc, items] = items_of(schema.document, schema.node);
  bool has_properties = false;
  walk.visit(schema.document, schema.node, true, [&](const spec::Document*, const json::object& o) {
    has_properties |= o.contains("properties");
  });
  // With no type at all, `properties` or `items` say what is meant, as a type would.
  if (value.kind == Kind::Any && value.types == 0 && !value.nullable) {
    if (has_properties)
      s.kind = Kind::Object;
    else if (items)
      s.kind = Kind::Array;
  }
  if (s.kind == Kind::Array && items) {
    const Target item = walk.target(items_doc, items);
    s.items = item.kind;
    s.item_types = item.types;
  }
  if (s.kind == Kind::Object) {
    std::vector<std::pair<const spec::Document*, const json::value*>> schemas;
    walk.visit(schema.document, schema.node, true,
               [&](const spec::Document* doc, const json::object& o) {
                 auto it = o.find("properties");
                 if (it == o.end() || !it->value().is_object()) return;
                 for (const auto& kv : it->value().get_object()) {
                   if (s.find_property(kv.key())) continue;  // the first declaration of a name
                   s.properties.push_back({.name = std::string(kv.key())});
                   schemas.emplace_back(doc, &kv.value());
                 }
               });
    for (std::size_t i = 0; i < schemas.size(); ++i) {
      const Target t = walk.target(schemas[i].first, schemas[i].second);
      Shape::Property& p = s.properties[i];
      p.kind = t.kind;
      p.types = t.types;
      p.nullable = t.nullable;
      // Array properties (a form field sent once per item) coerce their items.
      if (t.kind == Kind::Array)
        if (const auto [doc, node] = items_of(schemas[i].first, schemas[i].second); node) {
          const Target item = walk.target(doc, node);
          p.items = item.kind;
          p.item_types = item.types;
          p.item_nullable = item.nullable;
        }
    }
  }
  return s;
}

void split_query(std::string_view query, QueryPairs& out) {
  out.clear();
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      if (eq == std::string_view::npos)
        out.emplace_back(part, std::string_view());
      else
        out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

void split_cookies(std::string_view header, QueryPairs& out) {
  out.clear();
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (const auto eq = part.find('='); eq != std::string_view::npos && eq > 0) {
      std::string_view value = part.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      out.emplace_back(part.substr(0, eq), value);
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
}

std::string_view to_string(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::MalformedEscape:
      return "malformed percent-encoding";
    case DecodeError::NotUtf8:
      return "not valid UTF-8";
    default:
      return "decoded";
  }
}

DecodeError url_decode(std::string_view in, std::string& out, bool plus_is_space) {
  // Most names and values have nothing to decode: one copy instead of a byte-by-byte append.
  // `bytes` ORs every byte written, so all-ASCII text (the usual case) skips the UTF-8 check.
  const auto plain = [&](char c) { return c != '%' && !(c == '+' && plus_is_space); };
  unsigned bytes = 0;
  std::size_t i = 0;
  for (; i < in.size() && plain(in[i]); ++i) bytes |= static_cast<unsigned char>(in[i]);
  out.assign(in.data(), i);
  for (; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return DecodeError::MalformedEscape;
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return DecodeError::MalformedEscape;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    bytes |= static_cast<unsigned char>(c);
    out += c;
  }
  // Escapes may spell any byte, and cookie and header text may carry raw ones.
  return bytes < 0x80 || is_valid_utf8(out) ? DecodeError::None : DecodeError::NotUtf8;
}

bool ParamDecoder::decode_text(std::string_view in, std::string& out, bool plus_is_space,
                               ParamError& error) const {
  const DecodeError e = url_decode(in, out, plus_is_space);
  if (e == DecodeError::None) return true;
  error = {location_ + ": " + std::string(to_string(e)), "style", {}};
  return false;
}

ParamDecoder::ParamDecoder(const spec::Parameter& p, const spec::DocumentSet* documents,
                           std::string location)
    : param_(&p), shape_(shape_of(p.schema, documents)), location_(std::move(location)) {
  if (location_.empty())
    location_ = std::string(spec::to_string(p.in)) + " parameter '" + p.name + "'";
}

namespace {

bool convert_union(std::string_view text, TypeSet set, json::value& out);

// Text as a schema's primitive type (`set`: the types of a Kind::Union); false when it is not one.
// Inlined into coerce and its item and property forms: a parameter is decoded on every request, and
// a call between coerce and the conversion cost about 20 instructions per parameter.
[[gnu::always_inline]] inline bool convert_text(std::string_view text, Kind kind, bool nullable,
                                                TypeSet set, json::value& out) {
  if (nullable && text == "null" && kind != Kind::String) {
    out = nullptr;
    return true;
  }
  switch (kind) {
    case Kind::Integer: {
      std::int64_t v = 0;
      const char* b = text.data();
      const char* e = b + text.size();
      // A leading '+' is allowed (from_chars takes none), but not before another sign.
      const bool plus = !text.empty() && text.front() == '+';
      if (plus) ++b;
      const bool signs = plus && b != e && *b == '-';
      if (const auto digits = signs ? std::nullopt : decimal_digits(b, e)) {  // an id or count
        out = *digits;
        return true;
      }
      auto r = std::from_chars(b, e, v);
      if (signs || text.empty() || r.ec != std::errc() || r.ptr != e) {
        // 1e3 or 2.0 are integers in JSON Schema terms when they have no fraction.
        double d = 0;
        auto rd = std::from_chars(b, e, d);
        if (!signs && !text.empty() && rd.ec == std::errc() && rd.ptr == e && std::isfinite(d) &&
            d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
          out = static_cast<std::int64_t>(d);
          return true;
        }
        return false;
      }
      out = v;
      return true;
    }
    case Kind::Number: {
      double d = 0;
      const char* b = text.data();
      const char* e = b + text.size();
      auto r = std::from_chars(b, e, d);
      if (text.empty() || r.ec != std::errc() || r.ptr != e || !std::isfinite(d)) return false;
      std::int64_t i = 0;
      auto ri = std::from_chars(b, e, i);
      if (ri.ec == std::errc() && ri.ptr == e)
        out = i;
      else
        out = d;
      return true;
    }
    case Kind::Boolean:
      if (text == "true") {
        out = true;
        return true;
      }
      if (text == "false") {
        out = false;
        return true;
      }
      return false;
    case Kind::Union:
      return convert_union(text, set, out);
    default:
      out = json::string(text, out.storage());
      return true;
  }
}

// Text as the first type of `set` it reads as, in this order: null, a number (an integer when the
// set has no other numbers), a boolean, and last a string, which any text is: in a union of integer
// and string "5" is 5 and "all" is "all" (Ajv keeps "5" a string, as string is allowed; but text in
// a URL or header carries no type, and the schema listing a number says one may be meant). "null"
// is null only when strings are not allowed, as for a nullable string. A union with an array or
// object type and no scalar the text reads as keeps it as a string, for the validator to say what
// it is not. Out of line: only parameters whose schema allows several types come here.
[[gnu::noinline]] bool convert_union(std::string_view text, TypeSet set, json::value& out) {
  if ((set & types::Null) && !(set & types::String) && text == "null") {
    out = nullptr;
    return true;
  }
  if ((set & types::Number)
          ? convert_text(text, Kind::Number, false, 0, out)
          : (set & types::Integer) && convert_text(text, Kind::Integer, false, 0, out))
    return true;
  if ((set & types::Boolean) && convert_text(text, Kind::Boolean, false, 0, out)) return true;
  if ((set & (types::String | types::Array | types::Object)) == 0) return false;
  out = json::string(text, out.storage());
  return true;
}

}  // namespace

bool coerce_text(std::string_view text, Kind kind, bool nullable, TypeSet types, json::value& out) {
  return convert_text(text, kind, nullable, types, out);
}

namespace {

// Whether `text` is a number of `kind` that convert_text refused only for its size: digits
// beyond a 64-bit integer (handlers read integer parameters as int64), or a number beyond a
// double. Error path only.
bool beyond_range(std::string_view text, Kind kind) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (kind == Kind::Integer) {
    if (b != e && *b == '+') ++b;
    std::int64_t i = 0;
    const auto r = std::from_chars(b, e, i);
    return r.ec == std::errc::result_out_of_range && r.ptr == e;
  }
  if (kind == Kind::Number) {
    double d = 0;
    const auto r = std::from_chars(b, e, d);
    return r.ec == std::errc::result_out_of_range && r.ptr == e;
  }
  return false;
}

}  // namespace

void ParamDecoder::type_error(std::string_view text, Kind kind, TypeSet types, std::string pointer,
                              ParamError& error) const {
  error.message = location_;
  if (!pointer.empty()) error.message += " at " + pointer;
  error.message += ": " + quoted(text);
  // A union's numbers are said as their one kind would be.
  const Kind number = kind != Kind::Union        ? kind
                      : (types & types::Number)  ? Kind::Number
                      : (types & types::Integer) ? Kind::Integer
                                                 : Kind::Any;
  if (beyond_range(text, number)) {
    error.message += number == Kind::Integer ? " is beyond the range of a 64-bit integer"
                                             : " is beyond the range of a double";
  } else if (kind == Kind::Union) {
    error.message += " is not ";
    append_types(error.message, types);
  } else {
    error.message += " is not ";
    error.message += kind_name(kind);
  }
  error.keyword = "type";
  error.pointer = std::move(pointer);
}

bool ParamDecoder::coerce(std::string_view text, Kind kind, json::value& out,
                          ParamError& error) const {
  if (convert_text(text, kind, shape_.nullable, shape_.types, out)) return true;
  type_error(text, kind, shape_.types, {}, error);
  return false;
}

bool ParamDecoder::coerce_property(std::string_view text, std::string_view property,
                                   json::value& out, ParamError& error) const {
  const Shape::Property* p = shape_.find_property(property);
  const Kind kind = p ? p->kind : Kind::Any;
  const TypeSet types = p ? p->types : 0;
  if (convert_text(text, kind, shape_.nullable, types, out)) return true;
  std::string pointer = "/";
  append_pointer_token(pointer, property);
  type_error(text, kind, types, std::move(pointer), error);
  return false;
}

bool ParamDecoder::coerce_item(std::string_view text, std::size_t index, json::value& out,
                               ParamError& error) const {
  if (convert_text(text, shape_.items, shape_.nullable, shape_.item_types, out)) return true;
  type_error(text, shape_.items, shape_.item_types, "/" + std::to_string(index), error);
  return false;
}

bool ParamDecoder::decode_content(std::string_view text, json::value& out,
                                  ParamError& error) const {
  boost::system::error_code ec;
  out = json::parse(text, ec, out.storage());
  if (ec) {
    error = {location_ + ": not valid JSON (" + ec.message() + ")", "content", {}};
    return false;
  }
  return true;
}

// Splits `text` on `sep` into an array (or, for objects, alternating key,value pairs, or
// key=value items when `explode_pairs`).
bool ParamDecoder::decode_simple_list(std::string_view text, char sep, json::value& out,
                                      ParamError& error, bool explode_pairs, bool ows) const {
  std::vector<std::string_view> parts;
  if (!text.empty()) {
    while (true) {
      const auto at = text.find(sep);
      std::string_view part = text.substr(0, at);
      // A header list is `element OWS "," OWS element` (RFC 9110 5.6.1): "1, 2" is 1 and 2.
      if (ows) {
        while (!part.empty() && (part.front() == ' ' || part.front() == '\t'))
          part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
      }
      parts.push_back(part);
      if (at == std::string_view::npos) break;
      text.remove_prefix(at + 1);
    }
  }
  std::string decoded;
  if (shape_.kind == Kind::Object) {
    json::object obj(out.storage());
    // A property's name is percent-decoded like its value (`;%78=1` is x), and sent once: a
    // second value is refused, as a deepObject property's is, rather than replacing the first.
    std::string key;
    const auto add = [&](std::string_view raw_key, std::string_view raw_value) {
      if (!decode_text(raw_key, key, false, error) ||
          !decode_text(raw_value, decoded, false, error))
        return false;
      if (obj.contains(key)) {
        error = {location_ + ": property '" + key + "' sent more than once", "style", {}};
        return false;
      }
      json::value v(out.storage());
      if (!coerce_property(decoded, key, v, error)) return false;
      obj.emplace(key, std::move(v));
      return true;
    };
    if (explode_pairs) {
      for (auto part : parts) {
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) {
          error = {location_ + ": expected key=value pairs, got " + quoted(part), "style", {}};
          return false;
        }
        if (!add(part.substr(0, eq), part.substr(eq + 1))) return false;
      }
    } else {
      if (parts.size() % 2 != 0) {
        error = {location_ + ": expected alternating keys and values", "style", {}};
        return false;
      }
      for (std::size_t i = 0; i < parts.size(); i += 2)
        if (!add(parts[i], parts[i + 1])) return false;
    }
    out = std::move(obj);
    return true;
  }
  json::array arr(out.storage());
  for (auto part : parts) {
    if (!decode_text(part, decoded, false, error)) return false;
    json::value v(out.storage());
    if (!coerce_item(decoded, arr.size(), v, error)) return false;
    arr.push_back(std::move(v));
  }
  out = std::move(arr);
  return true;
}

namespace {

// "." or "..", also percent-encoded: a dot segment, which RFC 3986 5.2.4 removes from a path
// (the router does not normalize targets). As a parameter's value it would name a directory or
// its parent to a handler that builds a file path from it.
[[gnu::noinline]] bool is_dot_segment(std::string_view raw) noexcept {
  if (raw.empty() || raw.size() > 6) return false;
  std::size_t dots = 0;
  for (std::size_t i = 0; i < raw.size(); ++dots) {
    if (raw[i] == '.')
      i += 1;
    else if (raw.size() - i >= 3 && raw[i] == '%' && raw[i + 1] == '2' &&
             (raw[i + 2] | 0x20) == 'e')
      i += 3;
    else
      return false;
  }
  return dots <= 2;
}

}  // namespace

bool ParamDecoder::decode_path(std::string_view raw, json::value& out, ParamError& error) const {
  using spec::ParamStyle;
  // Gated on the first byte: a value that starts with neither '.' nor '%' (an id, a name) costs
  // one compare.
  if (!raw.empty() && (raw.front() == '.' || raw.front() == '%') && is_dot_segment(raw))
      [[unlikely]] {
    error = {location_ + ": '" + std::string(raw) +
                 "' is a dot segment ('.' or '..'), which names no resource and is refused",
             "style",
             {}};
    return false;
  }
  std::string_view text = raw;
  char sep = ',';
  bool pairs = param_->explode;
  if (param_->style == ParamStyle::Label) {
    if (text.empty() || text.front() != '.') {
      error = {location_ + ": label style values start with '.'", "style", {}};
      return false;
    }
    text.remove_prefix(1);
    if (param_->explode) sep = '.';
  } else if (param_->style == ParamStyle::Matrix) {
    // ;name=value  |  ;name=a,b  |  exploded arrays ;name=a;name=b  |  objects ;k=v;k2=v2
    const std::string prefix = ";" + param_->name;
    if (shape_.kind == Kind::Object && param_->explode) {
      if (text.empty() || text.front() != ';') {
        error = {location_ + ": matrix style values start with ';'", "style", {}};
        return false;
      }
      text.remove_prefix(1);
      return decode_simple_list(text, ';', out, error, true, false);
    }
    if (shape_.kind == Kind::Array && param_->explode) {
      std::string joined;
      while (!text.empty()) {
        if (text.compare(0, prefix.size() + 1, prefix + "=") != 0) {
          error = {location_ + ": expected " + prefix + "=... segments", "style", {}};
          return false;
        }
        text.remove_prefix(prefix.size() + 1);
        const auto next = text.find(';');
        if (!joined.empty()) joined += ',';
        joined += text.substr(0, next);
        text = next == std::string_view::npos ? std::string_view() : text.substr(next);
      }
      return decode_simple_list(joined, ',', out, error, false, false);
    }
    if (text.compare(0, prefix.size(), prefix) != 0) {
      error = {location_ + ": expected " + quoted(prefix + "=..."), "style", {}};
      return false;
    }
    text.remove_prefix(prefix.size());
    if (!text.empty() && text.front() == '=') text.remove_prefix(1);
    pairs = false;
  }
  if (param_->content) {
    std::string decoded;
    if (!decode_text(text, decoded, false, error)) return false;
    return decode_content(decoded, out, error);
  }
  if (shape_.kind == Kind::Array || shape_.kind == Kind::Object)
    return decode_simple_list(text, sep, out, error, pairs, false);
  // A path segment without percent-encoding (an id, a name) is coerced where it lies in the
  // request target, without a copy.
  if (text.find('%') == std::string_view::npos) return coerce(text, shape_.kind, out, error);
  std::string decoded;
  if (!decode_text(text, decoded, false, error)) return false;
  return coerce(decoded, shape_.kind, out, error);
}

bool ParamDecoder::decode_header(std::string_view raw, json::value& out, ParamError& error) const {
  // Field values may carry bytes above 0x7F (obs-text, RFC 9110 5.5); they become JSON text.
  if (!is_valid_utf8(raw)) {
    error = {location_ + ": " + std::string(to_string(DecodeError::NotUtf8)), "style", {}};
    return false;
  }
  if (param_->content) return decode_content(raw, out, error);
  if (shape_.kind == Kind::Array || shape_.kind == Kind::Object) {
    return decode_simple_list(raw, ',', out, error, param_->explode, true);
  }
  return coerce(raw, shape_.kind, out, error);
}

namespace {
// A message's field lines, as ParamDecoder::decode_lines reads them.
struct RequestLines {
  const http::Request& m;
  std::size_t size() const noexcept { return m.header_count; }
  std::string_view name(std::size_t i) const noexcept { return m.headers[i].name; }
  std::string_view value(std::size_t i) const noexcept { return m.headers[i].value; }
};
struct ResponseLines {
  const http::Response& m;
  std::size_t size() const noexcept { return m.header_count(); }
  std::string_view name(std::size_t i) const noexcept { return m.header_name(i); }
  std::string_view value(std::size_t i) const noexcept { return m.header_value(i); }
};
}  // namespace

bool ParamDecoder::decode_header_lines(const http::Request& req, json::value& out, bool& present,
                                       ParamError& error) const {
  return decode_lines(RequestLines{req}, out, present, error);
}

bool ParamDecoder::decode_header_lines(const http::Response& res, json::value& out, bool& present,
                                       ParamError& error) const {
  return decode_lines(ResponseLines{res}, out, present, error);
}

template <class Lines>
bool ParamDecoder::decode_lines(const Lines& lines, json::value& out, bool& present,
                                ParamError& error) const {
  std::size_t count = 0;
  std::string_view value;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (http::iequals(lines.name(i), param_->name) && count++ == 0) value = lines.value(i);
  present = count != 0;
  if (count <= 1) return count == 0 || decode_header(value, out, error);
  if (shape_.kind != Kind::Array || param_->content) {
    error = {location_ + ": sent more than once", "style", {}};
    return false;
  }
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (http::iequals(lines.name(i), param_->name))
      joined.append(joined.empty() ? "" : ",").append(lines.value(i));
  return decode_header(joined, out, error);
}

bool ParamDecoder::decode_pairs(const QueryPairs& pairs, json::value& out, bool& present,
                                ParamError& error) const {
  using spec::ParamStyle;
  const bool form_encoded = param_->in == spec::ParamIn::Query;
  std::string decoded;
  present = false;
  // deepObject: name[prop]=value
  if (param_->style == ParamStyle::DeepObject) {
    json::object obj(out.storage());
    for (const auto& [k, v] : pairs) {
      std::string key;
      if (url_decode(k, key, true) != DecodeError::None) continue;
      if (key.size() < param_->name.size() + 3 ||
          key.compare(0, param_->name.size(), param_->name) != 0 ||
          key[param_->name.size()] != '[' || key.back() != ']')
        continue;
      const std::string prop =
          key.substr(param_->name.size() + 1, key.size() - param_->name.size() - 2);
      if (!decode_text(v, decoded, true, error)) return false;
      if (obj.contains(prop)) {
        error = {location_ + ": property '" + prop + "' sent more than once", "style", {}};
        return false;
      }
      json::value val(out.storage());
      if (!coerce_property(decoded, prop, val, error)) return false;
      obj[prop] = std::move(val);
      present = true;
    }
    if (present) out = std::move(obj);
    return true;
  }
  // Exploded form objects: each declared property is its own pair.
  if (shape_.kind == Kind::Object && param_->style == ParamStyle::Form && param_->explode &&
      !param_->content) {
    json::object obj(out.storage());
    for (const auto& [k, v] : pairs) {
      std::string key;
      if (url_decode(k, key, form_encoded) != DecodeError::None) continue;
      if (!shape_.find_property(key)) continue;  // not one of the object's
      if (!decode_text(v, decoded, form_encoded, error)) return false;
      if (obj.contains(key)) {
        error = {location_ + ": property '" + key + "' sent more than once", "style", {}};
        return false;
      }
      json::value val(out.storage());
      if (!coerce_property(decoded, key, val, error)) return false;
      obj[key] = std::move(val);
      present = true;
    }
    if (present) out = std::move(obj);
    return true;
  }
  // Everything else is keyed by the parameter's own name.
  json::array exploded(out.storage());
  std::string key;
  for (const auto& [k, v] : pairs) {
    if (url_decode(k, key, form_encoded) != DecodeError::None || key != param_->name) continue;
    if (!decode_text(v, decoded, form_encoded, error)) return false;
    if (present && !(shape_.kind == Kind::Array && param_->explode)) {
      error = {location_ + ": sent more than once", "style", {}};
      return false;
    }
    present = true;
    if (decoded.empty() && !param_->allow_empty_value && shape_.kind != Kind::String &&
        shape_.kind != Kind::Any && shape_.kind != Kind::Array &&
        !(shape_.kind == Kind::Union && (shape_.types & types::String))) {
      error = {location_ + ": empty value", "allowEmptyValue", {}};
      return false;
    }
    if (param_->content) return decode_content(decoded, out, error);
    if (shape_.kind == Kind::Array) {
      if (param_->explode && param_->style == ParamStyle::Form) {
        json::value item(out.storage());
        if (!coerce_item(decoded, exploded.size(), item, error)) return false;
        exploded.push_back(std::move(item));
        continue;
      }
      const char sep = param_->style == ParamStyle::SpaceDelimited  ? ' '
                       : param_->style == ParamStyle::PipeDelimited ? '|'
                                                                    : ',';
      // The pieces are already decoded: split, then coerce each.
      json::array arr(out.storage());
      std::string_view rest = decoded;
      while (!decoded.empty()) {
        const auto at = rest.find(sep);
        json::value item(out.storage());
        if (!coerce_item(rest.substr(0, at), arr.size(), item, error)) return false;
        arr.push_back(std::move(item));
        if (at == std::string_view::npos) break;
        rest.remove_prefix(at + 1);
      }
      out = std::move(arr);
      continue;
    }
    if (shape_.kind == Kind::Object) {
      // form, explode=false: k,v,k,v
      json::object obj(out.storage());
      std::string_view rest = decoded;
      while (!rest.empty()) {
        const auto c1 = rest.find(',');
        if (c1 == std::string_view::npos) {
          error = {location_ + ": expected alternating keys and values", "style", {}};
          return false;
        }
        const std::string k2(rest.substr(0, c1));
        rest.remove_prefix(c1 + 1);
        const auto c2 = rest.find(',');
        json::value val(out.storage());
        if (!coerce_property(rest.substr(0, c2), k2, val, error)) return false;
        obj[k2] = std::move(val);
        rest = c2 == std::string_view::npos ? std::string_view() : rest.substr(c2 + 1);
      }
      out = std::move(obj);
      continue;
    }
    if (!coerce(decoded, shape_.kind, out, error)) return false;
  }
  if (shape_.kind == Kind::Array && param_->explode && param_->style == ParamStyle::Form && present)
    out = std::move(exploded);
  return true;
}

}  // namespace brrt::dispatch
