#pragma once
// Internal: an ECMA-262 regular expression ("pattern", "patternProperties") compiled with
// PCRE2 in UTF mode, JIT-compiled when available. Immutable after construction and safe to
// share between threads (match data is per thread).
#include <memory>
#include <string>
#include <string_view>

namespace brrt::schema::detail {

class Regex {
 public:
  // Returns nullptr and sets `error` ("missing ) at offset 3") when the pattern is invalid.
  static std::shared_ptr<const Regex> compile(std::string_view ecma_source, std::string& error);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // ECMA-262 `RegExp.prototype.test`: an unanchored search. False on invalid UTF-8 or when the
  // match limit is hit (a hostile subject cannot make it run away).
  bool search(std::string_view subject) const noexcept;
  const std::string& source() const noexcept { return source_; }

 private:
  Regex() = default;
  std::string source_;
  void* code_ = nullptr;  // pcre2_code_8*
};

// The ECMA-262 -> PCRE2 syntax translation (exposed for tests). Sets `error` (and returns "")
// for what PCRE2 cannot take and the translation can name better: a lone surrogate escape.
std::string translate_ecma_regex(std::string_view ecma, std::string& error);

}  // namespace brrt::schema::detail
