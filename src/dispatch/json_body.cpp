#include "dispatch/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include "core/json_duplicate_key.hpp"
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
    message = "the body is not valid JSON at byte " + std::to_string(used) + ": " +
              (p.handler().out_of_range ? std::string("a number is beyond the range of a double")
                                        : ec.message());
    return false;
  }
  out = p.handler().st.release();
  if (count_members(out) != p.handler().keys) [[unlikely]] {
    const auto dup = find_duplicate_key(text);
    message = dup ? "the body has the key '" + dup->key + "' twice in one object (at bytes " +
                        std::to_string(dup->first) + " and " + std::to_string(dup->at) +
                        "): a key may appear once in an object"
                  : std::string("the body has a key twice in one object");
    return false;
  }
  return true;
}

}  // namespace brrt::dispatch
