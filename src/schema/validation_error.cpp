#include "brrt/schema/validation_error.hpp"

#include <algorithm>
#include <cstddef>

namespace brrt::schema {

std::string ValidationError::to_string() const {
  return (instance_location.empty() ? std::string("(root)") : instance_location) + ": " + message;
}

ValidationError& ValidationErrors::emplace_back() {
  if (size_ == items_.size()) {
    items_.emplace_back();
    return items_[size_++];
  }
  ValidationError& e = items_[size_++];
  e.instance_location.clear();
  e.keyword_location.clear();
  e.schema_location.clear();
  e.keyword.clear();
  e.message.clear();
  return e;
}

void ValidationErrors::rotate(std::size_t first, std::size_t middle) noexcept {
  if (first < middle && middle < size_)
    std::rotate(items_.begin() + static_cast<std::ptrdiff_t>(first),
                items_.begin() + static_cast<std::ptrdiff_t>(middle),
                items_.begin() + static_cast<std::ptrdiff_t>(size_));
}

}  // namespace brrt::schema
