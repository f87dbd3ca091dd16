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
#include "brrt/core/raw_writer.hpp"
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
  [[gnu::always_inline]] void end_part() noexcept {
    if (part_ < e_.ends_.size()) e_.ends_[part_++] = size();
  }

  [[gnu::always_inline]] void raw(const char* p, std::size_t n) {
    room(n);
    w_ = copy_bytes(w_, p, n);
  }
  [[gnu::always_inline]] void raw(std::string_view s) { raw(s.data(), s.size()); }
  template <std::size_t N>
  [[gnu::always_inline]] void literal(const char (&s)[N]) {  // its length known, no strlen
    room(N - 1);
    std::memcpy(w_, s, N - 1);  // a constant size: a few moves, no call
    w_ += N - 1;
  }
  template <class Int>
  void decimal(Int i) {
    room(24);
    w_ = std::to_chars(w_, end_, i).ptr;
  }
  // "/token", escaped per RFC 6901 when `escape` (property names, instance keys).
  [[gnu::always_inline]] void token(std::string_view t, bool escape) {
    room(2 * t.size() + 1);
    // Written through a local pointer: stores of chars may alias w_, which the compiler
    // would otherwise reload after every byte.
    char* w = w_;
    *w++ = '/';
    if (!escape) {
      w = copy_bytes(w, t.data(), t.size());
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
