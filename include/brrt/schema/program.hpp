#pragma once
// The compiled, immutable form of a set of schemas. A Program is cheap to copy (it shares
// its data) and safe to use from any number of threads at once: validation takes no lock and
// writes no shared state. is_valid() allocates nothing, except scratch space under
// unevaluatedProperties/unevaluatedItems and for uniqueItems on more than 32 items.
#include <boost/json/fwd.hpp>

#include <cstddef>
#include <memory>
#include <vector>

#include "brrt/schema/schema_id.hpp"
#include "brrt/schema/validation_error.hpp"

namespace brrt::schema {

namespace detail {
struct ProgramData;
}

class Document;

class Program {
 public:
  Program() = default;  // empty: every SchemaId is out of range
  explicit Program(std::shared_ptr<const detail::ProgramData> data) noexcept;

  // Fast path: no error is built. A SchemaId that this Program does not hold, or an instance
  // nested deeper than Limits::max_depth, is invalid.
  bool is_valid(SchemaId id, const boost::json::value& instance) const noexcept;

  // Appends up to `max_errors` errors to `out` (all of them, not only the first) and returns
  // whether the instance is valid. Errors of subschemas of anyOf/oneOf/not/if/contains are
  // summarised as one error of that keyword. Meant for instances is_valid has rejected: the
  // walk collects from the root (each subtree is still tried quietly first), so a large valid
  // instance costs more here than in is_valid.
  bool validate(SchemaId id, const boost::json::value& instance, std::vector<ValidationError>& out,
                std::size_t max_errors = 32) const;
  // The same into a reusable list (the request path: no allocation once warmed up).
  bool validate(SchemaId id, const boost::json::value& instance, ValidationErrors& out,
                std::size_t max_errors = 32) const;

  // The same over a Document parsed for this program (Document::parse): member names are
  // matched by the ids the parse gave them. A document parsed for another program is invalid
  // (is_valid) or one error saying so (validate).
  bool is_valid(SchemaId id, const Document& instance) const noexcept;
  bool validate(SchemaId id, const Document& instance, ValidationErrors& out,
                std::size_t max_errors = 32) const;

  std::size_t node_count() const noexcept;  // compiled subschemas (for diagnostics)

 private:
  friend class Document;

  std::shared_ptr<const detail::ProgramData> data_;
};

}  // namespace brrt::schema
