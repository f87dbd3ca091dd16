// ns per validation with brrt::schema: the bench API's NewPet body (valid and invalid) and a
// large real document (GitHub's full-repository example against its OpenAPI 3.0 schema), over
// a parsed value and from bytes (parse + validate, as a request body is).
// bench/ajv/bench.mjs runs the same cases with ajv 8; docs/schema.md compares them.
#include <benchmark/benchmark.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brrt/schema/compiler.hpp"
#include "brrt/schema/document.hpp"
#include "brrt/spec/document.hpp"
#include "counted_main.hpp"
#include "dispatch/json_body.hpp"
#include "schema/property_table.hpp"

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

// The same over a schema::Document parsed from the instance's text (member names resolved at
// parse time, as V8 resolves them into hidden classes while JSON.parse runs): validation alone,
// like ajv's validate() on an object JSON.parse built.
struct ParsedDocument {
  std::string text;  // the document's strings point into it
  Document doc;
  std::string error;
};
void parse_document(ParsedDocument& d, const Case& c, bool valid) {
  d.text = json::serialize(valid ? c.valid : c.invalid);
  if (!d.doc.parse(c.program, d.text, d.error)) d.error = "Document::parse: " + d.error;
}
void run_is_valid_document(benchmark::State& state, const Case& c, bool valid) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ParsedDocument d;
  parse_document(d, c, valid);
  if (!d.error.empty() || c.program.is_valid(c.id, d.doc) != valid) {
    state.SkipWithError(d.error.empty() ? "document does not have the expected validity"
                                        : d.error.c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(c.program.is_valid(c.id, d.doc));
}
void run_validate_document(benchmark::State& state, const Case& c) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  ParsedDocument d;
  parse_document(d, c, false);
  if (!d.error.empty()) {
    state.SkipWithError(d.error.c_str());
    return;
  }
  ValidationErrors errors;
  for (auto _ : state) {
    errors.clear();
    benchmark::DoNotOptimize(c.program.validate(c.id, d.doc, errors));
  }
  state.counters["errors"] = static_cast<double>(errors.size());
}
void BM_NewPet_ValidDocument(benchmark::State& s) {
  run_is_valid_document(s, new_pet(), true);
}
void BM_NewPet_InvalidDocument(benchmark::State& s) {
  run_is_valid_document(s, new_pet(), false);
}
void BM_NewPet_InvalidWithErrorsDocument(benchmark::State& s) {
  run_validate_document(s, new_pet());
}
void BM_GitHubFullRepository_ValidDocument(benchmark::State& s) {
  run_is_valid_document(s, github(), true);
}
void BM_GitHubFullRepository_InvalidDocument(benchmark::State& s) {
  run_is_valid_document(s, github(), false);
}
void BM_GitHubFullRepository_InvalidWithErrorsDocument(benchmark::State& s) {
  run_validate_document(s, github());
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

// Floors for the large document: what any validator over a boost::json::value pays before it
// checks anything. WalkOnly visits every value and reads its kind (and each member's name
// length). WalkNames also looks every member name up the way brrt::schema's member walk does
// (a PropertyTable per object, its cursor trying the entry after the previous match), with
// tables built from a separate copy of the document, so every member is found at the first
// try and no two strings share storage: the name matching of a validator whose every guess
// is right. ajv does neither: V8 reads a known property through the object's hidden class.
// docs/schema.md sets them beside ajv.
using brrt::schema::detail::PropertyTable;
constexpr std::uint64_t kFound = std::uint64_t{1} << 40;  // walk()'s count of names found

std::uint64_t walk(const json::value& v, const std::unique_ptr<PropertyTable>*& tables) {
  std::uint64_t sum = 0;
  if (v.is_object()) {
    if (tables != nullptr) {
      PropertyTable::Cursor cursor(**tables++);
      for (const auto& kv : v.get_object()) {
        if (cursor.find(kv.key()) != nullptr) sum += kFound;
        const json::value& m = kv.value();
        sum += m.is_structured() ? walk(m, tables) : static_cast<std::uint64_t>(m.kind());
      }
    } else {
      for (const auto& kv : v.get_object()) {
        sum += kv.key().size();
        const json::value& m = kv.value();
        sum += m.is_structured() ? walk(m, tables) : static_cast<std::uint64_t>(m.kind());
      }
    }
  } else if (v.is_array()) {
    for (const json::value& m : v.get_array())
      sum += m.is_structured() ? walk(m, tables) : static_cast<std::uint64_t>(m.kind());
  }
  return sum;
}

// One table per object, in the order walk() meets them; counts the members.
std::size_t build_tables(const json::value& v, std::vector<std::unique_ptr<PropertyTable>>& out) {
  std::size_t members = 0;
  if (v.is_object()) {
    auto& table = out.emplace_back(std::make_unique<PropertyTable>());
    for (const auto& kv : v.get_object()) table->add(std::string(kv.key()), 0);
    for (const auto& kv : v.get_object()) members += 1 + build_tables(kv.value(), out);
  } else if (v.is_array()) {
    for (const json::value& m : v.get_array()) members += build_tables(m, out);
  }
  return members;
}

void run_walk(benchmark::State& state, bool names) {
  const Case& c = github();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  static const json::value copy = c.valid;  // the tables' names come from this copy
  std::vector<std::unique_ptr<PropertyTable>> tables;
  const std::size_t members = build_tables(copy, tables);
  const std::unique_ptr<PropertyTable>* probe = tables.data();
  if (walk(c.valid, probe) / kFound != members || probe != tables.data() + tables.size()) {
    state.SkipWithError("the walk did not find every member");
    return;
  }
  for (auto _ : state) {
    const std::unique_ptr<PropertyTable>* next = names ? tables.data() : nullptr;
    benchmark::DoNotOptimize(walk(c.valid, next));
  }
  state.counters["members"] = static_cast<double>(members);
}

void BM_GitHubFullRepository_WalkOnly(benchmark::State& s) {
  run_walk(s, false);
}
void BM_GitHubFullRepository_WalkNames(benchmark::State& s) {
  run_walk(s, true);
}

// From bytes, as a request body reaches validation: parse_json_body (the server's parser: the
// worker's 16 KB arena, numbers beyond a double and duplicate keys refused) then is_valid.
// bench.mjs times JSON.parse + validate on the same text beside it.
// With `validate` false, the parse alone.
void run_from_bytes(benchmark::State& state, const Case& c, bool valid, bool validate = true) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const std::string text = json::serialize(valid ? c.valid : c.invalid);
  alignas(16) static unsigned char buffer[16 * 1024];
  std::string message;
  const auto once = [&] {
    json::monotonic_resource arena(buffer, sizeof buffer);
    const json::storage_ptr sp(&arena);
    json::value body(sp);  // on the arena, as RequestContext::body is: released into, not copied
    if (!brrt::dispatch::parse_json_body(text, sp, 64, body, message)) return 2;
    if (!validate) return valid ? 1 : 0;
    return c.program.is_valid(c.id, body) ? 1 : 0;
  };
  if (once() != (valid ? 1 : 0)) {
    state.SkipWithError("the text does not parse to the expected validity");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(once());
  state.counters["bytes"] = static_cast<double>(text.size());
}

// From bytes into a Document (one reused, as a worker keeps one): Document::parse then
// is_valid; with `validate` false, the parse alone; with `value`, then also the
// boost::json::value a handler reads, built from the document into the worker's 16 KB arena
// (what the server does with a JSON request body).
void run_document_from_bytes(benchmark::State& state, const Case& c, bool valid,
                             bool validate = true, bool value = false) {
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const std::string text = json::serialize(valid ? c.valid : c.invalid);
  Document doc;
  std::string message;
  alignas(16) static unsigned char buffer[16 * 1024];
  const auto once = [&] {
    if (!doc.parse(c.program, text, message)) return 2;
    if (!validate) return valid ? 1 : 0;
    const int ok = c.program.is_valid(c.id, doc) ? 1 : 0;
    if (value) {
      json::monotonic_resource arena(buffer, sizeof buffer);
      const json::value body = doc.to_json(doc.root(), json::storage_ptr(&arena));
      benchmark::DoNotOptimize(body.kind());
    }
    return ok;
  };
  if (once() != (valid ? 1 : 0)) {
    state.SkipWithError("the text does not parse to the expected validity");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(once());
  state.counters["bytes"] = static_cast<double>(text.size());
}
void BM_NewPet_ValidFromBytesDocument(benchmark::State& s) {
  run_document_from_bytes(s, new_pet(), true);
}
void BM_GitHubFullRepository_ValidFromBytesDocument(benchmark::State& s) {
  run_document_from_bytes(s, github(), true);
}
void BM_NewPet_ValidFromBytesDocumentAndValue(benchmark::State& s) {
  run_document_from_bytes(s, new_pet(), true, true, true);
}
void BM_GitHubFullRepository_ValidFromBytesDocumentAndValue(benchmark::State& s) {
  run_document_from_bytes(s, github(), true, true, true);
}
void BM_GitHubFullRepository_ParseOnlyDocument(benchmark::State& s) {
  run_document_from_bytes(s, github(), true, false);
}

void BM_NewPet_ValidFromBytes(benchmark::State& s) {
  run_from_bytes(s, new_pet(), true);
}
void BM_GitHubFullRepository_ValidFromBytes(benchmark::State& s) {
  run_from_bytes(s, github(), true);
}
void BM_GitHubFullRepository_ParseOnly(benchmark::State& s) {
  run_from_bytes(s, github(), true, false);
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
BENCHMARK(BM_GitHubFullRepository_WalkOnly);
BENCHMARK(BM_GitHubFullRepository_WalkNames);
BENCHMARK(BM_NewPet_ValidFromBytes);
BENCHMARK(BM_GitHubFullRepository_ValidFromBytes);
BENCHMARK(BM_GitHubFullRepository_ParseOnly);
BENCHMARK(BM_NewPet_ValidDocument);
BENCHMARK(BM_NewPet_InvalidDocument);
BENCHMARK(BM_NewPet_InvalidWithErrorsDocument);
BENCHMARK(BM_GitHubFullRepository_ValidDocument);
BENCHMARK(BM_GitHubFullRepository_InvalidDocument);
BENCHMARK(BM_GitHubFullRepository_InvalidWithErrorsDocument);
BENCHMARK(BM_NewPet_ValidFromBytesDocument);
BENCHMARK(BM_GitHubFullRepository_ValidFromBytesDocument);
BENCHMARK(BM_GitHubFullRepository_ParseOnlyDocument);
BENCHMARK(BM_NewPet_ValidFromBytesDocumentAndValue);
BENCHMARK(BM_GitHubFullRepository_ValidFromBytesDocumentAndValue);
BENCHMARK(BM_GitHubCompileFullRepository)->Unit(benchmark::kMillisecond)->Iterations(3);

// The cases bench/instructions.sh counts (counted_main.hpp).
int main(int argc, char** argv) {
  return brrt::bench::counted_main(
      argc, argv,
      {
          BRRT_COUNTED(BM_NewPet_Valid),
          BRRT_COUNTED(BM_NewPet_Invalid),
          BRRT_COUNTED(BM_NewPet_InvalidWithErrors),
          BRRT_COUNTED(BM_GitHubFullRepository_Valid),
          BRRT_COUNTED(BM_GitHubFullRepository_Invalid),
          BRRT_COUNTED(BM_GitHubFullRepository_InvalidWithErrors),
          BRRT_COUNTED(BM_GitHubFullRepository_WalkOnly),
          BRRT_COUNTED(BM_GitHubFullRepository_WalkNames),
          BRRT_COUNTED(BM_NewPet_ValidDocument),
          BRRT_COUNTED(BM_NewPet_InvalidWithErrorsDocument),
          BRRT_COUNTED(BM_GitHubFullRepository_ValidDocument),
          BRRT_COUNTED(BM_GitHubFullRepository_InvalidDocument),
          BRRT_COUNTED(BM_GitHubFullRepository_InvalidWithErrorsDocument),
      });
}
