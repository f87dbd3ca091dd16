#include "core/json_text_error.hpp"

#include "core/json_duplicate_key.hpp"

namespace brrt {

std::string invalid_json_message(std::string_view subject, std::size_t at, bool out_of_range,
                                 const boost::system::error_code& ec) {
  return std::string(subject) + " is not valid JSON at byte " + std::to_string(at) + ": " +
         (out_of_range ? std::string("a number is beyond the range of a double") : ec.message());
}

std::string repeated_key_message(std::string_view subject, std::string_view text) {
  const auto dup = find_duplicate_key(text);
  if (!dup) return std::string(subject) + " has a key twice in one object";
  return std::string(subject) + " has the key '" + dup->key + "' twice in one object (at bytes " +
         std::to_string(dup->first) + " and " + std::to_string(dup->at) +
         "): a key may appear once in an object";
}

}  // namespace brrt
