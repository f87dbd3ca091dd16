#include "violation_list.hpp"

#include <boost/json/value.hpp>

#include <charconv>

#include "brrt/observe/access_log.hpp"

namespace brrt::dispatch {

namespace {

// At most this many errors per parameter or body: enough to fix a request in one round trip,
// bounded so a hostile body cannot make the answer large.
constexpr std::size_t kMaxErrorsPerValue = 16;

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  observe::append_json_escaped(out, s);
  out += '"';
}

}  // namespace

void ViolationList::clear() noexcept {
  entries_.clear();
  first_.clear();
  count_ = 0;
}

void ViolationList::collect(const schema::Program& program, schema::SchemaId id,
                            const boost::json::value& value, std::string_view in,
                            std::string_view name) {
  errors_.clear();
  program.validate(id, value, errors_, kMaxErrorsPerValue);
  for (const schema::ValidationError& e : errors_) add(in, name, &e);
  if (errors_.empty()) add(in, name, nullptr);  // defensive: is_valid and validate disagree
}

void ViolationList::add(std::string_view in, std::string_view name,
                        const schema::ValidationError* e) {
  // "query parameter 'limit': 500 is greater than the maximum 100",
  // "body at /age: -1 is less than the minimum 0"
  message_.clear();
  if (name.empty()) {
    message_ += "body";
  } else {
    message_ += in;
    message_ += " parameter '";
    message_ += name;
    message_ += '\'';
  }
  if (e && !e->instance_location().empty()) {
    message_ += " at ";
    message_ += e->instance_location();
  }
  message_ += ": ";
  message_ += e ? e->message() : std::string_view("does not match its schema");

  if (count_++ > 0) entries_ += ',';
  entries_ += "{\"in\":";
  append_json_string(entries_, in);
  if (!name.empty()) {
    entries_ += ",\"name\":";
    append_json_string(entries_, name);
  }
  if (e) {
    entries_ += ",\"pointer\":";
    append_json_string(entries_, e->instance_location());
    entries_ += ",\"keyword\":";
    append_json_string(entries_, e->keyword());
  }
  entries_ += ",\"message\":";
  append_json_string(entries_, message_);
  entries_ += '}';
  if (count_ == 1) first_ = message_;
}

void ViolationList::write_problem(http::Response& res) const {
  res.status = 400;
  res.set_content_type("application/problem+json");
  std::string& out = res.body;
  out.clear();
  out +=
      "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
      "\"detail\":\"the request does not match the spec: ";
  observe::append_json_escaped(out, first_);
  if (count_ > 1) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, count_ - 1);
    out += " (and ";
    out.append(digits, r.ptr);
    out += " more)";
  }
  out += "\",\"errors\":[";
  out += entries_;
  out += "]}";
}

}  // namespace brrt::dispatch
