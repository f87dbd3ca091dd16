#include "violation_list.hpp"

#include <boost/json/value.hpp>

#include <charconv>
#include <cstring>

#include "brrt/core/raw_writer.hpp"
#include "brrt/observe/access_log.hpp"

namespace brrt::dispatch {

namespace {

// At most this many errors per parameter or body: enough to fix a request in one round trip,
// bounded so a hostile body cannot make the answer large.
constexpr std::size_t kMaxErrorsPerValue = 16;

// The escaped text of `s`, written at `out`; returns where it is, so that it can be copied
// again.
std::string_view write_escaped(RawWriter& out, std::string_view s) noexcept {
  char* begin = out.w;
  out.w = observe::write_json_escaped(out.w, s);
  return {begin, static_cast<std::size_t>(out.w - begin)};
}

}  // namespace

void ViolationList::clear() noexcept {
  entries_.clear();
  first_ = {};
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
  if (!e) {
    write_entry(in, name, nullptr, {}, "does not match its schema", false);
    return;
  }
  const std::string_view pointer = e->instance_location();
  write_entry(in, name, &pointer, e->keyword(), e->message(), false);
}

void ViolationList::add_failure(std::string_view in, std::string_view name,
                                std::string_view keyword, std::string_view message,
                                const std::string_view* pointer) {
  write_entry(in, name, pointer, keyword, message, true);
}

void ViolationList::write_entry(std::string_view in, std::string_view name,
                                const std::string_view* pointer, std::string_view keyword,
                                std::string_view message, bool whole_message) {
  // {"in":"query","name":"limit","pointer":"","keyword":"maximum",
  //  "message":"query parameter 'limit': 500 is greater than the maximum 100"}
  // {"in":"body","pointer":"/age","keyword":"minimum",
  //  "message":"body at /age: -1 is less than the minimum 0"}
  // Each text is escaped once; the message repeats the name and the pointer by copying
  // their escaped form.
  const std::size_t pointer_size = pointer ? pointer->size() : 0;
  constexpr std::size_t kFixed = 96;  // the entry's keys, quotes and joining words
  const std::size_t room =
      kFixed + 2 * in.size() + keyword.size() +
      observe::kMaxJsonEscapeGrowth * (2 * name.size() + 2 * pointer_size + message.size());
  const std::size_t old = entries_.size();
  entries_.resize(old + room);
  RawWriter out{entries_.data() + old};
  if (count_ > 0) out.literal(",");
  // `in` ("body", "query", ...) and the keyword are the dispatcher's and the validator's own
  // words, never the client's or the spec's: nothing in them to escape.
  out.literal("{\"in\":\"");
  out.raw(in);
  std::string_view name_text;
  if (!name.empty()) {
    out.literal("\",\"name\":\"");
    name_text = write_escaped(out, name);
  }
  std::string_view pointer_text;
  if (pointer) {
    out.literal("\",\"pointer\":\"");
    pointer_text = write_escaped(out, *pointer);
  }
  if (!keyword.empty()) {
    out.literal("\",\"keyword\":\"");
    out.raw(keyword);
  }
  out.literal("\",\"message\":\"");
  const char* message_begin = out.w;
  if (!whole_message) {
    if (name.empty()) {
      out.literal("body");
    } else {
      out.raw(in);
      out.literal(" parameter '");
      out.raw(name_text);
      out.literal("'");
    }
    if (pointer_size > 0) {
      out.literal(" at ");
      out.raw(pointer_text);
    }
    out.literal(": ");
  }
  write_escaped(out, message);
  const char* message_end = out.w;
  out.literal("\"}");
  if (count_++ == 0)
    first_ = {static_cast<std::size_t>(message_begin - entries_.data()),
              static_cast<std::size_t>(message_end - message_begin)};
  entries_.resize(static_cast<std::size_t>(out.w - entries_.data()));
}

void ViolationList::write_problem(http::Response& res) const {
  res.status = 400;
  res.set_content_type("application/problem+json");
  std::string& out = res.body;
  out.clear();
  out +=
      "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
      "\"detail\":\"the request does not match the spec: ";
  out.append(entries_, first_.offset, first_.size);  // escaped when it was written
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
