#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "brrt/spec/api.hpp"

namespace brrt::spec {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const Api> load(const std::string& yaml, LoadOptions opts = {}) {
  return load_api_from_text(yaml, "test.yaml", opts);
}

// Loads `yaml`, expects a SpecError, returns its diagnostics.
std::vector<Diagnostic> errors_of(const std::string& yaml) {
  try {
    (void)load(yaml);
  } catch (const SpecError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a SpecError";
  return {};
}

const char* kPets = R"(openapi: 3.1.0
info: {title: Pets, version: "1.0"}
servers:
  - url: https://{host}/api/v1/
    variables:
      host: {default: example.com}
security:
  - ApiKeyAuth: []
paths:
  /pets:
    parameters:
      - {name: trace, in: header, schema: {type: string}}
    get:
      operationId: listPets
      x-handler: pets_list
      tags: [pets]
      parameters:
        - name: limit
          in: query
          schema: {type: integer}
        - $ref: '#/components/parameters/Tags'
        - {name: trace, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              examples:
                two: {value: [{id: 1}, {id: 2}]}
        2XX: {description: other success}
        default: {$ref: '#/components/responses/Error'}
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/Pet'}}
      responses:
        '201': {description: created}
  /pets/{petId}:
    get:
      operationId: getPet
      security:
        - ApiKeyAuth: []
          OAuth: [read:pets]
        - Bearer: []
      parameters:
        - {name: petId, in: path, schema: {type: integer}}
        - {name: coords, in: query, style: deepObject, schema: {type: object}}
        - {name: ids, in: query, style: pipeDelimited, explode: false, schema: {type: array}}
        - {name: sid, in: cookie, schema: {type: string}}
      responses:
        '200': {description: ok}
      callbacks:
        onEvent:
          '{$request.body#/url}':
            post: {responses: {'200': {description: ok}}}
    query:
      operationId: queryPet
      responses: {'200': {description: ok}}
webhooks:
  petAdopted:
    post:
      operationId: petAdoptedHook
      responses: {'200': {description: ok}}
x-custom: 42
components:
  parameters:
    Tags: {$ref: '#/components/parameters/TagsReal'}
    TagsReal: {name: tags, in: query, schema: {type: array, items: {type: string}}}
  responses:
    Error: {description: error}
  schemas:
    Pet:
      type: object
      properties:
        id: {type: integer}
        children: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  securitySchemes:
    ApiKeyAuth: {type: apiKey, in: header, name: X-API-Key}
    Bearer: {type: http, scheme: Bearer, bearerFormat: JWT}
    OAuth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: /token, scopes: {read:pets: read}}}
)";

TEST(Loader, BuildsTheModel) {
  auto api = load(kPets);
  EXPECT_EQ(api->openapi_version(), "3.1.0");
  EXPECT_EQ(api->dialect(), SchemaDialect::Draft2020_12);
  EXPECT_EQ(api->info().title, "Pets");
  ASSERT_EQ(api->servers().size(), 1u);
  EXPECT_EQ(api->servers()[0].url, "https://example.com/api/v1/");
  EXPECT_EQ(api->base_path(), "/api/v1");
  ASSERT_EQ(api->operations().size(), 4u);
  EXPECT_EQ(api->security_schemes().size(), 3u);
  EXPECT_EQ(api->extension("x-custom")->as_int64(), 42);
  EXPECT_TRUE(api->warnings().size() >= 1);  // POST /pets has no operationId; petId not required
  ASSERT_EQ(api->schemas().size(), 1u);
  EXPECT_EQ(api->schemas()[0].first, "Pet");
  EXPECT_EQ(api->schemas()[0].second.pointer, "/components/schemas/Pet");
}

