#pragma once
// Internal: the "format" checkers of JSON Schema 2020-12 and OpenAPI.
#include <boost/json/fwd.hpp>

#include <string_view>

namespace brrt::schema::detail {

enum class Format {
  None,     // no "format" keyword
  Unknown,  // a format this implementation does not know: always valid
  DateTime,
  Date,
  Time,
  Duration,
  Email,
  IdnEmail,
  Hostname,
  IdnHostname,
  Ipv4,
  Ipv6,
  Uri,
  UriReference,
  Iri,
  IriReference,
  UriTemplate,
  Uuid,
  Regex,
  JsonPointer,
  RelativeJsonPointer,
  Int32,
  Int64,
  Float,
  Double,
};

Format parse_format(std::string_view name) noexcept;

// Whether `instance` conforms; instances of types a format does not apply to conform.
bool check_format(Format format, const boost::json::value& instance) noexcept;
bool check_string_format(Format format, std::string_view s) noexcept;

}  // namespace brrt::schema::detail
