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

Kind kind_from(std::string_view t) {
  if (t == "string") return Kind::String;
  if (t == "integer") return Kind::Integer;
  if (t == "number") return Kind::Number;
  if (t == "boolean") return Kind::Boolean;
  if (t == "array") return Kind::Array;
  if (t == "object") return Kind::Object;
  return Kind::Any;
}

const json::object* resolve(const spec::Document* doc, const json::value* v) {
  for (int hops = 0; v && hops < 32; ++hops) {
    const json::object* o = v->if_object();
    if (!o) return nullptr;
    auto ref = o->find("$ref");
    if (ref != o->end() && ref->value().is_string() && !o->contains("type")) {
      std::string_view r = ref->value().get_string();
      if (r.empty() || r.front() != '#' || !doc) return o;
      v = doc->find(r.substr(1));
      continue;
    }
    auto all = o->find("allOf");
    if (!o->contains("type") && all != o->end() && all->value().is_array() &&
        all->value().get_array().size() == 1) {
      v = &all->value().get_array()[0];
      continue;
    }
    return o;
  }
  return nullptr;
}

void type_of(const json::object* o, Kind& kind, bool& nullable) {
  if (!o) return;
  auto t = o->find("type");
  if (t == o->end()) return;
  if (t->value().is_string()) {
    kind = kind_from(t->value().get_string());
  } else if (t->value().is_array()) {
    for (const auto& e : t->value().get_array()) {
      if (!e.is_string()) continue;
      if (e.get_string() == "null")
        nullable = true;
      else if (kind == Kind::Any)
        kind = kind_from(e.get_string());
    }
  }
  if (auto n = o->find("nullable"); n != o->end() && n->value().is_bool() && n->value().get_bool())
    nullable = true;
}

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

Kind Shape::property_of(std::string_view name) const noexcept {
  for (const auto& [n, k] : properties)
    if (n == name) return k;
  return Kind::Any;
}

Shape shape_of(const spec::SchemaRef& schema) {
  Shape s;
  if (!schema) return s;
  const json::object* o = resolve(schema.document, schema.node);
  type_of(o, s.kind, s.nullable);
  if (!o) return s;
  if (auto d = o->find("default"); d != o->end()) s.default_value = &d->value();
  if (s.kind == Kind::Array) {
    if (auto it = o->find("items"); it != o->end()) {
      bool ignored = false;
      type_of(resolve(schema.document, &it->value()), s.items, ignored);
    }
  }
  if (s.kind == Kind::Object || (s.kind == Kind::Any && o->contains("properties"))) {
    if (s.kind == Kind::Any) s.kind = Kind::Object;
    if (auto it = o->find("properties"); it != o->end() && it->value().is_object()) {
      for (const auto& kv : it->value().get_object()) {
        Kind k = Kind::Any;
        bool ignored = false;
        type_of(resolve(schema.document, &kv.value()), k, ignored);
        s.properties.emplace_back(std::string(kv.key()), k);
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

ParamDecoder::ParamDecoder(const spec::Parameter& p) : param_(&p), shape_(shape_of(p.schema)) {
  location_ = std::string(spec::to_string(p.in)) + " parameter '" + p.name + "'";
}

namespace {

// Text as a schema's primitive type; false when it is not one. Inlined into coerce and its item
// and property forms: a parameter is decoded on every request, and a call between coerce and
// the conversion cost about 20 instructions per parameter.
[[gnu::always_inline]] inline bool convert_text(std::string_view text, Kind kind, bool nullable,
                                                json::value& out) {
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
    default:
      out = json::string(text, out.storage());
      return true;
  }
}

}  // namespace

bool ParamDecoder::convert(std::string_view text, Kind kind, json::value& out) const {
  return convert_text(text, kind, shape_.nullable, out);
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

void ParamDecoder::type_error(std::string_view text, Kind kind, std::string pointer,
                              ParamError& error) const {
  error.message = location_;
  if (!pointer.empty()) error.message += " at " + pointer;
  error.message += ": " + quoted(text);
  if (beyond_range(text, kind)) {
    error.message += kind == Kind::Integer ? " is beyond the range of a 64-bit integer"
                                           : " is beyond the range of a double";
  } else {
    error.message += " is not ";
    error.message += kind_name(kind);
  }
  error.keyword = "type";
  error.pointer = std::move(pointer);
}

bool ParamDecoder::coerce(std::string_view text, Kind kind, json::value& out,
                          ParamError& error) const {
  if (convert_text(text, kind, shape_.nullable, out)) return true;
  type_error(text, kind, {}, error);
  return false;
}

bool ParamDecoder::coerce_property(std::string_view text, std::string_view property,
                                   json::value& out, ParamError& error) const {
  const Kind kind = shape_.property_of(property);
  if (convert_text(text, kind, shape_.nullable, out)) return true;
  std::string pointer = "/";
  append_pointer_token(pointer, property);
  type_error(text, kind, std::move(pointer), error);
  return false;
}

bool ParamDecoder::coerce_item(std::string_view text, std::size_t index, json::value& out,
                               ParamError& error) const {
  if (convert_text(text, shape_.items, shape_.nullable, out)) return true;
  type_error(text, shape_.items, "/" + std::to_string(index), error);
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
                                      ParamError& error, bool explode_pairs) const {
  std::vector<std::string_view> parts;
  if (!text.empty()) {
    while (true) {
      const auto at = text.find(sep);
      parts.push_back(text.substr(0, at));
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

bool ParamDecoder::decode_path(std::string_view raw, json::value& out, ParamError& error) const {
  using spec::ParamStyle;
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
      return decode_simple_list(text, ';', out, error, true);
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
      return decode_simple_list(joined, ',', out, error, false);
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
    return decode_simple_list(text, sep, out, error, pairs);
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
    return decode_simple_list(raw, ',', out, error, param_->explode);
  }
  return coerce(raw, shape_.kind, out, error);
}

bool ParamDecoder::decode_header_lines(const http::Request& req, json::value& out, bool& present,
                                       ParamError& error) const {
  std::size_t lines = 0;
  std::string_view value;
  for (std::size_t i = 0; i < req.header_count; ++i)
    if (http::iequals(req.headers[i].name, param_->name) && lines++ == 0)
      value = req.headers[i].value;
  present = lines != 0;
  if (lines <= 1) return lines == 0 || decode_header(value, out, error);
  if (shape_.kind != Kind::Array || param_->content) {
    error = {location_ + ": sent more than once", "style", {}};
    return false;
  }
  std::string joined;
  for (std::size_t i = 0; i < req.header_count; ++i)
    if (http::iequals(req.headers[i].name, param_->name))
      joined.append(joined.empty() ? "" : ",").append(req.headers[i].value);
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
      bool declared = false;
      for (const auto& p : shape_.properties) declared |= p.first == key;
      if (!declared) continue;
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
        shape_.kind != Kind::Any && shape_.kind != Kind::Array) {
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