TEST(Loader, OperationsParametersAndHandlers) {
  auto api = load(kPets);
  const Operation* list = api->find_operation("listPets");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->method, Method::Get);
  EXPECT_EQ(list->path, "/pets");
  EXPECT_EQ(list->handler, "pets_list");
  EXPECT_EQ(list->tags, std::vector<std::string>{"pets"});
  ASSERT_EQ(list->parameters.size(), 3u);
  // Path-level `trace` is overridden by the operation's (required) one.
  EXPECT_EQ(list->parameters[0].name, "trace");
  EXPECT_TRUE(list->parameters[0].required);
  EXPECT_EQ(list->parameters[0].style, ParamStyle::Simple);
  EXPECT_EQ(list->parameters[1].name, "limit");
  EXPECT_EQ(list->parameters[1].style, ParamStyle::Form);
  EXPECT_TRUE(list->parameters[1].explode);
  // $ref to $ref resolved.
  EXPECT_EQ(list->parameters[2].name, "tags");
  EXPECT_EQ(list->parameters[2].pointer, "/components/parameters/TagsReal");
  EXPECT_EQ(list->parameters[2].schema.node->as_object().at("type").as_string(), "array");

  const Operation* get = api->find_operation("getPet");
  ASSERT_NE(get, nullptr);
  const auto& ps = get->parameters;
  ASSERT_EQ(ps.size(), 4u);
  EXPECT_EQ(ps[0].in, ParamIn::Path);
  EXPECT_TRUE(ps[0].required);  // forced, with a warning
  EXPECT_FALSE(ps[0].explode);
  EXPECT_EQ(ps[1].style, ParamStyle::DeepObject);
  EXPECT_FALSE(ps[1].explode);
  EXPECT_EQ(ps[2].style, ParamStyle::PipeDelimited);
  EXPECT_EQ(ps[3].in, ParamIn::Cookie);
  EXPECT_EQ(ps[3].style, ParamStyle::Form);
  ASSERT_EQ(get->callbacks.size(), 1u);
  EXPECT_EQ(get->callbacks[0].name, "onEvent");
  EXPECT_EQ(get->callbacks[0].expression, "{$request.body#/url}");

  const Operation* query = api->find_operation("queryPet");
  ASSERT_NE(query, nullptr);
  EXPECT_EQ(query->method, Method::Query);
  ASSERT_EQ(api->webhooks().size(), 1u);
  EXPECT_EQ(api->webhooks()[0].name, "petAdopted");
  EXPECT_EQ(api->webhooks()[0].operations[0].second, "petAdoptedHook");
}

TEST(Loader, GeneratedOperationIdsAreDeterministicAndWarned) {
  auto api = load(kPets);
  const Operation* post = api->find_operation("post_pets");
  ASSERT_NE(post, nullptr);
  EXPECT_TRUE(post->operation_id_generated);
  bool warned = false;
  for (const auto& w : api->warnings())
    if (w.message.find("no operationId; using 'post_pets'") != std::string::npos) {
      warned = true;
      EXPECT_EQ(w.pointer, "/paths/~1pets/post");
      EXPECT_GT(w.line, 0);
    }
  EXPECT_TRUE(warned);
  auto again = load(kPets);
  EXPECT_NE(again->find_operation("post_pets"), nullptr);
}

TEST(Loader, ResponsesBodiesAndExamples) {
  auto api = load(kPets);
  const Operation* list = api->find_operation("listPets");
  ASSERT_EQ(list->responses.size(), 3u);
  EXPECT_EQ(list->response_for(200)->status, "200");
  EXPECT_EQ(list->response_for(204)->status, "2XX");
  EXPECT_EQ(list->response_for(500)->status, "default");
  EXPECT_EQ(list->response_for(500)->description, "error");
  const auto& media = list->responses[0].content.at(0);
  EXPECT_EQ(media.content_type, "application/json");
  ASSERT_NE(media.example, nullptr);
  EXPECT_EQ(media.example->as_array().size(), 2u);
  const Operation* post = api->find_operation("post_pets");
  ASSERT_TRUE(post->request_body.has_value());
  EXPECT_TRUE(post->request_body->required);
  EXPECT_EQ(post->request_body->content.at(0).schema.node->as_object().at("$ref").as_string(),
            "#/components/schemas/Pet");
  EXPECT_EQ(api->find_operation("getPet")->response_for(404), nullptr);
}

TEST(Loader, SecurityRequirements) {
  auto api = load(kPets);
  const Operation* list = api->find_operation("listPets");
  ASSERT_EQ(list->security.size(), 1u);  // inherited
  EXPECT_FALSE(list->security_from_operation);
  EXPECT_EQ(list->security[0].schemes[0].first, "ApiKeyAuth");
  EXPECT_TRUE(api->find_operation("post_pets")->security.empty());  // security: []
  const Operation* get = api->find_operation("getPet");
  ASSERT_EQ(get->security.size(), 2u);             // OR
  ASSERT_EQ(get->security[0].schemes.size(), 2u);  // AND
  EXPECT_EQ(get->security[0].schemes[1].first, "OAuth");
  EXPECT_EQ(get->security[0].schemes[1].second, std::vector<std::string>{"read:pets"});
  const SecurityScheme* bearer = api->find_security_scheme("Bearer");
  ASSERT_NE(bearer, nullptr);
  EXPECT_EQ(bearer->type, SecurityScheme::Type::Http);
  EXPECT_EQ(bearer->scheme, "bearer");
  EXPECT_EQ(api->find_security_scheme("ApiKeyAuth")->param_name, "X-API-Key");
  EXPECT_NE(api->find_security_scheme("OAuth")->flows, nullptr);
}

