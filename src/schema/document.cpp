#include "brrt/schema/document.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cmath>

#include "brrt/schema/program.hpp"
#include "core/json_text_error.hpp"
#include "schema/node.hpp"

namespace brrt::schema {

namespace json = boost::json;
using detail::DocumentCell;

// The basic_parser handler that writes a Document's cells. A container's cell is written when
// it opens and completed when it closes; until then its payload holds the object's number
// (duplicate keys) and its meta the index of its first unknown name in names_.
//
// Strings and names that are not a piece of the text (escapes) are copied into owned_, which
// is given the text's size before the first copy: a JSON string unescaped is never longer than
// it is written (an escape of 2, 6 or 12 bytes gives 1 to 4), so the copies of one text fit and
// owned_ never moves while the cells point into it.
class DocumentBuilder {
 public:
  using error_code = boost::system::error_code;
  using string_view = json::string_view;
  static constexpr std::size_t max_object_size = DocumentCell::kMaxLength;
  static constexpr std::size_t max_array_size = DocumentCell::kMaxLength;
  static constexpr std::size_t max_key_size = DocumentCell::kMaxLength;
  static constexpr std::size_t max_string_size = DocumentCell::kMaxLength;

  DocumentBuilder(Document& d, const detail::ProgramData& p, std::string_view text) noexcept
      : d_(d), keys_(p.keys), text_(text) {}

