#include "dispatch/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include "core/json_duplicate_key.hpp"
#include "core/json_text_error.hpp"
#include "core/json_value_handler.hpp"

namespace brrt::dispatch {
namespace json = boost::json;

bool parse_json_body(std::string_view text, const json::storage_ptr& sp, std::size_t max_depth,
                     json::value& out, std::string& message) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  // The parser's own stack lives on `sp` too (the arena): nothing to free afterwards.
  json::basic_parser<JsonValueHandler> p(opts, sp);
  p.handler().st.reset(sp);
  boost::system::error_code ec;
  const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) {
    message = invalid_json_message("the body", used, p.handler().out_of_range, ec);
    return false;
  }
  out = p.handler().st.release();
  if (count_members(out) != p.handler().keys) [[unlikely]] {
    message = repeated_key_message("the body", text);
    return false;
  }
  return true;
}

}  // namespace brrt::dispatch