TEST(Loader, ExtensionsAreQueryable) {
  auto api = load(kPets);
  const Operation* list = api->find_operation("listPets");
  ASSERT_NE(list->extension("x-handler"), nullptr);
  EXPECT_EQ(list->extension("x-handler")->as_string(), "pets_list");
  EXPECT_EQ(list->extension("x-missing"), nullptr);
}

TEST(Loader, BasePathOverride) {
  LoadOptions o;
  o.base_path = "v2/";
  EXPECT_EQ(load(kPets, o)->base_path(), "/v2");
  auto root =
      load("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: /}]\npaths: {}\n");
  EXPECT_EQ(root->base_path(), "");
  EXPECT_EQ(root->dialect(), SchemaDialect::Oas30);
  // The override applies when the document has no servers too (it was ignored).
  o.base_path = "/v1";
  EXPECT_EQ(load("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", o)->base_path(),
            "/v1");
  // A base path no request target can hold is refused; a percent-encoded one is taken.
  for (const char* bad : {"/a b", "/caf\xC3\xA9", "/a?b", "/a#b", "/a\"b"}) {
    o.base_path = bad;
    try {
      load(kPets, o);
      ADD_FAILURE() << bad;
    } catch (const SpecError& e) {
      EXPECT_NE(e.diagnostics()[0].message.find("a character a request path cannot hold"),
                std::string::npos)
          << e.diagnostics()[0].message;
    }
  }
  o.base_path = "/a%20b/~v1";
  EXPECT_EQ(load(kPets, o)->base_path(), "/a%20b/~v1");
}

// Servers below the top level are not routed by: said, where they are.
TEST(Loader, ServersOfPathItemsAndOperationsAreWarnedAbout) {
  const auto api = load(
      "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: /v1}]\npaths:\n"
      "  /a:\n    servers: [{url: /v3}]\n    get:\n      operationId: a\n"
      "      servers: [{url: /v4}]\n      responses: {'200': {description: ok}}\n");
  std::vector<std::string> where;
  for (const auto& w : api->warnings())
    if (w.message.find("declares its own servers") != std::string::npos) where.push_back(w.pointer);
  EXPECT_EQ(where, (std::vector<std::string>{"/paths/~1a/servers", "/paths/~1a/get/servers"}));
}

TEST(Loader, RejectsSwagger2AndUnknownVersions) {
  auto e = errors_of("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("Swagger 2.0"), std::string::npos);
  EXPECT_EQ(e[0].line, 1);
  EXPECT_EQ(e[0].pointer, "/swagger");
  e = errors_of("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("unsupported OpenAPI version '4.0.0'"), std::string::npos);
  e = errors_of("openapi: 3.1\ninfo: {title: t, version: '1'}\npaths: {}\n");  // a number
  EXPECT_NE(e.at(0).message.find("non-string"), std::string::npos);
}

TEST(Loader, ReportsEveryErrorWithLocation) {
  const std::string doc = R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      operationId: same
      parameters:
        - {name: x, in: body}
      responses:
        '200': {$ref: '#/components/responses/Nope'}
  /b:
    get:
      operationId: same
      responses:
        '999': {description: bad}
  c:
    get: {responses: {}}
)";
  auto e = errors_of(doc);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_NE(e[0].message.find("'in' must be path, query, header or cookie, got 'body'"),
            std::string::npos);
  EXPECT_EQ(e[0].pointer, "/paths/~1a/get/parameters/0/in");
  EXPECT_EQ(e[0].line, 8);
  EXPECT_EQ(e[1].pointer, "/paths/~1a/get/responses/200/$ref");
  EXPECT_EQ(e[1].line, 10);
  EXPECT_EQ(e[1].column, 23);
  EXPECT_NE(e[1].hint.find("/components/responses does not exist either"), std::string::npos)
      << e[1].hint;
  EXPECT_NE(e[2].message.find("operationId 'same' is used by more than one operation"),
            std::string::npos);
  EXPECT_EQ(e[2].line, 13);
  EXPECT_NE(e[3].message.find("'999' is not a status code"), std::string::npos);
  EXPECT_NE(e[4].message.find("path 'c' must start with '/'"), std::string::npos);
  EXPECT_EQ(e[4].file, "test.yaml");
  EXPECT_NE(e[4].to_string().find("test.yaml:16:3: error: path 'c' must start with '/'"),
            std::string::npos)
      << e[4].to_string();
}

TEST(Loader, RefCyclesAreErrorsNotHangs) {
  auto e = errors_of(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters: [{$ref: '#/components/parameters/A'}]
      responses: {'200': {description: ok}}
components:
  parameters:
    A: {$ref: '#/components/parameters/B'}
    B: {$ref: '#/components/parameters/A'}
)");
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].message.find("circular $ref"), std::string::npos);
}

