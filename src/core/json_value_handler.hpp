#pragma once
// A Boost.JSON basic_parser handler that builds a boost::json::value, as boost::json::parser
// does, and also tells what that parser cannot: how many keys it was given (an object with a
// key twice keeps one member, so fewer members than keys means a duplicate) and whether a
// number was beyond the range of a double (Boost.JSON 1.81 reads 1e400 as an infinity, which
// JSON has no way to write, and offers no option to refuse it).
//
// Written out because Boost.JSON's own handler (boost/json/detail/handler.hpp) is a detail;
// the callbacks are its, over the public value_stack.
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace brrt {

struct JsonValueHandler {
  using error_code = boost::system::error_code;
  using string_view = boost::json::string_view;
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  // `sp` holds the stack's own storage; the value's is given to st.reset().
  explicit JsonValueHandler(boost::json::storage_ptr sp = {}) : st(std::move(sp)) {}

  boost::json::value_stack st;
  std::size_t keys = 0;       // keys given, duplicates included
  bool out_of_range = false;  // set when the parse failed on a number beyond a double

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
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    st.push_key(s);
    ++keys;
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view, error_code& ec) {
    if (!std::isfinite(d)) [[unlikely]] {
      out_of_range = true;
      ec = boost::json::error::exponent_overflow;
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
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace brrt
