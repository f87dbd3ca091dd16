// Loads every OpenAPI document in ../shared (conformance `pass` documents and the
// real-world specs), compiles its routes, and checks that every path template, filled
// with sample values, routes back to its own operation with those values.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "brrt/router/api_routes.hpp"
#include "brrt/spec/api.hpp"

namespace brrt {
namespace {

namespace fs = std::filesystem;

const fs::path kShared = BRRT_SHARED_DIR;

// Files in ../shared/specs that are not OpenAPI documents.
const std::map<std::string, std::string> kNotOpenApi = {
    {"pet_store_config-config.yaml", "a BRRTRouter server config, not an OpenAPI document"},
    {"uri_golden-corpus.json", "a URI test corpus, not an OpenAPI document"},
};

// Documents with a true defect, and the text the load error must contain.
const std::map<std::string, std::string> kDefective = {
    // $ref to a request body that does not exist.
    {"openapi_dangling_request_body_ref.yaml",
     "$ref '#/components/requestBodies/MissingBody' points to nothing"},
    // $refs to schemas that do not exist (linter fixtures, defective on purpose).
    {"linter-missing_schema_ref.yaml", "$ref '#/components/schemas/UserList' points to nothing"},
    {"linter-mixed_issues.yaml", "$ref '#/components/schemas/OrderList' points to nothing"},
    // `/anything/{id}/{action}/{id}` names one variable twice: its value is ambiguous.
    {"parameters-common.yaml", "parameter 'id' appears twice"},
};

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const char* dir :
       {"conformance/openapi-spec/v3.0/pass", "conformance/openapi-spec/v3.1/pass", "specs"}) {
    const fs::path root = kShared / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      const auto ext = e.path().extension().string();
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Fills every {name} of `tmpl` with `value(i)`; returns the filled path and the values.
std::string fill(const std::string& tmpl, const std::vector<std::string>& values) {
  std::string out;
  std::size_t k = 0;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      const auto close = tmpl.find('}', i);
      out += values[k++ % values.size()];
      i = close;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

struct Sample {
  std::vector<std::string> raw;      // what goes into the path
  std::vector<std::string> decoded;  // what the router must hand back
};

Sample plain_values(std::size_t n) {
  Sample s;
  for (std::size_t i = 0; i < n; ++i) {
    s.raw.push_back("zQ" + std::to_string(i) + "v");
    s.decoded.push_back(s.raw.back());
  }
  return s;
}

// Values with escapes: a slash and a space that must not split or end the segment.
Sample escaped_values(std::size_t n) {
  Sample s;
  for (std::size_t i = 0; i < n; ++i) {
    s.raw.push_back("zQ" + std::to_string(i) + "%2Fa%20b");
    s.decoded.push_back("zQ" + std::to_string(i) + "/a b");
  }
  return s;
}

void check_routes(const spec::Api& api, const router::RouteTable& table, const Sample& sample,
                  const std::string& file, std::size_t& checked) {
  for (const auto& op : api.operations()) {
    const auto& names = table.param_names(static_cast<std::uint32_t>(op.index));
    std::vector<std::string> raw(names.size()), decoded(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      raw[i] = sample.raw[i];
      decoded[i] = sample.decoded[i];
    }
    const std::string target = api.base_path() + (raw.empty() ? op.path : fill(op.path, raw));
    const auto m = table.match(op.method, target);
    ASSERT_EQ(m.status, router::RouteMatch::Status::Found)
        << file << ": " << method_name(op.method) << " " << target << " (" << op.path << ")";
    ASSERT_EQ(m.route, op.index) << file << ": " << method_name(op.method) << " " << target
                                 << " reached " << api.operations()[m.route].path << " instead of "
                                 << op.path;
    std::vector<std::pair<std::string, std::string>> got;
    ASSERT_TRUE(router::decoded_params(table, m, got)) << file << ": " << target;
    ASSERT_EQ(got.size(), names.size()) << file << ": " << target;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, names[i]) << file << ": " << target;
      EXPECT_EQ(got[i].second, decoded[i]) << file << ": " << target;
    }
    ++checked;
  }
}

TEST(RouteEverySpec, EveryTemplateRoutesToItsOperation) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "../shared is absent: no corpus to route";
  const auto files = corpus();
  ASSERT_FALSE(files.empty());
  std::size_t loaded = 0, operations = 0, defective = 0;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    if (kNotOpenApi.count(name)) continue;
    SCOPED_TRACE(path.string());
    if (auto d = kDefective.find(name); d != kDefective.end()) {
      try {
        auto api = spec::load_api(path.string());
        (void)router::compile_routes(*api);
        ADD_FAILURE() << name << " has a known defect but loaded and routed";
      } catch (const spec::SpecError& e) {
        EXPECT_NE(std::string(e.what()).find(d->second), std::string::npos) << e.what();
      }
      ++defective;
      continue;
    }
    std::shared_ptr<const spec::Api> api;
    try {
      api = spec::load_api(path.string());
    } catch (const spec::SpecError& e) {
      ADD_FAILURE() << "failed to load: " << e.what();
      continue;
    }
    router::RouteTable table;
    try {
      table = router::compile_routes(*api);
    } catch (const spec::SpecError& e) {
      ADD_FAILURE() << "failed to compile routes: " << e.what();
      continue;
    }
    std::size_t max_params = 0;
    for (const auto& op : api->operations())
      max_params =
          std::max(max_params, table.param_names(static_cast<std::uint32_t>(op.index)).size());
    std::size_t checked = 0;
    check_routes(*api, table, plain_values(max_params), name, checked);
    check_routes(*api, table, escaped_values(max_params), name, checked);
    operations += api->operations().size();
    ++loaded;
  }
  std::printf("[ corpus ] %zu documents loaded and routed (%zu operations), %zu known-defective\n",
              loaded, operations, defective);
  EXPECT_GT(loaded, 40u);
}

}  // namespace
}  // namespace brrt
