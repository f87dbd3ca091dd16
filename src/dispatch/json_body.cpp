#include "dispatch/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>

namespace brrt::dispatch {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// Boost.JSON's value-building handler (boost/json/detail/handler.hpp), with on_double
// refusing infinities.
struct FiniteHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  bool out_of_range = false;

  explicit FiniteHandler(json::storage_ptr sp) : st(std::move(sp)) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, error_code& ec) {
    if (!std::isfinite(d)) [[unlikely]] {
      out_of_range = true;
      ec = json::error::exponent_overflow;
      return false;
    }
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }
};

}  // namespace

bool parse_json_body(std::string_view text, const json::storage_ptr& sp, std::size_t max_depth,
                     json::value& out, std::string& message) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  // The parser's own stack lives on `sp` too (the arena): nothing to free afterwards.
  json::basic_parser<FiniteHandler> p(opts, sp);
  p.handler().st.reset(sp);
  error_code ec;
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) {
    message = "the body is not valid JSON at byte " + std::to_string(used) + ": " +
              (p.handler().out_of_range ? std::string("a number is beyond the range of a double")
                                        : ec.message());
    return false;
  }
  out = p.handler().st.release();
  return true;
}

}  // namespace brrt::dispatch