  bool out_of_range = false;  // the parse failed on a number beyond a double
  // A key met twice in one object: the parse goes on, so that a syntax error later in the
  // text is what is reported, as Boost.JSON's own parser would.
  bool repeated_key = false;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (++d_.objects_ == UINT32_MAX) [[unlikely]] {  // numbers wrapped: forget what was seen
      std::fill(d_.seen_in_.begin(), d_.seen_in_.end(), 0);
      d_.objects_ = 1;
    }
    open(d_.objects_, static_cast<std::uint32_t>(d_.names_.size()));
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    DocumentCell& c = d_.cells_[d_.open_.back()];
    const std::size_t first_name = c.meta;
    if (d_.names_.size() - first_name > 1 && !repeated_key)
      repeated_key = !unknown_names_unique(first_name);
    d_.names_.resize(first_name);
    close(n, json::kind::object);
    return true;
  }
  bool on_array_begin(error_code&) {
    open(0, 0);
    return true;
  }
  bool on_array_end(std::size_t n, error_code&) {
    close(n, json::kind::array);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    std::string_view name(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      name = part_;
    }
    const std::uint32_t id = keys_.find(name);
    if (id != UINT32_MAX) {
      // Known names are told apart by id: the object each was last seen in.
      const auto object = static_cast<std::uint32_t>(d_.cells_[d_.open_.back()].payload);
      if (d_.seen_in_[id] == object) repeated_key = true;
      d_.seen_in_[id] = object;
      key_ = id;
    } else {
      const auto index = static_cast<std::uint32_t>(d_.unknown_keys_.size());
      key_ = DocumentCell::kUnknownKey | index;
      d_.unknown_keys_.push_back(keep(name));
      d_.names_.push_back(index);
    }
    part_.clear();
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    std::string_view text(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      text = part_;
    }
    DocumentCell& c = push(json::kind::string, text.size());
    c.payload = reinterpret_cast<std::uintptr_t>(keep(text).data());
    part_.clear();
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    push(json::kind::int64, 0).payload = static_cast<std::uint64_t>(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    push(json::kind::uint64, 0).payload = u;
    return true;
  }
  bool on_double(double v, string_view, error_code& ec) {
    if (!std::isfinite(v)) [[unlikely]] {
      out_of_range = true;
      ec = json::error::exponent_overflow;
      return false;
    }
    push(json::kind::double_, 0).payload = std::bit_cast<std::uint64_t>(v);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    push(json::kind::bool_, 0).payload = b;
    return true;
  }
  bool on_null(error_code&) {
    push(json::kind::null, 0);
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  DocumentCell& push(json::kind k, std::size_t size) {
    DocumentCell& c = d_.cells_.emplace_back();
    c.key = key_;
    c.meta = static_cast<std::uint32_t>(k) | static_cast<std::uint32_t>(size) << 3;
    key_ = DocumentCell::kNoKey;
    return c;
  }
  void open(std::uint32_t payload, std::uint32_t meta) {
    d_.open_.push_back(static_cast<std::uint32_t>(d_.cells_.size()));
    DocumentCell& c = d_.cells_.emplace_back();
    c.key = key_;
    c.payload = payload;
    c.meta = meta;
    key_ = DocumentCell::kNoKey;
  }
  void close(std::size_t n, json::kind k) {
    const std::uint32_t at = d_.open_.back();
    d_.open_.pop_back();
    DocumentCell& c = d_.cells_[at];
    c.payload = d_.cells_.size() - at;
    c.meta = static_cast<std::uint32_t>(k) | static_cast<std::uint32_t>(n) << 3;
  }
  // `s` as the document keeps it: in the text when it is a piece of it (no escapes), else a
  // copy in owned_ (see above).
  std::string_view keep(std::string_view s) {
    if (s.data() >= text_.data() && s.data() + s.size() <= text_.data() + text_.size()) return s;
    if (d_.owned_.capacity() < text_.size()) d_.owned_.reserve(text_.size());
    const char* copy = d_.owned_.data() + d_.owned_.size();
    d_.owned_.append(s);
    return {copy, s.size()};
  }
  // Names the program does not declare, of one object: sorted and compared, so that an object
  // of a million such names (a map) costs n log n, not n^2.
  bool unknown_names_unique(std::size_t first) {
    std::vector<std::string_view>& names = d_.sorted_names_;
    names.clear();
    for (std::size_t i = first; i < d_.names_.size(); ++i)
      names.push_back(d_.unknown_keys_[d_.names_[i]]);
    std::sort(names.begin(), names.end());
    return std::adjacent_find(names.begin(), names.end()) == names.end();
  }

  Document& d_;
  const detail::PropertyTable& keys_;
  std::string_view text_;
  std::uint32_t key_ = DocumentCell::kNoKey;  // the key of the value to come
  std::string part_;                          // a key or string given in parts
};

bool Document::parse(const Program& program, std::string_view text, std::string& message,
                     std::size_t max_depth, std::string_view subject) {
  const detail::ProgramData* p = program.data_.get();
  cells_.clear();
  unknown_keys_.clear();
  owned_.clear();
  open_.clear();
  names_.clear();
  program_ = nullptr;
  if (p == nullptr) {
    message = "no program to parse the document for";
    return false;
  }
  if (seen_for_ != p) {
    seen_in_.assign(p->keys.entries().size(), 0);
    objects_ = 0;
    seen_for_ = p;
  }
  json::parse_options opts;
  opts.max_depth = max_depth;
  json::basic_parser<DocumentBuilder> parser(opts, *this, *p, text);
  boost::system::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  const DocumentBuilder& b = parser.handler();
  if (ec || b.repeated_key) {
    // A repeated key is told where it is once the text is known to be valid JSON.
    message = ec ? invalid_json_message(subject, used, b.out_of_range, ec)
                 : repeated_key_message(subject, text);
    cells_.clear();
    // The numbers of the objects of a failed parse may be left in seen_in_: start afresh.
    std::fill(seen_in_.begin(), seen_in_.end(), 0);
    objects_ = 0;
    return false;
  }
  program_ = p;
  return true;
}

std::string_view Document::key(const DocumentCell& member) const noexcept {
  if (member.key == DocumentCell::kNoKey) return {};
  if (member.key & DocumentCell::kUnknownKey)
    return unknown_keys_[member.key & ~DocumentCell::kUnknownKey];
  return program_->keys.entries()[member.key].name;
}

void Document::push(json::value_stack& st, const DocumentCell& v) const {
  switch (v.kind()) {
    case json::kind::null:
      return st.push_null();
    case json::kind::bool_:
      return st.push_bool(v.get_bool());
    case json::kind::int64:
      return st.push_int64(v.get_int64());
    case json::kind::uint64:
      return st.push_uint64(v.get_uint64());
    case json::kind::double_:
      return st.push_double(v.get_double());
    case json::kind::string:
      return st.push_string(json::string_view(v.get_string().data(), v.size()));
    case json::kind::array:
      for (const DocumentCell* c = v.first_child(); c != v.children_end(); c = c->next())
        push(st, *c);
      return st.push_array(v.size());
    case json::kind::object:
      for (const DocumentCell* c = v.first_child(); c != v.children_end(); c = c->next()) {
        const std::string_view name = key(*c);
        st.push_key(json::string_view(name.data(), name.size()));
        push(st, *c);
      }
      return st.push_object(v.size());
  }
}

json::value Document::to_json(const DocumentCell& v, json::storage_ptr sp) const {
  switch (v.kind()) {
    case json::kind::null:
      return json::value(nullptr, std::move(sp));
    case json::kind::bool_:
      return json::value(v.get_bool(), std::move(sp));
    case json::kind::int64:
      return json::value(v.get_int64(), std::move(sp));
    case json::kind::uint64:
      return json::value(v.get_uint64(), std::move(sp));
    case json::kind::double_:
      return json::value(v.get_double(), std::move(sp));
    case json::kind::string:
      return json::value(json::string_view(v.get_string().data(), v.size()), std::move(sp));
    default:
      break;
  }
  // Containers as Boost.JSON's parser builds them (value_stack: each container
  // made once, at its final size); the stack's own memory on `sp` too (an arena: nothing to
  // free).
  json::value_stack st(sp);
  st.reset(sp);
  push(st, v);
  return st.release();
}

}  // namespace brrt::schema
