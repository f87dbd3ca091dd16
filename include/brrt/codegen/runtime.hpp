#pragma once
// What the code `brrtrouter generate` writes stands on: reading a typed value out of the
// decoded, already validated request (`read_json`), writing one straight into a response body
// as JSON text (`append_json`, no DOM built in between), and `Reply`, the status, media type,
// body and headers a generated handler returns.
//
// Generated types get their own `read_json`/`append_json` overloads in their namespace; the
// templates below reach them by argument-dependent lookup, so a `std::vector<Pet>` or a
// `std::optional<Pet>` needs nothing generated of its own.
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "brrt/http/message.hpp"

namespace brrt::codegen {

// ---- reading (request side) ----------------------------------------------------------------
// The request was validated against the spec before a generated handler runs, so a value has
// its schema's type; one of another type, or out of the member's range, throws
// boost::system::system_error from Boost.JSON, which read_param and read_body (what the
// generated code calls) turn into a 400.
void read_json(const boost::json::value& v, std::string& out);
void read_json(const boost::json::value& v, std::int64_t& out);
void read_json(const boost::json::value& v, std::int32_t& out);
void read_json(const boost::json::value& v, double& out);
void read_json(const boost::json::value& v, bool& out);
void read_json(const boost::json::value& v, boost::json::value& out);
template <class T>
void read_json(const boost::json::value& v, std::vector<T>& out);
template <class T>
void read_json(const boost::json::value& v, std::optional<T>& out);
template <class T>
void read_json(const boost::json::value& v, std::map<std::string, T, std::less<>>& out);

template <class T>
void read_json(const boost::json::value& v, std::vector<T>& out) {
  const auto& a = v.as_array();
  out.clear();
  out.reserve(a.size());
  // Each element read into a value of its own: a std::vector<bool>'s elements are not bools.
  for (const auto& e : a) {
    T item{};
    read_json(e, item);
    out.push_back(std::move(item));
  }
}

// null (a nullable schema) and absence both leave the optional empty.
template <class T>
void read_json(const boost::json::value& v, std::optional<T>& out) {
  if (v.is_null()) {
    out.reset();
    return;
  }
  read_json(v, out.emplace());
}

template <class T>
void read_json(const boost::json::value& v, std::map<std::string, T, std::less<>>& out) {
  out.clear();
  for (const auto& kv : v.as_object())
    read_json(kv.value(), out.emplace(std::string(kv.key()), T{}).first->second);
}

// A member of a decoded object (`ctx.path`, a body object) into `out`; `out` keeps its value
// when the member is absent (a required readOnly property is not sent in a request).
template <class T>
void read_member(const boost::json::object& o, std::string_view name, T& out) {
  if (const auto* v = o.if_contains(name)) read_json(*v, out);
}

// The members of `o` that are not among `declared` (a struct's `properties`) into `out`: the
// struct's additionalProperties member.
template <class T>
void read_additional(const boost::json::object& o, std::initializer_list<std::string_view> declared,
                     std::map<std::string, T, std::less<>>& out) {
  out.clear();
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
    read_json(kv.value(), out.emplace(std::string(key), T{}).first->second);
  }
}

// Where a decoded value does not fit the type it is read into although the spec's validation
// let it through: an integer beyond 64 bits (JSON Schema's `integer` has no bounds), beyond 32
// for `format: int32` (formats are annotations unless asserted). `res` becomes a 400 problem
// that names the parameter (or the body) and the value.
void refuse_value(http::Response& res, std::string_view in, std::string_view name,
                  const boost::json::value& value);

// A decoded parameter (`in` as the problem names it: "path", "query", ...) into its typed
// member; `out` is unchanged when the parameter is absent. False, and `res` a 400 problem, when
// the value does not fit.
template <class T>
bool read_param(const boost::json::object& from, std::string_view in, std::string_view name, T& out,
                http::Response& res) {
  const auto* v = from.if_contains(name);
  if (!v) return true;
  try {
    read_json(*v, out);
    return true;
  } catch (const boost::system::system_error&) {
  } catch (const std::invalid_argument&) {
  }
  refuse_value(res, in, name, *v);
  return false;
}

// The decoded body into its typed member; false, and `res` a 400 problem, when a value in it
// does not fit its member's type.
template <class T>
bool read_body(const boost::json::value& body, T& out, http::Response& res) {
  try {
    read_json(body, out);
    return true;
  } catch (const boost::system::system_error&) {
  } catch (const std::invalid_argument&) {
  }
  refuse_value(res, "body", "", body);
  return false;
}

