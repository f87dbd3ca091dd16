#pragma once
// Internal: the schema violations of one request, written as the `errors` entries of a 400
// problem+json body while they are found. Kept per worker and reused: an invalid request
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

  // A 400 problem+json whose detail is the first violation and whose `errors` lists all.
  void write_problem(http::Response& res) const;

 private:
  void add(std::string_view in, std::string_view name, const schema::ValidationError* e);

  schema::ValidationErrors errors_;
  std::string entries_;  // "{...},{...}", JSON-escaped
  struct Slice {
    std::size_t offset = 0, size = 0;
  };
  Slice first_;  // the first entry's message (escaped) within entries_
  std::size_t count_ = 0;
};

}  // namespace brrt::dispatch
