#pragma once
// Load-time failure of the schema compiler: an invalid schema or an unresolvable `$ref`.
#include <stdexcept>
#include <string>

namespace brrt::schema {

class CompileError : public std::runtime_error {
 public:
  // what() is "<uri>#<pointer>: <message>".
  CompileError(std::string uri, std::string pointer, const std::string& message,
               std::string hint = {});
  const std::string& uri() const noexcept { return uri_; }          // document / resource URI
  const std::string& pointer() const noexcept { return pointer_; }  // JSON pointer in it
  const std::string& detail() const noexcept { return detail_; }    // the message alone
  // How to fix it, where the compiler knows more than "fix the schema" ("" otherwise).
  const std::string& hint() const noexcept { return hint_; }

 private:
  std::string uri_;
  std::string pointer_;
  std::string detail_;
  std::string hint_;
};

}  // namespace brrt::schema
