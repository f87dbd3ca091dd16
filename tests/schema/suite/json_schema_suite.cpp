// The official JSON-Schema-Test-Suite (../shared/conformance/JSON-Schema-Test-Suite) run in
// process against brrt::schema. Required tests must all pass; optional ones (optional/,
// optional/format/ with format assertion on) at least 90%. Tests that are known to fail are
// listed with their reason in tests/schema/suite/expected.json (mirrored in
// docs/CONFORMANCE.md); a listed test that passes fails the run so the list stays honest.
// tests/schema/cli_suite.mjs runs the same cases through `brrtrouter validate`.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "brrt/schema/compiler.hpp"
#include "brrt/schema/document.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace brrt::schema;

namespace {

// The same instance parsed into a schema::Document (member names resolved at parse time) must
// get the same verdict and the same errors as the boost::json::value parsed from the same text
// (a double does not always survive Boost.JSON's serialize and parse unchanged): "" when it
// does, else what differs.
std::string document_disagrees(const Program& program, SchemaId id, const json::value& original,
                               std::size_t max_errors) {
  const std::string text = json::serialize(original);
  const json::value instance = json::parse(text);
  const bool quiet = program.is_valid(id, instance);
  std::vector<ValidationError> errors;
  program.validate(id, instance, errors, max_errors);
  Document doc;
  std::string message;
  if (!doc.parse(program, text, message, 512)) return " (Document::parse: " + message + ")";
  if (program.is_valid(id, doc) != quiet) return " (is_valid(Document) disagrees)";
  ValidationErrors doc_errors;
  const bool full = program.validate(id, doc, doc_errors, max_errors);
  if (full != quiet) return " (validate(Document) disagrees)";
  if (doc_errors.size() != errors.size())
    return " (validate(Document) reports " + std::to_string(doc_errors.size()) + " errors, not " +
           std::to_string(errors.size()) + ")";
  for (std::size_t i = 0; i < errors.size(); ++i)
    if (doc_errors[i].to_string() != errors[i].to_string() ||
        doc_errors[i].keyword_location() != errors[i].keyword_location())
      return " (validate(Document) error " + std::to_string(i) + ": " +
             std::string(doc_errors[i].to_string()) + ", not " + errors[i].to_string() + ")";
  return {};
}

const fs::path kSuite = fs::path(BRRT_SHARED_DIR) / "conformance" / "JSON-Schema-Test-Suite";
constexpr std::string_view kRemotePrefix = "http://localhost:1234/";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

json::value parse_json(const std::string& text) {
  json::parse_options opt;
  opt.max_depth = 1000;
  return json::parse(text, {}, opt);
}

// Remote documents of the suite, loaded on first use and shared by every compiler.
const json::value* remote(std::string_view uri) {
  static std::map<std::string, json::value, std::less<>> cache;
  if (!uri.starts_with(kRemotePrefix)) return nullptr;
  if (auto it = cache.find(uri); it != cache.end()) return &it->second;
  const fs::path file = kSuite / "remotes" / std::string(uri.substr(kRemotePrefix.size()));
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return nullptr;
  return &cache.emplace(std::string(uri), parse_json(read_file(file))).first->second;
}

struct Expected {
  std::map<std::string, std::string> skips;  // "path|group|test" -> reason
  double min_optional_ratio = 0.9;
};

const Expected& expected() {
  static const Expected e = [] {
    Expected out;
    const json::value v =
        parse_json(read_file(fs::path(BRRT_SOURCE_DIR) / "tests/schema/suite/expected.json"));
    out.min_optional_ratio = v.at("min_optional_ratio").to_number<double>();
    for (const json::value& s : v.at("skips").as_array()) {
      const json::object& o = s.as_object();
      out.skips.emplace(std::string(o.at("path").as_string()) + "|" +
                            std::string(o.at("group").as_string()) + "|" +
                            std::string(o.at("test").as_string()),
                        std::string(o.at("reason").as_string()));
    }
    return out;
  }();
  return e;
}

struct Totals {
  std::size_t passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> failures;           // not expected to fail
  std::vector<std::string> unexpected_passes;  // listed in expected.json but pass
};

void run_file(const fs::path& file, const std::string& rel, Dialect dialect, bool format_assert,
              Totals& totals) {
  const json::value groups = parse_json(read_file(file));
  std::size_t passed = 0, total = 0, skipped = 0;
  for (const json::value& g : groups.as_array()) {
    const std::string group(g.at("description").as_string());
    CompileOptions options;
    options.dialect = dialect;
    options.format_assertion = format_assert;
    options.resolver = remote;
    Compiler compiler(options);
    std::optional<Program> program;
    SchemaId id;
    std::string compile_error;
    try {
      id = compiler.compile_document(g.at("schema"));
      program = compiler.build();
    } catch (const std::exception& e) {
      compile_error = e.what();
    }
    for (const json::value& t : g.at("tests").as_array()) {
      const std::string test(t.at("description").as_string());
      const std::string key = rel + "|" + group + "|" + test;
      const bool want = t.at("valid").as_bool();
      ++total;
      bool got = false;
      std::string detail;
      if (program) {
        got = program->is_valid(id, t.at("data"));
        // The error-collecting path must agree with the fast path.
        std::vector<ValidationError> errors;
        const bool full = program->validate(id, t.at("data"), errors, 8);
        if (full != got) detail = " (validate() disagrees with is_valid())";
        if (full && !errors.empty()) detail = " (valid but errors reported)";
        if (!full && errors.empty()) detail = " (invalid but no error reported)";
        if (detail.empty()) detail = document_disagrees(*program, id, t.at("data"), 8);
      } else {
        detail = " (compile error: " + compile_error + ")";
      }
      const bool ok = got == want && detail.empty();
      const bool listed = expected().skips.count(key) != 0;
      if (listed) {
        ++skipped;
        ++totals.skipped;
        if (ok) totals.unexpected_passes.push_back(key);
        continue;
      }
      if (ok) {
        ++passed;
        ++totals.passed;
      } else {
        ++totals.failed;
        totals.failures.push_back(key + ": expected " + (want ? "valid" : "invalid") + detail);
      }
    }
  }
  std::printf(
      "  %-60s %3zu/%3zu passed%s\n", rel.c_str(), passed, total - skipped,
      skipped ? (" (" + std::to_string(skipped) + " listed as known failures)").c_str() : "");
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

Totals run_dir(const std::string& draft, const std::string& sub, Dialect dialect,
               bool format_assert) {
  Totals totals;
  const fs::path dir = kSuite / "tests" / draft / sub;
  std::printf("%s/%s\n", draft.c_str(), sub.c_str());
  for (const fs::path& f : json_files(dir)) {
    std::string rel = draft + "/" + (sub.empty() ? "" : sub + "/") + f.filename().string();
    run_file(f, rel, dialect, format_assert, totals);
  }
  std::printf("total: %zu passed, %zu failed, %zu listed\n", totals.passed, totals.failed,
              totals.skipped);
  return totals;
}

void require_all(const Totals& t) {
  for (const auto& f : t.failures) ADD_FAILURE() << f;
  for (const auto& u : t.unexpected_passes)
    ADD_FAILURE() << "listed in expected.json but passes (remove it): " << u;
}

void require_ratio(const Totals& t) {
  const double ratio = double(t.passed) / double(t.passed + t.failed + t.skipped);
  EXPECT_GE(ratio, expected().min_optional_ratio) << t.passed << " passed";
  // Failures beyond the listed ones are regressions even when the ratio holds.
  require_all(t);
}

#define SKIP_WITHOUT_SUITE()                                       \
  if (!fs::is_directory(kSuite / "tests"))                         \
  GTEST_SKIP() << "JSON-Schema-Test-Suite not found at " << kSuite \
               << " (../shared is absent); the conformance suite cannot run"

}  // namespace

TEST(JsonSchemaSuite, Draft2020_12_Required) {
  SKIP_WITHOUT_SUITE();
  require_all(run_dir("draft2020-12", "", Dialect::Draft2020_12, false));
}
TEST(JsonSchemaSuite, Draft2020_12_Optional) {
  SKIP_WITHOUT_SUITE();
  require_ratio(run_dir("draft2020-12", "optional", Dialect::Draft2020_12, false));
}
TEST(JsonSchemaSuite, Draft2020_12_Format) {
  SKIP_WITHOUT_SUITE();
  require_ratio(run_dir("draft2020-12", "optional/format", Dialect::Draft2020_12, true));
}
TEST(JsonSchemaSuite, Draft7_Required) {
  SKIP_WITHOUT_SUITE();
  require_all(run_dir("draft7", "", Dialect::Draft7, false));
}
TEST(JsonSchemaSuite, Draft7_Optional) {
  SKIP_WITHOUT_SUITE();
  require_ratio(run_dir("draft7", "optional", Dialect::Draft7, false));
}
TEST(JsonSchemaSuite, Draft7_Format) {
  SKIP_WITHOUT_SUITE();
  require_ratio(run_dir("draft7", "optional/format", Dialect::Draft7, true));
}

namespace {

// Deterministic random JSON, biased towards what schemas test: small numbers around bounds,
// integral doubles, short (also non-ASCII) strings, and the keys the case's data uses.
class RandomJson {
 public:
  explicit RandomJson(std::uint32_t seed) : rng_(seed) {}

