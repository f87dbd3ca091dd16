#include "brrt/codegen/runtime.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "brrt/dispatch/service.hpp"
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

void refuse_value(http::Response& res, std::string_view in, std::string_view name,
                  const boost::json::value& value) {
  if (in == "body") {
    dispatch::problem(res, 400,
                      "the request body holds a number out of the range of the type it is read "
                      "into (64-bit integers, 32-bit for format int32)");
    return;
  }
  std::string text = boost::json::serialize(value);
  if (text.size() > 64) text = text.substr(0, 64) + "...";
  dispatch::problem(res, 400,
                    std::string(in) + " parameter '" + std::string(name) + "': " + text +
                        " is out of the range of the type it is read into (64-bit integers, "
                        "32-bit for format int32)");
}

namespace {
// The access log's word-wise scan (observe::append_json_escaped) does this for long texts; for
// the short names and tags of an answer, calling it measured 44 more instructions per string
// than this byte loop (bench/instructions.sh dispatch, list_pets typed).
bool clean_json_text(std::string_view v) noexcept {
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F || c == '"' || c == '\\') return false;
  }
  return true;
}
}  // namespace

void append_json(std::string& out, std::string_view v) {
  // Most strings in an answer are short and need no escaping (names, ids, tags): the quotes
  // and the text in one step. (Three appends and the escaper's word-wise scan cost more than
  // the rest of writing such a member.)
  if (v.size() <= 64 && clean_json_text(v)) {
    const std::size_t at = out.size();
    out.resize(at + v.size() + 2);
    char* w = out.data() + at;
    *w = '"';
    std::memcpy(w + 1, v.data(), v.size());
    w[v.size() + 1] = '"';
    return;
  }
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

namespace {
// The buffer a thread's next Reply writes its body into (see the constructor's comment).
// Buffers larger than this are let go, so that one large answer does not stay allocated.
constexpr std::size_t kKeptBodyCapacity = 64 * 1024;
thread_local std::string spare_body;
}  // namespace

Reply::Reply(int status, std::string_view content_type)
    : status_(status), content_type_(content_type), body_(std::move(spare_body)) {
  body_.clear();
}

Reply::~Reply() {
  if (body_.capacity() > spare_body.capacity() && body_.capacity() <= kKeptBodyCapacity)
    spare_body = std::move(body_);
}

namespace {
// A number in a header is written as in JSON (the simple style's text for it).
template <class Number>
std::string number_text(Number v) {
  std::string out;
  append_json(out, v);
  return out;
}
}  // namespace

std::string header_text(std::int64_t v) {
  return number_text(v);
}
std::string header_text(std::int32_t v) {
  return number_text(v);
}
std::string header_text(double v) {
  return number_text(v);
}

std::string header_text(bool v) {
  return v ? "true" : "false";
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
  res.body.swap(body_);  // this reply keeps the connection's old buffer for the next one
  body_.clear();
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
