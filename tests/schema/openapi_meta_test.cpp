// The OpenAPI meta-schemas (../shared/conformance/openapi-spec) compiled with brrt::schema:
// 3.0's is a draft-04 schema (`id`, boolean exclusiveMinimum), 3.1's a 2020-12 one with
// $dynamicRef. Their own pass/fail example documents must be accepted/rejected, which is what
// `brrtrouter check` relies on.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "brrt/schema/compiler.hpp"
#include "brrt/spec/document.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace brrt::schema;

namespace {

const fs::path kOpenApi = fs::path(BRRT_SHARED_DIR) / "conformance" / "openapi-spec";

json::value load(const fs::path& p) {
  return brrt::spec::Document::load_file(p.string())->root();
}

std::vector<fs::path> files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

Program compile_meta(const fs::path& file, SchemaId& id) {
  Compiler c;
  c.add_document("file://" + file.string(), load(file));
  id = c.compile("file://" + file.string());
  return c.build();
}

#define SKIP_WITHOUT_SHARED()                  \
  if (!fs::is_directory(kOpenApi / "schemas")) \
  GTEST_SKIP() << "no OpenAPI meta-schemas at " << kOpenApi << " (../shared is absent)"

TEST(OpenApiMetaSchema, V30AcceptsItsPassDocuments) {
  SKIP_WITHOUT_SHARED();
  SchemaId id;
  const Program p = compile_meta(kOpenApi / "schemas/v3.0/schema.yaml", id);
  std::size_t n = 0;
  for (const fs::path& f : files(kOpenApi / "v3.0/pass")) {
    std::vector<ValidationError> errors;
    EXPECT_TRUE(p.validate(id, load(f), errors)) << f << ": " << errors.front().to_string();
    ++n;
  }
  EXPECT_GT(n, 0u);
  // And rejects what it should: the version pattern of "openapi".
  json::value bad = load(kOpenApi / "v3.0/pass" / files(kOpenApi / "v3.0/pass").front().filename());
  bad.as_object()["openapi"] = "2.0";
  EXPECT_FALSE(p.is_valid(id, bad));
}

TEST(OpenApiMetaSchema, V31SeparatesPassAndFailDocuments) {
  SKIP_WITHOUT_SHARED();
  SchemaId id;
  const Program p = compile_meta(kOpenApi / "schemas/v3.1/schema.yaml", id);
  for (const fs::path& f : files(kOpenApi / "v3.1/pass")) {
    std::vector<ValidationError> errors;
    EXPECT_TRUE(p.validate(id, load(f), errors)) << f << ": " << errors.front().to_string();
  }
  for (const fs::path& f : files(kOpenApi / "v3.1/fail"))
    EXPECT_FALSE(p.is_valid(id, load(f))) << f << " should be rejected";
}

}  // namespace
