#pragma once
// One reason an instance does not validate against a schema, and a reusable list of them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::schema {

namespace detail {
class ErrorWriter;
}

// The five texts of an error live back to back in one buffer: building an error is one
// sequence of writes into one block (which a reused error keeps) rather than five strings
// each grown and appended to, which cost more than the bytes they held.
class ValidationError {
 public:
  ValidationError() = default;
  ValidationError(const ValidationError& other);
  ValidationError& operator=(const ValidationError& other);
  ValidationError(ValidationError&& other) noexcept;  // leaves `other` empty
  ValidationError& operator=(ValidationError&& other) noexcept;
  ValidationError(std::string_view instance_location, std::string_view keyword_location,
                  std::string_view schema_location, std::string_view keyword,
                  std::string_view message);

  // JSON pointer into the instance, "" for the root, "/age".
  std::string_view instance_location() const noexcept { return part(0); }
  // Evaluation path through the schema, "/properties/age/minimum".
  std::string_view keyword_location() const noexcept { return part(1); }
  // Absolute location of the failing keyword, "uri#/pointer/minimum".
  std::string_view schema_location() const noexcept { return part(2); }
  std::string_view keyword() const noexcept { return part(3); }  // "minimum"
  std::string_view message() const noexcept { return part(4); }  // "-3 is less than the minimum 0"

  // "/age: -3 is less than the minimum 0" ("(root): ..." for the instance root).
  std::string to_string() const;

  // Empties every part, keeping the buffer.
  void clear() noexcept { ends_ = {}; }

 private:
  friend class detail::ErrorWriter;
  std::string_view part(std::size_t i) const noexcept {
    const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return {text_.get() + begin, ends_[i] - begin};
  }
  std::unique_ptr<char[]> text_;
  std::uint32_t capacity_ = 0;
  std::array<std::uint32_t, 5> ends_{};  // where each part ends in text_
};

// The errors of one validation. clear() keeps every error's buffer with its capacity, so a
// list kept per worker and reused request after request stops allocating once it has seen
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

  // Appends an empty error (its buffer's capacity kept) for the caller to fill. Inline: it is
  // on the path of every reported error, and reuses an error all but the first few times.
  ValidationError& emplace_back() {
    if (size_ == items_.size()) [[unlikely]]
      return grow();
    ValidationError& e = items_[size_++];
    e.clear();
    return e;
  }
  // Moves the errors from `middle` to the end before those from `first` to `middle`, keeping
  // the order within each group (a validator that finds an earlier keyword's errors last).
  void rotate(std::size_t first, std::size_t middle) noexcept;

 private:
  ValidationError& grow();  // emplace_back when no error is left to reuse

  std::vector<ValidationError> items_;
  std::size_t size_ = 0;
};

}  // namespace brrt::schema
