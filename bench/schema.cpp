// ns per validation with brrt::schema: the bench API's NewPet body (valid and invalid) and a
// large real document (GitHub's full-repository example against its OpenAPI 3.0 schema).
// bench/ajv/bench.mjs runs the same cases with ajv 8; docs/schema.md compares them.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "brrt/schema/compiler.hpp"
#include "brrt/spec/document.hpp"
#include "counted_main.hpp"

namespace json = boost::json;
using namespace brrt::schema;

namespace {

const std::string kShared = BRRT_SHARED_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  Program program;
  SchemaId id;
  json::value valid, invalid;
  std::string error;  // non-empty: the inputs are missing
};

const Case& new_pet() {
  static const Case c = [] {
    Case out;
    try {
      const json::value api =
          brrt::spec::Document::load_file(kShared + "/bench/bench-api.yaml")->root();
      Compiler compiler({.dialect = Dialect::Draft2020_12});  // the bench API is OpenAPI 3.1
      compiler.add_document("file:///bench-api.yaml", api);
      out.id = compiler.compile("file:///bench-api.yaml", "/components/schemas/NewPet");
      out.program = compiler.build();
      out.valid = json::parse(R"({"name":"rex","tag":"dog","age":3})");
      out.invalid = json::parse(R"({"name":"rex","tag":"dog","age":-1})");
    } catch (const std::exception& e) {
      out.error = std::string("bench-api.yaml unavailable (../shared absent?): ") + e.what();
    }
    return out;
  }();
  return c;
}

const Case& github() {
  static const Case c = [] {
    Case out;
    try {
      const std::string text = read_file(kShared + "/specs/realworld/github/api.github.com.json");
      if (text.empty()) throw std::runtime_error("empty or missing file");
      const json::value api = json::parse(text);
      Compiler compiler({.dialect = Dialect::Oas30});  // the GitHub description is OpenAPI 3.0.3
      compiler.add_document("file:///api.github.com.json", api);
      out.id =
          compiler.compile("file:///api.github.com.json", "/components/schemas/full-repository");
      out.program = compiler.build();
      out.valid = api.at_pointer("/components/examples/full-repository/value");
      // The published example predates the schema's required "has_discussions" (brrtrouter
      // validate and ajv both reject it without); added so the document is valid.
      out.valid.as_object()["has_discussions"] = false;
      // The same document with one deep violation: owner.id must be an integer.
      out.invalid = out.valid;
      out.invalid.at_pointer("/owner").as_object()["id"] = "not-an-integer";
    } catch (const std::exception& e) {
      out.error = std::string("GitHub spec unavailable (../shared absent?): ") + e.what();
    }
    return out;
  }();
  return c;
}

void run_is_valid(benchmark::State& state, const Case& c, bool valid) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const json::value& instance = valid ? c.valid : c.invalid;
  if (c.program.is_valid(c.id, instance) != valid) {
    state.SkipWithError("instance does not have the expected validity");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(c.program.is_valid(c.id, instance));
}

void run_validate(benchmark::State& state, const Case& c) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ValidationErrors errors;  // reused, as a server worker does
  for (auto _ : state) {
    errors.clear();
    benchmark::DoNotOptimize(c.program.validate(c.id, c.invalid, errors));
  }
  state.counters["errors"] = static_cast<double>(errors.size());
}

void BM_NewPet_Valid(benchmark::State& s) {
  run_is_valid(s, new_pet(), true);
}
void BM_NewPet_Invalid(benchmark::State& s) {
  run_is_valid(s, new_pet(), false);
}
void BM_NewPet_InvalidWithErrors(benchmark::State& s) {
  run_validate(s, new_pet());
}
void BM_GitHubFullRepository_Valid(benchmark::State& s) {
  run_is_valid(s, github(), true);
}
void BM_GitHubFullRepository_Invalid(benchmark::State& s) {
  run_is_valid(s, github(), false);
}
void BM_GitHubFullRepository_InvalidWithErrors(benchmark::State& s) {
  run_validate(s, github());
}

// Compiling the whole GitHub description's schemas is load-time work; measured for scale.
void BM_GitHubCompileFullRepository(benchmark::State& state) {
  const std::string text = read_file(kShared + "/specs/realworld/github/api.github.com.json");
  if (text.empty()) {
    state.SkipWithError("GitHub spec unavailable");
    return;
  }
  const json::value api = json::parse(text);
  for (auto _ : state) {
    Compiler compiler({.dialect = Dialect::Oas30});
    compiler.add_document("file:///api.github.com.json", api);
    benchmark::DoNotOptimize(
        compiler.compile("file:///api.github.com.json", "/components/schemas/full-repository"));
  }
}

}  // namespace

BENCHMARK(BM_NewPet_Valid);
BENCHMARK(BM_NewPet_Invalid);
BENCHMARK(BM_NewPet_InvalidWithErrors);
BENCHMARK(BM_GitHubFullRepository_Valid);
BENCHMARK(BM_GitHubFullRepository_Invalid);
BENCHMARK(BM_GitHubFullRepository_InvalidWithErrors);
BENCHMARK(BM_GitHubCompileFullRepository)->Unit(benchmark::kMillisecond)->Iterations(3);

// The cases bench/instructions.sh counts (counted_main.hpp).
int main(int argc, char** argv) {
  return brrt::bench::counted_main(argc, argv,
                                   {
                                       BRRT_COUNTED(BM_NewPet_Valid),
                                       BRRT_COUNTED(BM_NewPet_Invalid),
                                       BRRT_COUNTED(BM_NewPet_InvalidWithErrors),
                                       BRRT_COUNTED(BM_GitHubFullRepository_Valid),
                                       BRRT_COUNTED(BM_GitHubFullRepository_Invalid),
                                       BRRT_COUNTED(BM_GitHubFullRepository_InvalidWithErrors),
                                   });
}