TEST(Loader, RecursiveSchemasAreFine) {
  auto api = load(kPets);  // Pet.children refers to Pet
  EXPECT_EQ(api->schemas().size(), 1u);
}

TEST(Loader, PointerEscapesAndPercentEncoding) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - $ref: '#/x-params/a~1b~0c'
        - $ref: '#/x-params/sp%20ace'
      responses:
        '200': {$ref: '#/paths/~1b/get/responses/200'}
  /b:
    get:
      responses: {'200': {description: from b}}
x-params:
  a/b~c: {name: slashy, in: query}
  sp ace: {name: spacey, in: query}
)");
  const Operation& a = api->operations()[0];
  ASSERT_EQ(a.parameters.size(), 2u);
  EXPECT_EQ(a.parameters[0].name, "slashy");
  EXPECT_EQ(a.parameters[0].pointer, "/x-params/a~1b~0c");
  EXPECT_EQ(a.parameters[1].name, "spacey");
  EXPECT_EQ(a.responses[0].description, "from b");
}

TEST(Loader, RelativeFileRefs) {
  const fs::path dir = fs::temp_directory_path() / ("brrt-spec-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "common");
  {
    std::ofstream(dir / "root.yaml") << R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /pets:
    $ref: 'common/paths.yaml#/pets'
)";
    std::ofstream(dir / "common" / "paths.yaml") << R"(pets:
  get:
    operationId: listPets
    parameters:
      - $ref: 'params.json#/limit'
    responses:
      '200':
        description: ok
        content:
          application/json:
            schema: {$ref: '../schemas.yaml#/Pet'}
)";
    std::ofstream(dir / "common" / "params.json")
        << R"({"limit": {"name": "limit", "in": "query"}})";
    std::ofstream(dir / "schemas.yaml") << "Pet: {type: object}\n";
  }
  auto api = load_api((dir / "root.yaml").string());
  ASSERT_EQ(api->operations().size(), 1u);
  const Operation& op = api->operations()[0];
  EXPECT_EQ(op.operation_id, "listPets");
  EXPECT_EQ(op.parameters.at(0).name, "limit");
  EXPECT_TRUE(op.parameters.at(0).document->is_json());
  EXPECT_EQ(api->documents().all().size(), 4u);

  // A missing file is reported at the $ref with the file name.
  std::ofstream(dir / "broken.yaml") << R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /x: {$ref: 'missing.yaml#/x'}
)";
  try {
    (void)load_api((dir / "broken.yaml").string());
    ADD_FAILURE();
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos) << e.what();
    EXPECT_EQ(e.diagnostics()[0].line, 4);
  }
  fs::remove_all(dir);
}

TEST(Loader, Oas31SiblingsNextToSchemaRefAreKept) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - name: q
          in: query
          schema: {$ref: '#/components/schemas/S', description: 'extra', maxLength: 3}
      responses: {'200': {description: ok}}
components:
  schemas:
    S: {type: string}
)");
  const auto& schema = api->operations()[0].parameters[0].schema.node->as_object();
  EXPECT_EQ(schema.at("maxLength").as_int64(), 3);
  EXPECT_TRUE(schema.contains("$ref"));
}

