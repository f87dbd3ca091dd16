#pragma once
// Names from a spec (property names, operationIds, schema names, enum values) made into C++
// identifiers that compile and do not collide.
#include <set>
#include <string>
#include <string_view>

namespace brrt::codegen {

// `name` with every character that cannot be in an identifier replaced by '_', a leading
// digit or reserved underscore prefixed with 'v', and a keyword suffixed with '_'.
std::string cpp_identifier(std::string_view name);
// "get-pet_by id" -> "GetPetById"; "getPet" -> "GetPet" (letters inside a word kept).
std::string pascal_case(std::string_view name);
// "200" -> "ok", "404" -> "not_found"; "" when the code has no common name.
std::string_view status_name(int status);

// Hands out names unique within one scope: the second "Pet" is "Pet2".
class NameScope {
 public:
  // Reserves `name` as is (names the scope must never hand out).
  void reserve(std::string name) { taken_.insert(std::move(name)); }
  bool taken(const std::string& name) const { return taken_.count(name) != 0; }
  std::string unique(std::string name);

 private:
  std::set<std::string> taken_;
};

}  // namespace brrt::codegen
