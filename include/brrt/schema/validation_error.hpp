#pragma once
// One reason an instance does not validate against a schema.
#include <string>

namespace brrt::schema {

struct ValidationError {
  std::string instance_location;  // JSON pointer into the instance, "" for the root, "/age"
  std::string keyword_location;   // evaluation path through the schema, "/properties/age/minimum"
  std::string schema_location;  // absolute location of the failing keyword, "uri#/pointer/minimum"
  std::string keyword;          // "minimum"
  std::string message;          // "-3 is less than the minimum 0"

  // "/age: -3 is less than the minimum 0" ("(root): ..." for the instance root).
  std::string to_string() const;
};

}  // namespace brrt::schema