// ---- writing (response side) ---------------------------------------------------------------
void append_json(std::string& out, std::string_view v);
inline void append_json(std::string& out, const std::string& v) {
  append_json(out, std::string_view(v));
}
inline void append_json(std::string& out, const char* v) {
  append_json(out, std::string_view(v));
}
void append_json(std::string& out, std::int64_t v);
void append_json(std::string& out, std::int32_t v);
// Shortest text that reads back as the same double; NaN and infinities (not JSON) as null.
void append_json(std::string& out, double v);
void append_json(std::string& out, bool v);
void append_json(std::string& out, const boost::json::value& v);
template <class T>
void append_json(std::string& out, const std::vector<T>& v);
template <class T>
void append_json(std::string& out, const std::optional<T>& v);
template <class T>
void append_json(std::string& out, const std::map<std::string, T, std::less<>>& v);

template <class T>
void append_json(std::string& out, const std::vector<T>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out += ',';
    append_json(out, v[i]);
  }
  out += ']';
}

template <class T>
void append_json(std::string& out, const std::optional<T>& v) {
  if (v)
    append_json(out, *v);
  else
    out += "null";
}

template <class T>
void append_json(std::string& out, const std::map<std::string, T, std::less<>>& v) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : v) {
    if (!first) out += ',';
    first = false;
    append_json(out, std::string_view(key));
    out += ':';
    append_json(out, value);
  }
  out += '}';
}

// A struct's additionalProperties member, after its declared members (`comma`: whether one was
// written). A key that names a declared member is left out: that member is written from its
// own field, and an object must not have the key twice.
template <class T>
void append_additional(std::string& out, const std::map<std::string, T, std::less<>>& members,
                       bool comma, std::initializer_list<std::string_view> declared) {
  for (const auto& [key, value] : members) {
    if (std::find(declared.begin(), declared.end(), key) != declared.end()) continue;
    if (comma) out += ',';
    comma = true;
    append_json(out, std::string_view(key));
    out += ':';
    append_json(out, value);
  }
}

// ---- response headers ----------------------------------------------------------------------
// A typed response header's value as its text (OpenAPI's `simple` style, the only one headers
// have): a string as it is, numbers as JSON writes them, booleans as true/false, an enum as its
// value, an array comma-joined.
inline std::string header_text(std::string_view v) {
  return std::string(v);
}
std::string header_text(std::int64_t v);
std::string header_text(std::int32_t v);
std::string header_text(double v);
std::string header_text(bool v);
template <class T>
requires std::is_enum_v<T> std::string header_text(T v) {
  return std::string(to_string(v));  // the generated enum's, found by argument-dependent lookup
}
template <class T>
std::string header_text(const std::vector<T>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out += ',';
    // Each element read into a value of its own: a std::vector<bool>'s elements are not bools.
    const T item = v[i];
    out += header_text(item);
  }
  return out;
}

// ---- responses -----------------------------------------------------------------------------
// A generated operation's answer: made by the operation's response class's factories (one per
// response the spec declares: `ok(const Pet&)`, `not_found(const Problem&)`), which set the
// status and media type and serialize the body.
class Reply {
 public:
  int status() const noexcept { return status_; }
  std::string_view content_type() const noexcept { return content_type_; }
  const std::string& body() const noexcept { return body_; }
  // Adds a response header. As with http::Response::add_header, `name` must outlive the
  // response (a literal); the value is copied.
  Reply& header(std::string_view name, std::string value);
  // Moves the answer (body and headers) into the connection's response.
  void write_to(http::Response& res);

  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;
  Reply(const Reply&) = default;
  Reply& operator=(const Reply&) = default;
  ~Reply();

 protected:
  // `content_type` is a literal the generator wrote (a media type of the spec), or "" for
  // one the handler names (`media_type`, a media range such as image/*: sent as a header).
  //
  // The body is written into a buffer the thread kept from an earlier reply, and write_to()
  // trades it for the connection's response buffer, which this reply keeps for the next: a
  // warm worker serializes every answer without allocating (a new std::string per reply
  // cost more than the rest of the typed path).
  Reply(int status, std::string_view content_type);
  std::string& body_text() noexcept { return body_; }
  void set_media_type(std::string media_type) { media_type_ = std::move(media_type); }
  // Throws std::invalid_argument unless `status` is a code of the range ("2XX") or, for a
  // `default` response, any code from 100 to 599.
  static int checked_status(int status, int range_first, int range_last);

 private:
  int status_;
  std::string_view content_type_;
  std::string media_type_;
  std::string body_;
  std::vector<std::pair<std::string_view, std::string>> headers_;
};

}  // namespace brrt::codegen
