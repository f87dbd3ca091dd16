#pragma once
// One reason an instance does not validate against a schema, and a reusable list of them.
#include <cstddef>
#include <string>
#include <vector>

namespace brrt::schema {

struct ValidationError {
  std::string instance_location;  // JSON pointer into the instance, "" for the root, "/age"
  std::string keyword_location;   // evaluation path through the schema, "/properties/age/minimum"
  std::string schema_location;  // absolute location of the failing keyword, "uri#/pointer/minimum"
  std::string keyword;          // "minimum"
  std::string message;          // "-3 is less than the minimum 0"

  // "/age: -3 is less than the minimum 0" ("(root): ..." for the instance root).
  std::string to_string() const;
};

// The errors of one validation. clear() keeps every error's strings with their capacity, so
// a list kept per worker and reused request after request stops allocating once it has seen
// its largest error set: reporting errors on the request path costs formatting, not malloc.
class ValidationErrors {
 public:
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const ValidationError& operator[](std::size_t i) const noexcept { return items_[i]; }
  const ValidationError& front() const noexcept { return items_[0]; }
  const ValidationError* begin() const noexcept { return items_.data(); }
  const ValidationError* end() const noexcept { return items_.data() + size_; }
  void clear() noexcept { size_ = 0; }

  // Appends an error whose strings are empty (their capacity kept) for the caller to fill.
  ValidationError& emplace_back();
  // Moves the errors from `middle` to the end before those from `first` to `middle`, keeping
  // the order within each group (a validator that finds an earlier keyword's errors last).
  void rotate(std::size_t first, std::size_t middle) noexcept;

 private:
  std::vector<ValidationError> items_;
  std::size_t size_ = 0;
};

}  // namespace brrt::schema
