#pragma once
// Writes a ValidationError's five parts, in order, into its one buffer.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "brrt/core/json_pointer.hpp"
#include "brrt/schema/validation_error.hpp"

namespace brrt::schema::detail {

// The buffer is written through a raw cursor, each piece checked against the room left with
// one compare. A reused error keeps its buffer, so after the first few errors nothing grows:
// an error costs its bytes, not five std::string appends (the previous way, and most of the
// cost of an error).
class ErrorWriter {
 public:
  explicit ErrorWriter(ValidationError& e) noexcept
      : e_(e), begin_(e.text_.get()), w_(begin_), end_(begin_ + e.capacity_) {}
  ErrorWriter(const ErrorWriter&) = delete;
  ErrorWriter& operator=(const ErrorWriter&) = delete;
  ~ErrorWriter() {
    while (part_ < e_.ends_.size()) e_.ends_[part_++] = size();
  }

  // Closes the current part (instance location, keyword location, schema location, keyword,
  // message, in that order).
  void end_part() noexcept {
    if (part_ < e_.ends_.size()) e_.ends_[part_++] = size();
  }

  void raw(const char* p, std::size_t n) {
    room(n);
    std::memcpy(w_, p, n);
    w_ += n;
  }
  void raw(std::string_view s) { raw(s.data(), s.size()); }
  template <std::size_t N>
  void literal(const char (&s)[N]) {  // a string literal: its length known, no strlen
    raw(s, N - 1);
  }
  template <class Int>
  void decimal(Int i) {
    room(24);
    w_ = std::to_chars(w_, end_, i).ptr;
  }
  // "/token", escaped per RFC 6901 when `escape` (property names, instance keys).
  void token(std::string_view t, bool escape) {
    room(2 * t.size() + 1);
    // Written through a local pointer: stores of chars may alias w_, which the compiler
    // would otherwise reload after every byte.
    char* w = w_;
    *w++ = '/';
    if (!escape) {
      std::memcpy(w, t.data(), t.size());
      w += t.size();
    } else {
      w = write_pointer_token(w, t);
    }
    w_ = w;
  }

 private:
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(w_ - begin_); }
  void room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - w_) < n) [[unlikely]]
      grow(n);
  }
  void grow(std::size_t n) {
    const std::size_t used = size();
    const std::size_t capacity = std::max<std::size_t>(2 * e_.capacity_, used + n + 64);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (used) std::memcpy(bigger.get(), begin_, used);
    e_.text_ = std::move(bigger);
    e_.capacity_ = static_cast<std::uint32_t>(capacity);
    begin_ = e_.text_.get();
    w_ = begin_ + used;
    end_ = begin_ + capacity;
  }

  ValidationError& e_;
  char* begin_;
  char* w_;
  char* end_;
  std::size_t part_ = 0;
};

}  // namespace brrt::schema::detail
