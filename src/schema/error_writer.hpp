#pragma once
// Writes a ValidationError's five parts, in order, into its one buffer.
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>

#include "brrt/core/raw_writer.hpp"
#include "brrt/schema/validation_error.hpp"

namespace brrt::schema::detail {

// A JSON number as messages show it: an integer in decimal, a double in the shortest form
// that reads back as the same value ("0.6", "2500", "1e+300"; Boost.JSON's serializer writes
// "6E-1", "2.5E3"). `out` has room for kNumberRoom bytes.
constexpr std::size_t kNumberRoom = 32;
inline char* write_number(char* out, const boost::json::value& v) noexcept {
  char* const end = out + kNumberRoom;
  if (v.is_int64()) return std::to_chars(out, end, v.get_int64()).ptr;
  if (v.is_uint64()) return std::to_chars(out, end, v.get_uint64()).ptr;
  return std::to_chars(out, end, v.get_double()).ptr;
}

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

  // The first four parts: the instance location, the keyword location and the schema
  // location (each followed by "/keyword" unless `keyword` is empty) and the keyword, after
  // one check for room for all of them.
  [[gnu::always_inline]] void locations(std::string_view instance, std::string_view path,
                                        std::string_view location, std::string_view keyword) {
    const std::size_t step = keyword.empty() ? 0 : keyword.size() + 1;
    room(instance.size() + path.size() + location.size() + 2 * step + keyword.size());
    char* w = w_;  // a local: stores of chars may alias w_
    w = copy_bytes(w, instance.data(), instance.size());
    e_.ends_[0] = offset(w);
    w = copy_bytes(w, path.data(), path.size());
    if (step) w = copy_bytes(slash(w), keyword.data(), keyword.size());
    e_.ends_[1] = offset(w);
    w = copy_bytes(w, location.data(), location.size());
    if (step) w = copy_bytes(slash(w), keyword.data(), keyword.size());
    e_.ends_[2] = offset(w);
    w = copy_bytes(w, keyword.data(), keyword.size());
    e_.ends_[3] = offset(w);
    w_ = w;
    part_ = 4;
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
  void number(const boost::json::value& v) {
    room(kNumberRoom);
    w_ = write_number(w_, v);
  }
  template <class Int>
  [[gnu::always_inline]] void decimal(Int i) {
    room(24);
    // One digit (most bounds, and many values that miss them) without to_chars' call.
    if constexpr (std::is_signed_v<Int>) {
      if (i > -10 && i < 10) {
        char* w = w_;
        if (i < 0) *w++ = '-';
        *w++ = static_cast<char>('0' + (i < 0 ? -i : i));
        w_ = w;
        return;
      }
    } else if (i < 10) {
      *w_++ = static_cast<char>('0' + i);
      return;
    }
    w_ = std::to_chars(w_, end_, i).ptr;
  }

 private:
  std::uint32_t size() const noexcept { return offset(w_); }
  std::uint32_t offset(const char* w) const noexcept {
    return static_cast<std::uint32_t>(w - begin_);
  }
  static char* slash(char* w) noexcept {
    *w = '/';
    return w + 1;
  }
  [[gnu::always_inline]] void room(std::size_t n) {
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
