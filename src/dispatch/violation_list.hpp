#pragma once
// Internal: the violations of one request (schema violations, and values that could not be
// decoded or are missing), written as the `errors` entries of a 400 problem+json body while
// they are found. Kept per worker and reused: an invalid request
// costs formatting into buffers that already have their capacity, not a JSON tree, a deep
// copy and a serialization.
#include <cstddef>
#include <string>
#include <string_view>

#include "brrt/http/message.hpp"
#include "brrt/schema/program.hpp"

namespace brrt::dispatch {

class ViolationList {
 public:
  void clear() noexcept;
  bool empty() const noexcept { return count_ == 0; }

  // Validates `value` (already known to be invalid) and adds one entry per error:
  // {"in":"query","name":"limit","pointer":"","keyword":"maximum","message":"..."}
  // (`name` is left out for the body).
  void collect(const schema::Program& program, schema::SchemaId id, const boost::json::value& value,
               std::string_view in, std::string_view name);

  // Adds one entry for a value that failed before its schema could apply (not decoded, or
  // missing): {"in":"query","name":"limit","keyword":"type","message":"..."}, `message` whole
  // as given (it names the value), `pointer` written only when given (a form field: "/age").
  void add_failure(std::string_view in, std::string_view name, std::string_view keyword,
                   std::string_view message, const std::string_view* pointer = nullptr);

  // A 400 problem+json whose detail is the first violation and whose `errors` lists all.
  void write_problem(http::Response& res) const;

 private:
  void add(std::string_view in, std::string_view name, const schema::ValidationError* e);
  // The entry's text; `whole_message` when `message` already names the value, else it is
  // prefixed with "query parameter 'limit'" or "body", and " at POINTER".
  void write_entry(std::string_view in, std::string_view name, const std::string_view* pointer,
                   std::string_view keyword, std::string_view message, bool whole_message);

  schema::ValidationErrors errors_;
  std::string entries_;  // "{...},{...}", JSON-escaped
  struct Slice {
    std::size_t offset = 0, size = 0;
  };
  Slice first_;  // the first entry's message (escaped) within entries_
  std::size_t count_ = 0;
};

}  // namespace brrt::dispatch