TEST(Loader, QueryMethodSpellings) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /s:
    x-brrtrouter-query: {operationId: q1, responses: {'200': {description: ok}}}
  /t:
    additionalOperations:
      QUERY: {operationId: q2, responses: {'200': {description: ok}}}
)");
  EXPECT_EQ(api->find_operation("q1")->method, Method::Query);
  EXPECT_EQ(api->find_operation("q2")->method, Method::Query);
  // Both 3.1 spellings on one path are two QUERY operations (one was dropped silently); the
  // route table refuses the pair, as it does 3.2's `query` beside additionalOperations' QUERY.
  api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    x-brrtrouter-query: {operationId: q1, responses: {'200': {description: ok}}}
    query: {operationId: q2, responses: {'200': {description: ok}}}
)");
  ASSERT_EQ(api->operations().size(), 2u);
  EXPECT_EQ(api->find_operation("q1")->method, Method::Query);
  EXPECT_EQ(api->find_operation("q2")->method, Method::Query);
}

// OpenAPI: a path parameter's name MUST be in the path template. One that is not can never be
// sent, and as path parameters are required, every request to the operation is a 400; it was
// loaded without a word. A warning (the specification's own examples have one).
TEST(Loader, PathParameterMissingFromTheTemplateIsWarned) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /v:
    parameters: [{name: shared, in: path, required: true, schema: {type: string}}]
    get:
      operationId: getV
      parameters: [{name: zz, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    put:
      operationId: putV
      responses: {'200': {description: ok}}
  /w/{id}:
    get:
      operationId: getW
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
)");
  const auto& w = api->warnings();
  ASSERT_EQ(w.size(), 2u);  // the path-item parameter once, not once per operation
  EXPECT_EQ(w[0].pointer, "/paths/~1v/parameters/0");
  EXPECT_EQ(w[0].line, 5);
  EXPECT_EQ(w[0].message,
            "path parameter 'shared' is declared but the path '/v' has no {shared}: every request "
            "to it is refused (400) for the missing parameter");
  EXPECT_EQ(w[1].pointer, "/paths/~1v/get/parameters/0");
  EXPECT_NE(w[1].hint.find("add {zz} to the path"), std::string::npos);
}

std::vector<std::string> warnings_of(const Api& api) {
  std::vector<std::string> out;
  for (const auto& w : api.warnings()) out.push_back(w.to_string());
  return out;
}

// A path key with '#' or '?' is only reached by a request that percent-encodes it: warned.
TEST(Loader, PathKeysWithHashOrQuestionMarkAreWarned) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /c#variant:
    get: {operationId: variant, responses: {'200': {description: ok}}}
  /d?x=1:
    get: {operationId: query, responses: {'200': {description: ok}}}
  /e:
    get: {operationId: plain, responses: {'200': {description: ok}}}
)");
  const auto w = warnings_of(*api);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("test.yaml:4:3: warning: path '/c#variant' contains '#'"), std::string::npos)
      << w[0];
  EXPECT_NE(w[0].find("%23"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("test.yaml:6:3: warning: path '/d?x=1' contains '?'"), std::string::npos)
      << w[1];
  EXPECT_NE(w[1].find("(in: query)"), std::string::npos) << w[1];
}

// '{}' in a template is the router's error; it is not also "path parameter '' is not
// declared... add {name: , ...}".
TEST(Loader, EmptyBracesAreNotAnUndeclaredParameter) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /x/{}:
    get: {operationId: empty, responses: {'200': {description: ok}}}
)");
  EXPECT_TRUE(api->warnings().empty()) << api->warnings()[0].to_string();
}

// A $ref to a missing top-level key of another file listed the keys there "defined under : Id".
TEST(Loader, MissingTopLevelKeyOfAnotherFileNamesTheTopLevel) {
  const fs::path dir = fs::temp_directory_path() / ("brrt-spec-top-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "p.yaml") << "Id: {name: id, in: query, schema: {type: string}}\n";
  std::ofstream(dir / "api.yaml") << R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters: [{$ref: 'p.yaml#/Missing'}]
      responses: {'200': {description: ok}}
)";
  try {
    (void)load_api((dir / "api.yaml").string());
    ADD_FAILURE() << "expected a SpecError";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics().at(0).hint, "defined at the top level: Id");
  }
  fs::remove_all(dir);
}

TEST(Loader, UnknownSecuritySchemeIsAWarning) {
  auto api = load(R"(openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      security: [{ghost: []}]
      responses: {'200': {description: ok}}
)");
  EXPECT_EQ(api->operations()[0].security.size(), 1u);
  bool warned = false;
  for (const auto& w : api->warnings())
    warned |= w.message.find("names 'ghost', which is not in") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace brrt::spec
