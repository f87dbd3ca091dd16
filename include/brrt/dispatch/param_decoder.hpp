#pragma once
// Decodes one OpenAPI parameter from its raw request text into a typed JSON value,
// following the parameter's `style` and `explode` (OpenAPI 3.1 §4.8.12.4) and the
// primitive types of its schema. Compiled once per parameter at load; decoding reports
// errors as values (the dispatcher answers 400), never by throwing.
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brrt/http/message.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {

// The primitive shape of a schema, enough to coerce strings (full validation is the schema
// validator's job). `Union` is a scalar that may be of several types (`type: [integer, string]`, a
// `oneOf`, an `enum` of numbers and strings, ...), listed in a TypeSet beside it.
enum class Kind : std::uint8_t { Any, String, Integer, Number, Boolean, Array, Object, Union };

// The JSON types a schema lets a value take, one bit each. `number` includes the integers, so a set
// with `Number` has `Integer` too, and intersecting two sets is a bitwise and.
using TypeSet = std::uint8_t;
namespace types {
inline constexpr TypeSet Null = 1, Boolean = 2, Integer = 4, Number = 8, String = 16, Array = 32,
                         Object = 64, All = 127;
}  // namespace types

struct Shape {
  Kind kind = Kind::Any;
  bool nullable = false;
  TypeSet types = 0;       // with Kind::Union: the types the value may take (Null included)
  Kind items = Kind::Any;  // arrays
  TypeSet item_types = 0;  // with items Kind::Union
  struct Property {
    std::string name;
    Kind kind = Kind::Any;
    TypeSet types = 0;  // with Kind::Union
    bool nullable = false;
    Kind items = Kind::Any;  // with Kind::Array: its items'
    TypeSet item_types = 0;
    bool item_nullable = false;
  };
  std::vector<Property> properties;                   // objects
  const boost::json::value* default_value = nullptr;  // the schema's `default`, if any
  const Property* find_property(std::string_view name) const noexcept;
};

// The shape of a schema. The types a value may take are the intersection of the schema's `type`
// (with `nullable`), the JSON types of its `enum` or `const` values, its `$ref`'s target and every
// `allOf` member, and the union of the members of each `anyOf` and `oneOf`. `$ref`s to other files
// are followed through `documents` (the Api's), local ones always.
Shape shape_of(const spec::SchemaRef& schema, const spec::DocumentSet* documents = nullptr);

// Coerces text to `kind` as a parameter's value is (Kind::Union: to the first of `types` it reads
// as; `nullable`: "null" is null); false when it is not one. For form fields.
bool coerce_text(std::string_view text, Kind kind, bool nullable, TypeSet types,
                 boost::json::value& out);

// `name=value` pairs of a query string, as raw (still encoded) slices.
using QueryPairs = std::vector<std::pair<std::string_view, std::string_view>>;
void split_query(std::string_view query, QueryPairs& out);
// `name=value` pairs of a Cookie header.
void split_cookies(std::string_view header, QueryPairs& out);

// Why a text did not decode: a '%' not followed by two hex digits, or a result that is not
// UTF-8 (it would become a JSON string, and a schema counts its code points).
enum class DecodeError : std::uint8_t { None, MalformedEscape, NotUtf8 };
// "malformed percent-encoding", "not valid UTF-8"
std::string_view to_string(DecodeError e) noexcept;

// Percent-decodes into `out` (replacing it); `plus_is_space` for form-encoded text.
[[nodiscard]] DecodeError url_decode(std::string_view in, std::string& out, bool plus_is_space);

// Why a parameter did not decode. `message` names the parameter ("query parameter 'limit':
// 'abc' is not an integer"); `keyword` names the rule its text broke, the way a schema
// violation names its keyword: the schema's "type" when the text is not of the schema's type,
// else the Parameter Object field whose rules it does not follow: "style" (the serialization,
// its percent-escapes, UTF-8, a value sent more than once), "allowEmptyValue", "content" (a
// `content` parameter that does not parse as its media type).
struct ParamError {
  std::string message;
  std::string_view keyword;  // a literal, never owned
  // Where in the value, for an item or property of an array or object ("/1", "/minAge");
  // empty for the value as a whole.
  std::string pointer;
};

class ParamDecoder {
 public:
  // `documents` (the Api's) lets a schema `$ref` another file of the spec; without it only refs
  // inside the parameter's own document are followed.
  // `location` names the value in messages ("query parameter 'limit'" by default).
  explicit ParamDecoder(const spec::Parameter& p, const spec::DocumentSet* documents = nullptr,
                        std::string location = {});

  const spec::Parameter& parameter() const noexcept { return *param_; }
  std::string_view name() const noexcept { return param_->name; }
  // The schema's `default`, used when an optional parameter is absent; nullptr if none.
  const boost::json::value* default_value() const noexcept { return shape_.default_value; }

  // Path parameter from the router's raw slice. On failure returns false with `error`.
  bool decode_path(std::string_view raw, boost::json::value& out, ParamError& error) const;
  // Query or cookie parameter from the parsed pairs; `present` tells whether it was sent.
  bool decode_pairs(const QueryPairs& pairs, boost::json::value& out, bool& present,
                    ParamError& error) const;
  // Header parameter from its (unfolded) field value.
  bool decode_header(std::string_view raw, boost::json::value& out, ParamError& error) const;
  // Header parameter from the request's field lines of its name; `present` tells whether it
  // was sent. A list sent on several lines is one list (RFC 9110 5.3); a single value sent on
  // two is refused, as a query parameter sent twice is.
  bool decode_header_lines(const http::Request& req, boost::json::value& out, bool& present,
                           ParamError& error) const;
  // The same over a response's field lines (response validation of declared headers).
  bool decode_header_lines(const http::Response& res, boost::json::value& out, bool& present,
                           ParamError& error) const;

  // Coerces already-decoded text to the schema's primitive type (Kind::Union: to the first of the
  // parameter's types that it parses as).
  bool coerce(std::string_view text, Kind kind, boost::json::value& out, ParamError& error) const;

 private:
  // decode_header_lines over any message: `Lines` gives size(), name(i) and value(i).
  template <class Lines>
  bool decode_lines(const Lines& lines, boost::json::value& out, bool& present,
                    ParamError& error) const;
  // `ows`: a header's list, whose elements may have spaces and tabs around them (RFC 9110 5.6.1);
  // in a path they are data.
  bool decode_simple_list(std::string_view text, char sep, boost::json::value& out,
                          ParamError& error, bool explode_pairs, bool ows) const;
  bool decode_content(std::string_view text, boost::json::value& out, ParamError& error) const;
  // coerce() for one property of an object value or one item of an array value: a failure
  // names it in the message and the pointer ("query parameter 'filter' at /minAge: ...").
  bool coerce_property(std::string_view text, std::string_view property, boost::json::value& out,
                       ParamError& error) const;
  bool coerce_item(std::string_view text, std::size_t index, boost::json::value& out,
                   ParamError& error) const;
  // The "type" error of a part of the value, at `pointer` ("" for the whole).
  void type_error(std::string_view text, Kind kind, TypeSet types, std::string pointer,
                  ParamError& error) const;
  // url_decode, with `error` naming this parameter and the reason when it fails.
  bool decode_text(std::string_view in, std::string& out, bool plus_is_space,
                   ParamError& error) const;

  const spec::Parameter* param_;
  Shape shape_;
  std::string location_;  // "query parameter 'limit'"
};

}  // namespace brrt::dispatch
