#pragma once
// A JSON document parsed for validation by one Program, with every member name already
// resolved against the names that program's schemas declare.
//
// Why not a boost::json::value: validating one walks it and matches each member's name
// against its schema's properties, by hashing or comparing the name's bytes; for a 24 KB
// GitHub repository object that matching alone took longer than ajv's whole validation, which
// reads known properties through V8's hidden classes (built while JSON.parse ran). A Document
// does the same thing in the same place: the parse (Boost.JSON's basic_parser, with a handler
// of ours) looks each key up once in the program's key dictionary, and the document is one
// contiguous array of 16-byte cells in document order, each member carrying its key's id, so
// that validation compares integers and never chases pointers.
//
// Strings without escapes point into the parsed text, which must outlive the document; the
// rest is copied into the document. A Document is reusable: parse() keeps its buffers.
#include <boost/json/kind.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::schema {

class Program;
class DocumentBuilder;

namespace detail {
struct ProgramData;

// One value: a scalar, or a container followed by its members or elements (each a cell, and
// a nested container with its own cells after it). The accessors are those of
// boost::json::value that validation uses, so one validator reads both.
struct DocumentCell {
  static constexpr std::uint32_t kNoKey = UINT32_MAX;     // an element, or the root
  static constexpr std::uint32_t kUnknownKey = 1u << 31;  // | index into Document's unknown keys
  static constexpr std::uint32_t kMaxLength = (1u << 29) - 1;  // bytes of a string, members

  // int64 / uint64 / double bits, bool 0 or 1, a string's first byte (const char*), or a
  // container's cell count including itself (the distance to the value after it).
  std::uint64_t payload = 0;
  std::uint32_t key = kNoKey;  // a member's name: an id in the program's key dictionary
  std::uint32_t meta = 0;      // kind in bits 0-2 (boost::json::kind), size << 3

  boost::json::kind kind() const noexcept { return static_cast<boost::json::kind>(meta & 7); }
  std::size_t size() const noexcept { return meta >> 3; }  // string bytes, members, elements
  bool is_null() const noexcept { return kind() == boost::json::kind::null; }
  bool is_bool() const noexcept { return kind() == boost::json::kind::bool_; }
  bool is_int64() const noexcept { return kind() == boost::json::kind::int64; }
  bool is_uint64() const noexcept { return kind() == boost::json::kind::uint64; }
  bool is_double() const noexcept { return kind() == boost::json::kind::double_; }
  bool is_number() const noexcept { return is_int64() || is_uint64() || is_double(); }
  bool is_string() const noexcept { return kind() == boost::json::kind::string; }
  bool is_array() const noexcept { return kind() == boost::json::kind::array; }
  bool is_object() const noexcept { return kind() == boost::json::kind::object; }
  bool is_structured() const noexcept { return (meta & 7) >= 6; }
  bool get_bool() const noexcept { return payload != 0; }
  std::int64_t get_int64() const noexcept { return static_cast<std::int64_t>(payload); }
  std::uint64_t get_uint64() const noexcept { return payload; }
  double get_double() const noexcept { return std::bit_cast<double>(payload); }
  std::string_view get_string() const noexcept {
    return {reinterpret_cast<const char*>(payload), size()};
  }
  // The value after this one (and its members or elements).
  // Without a branch: scalars and containers alternate in no pattern a predictor learns.
  const DocumentCell* next() const noexcept {
    const std::uint64_t structured = 0 - static_cast<std::uint64_t>((meta & 7) >= 6);
    return this + ((payload & structured) | (~structured & 1));
  }
  const DocumentCell* first_child() const noexcept { return this + 1; }
  const DocumentCell* children_end() const noexcept { return this + payload; }
};
static_assert(sizeof(DocumentCell) == 16);

}  // namespace detail

class Document {
 public:
  Document() = default;
  Document(const Document&) = delete;  // cells point into each other's storage
  Document& operator=(const Document&) = delete;
  Document(Document&&) noexcept = default;
  Document& operator=(Document&&) noexcept = default;

  // Parses `text` (one JSON value, nested at most `max_depth` deep) for validation by
  // `program`, which must outlive the document. Refuses bad JSON, a number beyond the range of
  // a double (Boost.JSON would read an infinity), a key twice in one object (a proxy that kept
  // the first value and a handler that sees the last would disagree), and strings or
  // containers of 2^29 bytes or members or more. On failure returns false with `message`
  // saying what and where, `subject` first ("the body is not valid JSON at byte 12: syntax
  // error", "the body has the key 'a' twice in one object (at bytes 1 and 9): ..."), and the
  // document is empty.
  bool parse(const Program& program, std::string_view text, std::string& message,
             std::size_t max_depth = 64, std::string_view subject = "the document");

  bool empty() const noexcept { return cells_.empty(); }
  const detail::DocumentCell& root() const noexcept { return cells_.front(); }
  // The text of a member's name.
  std::string_view key(const detail::DocumentCell& member) const noexcept;
  // A value of the document as a boost::json::value on `sp` (numbers, booleans and null
  // without allocating): what a handler reads of a request body validated as a Document.
  boost::json::value to_json(const detail::DocumentCell& value,
                             boost::json::storage_ptr sp = {}) const;
  // The program the document was parsed for (Program::is_valid refuses others).
  const detail::ProgramData* program() const noexcept { return program_; }

 private:
  friend class DocumentBuilder;
  void push(boost::json::value_stack& st, const detail::DocumentCell& value) const;

  const detail::ProgramData* program_ = nullptr;
  std::vector<detail::DocumentCell> cells_;
  std::vector<std::string_view> unknown_keys_;  // names the program does not declare
  // Strings and names the text does not hold as they are (escapes); given the text's size
  // before the first copy, so that it never moves during a parse (document.cpp says why).
  std::string owned_;
  // Parse-time scratch, kept for reuse: containers open, the object each known key was last
  // seen in (duplicates) and that object's number, the unknown names of the objects open,
  // one object's unknown names sorted (duplicates).
  std::vector<std::uint32_t> open_;
  std::vector<std::uint32_t> seen_in_;
  const detail::ProgramData* seen_for_ = nullptr;
  std::uint32_t objects_ = 0;
  std::vector<std::uint32_t> names_;  // indexes into unknown_keys_
  std::vector<std::string_view> sorted_names_;
};

}  // namespace brrt::schema