  json::value value(int depth) {
    switch (pick(depth > 2 ? 6 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return pick(2) == 1;
      case 2:
        return static_cast<std::int64_t>(pick(21)) - 10;
      case 3:
        return static_cast<double>(pick(41)) / 4.0 - 5.0;
      case 4: {
        static const char* const kStrings[] = {"",
                                               "a",
                                               "foo",
                                               "bar",
                                               "1",
                                               "\xc3\xa9",
                                               "2020-01-01",
                                               "aaaaaaaaaaaaaaaaaaaaaa",
                                               "\xf0\x9f\x98\x80"};
        return json::value(kStrings[pick(9)]);
      }
      case 5:
        return static_cast<std::uint64_t>(18446744073709551615ull - pick(3));
      case 6: {
        json::array a;
        for (std::uint32_t i = 0, n = pick(5); i < n; ++i) a.push_back(value(depth + 1));
        return a;
      }
      default: {
        json::object o;
        static const char* const kKeys[] = {"foo", "bar", "baz", "a", "b", "", "1", "x-y"};
        for (std::uint32_t i = 0, n = pick(5); i < n; ++i) o[kKeys[pick(8)]] = value(depth + 1);
        return o;
      }
    }
  }

  // Replaces a random subtree of `v` (or `v` itself) with a random value.
  void mutate(json::value& v, int depth = 0) {
    if (depth > 6 || pick(4) == 0) {
      v = value(depth);
      return;
    }
    if (v.is_array() && !v.get_array().empty())
      mutate(v.get_array()[pick(static_cast<std::uint32_t>(v.get_array().size()))], depth + 1);
    else if (v.is_object() && !v.get_object().empty())
      mutate(
          std::next(v.get_object().begin(), pick(static_cast<std::uint32_t>(v.get_object().size())))
              ->value(),
          depth + 1);
    else
      v = value(depth);
  }

 private:
  std::uint32_t pick(std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng_);
  }
  std::mt19937 rng_;
};

}  // namespace

// The quiet path (is_valid: leaf and plain-object shortcuts, required counting, order-guessed
// lookups) and the collecting path (validate) must agree on every instance, not only on the
// suite's: mutate each case's data deterministically and compare.
TEST(JsonSchemaSuite, QuietAndCollectingPathsAgreeOnMutatedInstances) {
  SKIP_WITHOUT_SUITE();
  RandomJson random(20261125);
  std::size_t checked = 0;
  for (const auto& [draft, dialect] :
       {std::pair{"draft2020-12", Dialect::Draft2020_12}, std::pair{"draft7", Dialect::Draft7}}) {
    for (const fs::path& f : json_files(kSuite / "tests" / draft)) {
      const json::value groups = parse_json(read_file(f));
      for (const json::value& g : groups.as_array()) {
        CompileOptions options;
        options.dialect = dialect;
        options.resolver = remote;
        Compiler compiler(options);
        SchemaId id;
        try {
          id = compiler.compile_document(g.at("schema"));
        } catch (const std::exception&) {
          continue;
        }
        const Program program = compiler.build();
        for (const json::value& t : g.at("tests").as_array()) {
          for (int round = 0; round < 32; ++round) {
            json::value instance = t.at("data");
            random.mutate(instance);
            const bool quiet = program.is_valid(id, instance);
            std::vector<ValidationError> errors;
            const bool full = program.validate(id, instance, errors, 4);
            ++checked;
            const std::string doc = document_disagrees(program, id, instance, 4);
            if (!doc.empty()) {
              ADD_FAILURE() << f.filename() << " / " << g.at("description").as_string() << ": "
                            << json::serialize(instance) << doc;
              return;
            }
            if (quiet != full || errors.empty() != full) {
              ADD_FAILURE() << f.filename() << " / " << g.at("description").as_string() << ": "
                            << json::serialize(instance) << ": is_valid " << quiet << ", validate "
                            << full << " with " << errors.size() << " errors";
              if (quiet != full) return;
            }
          }
        }
      }
    }
  }
  std::printf("%zu mutated instances checked\n", checked);
  EXPECT_GT(checked, 10000u);
}
