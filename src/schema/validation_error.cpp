#include "brrt/schema/validation_error.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>

#include "schema/error_writer.hpp"

namespace brrt::schema {

ValidationError::ValidationError(std::string_view instance_location,
                                 std::string_view keyword_location,
                                 std::string_view schema_location, std::string_view keyword,
                                 std::string_view message) {
  detail::ErrorWriter w(*this);
  for (const std::string_view part :
       {instance_location, keyword_location, schema_location, keyword, message}) {
    w.raw(part);
    w.end_part();
  }
}

ValidationError::ValidationError(const ValidationError& other)
    : text_(other.ends_.back() ? std::make_unique_for_overwrite<char[]>(other.ends_.back())
                               : nullptr),
      capacity_(other.ends_.back()),
      ends_(other.ends_) {
  if (capacity_) std::memcpy(text_.get(), other.text_.get(), capacity_);
}

ValidationError& ValidationError::operator=(const ValidationError& other) {
  if (this != &other) *this = ValidationError(other);
  return *this;
}

ValidationError::ValidationError(ValidationError&& other) noexcept
    : text_(std::move(other.text_)),
      capacity_(std::exchange(other.capacity_, 0)),
      ends_(std::exchange(other.ends_, {})) {}

ValidationError& ValidationError::operator=(ValidationError&& other) noexcept {
  text_ = std::move(other.text_);
  capacity_ = std::exchange(other.capacity_, 0);
  ends_ = std::exchange(other.ends_, {});
  return *this;
}

std::string ValidationError::to_string() const {
  const std::string_view at = instance_location();
  std::string out(at.empty() ? std::string_view("(root)") : at);
  out += ": ";
  out += message();
  return out;
}

ValidationError& ValidationErrors::grow() {
  items_.emplace_back();
  return items_[size_++];
}

void ValidationErrors::rotate(std::size_t first, std::size_t middle) noexcept {
  if (first < middle && middle < size_)
    std::rotate(items_.begin() + static_cast<std::ptrdiff_t>(first),
                items_.begin() + static_cast<std::ptrdiff_t>(middle),
                items_.begin() + static_cast<std::ptrdiff_t>(size_));
}

}  // namespace brrt::schema
