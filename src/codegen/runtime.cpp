#include "brrt/codegen/runtime.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "brrt/observe/access_log.hpp"

namespace brrt::codegen {

void read_json(const boost::json::value& v, std::string& out) {
  out.assign(v.as_string());
}
// to_number takes an integer written as a double (`1.0`, which JSON Schema counts as an
// integer) and throws for one with a fraction or out of range.
void read_json(const boost::json::value& v, std::int64_t& out) {
  out = v.to_number<std::int64_t>();
}
void read_json(const boost::json::value& v, std::int32_t& out) {
  out = v.to_number<std::int32_t>();
}
void read_json(const boost::json::value& v, double& out) {
  out = v.to_number<double>();
}
void read_json(const boost::json::value& v, bool& out) {
  out = v.as_bool();
}
// A copy in the default storage: `v` lives in the request's arena, the copy as long as the
// caller keeps it.
void read_json(const boost::json::value& v, boost::json::value& out) {
  out = boost::json::value(v);
}

void append_json(std::string& out, std::string_view v) {
  out += '"';
  observe::append_json_escaped(out, v);
  out += '"';
}

void append_json(std::string& out, std::int64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

void append_json(std::string& out, std::int32_t v) {
  append_json(out, std::int64_t{v});
}

void append_json(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

void append_json(std::string& out, bool v) {
  out += v ? "true" : "false";
}

void append_json(std::string& out, const boost::json::value& v) {
  out += boost::json::serialize(v);
}

Reply& Reply::header(std::string_view name, std::string value) {
  headers_.emplace_back(name, std::move(value));
  return *this;
}

void Reply::write_to(http::Response& res) {
  res.status = status_;
  if (!content_type_.empty())
    res.set_content_type(content_type_);
  else if (!media_type_.empty())
    res.add_header("Content-Type", media_type_);
  res.body = std::move(body_);
  for (auto& [name, value] : headers_) res.add_header(name, value);
}

int Reply::checked_status(int status, int range_first, int range_last) {
  if (status < range_first || status > range_last)
    throw std::invalid_argument("status " + std::to_string(status) + " is not in " +
                                std::to_string(range_first) + ".." + std::to_string(range_last) +
                                ", the range of the response the spec declares");
  return status;
}

}  // namespace brrt::codegen
