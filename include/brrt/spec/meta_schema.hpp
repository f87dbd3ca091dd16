#pragma once
// Checks an OpenAPI document against the official OpenAPI meta-schema of its version
// (3.0: schemas/v3.0/schema.yaml; 3.1: schemas/v3.1/schema-base.yaml, which also checks
// every Schema Object against the OAS 3.1 dialect). `brrtrouter check` runs it after the
// loader, so a document the specification rejects is rejected here too, with the JSON
// pointer and source line of each violation.
#include <string>
#include <vector>

#include "brrt/spec/api.hpp"
#include "brrt/spec/diagnostic.hpp"

namespace brrt::spec {

// The directory holding v3.0/schema.yaml and v3.1/*.yaml: $BRRT_OPENAPI_SCHEMAS, then
// <exe>/../share/brrtrouter/openapi-schemas, then the conformance corpus next to the
// source tree (../shared/conformance/openapi-spec/schemas). Empty when none exists.
std::string find_meta_schema_dir();

// One error diagnostic per violation (the first `max_errors`, each once), located in the
// spec's root document; `*not_listed` is set to how many more there are (up to 1,000 or ten
// times max_errors are looked for). Versions without a published meta-schema in `dir` (3.2),
// and documents without a string `openapi`, are not checked. Throws std::runtime_error when
// the meta-schemas in `dir` cannot be read.
std::vector<Diagnostic> check_meta_schema(const Api& api, const std::string& dir,
                                          std::size_t max_errors = 20,
                                          std::size_t* not_listed = nullptr);
// The same for a document the loader did not accept (`check` still lists its meta-schema
// errors); the version is read from its `openapi` field.
std::vector<Diagnostic> check_meta_schema(const Document& doc, const std::string& dir,
                                          std::size_t max_errors = 20,
                                          std::size_t* not_listed = nullptr);

}  // namespace brrt::spec
