// Runs the built `brrtrouter` binary as a user would and checks output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json/parse.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out;  // stdout and stderr, interleaved
};

Run run(const std::string& args) {
  const std::string cmd = std::string(BRRT_BINARY_DIR) + "/bin/brrtrouter " + args + " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("brrt-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "pets.yaml") << R"(openapi: 3.1.0
info: {title: Pets, version: '1'}
servers: [{url: /api}]
security: [{ApiKeyAuth: []}]
paths:
  /pets:
    get: {operationId: listPets, security: [], responses: {'200': {description: ok}}}
    post: {operationId: createPet, x-handler: pets_create, responses: {'201': {description: ok}}}
  /pets/{petId}:
    get: {operationId: getPet, responses: {'200': {description: ok}}}
    delete: {operationId: deletePet, responses: {'204': {description: ok}}}
  /files/{name}.{ext}:
    get: {operationId: getFile, responses: {'200': {description: ok}}}
components:
  securitySchemes:
    ApiKeyAuth: {type: apiKey, in: header, name: X-API-Key}
)";
    std::ofstream(dir_ / "bad.yaml") << R"(openapi: 3.1.0
info: {title: Bad, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {$ref: '#/components/responses/Missing'}
  /b/{x}:
    get: {operationId: one, responses: {'200': {description: ok}}}
  /b/{y}:
    get: {operationId: two, responses: {'200': {description: ok}}}
)";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(Cli, CheckAcceptsAValidSpec) {
  auto r = run("check " + path("pets.yaml"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok: OpenAPI 3.1.0, 5 operations, 4 warnings"), std::string::npos) << r.out;
  // One of each is counted in the singular.
  std::ofstream(path("one.yaml")) << R"(openapi: 3.1.0
info: {title: One, version: '1'}
paths:
  /a: {get: {responses: {'200': {description: ok}}}}
)";
  r = run("check " + path("one.yaml"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok: OpenAPI 3.1.0, 1 operation, 1 warning ("), std::string::npos) << r.out;
}

TEST_F(Cli, CheckListsErrorsWithLocations) {
  auto r = run("check " + path("bad.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("bad.yaml:7:23: error: $ref '#/components/responses/Missing' points to "
                       "nothing"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("(at /paths/~1a/get/responses/200/$ref)"), std::string::npos);
  EXPECT_NE(r.out.find("hint: "), std::string::npos);
}

TEST_F(Cli, CheckReportsRouteAmbiguity) {
  std::ofstream(dir_ / "amb.yaml") << R"(openapi: 3.1.0
info: {title: A, version: '1'}
paths:
  /b/{x}:
    get: {operationId: one, responses: {'200': {description: ok}}}
  /b/{y}:
    get: {operationId: two, responses: {'200': {description: ok}}}
)";
  auto r = run("check " + path("amb.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("amb.yaml:7:5: error: GET /b/{y}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ambiguous with GET /b/{x}"), std::string::npos) << r.out;
}

TEST_F(Cli, CheckUsageAndUnreadableFile) {
  EXPECT_EQ(run("check").code, 2);
  auto r = run("check " + path("nope.yaml"));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("nope.yaml: error: cannot read the file"), std::string::npos) << r.out;
  EXPECT_EQ(run("check --bogus x").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("--help").code, 0);
}

TEST_F(Cli, RoutesTable) {
  auto r = run("routes " + path("pets.yaml"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("METHOD"), std::string::npos);
  EXPECT_NE(r.out.find("POST     /api/pets"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pets_create"), std::string::npos);
  EXPECT_NE(r.out.find("public"), std::string::npos);
  EXPECT_NE(r.out.find("ApiKeyAuth"), std::string::npos);
}

TEST_F(Cli, RoutesJson) {
  auto r = run("routes --json " + path("pets.yaml"));
  ASSERT_EQ(r.code, 0) << r.out;
  auto rows = boost::json::parse(r.out).as_array();
  ASSERT_EQ(rows.size(), 5u);
  const auto& post = rows[1].as_object();
  EXPECT_EQ(post.at("method").as_string(), "POST");
  EXPECT_EQ(post.at("path").as_string(), "/api/pets");
  EXPECT_EQ(post.at("operationId").as_string(), "createPet");
  EXPECT_EQ(post.at("handler").as_string(), "pets_create");
  EXPECT_EQ(post.at("security").as_array().size(), 1u);
  EXPECT_TRUE(rows[0].as_object().at("security").as_array().empty());
}

TEST_F(Cli, MatchFoundWithDecodedParams) {
  auto r = run("match " + path("pets.yaml") + " GET '/api/pets/a%2Fb%20c?x=1'");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(
      boost::json::parse(r.out),
      boost::json::parse(R"({"status":200,"operationId":"getPet","params":{"petId":"a/b c"}})"));
  r = run("match " + path("pets.yaml") + " GET /api/files/report.pdf");
  EXPECT_EQ(
      boost::json::parse(r.out),
      boost::json::parse(
          R"({"status":200,"operationId":"getFile","params":{"name":"report","ext":"pdf"}})"));
  r = run("match " + path("pets.yaml") + " HEAD /api/pets/1");
  EXPECT_EQ(boost::json::parse(r.out).at("operationId").as_string(), "getPet");
}

TEST_F(Cli, MatchNotFoundAndMethodNotAllowed) {
  auto r = run("match " + path("pets.yaml") + " GET /pets/1");  // outside the base path
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(boost::json::parse(r.out), boost::json::parse(R"({"status":404})"));
  r = run("match " + path("pets.yaml") + " PUT /api/pets/1");
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(boost::json::parse(r.out),
            boost::json::parse(R"({"status":405,"allow":["DELETE","GET","HEAD"]})"));
}

TEST_F(Cli, MatchBadInput) {
  EXPECT_EQ(run("match " + path("pets.yaml") + " get /api/pets").code, 2);
  EXPECT_EQ(run("match " + path("pets.yaml") + " GET pets").code, 2);
  EXPECT_EQ(run("match " + path("pets.yaml") + " GET /api/pets/%zz").code, 2);
  EXPECT_EQ(run("match " + path("pets.yaml") + " GET").code, 2);
  EXPECT_EQ(run("match " + path("bad.yaml") + " GET /a").code, 1);
  // What the server refuses with a 400, match refuses too, saying so (it routed them before).
  for (const char* target :
       {"'/api/pets/1#frag'", "'/api/pets/a b'", "/api/pets/caf\xC3\xA9", "/api/pets/%FF"}) {
    const auto r = run("match " + path("pets.yaml") + " GET " + target);
    EXPECT_EQ(r.code, 2) << target << "\n" << r.out;
    EXPECT_NE(r.out.find("the server would answer 400"), std::string::npos) << r.out;
  }
}

}  // namespace

namespace {
TEST_F(Cli, VerboseLogsTheParseOnStderr) {
  for (const std::string& cmd : {"match " + path("pets.yaml") + " GET /api/pets/7 --verbose",
                                 "routes " + path("pets.yaml") + " --verbose",
                                 "check " + path("pets.yaml") + " --verbose"}) {
    const auto r = run(cmd);
    EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
    EXPECT_NE(r.out.find("spec: parsed"), std::string::npos) << cmd << "\n" << r.out;
  }
  const auto m = run("match " + path("pets.yaml") + " DELETE /api/pets --verbose");
  EXPECT_NE(m.out.find("method not allowed"), std::string::npos) << m.out;
}
}  // namespace

namespace {
TEST_F(Cli, CheckRejectsWhatTheOpenApiMetaSchemaRejects) {
  const fs::path fail = fs::path(BRRT_SHARED_DIR) / "conformance/openapi-spec/v3.1/fail";
  if (!fs::exists(fail)) GTEST_SKIP() << "../shared/conformance is absent";
  auto r = run("check " + (fail / "server_enum_empty.yaml").string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("(at /servers/0/variables/var/enum)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("server_enum_empty.yaml:13:"), std::string::npos) << r.out;
  // The same document passes when the meta-schema check is off (the loader alone accepts it).
  EXPECT_EQ(run("check --no-meta-schema " + (fail / "server_enum_empty.yaml").string()).code, 0);
}
}  // namespace

namespace {

// --map PREFIX=DIR reads only files inside DIR: '..' (%2e%2e) and, after a prefix without a
// trailing slash, an absolute path read files outside it.
TEST_F(Cli, ValidateMapStaysInsideItsDirectory) {
  fs::create_directories(dir_ / "map" / "sub");
  std::ofstream(dir_ / "secret.json") << R"({"const": "SECRET"})";
  std::ofstream(dir_ / "map" / "sub" / "inside.json") << R"({"const": "a"})";
  std::ofstream(dir_ / "a.json") << R"("a")";
  auto schema = [&](const std::string& name, const std::string& ref) {
    std::ofstream(dir_ / name) << R"({"$ref": ")" + ref + R"("})";
    return path(name.c_str());
  };
  const std::string map = " --map http://ex.test/=" + (dir_ / "map").string() + "/";
  const std::string instance = " --instance " + path("a.json");
  // Inside: read, also through '..' that stays inside and percent-encoded names.
  auto r = run("validate --schema " + schema("in.json", "http://ex.test/sub/inside.json") +
               instance + map);
  EXPECT_EQ(r.code, 0) << r.out;
  r = run("validate --schema " + schema("in2.json", "http://ex.test/sub/../sub/%69nside.json") +
          instance + map);
  EXPECT_EQ(r.code, 0) << r.out;
  // Outside: refused, saying why.
  r = run("validate --schema " + schema("out.json", "http://ex.test/%2e%2e/secret.json") +
          instance + map);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("error: not read: --map http://ex.test/="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("which is outside " + (dir_ / "map").string()), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("SECRET"), std::string::npos) << r.out;
  r = run("validate --schema " + schema("out2.json", "http://ex.test" + path("secret.json")) +
          instance + " --map http://ex.test=" + (dir_ / "map").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.find("SECRET"), std::string::npos) << r.out;
  // A prefix without a trailing slash maps at a segment boundary only.
  r = run("validate --schema " + schema("out3.json", "http://ex.test.evil/sub/inside.json") +
          instance + " --map http://ex.test=" + (dir_ / "map").string());
  EXPECT_EQ(r.code, 2) << r.out;
}

// Text that is not UTF-8 is refused where it is: a YAML instance's error was a line of
// invalid JSON on stdout; a spec was accepted and served with the byte in it.
TEST_F(Cli, TextThatIsNotUtf8IsBadInput) {
  std::ofstream(path("s.json")) << R"({"type": "string"})";
  std::ofstream(path("latin1.yaml")) << "a: caf\xE9\n";
  auto r = run("validate --schema " + path("s.json") + " --instance " + path("latin1.yaml"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("latin1.yaml:1:7: error: the text is not UTF-8"), std::string::npos)
      << r.out;
  std::ofstream(path("latin1-spec.yaml"))
      << "openapi: 3.1.0\ninfo: {title: caf\xE9, version: '1'}\npaths: {}\n";
  r = run("check " + path("latin1-spec.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("latin1-spec.yaml:2:18: error: the text is not UTF-8"), std::string::npos)
      << r.out;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

bool have_meta_schemas() {
  return fs::exists(fs::path(BRRT_SHARED_DIR) / "conformance/openapi-spec/schemas/v3.1");
}

// Each error once: the meta-schema reported `a: null` nine times, and a bad pattern in a schema
// used four times failed to compile four times.
TEST_F(Cli, CheckListsEachErrorOnce) {
  std::ofstream(path("pattern.yaml")) << R"(openapi: 3.1.0
info: {title: T, version: '1'}
paths:
  /a:
    get:
      operationId: a
      parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/Bad'}}]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}}}
    post:
      operationId: b
      parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/Bad'}}]
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}}}
components:
  schemas:
    Bad: {type: string, pattern: '[a-'}
)";
  auto r = run("check --no-meta-schema " + path("pattern.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count(r.out, "pattern.yaml:15:34: error: schema does not compile"), 1u) << r.out;
  if (!have_meta_schemas()) return;
  std::ofstream(path("nulls.yaml"))
      << "openapi: 3.1.0\ninfo: {title: T, version: '1'}\ncomponents: {schemas: {a: null, b: 0}}\n";
  r = run("check " + path("nulls.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count(r.out, ": error: "), 2u) << r.out;
}

// check went no further than the first phase with errors: a route clash hid the schema and
// meta-schema errors.
TEST_F(Cli, CheckListsTheErrorsOfEveryPhase) {
  std::ofstream(path("phases.yaml")) << R"(openapi: 3.1.0
info: {title: T, version: '1'}
paths:
  /a/{x}:
    get:
      operationId: ax
      parameters: [{name: x, in: path, required: true, schema: {type: strnig}}]
      responses: {'200': {}}
  /a/{y}:
    get:
      operationId: ay
      parameters: [{name: y, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /b:
    get:
      operationId: b
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}}}
)";
  // The loader's error (a dangling $ref) stops the routes and schemas, not the meta-schema.
  auto r = run("check " + path("phases.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("phases.yaml:17:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("points to nothing"), std::string::npos) << r.out;
  if (have_meta_schemas()) {
    EXPECT_NE(r.out.find("phases.yaml:8:19: error: the OpenAPI 3.1 meta-schema rejects this: "
                         "missing required property 'description'"),
              std::string::npos)
        << r.out;
  }
  // Without it, the routes, the schemas and the meta-schema are all checked.
  std::string text;
  {
    std::ifstream in(path("phases.yaml"));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text = text.substr(0, text.find("  /b:"));
  std::ofstream(path("phases.yaml")) << text;
  r = run("check " + path("phases.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("phases.yaml:10:5: error: GET /a/{y}: GET /a/{y} is ambiguous"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("phases.yaml:7:71: error: schema does not compile: unknown type 'strnig'"),
            std::string::npos)
      << r.out;
  if (have_meta_schemas()) {
    EXPECT_NE(r.out.find("phases.yaml:8:19: error: the OpenAPI 3.1 meta-schema rejects this"),
              std::string::npos)
        << r.out;
  }
}

// The meta-schema's errors were cut at 20 without a word; the rest are counted.
TEST_F(Cli, CheckSaysHowManyMetaSchemaErrorsAreNotListed) {
  if (!have_meta_schemas()) GTEST_SKIP() << "../shared/conformance is absent";
  std::string text = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n";
  for (int i = 0; i < 30; ++i)
    text += "  /p" + std::to_string(i) + ": {get: {operationId: op" + std::to_string(i) +
            ", responses: {'200': {}}}}\n";
  std::ofstream(path("many.yaml")) << text;
  const auto r = run("check " + path("many.yaml"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count(r.out, ": error: "), 20u) << r.out;
  EXPECT_NE(r.out.find("many.yaml: note: and 10 more OpenAPI meta-schema errors, not listed"),
            std::string::npos)
      << r.out;
}

// --base-path was ignored when the spec has no servers.
TEST_F(Cli, BasePathWithoutServers) {
  std::ofstream(path("noservers.yaml")) << R"(openapi: 3.1.0
info: {title: T, version: '1'}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
)";
  auto r = run("routes " + path("noservers.yaml") + " --base-path /v1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(boost::json::parse(r.out).at(0).at("path").as_string(), "/v1/pets/{id}");
  r = run("match " + path("noservers.yaml") + " GET /v1/pets/1 --base-path /v1");
  EXPECT_EQ(boost::json::parse(r.out),
            boost::json::parse(R"({"status":200,"operationId":"getPet","params":{"id":"1"}})"));
}

// A draft-04 root `id` is the schema's base URI (a nested one was, the root's was not).
TEST_F(Cli, ValidateDraft4RootIdIsTheBaseUri) {
  fs::create_directories(dir_ / "remotes" / "x");
  std::ofstream(dir_ / "remotes" / "x" / "other.json") << R"({"type": "integer"})";
  std::ofstream(path("d4.json"))
      << R"({"$schema": "http://json-schema.org/draft-04/schema#", "id": "http://localhost:1234/x/root.json", "properties": {"a": {"$ref": "other.json"}}})";
  std::ofstream(path("good.json")) << R"({"a": 1})";
  std::ofstream(path("bad.json")) << R"({"a": "s"})";
  const std::string map = " --map http://localhost:1234/=" + (dir_ / "remotes").string() + "/";
  auto r = run("validate --schema " + path("d4.json") + " --instance " + path("good.json") + map);
  EXPECT_EQ(r.code, 0) << r.out;
  r = run("validate --schema " + path("d4.json") + " --instance " + path("bad.json") + map);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find(R"("keywordLocation":"/properties/a/$ref/type")"), std::string::npos)
      << r.out;
}

// A missing option value was an unknown option (check, routes, match) or an unexpected argument
// (validate); a directory was "does it exist?" or "incomplete JSON".
TEST_F(Cli, MissingOptionValuesAndDirectoriesAreNamed) {
  const std::string spec = path("pets.yaml");
  for (const auto& [args, said] : std::vector<std::pair<std::string, std::string>>{
           {"check " + spec + " --base-path", "brrtrouter check: --base-path needs a value"},
           {"routes " + spec + " --base-path", "brrtrouter routes: --base-path needs a value"},
           {"match " + spec + " GET /a --base-path", "brrtrouter match: --base-path needs a value"},
           {"validate --schema " + spec + " --instance",
            "brrtrouter validate: --instance needs a value"},
           {"validate --instance " + spec + " --schema",
            "brrtrouter validate: --schema needs a value"},
           {"check " + dir_.string(),
            dir_.string() + ": error: cannot read the file: it is a directory"},
           {"routes " + dir_.string(),
            dir_.string() + ": error: cannot read the file: it is a directory"},
           {"validate --schema " + dir_.string() + " --instance " + spec,
            dir_.string() + ": error: cannot read the file: it is a directory"}}) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(said, 0), 0u) << args << "\n" << r.out;
  }
}

TEST_F(Cli, GenerateWritesTypedCodeAndLeavesUnchangedFilesAlone) {
  const fs::path out = dir_ / "gen";
  fs::create_directories(out);
  auto r = run("generate " + path("pets.yaml") + " --out " + out.string() + " --name pets");
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(out / "pets.hpp");
  const std::string header((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(header.find("namespace pets {"), std::string::npos);  // from the title
  EXPECT_NE(header.find("class PetsHandlers {"), std::string::npos);
  EXPECT_NE(
      header.find("virtual CreatePetResponse createPet(const CreatePetRequest& request) = 0;"),
      std::string::npos);
  EXPECT_NE(header.find("// (registered as \"pets_create\")"), std::string::npos);
  ASSERT_TRUE(fs::exists(out / "pets.cpp"));

  // Generated again from the same spec: the files are not rewritten (builds stay up to date).
  const auto before = fs::last_write_time(out / "pets.hpp");
  fs::last_write_time(out / "pets.hpp", before - std::chrono::hours(1));
  r = run("generate " + path("pets.yaml") + " --out " + out.string() + " --name pets");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(fs::last_write_time(out / "pets.hpp"), before - std::chrono::hours(1));

  r = run("generate " + path("pets.yaml") + " --out " + out.string() +
          " --namespace acme::pets --class Impl --handlers async");
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in2(out / "api.hpp");
  const std::string async((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_NE(async.find("namespace acme::pets {"), std::string::npos);
  EXPECT_NE(async.find("virtual ::boost::asio::awaitable<GetPetResponse> getPet("),
            std::string::npos);
}

TEST_F(Cli, GenerateRefusesBadInput) {
  const std::string spec = path("pets.yaml");
  for (const auto& [args, said] : std::vector<std::pair<std::string, std::string>>{
           {"generate " + spec, "usage: brrtrouter generate"},
           {"generate " + spec + " --out " + path("missing"), "brrtrouter generate: --out "},
           {"generate " + spec + " --out " + dir_.string() + " --handlers threads",
            "brrtrouter generate: --handlers 'threads' is not one of plain, async, blocking"},
           {"generate " + spec + " --out " + dir_.string() + " --namespace 9lives",
            "brrtrouter generate: namespace '9lives' is not a C++ namespace name"},
           {"generate " + spec + " --out " + dir_.string() + " --class my-class",
            "brrtrouter generate: class name 'my-class' is not a C++ identifier"},
           {"generate " + spec + " --out " + dir_.string() + " --name a/b",
            "brrtrouter generate: --name 'a/b' is not a file name"}}) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(said, 0), 0u) << args << "\n" << r.out;
  }
  // A spec that does not load: its errors, exit 1, nothing written.
  const auto r = run("generate " + path("bad.yaml") + " --out " + dir_.string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("bad.yaml:"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "api.hpp"));
}

}  // namespace
