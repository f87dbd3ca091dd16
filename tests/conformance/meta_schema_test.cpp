// `brrtrouter check`'s spec-level checks over the shared corpora: every document the
// OpenAPI 3.1 meta-schema rejects (../shared/conformance/openapi-spec/v3.1/fail) is
// rejected, naming the JSON pointer of the violation; every `pass` document and every
// real-world spec is accepted (all its schemas compile, the meta-schema accepts it), or its
// true defect is named here.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "brrt/dispatch/spec_validators.hpp"
#include "brrt/router/api_routes.hpp"
#include "brrt/spec/api.hpp"
#include "brrt/spec/meta_schema.hpp"

namespace brrt {
namespace {

namespace fs = std::filesystem;

const fs::path kShared = BRRT_SHARED_DIR;
const fs::path kSchemas = kShared / "conformance/openapi-spec/schemas";

// What `check` reports for a document: every error, loader and meta-schema alike.
std::vector<spec::Diagnostic> check(const fs::path& file) {
  try {
    auto api = spec::load_api(file.string());
    router::compile_routes(*api);
    dispatch::SpecValidators validators(*api);
    return spec::check_meta_schema(*api, kSchemas.string());
  } catch (const spec::SpecError& e) {
    return e.diagnostics();
  }
}

std::string joined(const std::vector<spec::Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.to_string() + "\n";
  return out;
}

// Files in ../shared/specs that are not OpenAPI documents.
const std::map<std::string, std::string> kNotOpenApi = {
    {"pet_store_config-config.yaml", "a BRRTRouter server config, not an OpenAPI document"},
    {"uri_golden-corpus.json", "a URI test corpus, not an OpenAPI document"},
};

// True defects, and the text the first error must contain.
const std::map<std::string, std::string> kDefective = {
    // $refs to objects that do not exist.
    {"openapi_dangling_request_body_ref.yaml", "points to nothing"},
    {"linter-missing_schema_ref.yaml", "points to nothing"},
    {"linter-mixed_issues.yaml", "points to nothing"},
    // `/anything/{id}/{action}/{id}` names one variable twice.
    {"parameters-common.yaml", "parameter 'id' appears twice"},
    // OpenAPI 3.1 schemas are JSON Schema 2020-12: exclusiveMinimum is a number there; the
    // boolean form is OpenAPI 3.0's.
    {"schema-validation-local.yaml", "exclusiveMinimum must be a number"},
    {"schema-validation-top-level.yaml", "exclusiveMinimum must be a number"},
    // A Response Object requires `description`.
    {"access-management-openapi.yaml", "missing required property 'description'"},
    {"identity-openapi.yaml", "missing required property 'description'"},
    // `links` belongs to a Response Object, not to an Operation.
    {"openapi.yaml", "property 'links' is not evaluated"},
    {"pet_store_doc-openapi.yaml", "property 'links' is not evaluated"},
    // The `query` method is OpenAPI 3.2; a 3.1 document spells it x-brrtrouter-query.
    {"openapi_query_method.yaml", "property 'query' is not evaluated"},
};

std::vector<fs::path> files_under(const fs::path& root) {
  std::vector<fs::path> files;
  if (!fs::exists(root)) return files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json"))
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MetaSchema, RejectsEveryFailDocumentNamingThePointer) {
  const auto files = files_under(kShared / "conformance/openapi-spec/v3.1/fail");
  if (files.empty()) GTEST_SKIP() << "../shared/conformance/openapi-spec/v3.1/fail is absent";
  ASSERT_FALSE(spec::find_meta_schema_dir().empty());
  for (const auto& f : files) {
    const auto errors = check(f);
    ASSERT_FALSE(errors.empty()) << f << " was accepted";
    EXPECT_GT(errors.front().line, 0) << joined(errors);
    std::printf("rejected %s: %s\n", f.filename().c_str(), errors.front().to_string().c_str());
  }
}

TEST(MetaSchema, AcceptsEveryPassDocumentAndRealWorldSpec) {
  std::vector<fs::path> files;
  for (const char* dir :
       {"conformance/openapi-spec/v3.0/pass", "conformance/openapi-spec/v3.1/pass", "specs"})
    for (auto& f : files_under(kShared / dir)) files.push_back(f);
  if (files.empty()) GTEST_SKIP() << "../shared is absent";
  std::size_t accepted = 0, defective = 0;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    if (kNotOpenApi.count(name)) continue;
    const auto errors = check(f);
    if (auto it = kDefective.find(name); it != kDefective.end()) {
      ASSERT_FALSE(errors.empty()) << f << " is named defective but was accepted";
      EXPECT_NE(errors.front().to_string().find(it->second), std::string::npos) << f << "\n"
                                                                                << joined(errors);
      ++defective;
      continue;
    }
    EXPECT_TRUE(errors.empty()) << f << "\n" << joined(errors);
    ++accepted;
  }
  std::printf("accepted %zu documents; %zu named defects\n", accepted, defective);
  EXPECT_EQ(defective, kDefective.size());
}

}  // namespace
}  // namespace brrt
