// The dispatcher through the real server: an http::Server on an ephemeral loopback port
// runs a dispatch::Service, and a Boost.Beast client talks to it.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <zlib.h>

#include "beast_client.hpp"
#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/spec/api.hpp"
#include "gunzip.hpp"
#include "http/raw_client.hpp"
#include "running_service.hpp"

namespace brrt {
namespace {

namespace json = boost::json;
using test::BeastClient;
using test::Reply;
using test::bhttp::verb;

const char* const kTestSpec = R"(openapi: 3.1.0
info: {title: dispatch test, version: '1'}
paths:
  /echo/{id}:
    post:
      operationId: echoIt
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: flag, in: query, schema: {type: boolean}}
        - {name: X-Mode, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses:
        '201': {description: created}
  /plain: {get: {operationId: plain, responses: {'200': {description: ok}}}}
  /async: {get: {operationId: slow, responses: {'200': {description: ok}}}}
  /blocking: {get: {operationId: blocking, responses: {'200': {description: ok}}}}
  /throws: {get: {operationId: throws, responses: {'200': {description: ok}}}}
  /gone: {delete: {operationId: gone, responses: {'204': {description: gone}}}}
  /custom: {get: {operationId: custom, x-handler: customHandler, responses: {'200': {description: ok}}}}
  /texty:
    get:
      operationId: texty
      responses:
        '200':
          description: ok
          content:
            text/plain:
              schema: {type: string, maxLength: 3}
  /typed:
    get:
      operationId: typed
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: {id: {type: integer, minimum: 1}}
)";

std::shared_ptr<const spec::Api> pet_store() {
  return spec::load_api(source("examples/pet_store/openapi.yaml"));
}
std::shared_ptr<const spec::Api> test_spec() {
  return spec::load_api_from_text(kTestSpec, "dispatch-test.yaml");
}

// A blocking handler for "blocking" that signals when it runs and waits to be released.
struct Gate {
  std::promise<void> entered, release;
  void install(dispatch::HandlerTable& h) {
    auto released = release.get_future().share();
    h.add_blocking("blocking", [this, released](dispatch::RequestContext&, http::Response& res) {
      entered.set_value();
      released.wait();
      res.body = "done";
    });
  }
};

dispatch::ServiceOptions with_key() {
  dispatch::ServiceOptions o;
  o.security.api_keys["ApiKeyAuth"] = {"test123"};
  return o;
}

json::value parse(const std::string& s) {
  return json::parse(s);
}

void expect_problem(const Reply& r, int status, const std::string& detail_part) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  const auto v = parse(r.body);
  EXPECT_EQ(v.at("status").as_int64(), status);
  EXPECT_NE(std::string(v.at("detail").as_string()).find(detail_part), std::string::npos) << r.body;
}

// The `errors` entries of a 400 as "in name keyword" (name left out for the body), joined by
// "; ".
std::string error_entries(const Reply& r) {
  std::string out;
  const auto v = parse(r.body);
  if (!v.is_object() || !v.as_object().contains("errors")) return "no errors array";
  for (const auto& e : v.at("errors").as_array()) {
    const auto& o = e.as_object();
    if (!out.empty()) out += "; ";
    out += std::string(o.at("in").as_string());
    if (o.contains("name")) out += " " + std::string(o.at("name").as_string());
    out += " " + (o.contains("keyword") ? std::string(o.at("keyword").as_string()) : "-");
  }
  return out;
}

TEST(Dispatch, NotFoundMethodNotAllowedAndUnknownMethod) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  expect_problem(c.get("/nope"), 404, "/nope");
  const Reply r = c.request(verb::patch, "/pets");
  expect_problem(r, 405, "allowed");
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST");
  const Reply u = c.request(verb::propfind, "/pets");
  expect_problem(u, 501, "PROPFIND");
}

TEST(Dispatch, ApiKeySecurityFailsClosedAndPublicOperationsStayOpen) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.get("/pets/7");
  expect_problem(r, 401, "required");
  EXPECT_EQ(r.header("WWW-Authenticate"), "APIKey header=\"X-API-Key\"");
  expect_problem(c.get("/pets/7", {{"X-API-Key", "wrong"}}), 401, "not valid");
  EXPECT_EQ(c.get("/pets/7", {{"X-API-Key", "test123"}}).status, 200);
  EXPECT_EQ(c.get("/pets").status, 200);  // security: []
  // Bearer and OAuth2 have no provider configured here: fail closed.
  expect_problem(c.get("/secure", {{"Authorization", "Bearer abc"}}), 401, "");
}

TEST(Dispatch, AnswersWithTheSuccessExampleWhenNoHandler) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.get("/pets");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(parse(r.body).as_array().size(), 2u);
  r = c.get("/download/3", {{"X-API-Key", "test123"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.body, "BRRT-BINARY-EXAMPLE");
  r = c.request(verb::delete_, "/users/u1", {}, {{"X-API-Key", "test123"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
}

TEST(Dispatch, EveryMethodOfThePetStore) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  const std::vector<std::pair<std::string, std::string>> key = {{"X-API-Key", "test123"}};
  EXPECT_EQ(c.request(verb::get, "/users/u1", {}, key).status, 200);
  const Reply head = c.request(verb::head, "/users/u1", {}, key);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(c.request(verb::options, "/users/u1", {}, key).status, 204);
  EXPECT_EQ(c.request(verb::delete_, "/users/u1", {}, key).status, 204);
  auto json_key = key;
  json_key.emplace_back("Content-Type", "application/json");
  // The lowest 2xx with an example answers (this operation declares 200 and 201).
  EXPECT_EQ(c.request(verb::put, "/items/7", R"({"id":"7","name":"lamp"})", json_key).status, 200);
  EXPECT_EQ(c.request(verb::post, "/pets", R"({"name":"rex"})", json_key).status, 201);
  EXPECT_EQ(c.request(verb::trace, "/pets").status, 405);
}

TEST(Dispatch, EchoesTheDecodedRequestWhenNoHandlerAndNoExample) {
  Running srv(test_spec(), {});
  BeastClient c(srv.port());
  Reply r = c.request(verb::post, "/echo/42?flag=true&other=x", R"({"a":[1,2]})",
                      {{"Content-Type", "application/json"}, {"X-Mode", "fast"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto v = parse(r.body);
  EXPECT_EQ(v.at("operationId").as_string(), "echoIt");
  EXPECT_EQ(v.at("method").as_string(), "POST");
  EXPECT_EQ(v.at("params").at("path").at("id").as_int64(), 42);
  EXPECT_EQ(v.at("params").at("query").at("flag").as_bool(), true);
  EXPECT_FALSE(v.at("params").at("query").as_object().contains("other"));
  EXPECT_EQ(v.at("params").at("header").at("X-Mode").as_string(), "fast");
  EXPECT_EQ(json::serialize(v.at("body")), R"({"a":[1,2]})");
  // An operation answering 204 echoes nothing.
  EXPECT_EQ(c.request(verb::delete_, "/gone").status, 204);
}

// Path values are taken from the route's template by position, found once per parameter when
// the spec is compiled: parameters declared in another order than the template's, and one
// declared on the path item, each get their own segment.
TEST(Dispatch, PathParametersDeclaredInAnyOrderGetTheirOwnSegments) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: path order, version: '1'}
paths:
  /pairs/{first}/and/{second}/in/{third}:
    parameters:
      - {name: third, in: path, required: true, schema: {type: string, enum: [x, y]}}
    get:
      operationId: pairs
      parameters:
        - {name: second, in: path, required: true, schema: {type: string, minLength: 2}}
        - {name: first, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        '200': {description: ok}
)";
  Running srv(spec::load_api_from_text(spec, "path-order.yaml"), {});
  BeastClient c(srv.port());
  Reply r = c.get("/pairs/7/and/ab/in/y");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto path = parse(r.body).at("params").at("path");
  EXPECT_EQ(path.at("first").as_int64(), 7);
  EXPECT_EQ(path.at("second").as_string(), "ab");
  EXPECT_EQ(path.at("third").as_string(), "y");
  // Each value is validated against its own parameter's schema.
  expect_problem(c.get("/pairs/0/and/ab/in/y"), 400, "first");
  expect_problem(c.get("/pairs/7/and/a/in/y"), 400, "second");
  expect_problem(c.get("/pairs/7/and/ab/in/z"), 400, "third");
  // Both failures are reported, in declaration order: one that did not decode, one that did
  // not validate.
  const Reply both = c.get("/pairs/ab/and/7/in/y");
  expect_problem(both, 400, "second");
  EXPECT_EQ(error_entries(both), "path second minLength; path first type") << both.body;
}

TEST(Dispatch, DecodesEveryParameterStyle) {
  dispatch::HandlerTable h;
  std::string seen;
  auto capture = [&](dispatch::RequestContext& ctx, http::Response& res) {
    json::object all;
    all["path"] = json::value(ctx.path);
    all["query"] = json::value(ctx.query);
    all["header"] = json::value(ctx.headers);
    all["cookie"] = json::value(ctx.cookies);
    seen = json::serialize(all);
    dispatch::json_response(res, 200, all);
  };
  h.add("search", capture).add("matrixCoords", capture).add("labelColors", capture);
  h.add("listPets", capture).add("getUserPost", capture);
  Running srv(pet_store(), std::move(h), with_key());
  BeastClient c(srv.port());

  Reply r = c.get("/search?q=rex&ids=1|2|3&filter[tag]=dog&filter[minAge]=2",
                  {{"X-Trace-Id", "t-1"}, {"Cookie", "a=b; session=s%201"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(json::serialize(v.at("query").at("ids")), "[1,2,3]");
  EXPECT_EQ(v.at("query").at("filter").at("minAge").as_int64(), 2);
  EXPECT_EQ(v.at("query").at("filter").at("tag").as_string(), "dog");
  EXPECT_EQ(v.at("header").at("X-Trace-Id").as_string(), "t-1");
  EXPECT_EQ(v.at("cookie").at("session").as_string(), "s 1");

  r = c.get("/matrix/;x=1;y=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(parse(r.body).at("path").at("coords")), R"({"x":1,"y":2})");
  r = c.get("/labels/.red.green");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(parse(r.body).at("path").at("color")), R"(["red","green"])");
  // Percent-encoding is decoded (and '+' is a space in a query), also where most values
  // are taken as they lie in the target.
  r = c.get("/labels/.r%65d.gr%C3%BCn");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(parse(r.body).at("path").at("color")), R"(["red","grün"])");
  r = c.get("/search?q=a+b%21&ids=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("query").at("q").as_string(), "a b!");
  expect_problem(c.get("/labels/.r%6"), 400, "percent-encoding");
  r = c.get("/users/u%201/posts/7", {{"X-API-Key", "test123"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("path"), parse(R"({"user_id":"u 1","post_id":7})"));
  expect_problem(c.get("/users/u%2/posts/7", {{"X-API-Key", "test123"}}), 400, "percent-encoding");
  r = c.get("/pets?limit=5&tags=a&tags=b");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("query").at("limit").as_int64(), 5);
  EXPECT_EQ(json::serialize(parse(r.body).at("query").at("tags")), R"(["a","b"])");

  // Absent optional parameters take their schema defaults.
  r = c.get("/pets");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("query"), parse(R"({"limit":20,"offset":0})"));

  expect_problem(c.get("/search"), 400, "'q' is required");
  expect_problem(c.get("/pets?limit=abc"), 400, "limit");
  expect_problem(c.get("/search?q=x&ids=1|x"), 400, "ids");
}

TEST(Dispatch, ParametersAndBodiesAreValidatedAgainstTheirSchemas) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.get("/pets?limit=500");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  auto v = parse(r.body);
  ASSERT_EQ(v.at("errors").as_array().size(), 1u);
  const auto& e = v.at("errors").as_array()[0];
  EXPECT_EQ(e.at("in").as_string(), "query");
  EXPECT_EQ(e.at("name").as_string(), "limit");
  EXPECT_EQ(e.at("keyword").as_string(), "maximum");
  EXPECT_NE(std::string(e.at("message").as_string()).find("500"), std::string::npos);
  EXPECT_NE(std::string(v.at("detail").as_string()).find("limit"), std::string::npos);

  // Every violation of a body is listed, each with its JSON pointer.
  r = c.request(verb::post, "/pets", R"({"name":"","age":-3,"color":"red"})",
                {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 400) << r.body;
  v = parse(r.body);
  std::set<std::string> seen;
  for (const auto& err : v.at("errors").as_array()) {
    EXPECT_EQ(err.at("in").as_string(), "body");
    seen.insert(std::string(err.at("keyword").as_string()) + " " +
                std::string(err.at("pointer").as_string()));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"minLength /name", "minimum /age",
                                         "additionalProperties /color"}))
      << r.body;
  EXPECT_EQ(v.at("title").as_string(), "Bad Request");
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("detail").as_string(),
            "the request does not match the spec: body at /name: \"\" is shorter than 1 "
            "character (and 2 more)");
  // Quotes and control characters of the client's value come back escaped, as valid JSON.
  r = c.request(verb::post, "/pets", R"({"name":"rex","c\"o\nl":1})",
                {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 400) << r.body;
  v = parse(r.body);
  ASSERT_EQ(v.at("errors").as_array().size(), 1u);
  EXPECT_EQ(v.at("errors").as_array()[0].at("message").as_string(),
            "body at /c\"o\nl: property 'c\"o\nl' is not allowed")
      << r.body;
  // A body of the wrong type, and a valid one.
  EXPECT_EQ(c.request(verb::post, "/pets", "[]",
                      {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}})
                .status,
            400);
  EXPECT_EQ(c.request(verb::post, "/pets", R"({"name":"rex"})",
                      {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}})
                .status,
            201);
  // Authentication comes first: an invalid request without credentials learns only 401.
  EXPECT_EQ(c.request(verb::post, "/pets", R"({"name":""})", {{"Content-Type", "application/json"}})
                .status,
            401);
}

// The problem body is JSON whatever the names and values hold: a parameter name with a quote
// and a backslash, and a long member name of multi-byte characters, come back as they are.
TEST(Dispatch, ProblemBodiesEscapeNamesPointersAndMessages) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: escapes, version: '1'}
paths:
  /q:
    post:
      operationId: q
      parameters:
        - {name: 'f"x\', in: query, required: true, schema: {type: string, maxLength: 2}}
      requestBody:
        content:
          application/json:
            schema: {type: object, additionalProperties: false}
      responses:
        '200': {description: ok}
)";
  Running srv(spec::load_api_from_text(spec, "escapes.yaml"), {});
  BeastClient c(srv.port());
  Reply r = c.request(verb::post, "/q?f%22x%5C=%C3%A9t%C3%A9", "{}",
                      {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 400) << r.body;
  json::value v = parse(r.body);
  const auto& q = v.at("errors").as_array().at(0);
  EXPECT_EQ(q.at("name").as_string(), "f\"x\\");
  EXPECT_EQ(q.at("message").as_string(),
            "query parameter 'f\"x\\': \"\xC3\xA9t\xC3\xA9\" is longer than 2 characters")
      << r.body;
  EXPECT_EQ(v.at("detail").as_string(),
            "the request does not match the spec: " + std::string(q.at("message").as_string()));

  std::string name;
  for (int i = 0; i < 150; ++i) name += "\xC3\xA9\t";  // 450 bytes, a tab in every third
  json::object body;
  body[name] = 1;
  r = c.request(verb::post, "/q?f%22x%5C=ok", json::serialize(body),
                {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 400) << r.body;
  v = parse(r.body);
  const auto& b = v.at("errors").as_array().at(0);
  EXPECT_EQ(b.at("pointer").as_string(), "/" + name);
  EXPECT_EQ(b.at("message").as_string(),
            "body at /" + name + ": property '" + name + "' is not allowed");
  EXPECT_EQ(v.at("detail").as_string(),
            "the request does not match the spec: " + std::string(b.at("message").as_string()));
}

// A body's media type picks its schema: the one declared with its name, else the first range
// that covers it; none is 415. text/* bodies are validated as one string; bodies of other
// media types are not decoded, so their schemas are not applied.
TEST(Dispatch, RequestBodyMediaTypesChooseTheSchema) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: media, version: '1'}
paths:
  /m:
    post:
      operationId: m
      requestBody:
        required: true
        content:
          application/*:
            schema: {type: object, required: [b]}
          application/json:
            schema: {type: object, required: [a]}
          application/xml:
            schema: {type: object, required: [c]}
          text/plain:
            schema: {type: string, maxLength: 3}
      responses:
        '200': {description: ok}
)";
  Running srv(spec::load_api_from_text(spec, "media.yaml"), {});
  BeastClient c(srv.port());
  auto post = [&](const std::string& type, const std::string& body) {
    return c.request(verb::post, "/m", body, {{"Content-Type", type}});
  };
  EXPECT_EQ(post("application/json", R"({"a":1})").status, 200);  // the exact name wins
  EXPECT_EQ(post("Application/JSON; charset=utf-8", R"({"a":1})").status, 200);
  Reply r = post("application/merge-patch+json", R"({"a":1})");  // the range
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("message").as_string(),
            "body: missing required property 'b'");
  EXPECT_EQ(post("application/merge-patch+json", R"({"b":1})").status, 200);
  EXPECT_EQ(post("text/plain", "abc").status, 200);
  EXPECT_EQ(parse(post("text/plain", "abc").body).at("body"), json::value("abc"));
  r = post("text/plain", "abcd");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("keyword").as_string(), "maxLength");
  EXPECT_EQ(post("application/xml", "<c/>").status, 200);  // not parsed, so not validated
  expect_problem(post("text/html", "<p>"), 415, "text/html");
}

// Text that becomes a JSON string must be UTF-8: percent-escapes that spell something else,
// raw bytes in header and cookie values, form and multipart fields, text bodies. Each is a
// 400 naming where it was; an object property sent twice is one too.
TEST(Dispatch, TextThatIsNotUtf8IsRejected) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: utf8, version: '1'}
paths:
  /t:
    post:
      operationId: t
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: X-H, in: header, schema: {type: string}}
        - {name: c, in: cookie, schema: {type: string}}
        - name: f
          in: query
          style: deepObject
          explode: true
          schema: {type: object, properties: {a: {type: string}}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object}
          multipart/form-data:
            schema: {type: object}
          text/plain:
            schema: {type: string, maxLength: 4}
      responses:
        '200': {description: ok}
)";
  Running srv(spec::load_api_from_text(spec, "utf8.yaml"), {});
  BeastClient c(srv.port());
  auto post = [&](const std::string& target, const std::string& type, const std::string& body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", type);
    return c.request(verb::post, target, body, headers);
  };
  const std::string text = "text/plain";
  // Good UTF-8 passes everywhere.
  Reply r = post("/t?q=%C3%A9&f[a]=%E2%82%AC", text, "\xC3\xA9t\xC3\xA9",
                 {{"X-H", "\xC3\xA9"}, {"Cookie", "c=%C3%A9"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("params").at("query").at("q"), json::value("\xC3\xA9"));
  EXPECT_EQ(parse(r.body).at("params").at("header").at("X-H"), json::value("\xC3\xA9"));
  EXPECT_EQ(parse(r.body).at("body"), json::value("\xC3\xA9t\xC3\xA9"));  // 3 code points

  expect_problem(post("/t?q=%FF", text, ""), 400, "query parameter 'q': not valid UTF-8");
  expect_problem(post("/t?q=%C3", text, ""), 400, "query parameter 'q': not valid UTF-8");
  expect_problem(post("/t?q=%C0%AF", text, ""), 400, "query parameter 'q': not valid UTF-8");
  expect_problem(post("/t?q=%ED%A0%80", text, ""), 400, "query parameter 'q': not valid UTF-8");
  expect_problem(post("/t?q=%G1", text, ""), 400, "query parameter 'q': malformed percent");
  expect_problem(post("/t?f[a]=%FF", text, ""), 400, "query parameter 'f': not valid UTF-8");
  expect_problem(post("/t?f[a]=1&f[a]=2", text, ""), 400,
                 "query parameter 'f': property 'a' sent more than once");
  expect_problem(post("/t", text, "", {{"X-H", "\xFF"}}), 400,
                 "header parameter 'X-H': not valid UTF-8");
  expect_problem(post("/t", text, "", {{"Cookie", "c=%FE"}}), 400,
                 "cookie parameter 'c': not valid UTF-8");
  expect_problem(post("/t", "application/x-www-form-urlencoded", "a=%FF"), 400,
                 "form field 'a' is not valid UTF-8");
  expect_problem(post("/t", "application/x-www-form-urlencoded", "a=%G1"), 400,
                 "form field 'a' has a malformed percent-escape");
  expect_problem(
      post("/t", "multipart/form-data; boundary=XX",
           "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xFF\r\n--XX--\r\n"),
      400, "form field 'a' is not valid UTF-8");
  expect_problem(post("/t", text, "\xFF"), 400, "text/plain body is not valid UTF-8");
  // Text in another charset is not decoded, so its schema (maxLength 4) is not applied.
  r = post("/t", "text/plain; charset=iso-8859-1", "caf\xE9 au lait");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(parse(r.body).at("body").is_null());
  r = post("/t", "text/plain; charset=UTF-8", "caf\xC3\xA9 au lait");
  EXPECT_EQ(r.status, 400) << r.body;  // UTF-8, decoded, and longer than 4
}

TEST(Dispatch, ResponseValidationModes) {
  auto handlers = [] {
    dispatch::HandlerTable h;
    h.add("typed", [](dispatch::RequestContext& ctx, http::Response& res) {
      const bool good = ctx.http.query == "good";
      dispatch::json_response(res, 200, good ? json::value{{"id", 7}} : json::value{{"id", 0}});
      // JSON a handler wrote itself: a key twice, or not JSON at all.
      if (ctx.http.query == "twice") res.body = R"({"id":7, "id":8})";
      if (ctx.http.query == "broken") res.body = R"({"id":)";
    });
    // text/plain, validated as one string: "\xC3\xA9t\xC3\xA9" is three code points.
    h.add("texty", [](dispatch::RequestContext& ctx, http::Response& res) {
      res.status = 200;
      res.set_content_type("text/plain; charset=utf-8");
      res.body = ctx.http.query == "good"   ? "\xC3\xA9t\xC3\xA9"
                 : ctx.http.query == "long" ? "four"
                                            : "\xFF";
    });
    return h;
  };
  for (auto mode : {dispatch::ResponseValidation::Off, dispatch::ResponseValidation::Log,
                    dispatch::ResponseValidation::Enforce}) {
    dispatch::ServiceOptions o;
    o.response_validation = mode;
    Running srv(test_spec(), handlers(), o);
    BeastClient c(srv.port());
    EXPECT_EQ(c.get("/typed?good").status, 200);
    EXPECT_EQ(c.get("/texty?good").status, 200);
    const Reply bad = c.get("/typed?bad");
    const Reply long_text = c.get("/texty?long");
    const Reply not_utf8 = c.get("/texty?bytes");
    testing::internal::CaptureStderr();
    const Reply twice = c.get("/typed?twice");
    const Reply broken = c.get("/typed?broken");
    const std::string log = testing::internal::GetCapturedStderr();
    const std::string metrics = c.get("/metrics").body;
    switch (mode) {
      case dispatch::ResponseValidation::Off:
        EXPECT_EQ(bad.status, 200);
        EXPECT_EQ(long_text.status, 200);
        EXPECT_NE(metrics.find("brrt_response_validation_failures_total 0"), std::string::npos);
        break;
      case dispatch::ResponseValidation::Log:
        EXPECT_EQ(bad.status, 200);
        EXPECT_EQ(bad.body, R"({"id":0})");
        EXPECT_EQ(long_text.body, "four");
        EXPECT_EQ(twice.body, R"({"id":7, "id":8})");
        EXPECT_NE(metrics.find("brrt_response_validation_failures_total 5"), std::string::npos)
            << metrics;
        break;
      case dispatch::ResponseValidation::Enforce:
        expect_problem(bad, 500, "does not match the spec");
        expect_problem(long_text, 500, "does not match the spec");
        expect_problem(not_utf8, 500, "does not match the spec");
        expect_problem(twice, 500, "does not match the spec");
        expect_problem(broken, 500, "does not match the spec");
        for (const char* why :
             {"response 200 of typed does not match the spec: the body has the key 'id' twice in "
              "one object (at bytes 1 and 9): a key may appear once in an object",
              "response 200 of typed does not match the spec: the body is not valid JSON at byte "
              "6: incomplete JSON"})
          EXPECT_NE(log.find(why), std::string::npos) << why << "\n" << log;
        EXPECT_NE(metrics.find("brrt_response_validation_failures_total 5"), std::string::npos);
        break;
    }
  }
}

// Declared response headers are checked with the body: a required one must be there, and
// each is decoded as a header parameter is (style simple) and checked against its schema.
TEST(Dispatch, ResponseHeadersAreValidated) {
  const std::string spec = R"(openapi: 3.1.0
info: {title: response headers, version: '1'}
paths:
  /h:
    get:
      operationId: headed
      responses:
        '204':
          description: headers only
          headers:
            X-Count: {required: true, schema: {type: integer, minimum: 0}}
            X-Mode: {schema: {type: string, enum: [a, b]}}
            X-List: {schema: {type: array, items: {type: integer}}}
            Content-Type: {required: true, schema: {type: integer}}
)";
  dispatch::HandlerTable h;
  h.add("headed", [](dispatch::RequestContext& ctx, http::Response& res) {
    res.status = 204;
    const std::string_view q = ctx.http.query;
    if (q != "missing") res.add_header("X-Count", q == "type" ? "many" : q == "neg" ? "-1" : "3");
    if (q == "good" || q == "enum") res.add_header("X-Mode", q == "good" ? "a" : "c");
    if (q == "good" || q == "item") res.add_header("X-List", q == "good" ? "1, 2" : "1,x");
    // A list on two field lines is one list: its second line is checked too.
    if (q == "lines" || q == "line2") {
      res.add_header("X-List", "1");
      res.add_header("X-List", q == "lines" ? "2, 3" : "4, y");
    }
    if (q == "twice") res.add_header("X-Mode", "a"), res.add_header("X-Mode", "b");
  });
  dispatch::ServiceOptions o;
  o.response_validation = dispatch::ResponseValidation::Enforce;
  o.access_log = false;
  Running srv(spec::load_api_from_text(spec, "headers.yaml"), std::move(h), o);
  BeastClient c(srv.port());
  const Reply good = c.get("/h?good");
  EXPECT_EQ(good.status, 204) << good.body;  // Content-Type is ignored, as OpenAPI says
  EXPECT_EQ(good.header("X-List"), "1, 2");
  EXPECT_EQ(c.get("/h?lines").status, 204);
  testing::internal::CaptureStderr();
  for (const char* q : {"missing", "type", "neg", "enum", "item", "line2", "twice"})
    expect_problem(c.get(std::string("/h?") + q), 500, "does not match the spec");
  const std::string log = testing::internal::GetCapturedStderr();
  for (const char* why :
       {"response 204 of headed does not match the spec: missing required header 'X-Count'",
        "response header 'X-Count': 'many' is not an integer",
        "response header 'X-Count' (root): -1 is less than the minimum 0",
        "response header 'X-Mode' (root): \"c\" is not one of", "response header 'X-List'",
        "response header 'X-List' at /2: 'y' is not an integer",
        "response header 'X-Mode': sent more than once"})
    EXPECT_NE(log.find(why), std::string::npos) << why << "\n" << log;
  EXPECT_NE(c.get("/metrics").body.find("brrt_response_validation_failures_total 7"),
            std::string::npos);
}

TEST(Dispatch, PetStoreExamplesMatchTheirSchemasUnderEnforce) {
  dispatch::ServiceOptions o = with_key();
  o.response_validation = dispatch::ResponseValidation::Enforce;
  Running srv(pet_store(), {}, o);
  BeastClient c(srv.port());
  const std::vector<std::pair<std::string, std::string>> key = {{"X-API-Key", "test123"}};
  for (const char* target : {"/pets", "/pets/1", "/users/u1", "/users/u1/posts/2", "/items/3",
                             "/search?q=x", "/matrix/;x=1;y=2", "/labels/.red"}) {
    const Reply r = c.get(target, key);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
  }
}

TEST(Dispatch, BodiesJsonFormAndUnsupportedMediaTypes) {
  dispatch::HandlerTable h;
  h.add("submitForm", [](dispatch::RequestContext& ctx, http::Response& res) {
    dispatch::json_response(res, 200, ctx.body);
  });
  Running srv(pet_store(), std::move(h), with_key());
  BeastClient c(srv.port());
  const std::vector<std::pair<std::string, std::string>> key = {{"X-API-Key", "test123"}};

  Reply r = c.request(verb::post, "/form", "name=Ada+L&age=36&subscribe=true",
                      {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body), parse(R"({"name":"Ada L","age":36,"subscribe":true})"));
  expect_problem(c.request(verb::post, "/form", "name=A&age=old",
                           {{"Content-Type", "application/x-www-form-urlencoded"}}),
                 400, "age");
  expect_problem(c.request(verb::post, "/form", "<x/>", {{"Content-Type", "text/xml"}}), 415,
                 "application/x-www-form-urlencoded");

  auto with_ct = key;
  with_ct.emplace_back("Content-Type", "application/json");
  expect_problem(c.request(verb::post, "/pets", R"({"name": "rex",)", with_ct), 400,
                 "not valid JSON");
  expect_problem(c.request(verb::post, "/pets", "", key), 400, "body is required");
  EXPECT_EQ(c.request(verb::post, "/pets", R"({"name":"rex","tag":"dog","age":3})", with_ct).status,
            201);
}

// A value that cannot be decoded (or is missing) is reported like one that does not validate:
// a 400 whose `errors` entry names where it is and the rule it broke, every parameter's
// failures in one answer.
TEST(Dispatch, UndecodableAndMissingValuesAreListedInErrors) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  const std::vector<std::pair<std::string, std::string>> key = {{"X-API-Key", "test123"}};

  // Three parameters wrong at once: a required one missing, an array item of the wrong type, a
  // deepObject property sent twice.
  Reply r = c.get("/search?ids=1|x&filter[tag]=a&filter[tag]=b");
  expect_problem(r, 400, "query parameter 'q' is required");
  EXPECT_EQ(error_entries(r), "query q required; query ids type; query filter style") << r.body;
  auto v = parse(r.body);
  EXPECT_EQ(v.at("detail").as_string(),
            "the request does not match the spec: query parameter 'q' is required (and 2 more)");
  // An item or property that is not of its type is named by its pointer into the value.
  const auto& ids = v.at("errors").at(1).as_object();
  EXPECT_EQ(ids.at("message").as_string(), "query parameter 'ids' at /1: 'x' is not an integer");
  EXPECT_EQ(ids.at("pointer").as_string(), "/1");
  r = c.get("/search?q=a&filter[minAge]=old&ids=1|2|3");
  EXPECT_EQ(error_entries(r), "query filter type") << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("pointer").as_string(), "/minAge");
  // A value that did not decode at all has nothing to point into.
  r = c.get("/search?q=%FF");
  EXPECT_FALSE(parse(r.body).at("errors").at(0).as_object().contains("pointer")) << r.body;

  // Undecodable and invalid together, in declaration order.
  r = c.get("/pets?limit=abc&offset=-1", key);
  EXPECT_EQ(error_entries(r), "query limit type; query offset minimum") << r.body;
  r = c.get("/pets?limit=", key);
  EXPECT_EQ(error_entries(r), "query limit allowEmptyValue") << r.body;
  r = c.get("/pets?limit=1&limit=2", key);
  EXPECT_EQ(error_entries(r), "query limit style") << r.body;
  r = c.get("/search?q=%FF", key);
  EXPECT_EQ(error_entries(r), "query q style") << r.body;
  r = c.get("/labels/red");  // label style needs the leading '.'
  EXPECT_EQ(error_entries(r), "path color style") << r.body;

  // Bodies: missing, not JSON, a form field of the wrong type (with its pointer), a form that
  // is not percent-encoded properly, multipart without a boundary.
  auto with_ct = key;
  with_ct.emplace_back("Content-Type", "application/json");
  r = c.request(verb::post, "/pets", "", key);
  EXPECT_EQ(error_entries(r), "body required") << r.body;
  EXPECT_EQ(parse(r.body).at("detail").as_string(),
            "the request does not match the spec: a request body is required");
  r = c.request(verb::post, "/pets", R"({"name": "rex",)", with_ct);
  EXPECT_EQ(error_entries(r), "body content") << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("message").as_string(),
            "the body is not valid JSON at byte 15: incomplete JSON");
  r = c.request(verb::post, "/form", "name=A&age=old",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(error_entries(r), "body type") << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("pointer").as_string(), "/age") << r.body;
  r = c.request(verb::post, "/form", "name=%ZZ",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;
  r = c.request(verb::post, "/upload", "x",
                {{"X-API-Key", "test123"}, {"Content-Type", "multipart/form-data"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;
}

// An operation without a handler answers with its response's declared headers too, where
// they have an example (Location of a 201, Allow of a 204, ...), not only its body.
TEST(Dispatch, AnswersFromTheSpecCarryTheirHeadersExamples) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.request(verb::post, "/pets", R"({"name":"Rex"})",
                      {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Location"), "/pets/42");
  r = c.request(verb::options, "/users/7");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS, DELETE");
  r = c.request(verb::head, "/users/7", {}, {{"X-API-Key", "test123"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-User-Exists"), "true");
  // A response without header examples adds none.
  r = c.get("/pets/1", {{"X-API-Key", "test123"}});
  EXPECT_EQ(r.header("Location"), "");
}

// What a client may send that the first forms of decoding got wrong: a number beyond a double
// in a JSON body (read as an infinity, accepted by `minimum: 0` and echoed as `Infinity`), an
// integer parameter beyond 64 bits (called "not an integer"), a matrix property's percent-
// encoded name (not decoded, so its schema was skipped) or a second value (the last one won),
// a form field that is not UTF-8 (not named), a header parameter on two field lines (the
// second dropped).
TEST(Dispatch, OutOfRangeNumbersAndRepeatedOrEncodedNamesAreDecodedOrRefused) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: odd input, version: '1'}
paths:
  /n:
    post:
      operationId: n
      parameters:
        - {name: big, in: query, schema: {type: integer}}
        - {name: ratio, in: query, schema: {type: number}}
        - {name: X-Tags, in: header, schema: {type: array, items: {type: integer}}}
        - {name: X-One, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {price: {type: number, minimum: 0}}}
          application/x-www-form-urlencoded:
            schema: {type: object}
      responses:
        '200': {description: ok}
  /m/{at}:
    get:
      operationId: m
      parameters:
        - name: at
          in: path
          required: true
          style: matrix
          explode: true
          schema: {type: object, properties: {x: {type: integer}}}
      responses:
        '200': {description: ok}
)";
  dispatch::HandlerTable h;
  const auto echo = [](dispatch::RequestContext& ctx, http::Response& res) {
    json::object o;
    o["path"] = ctx.path;
    o["query"] = ctx.query;
    o["headers"] = ctx.headers;
    o["body"] = ctx.body;
    dispatch::json_response(res, 200, o);
  };
  h.add("n", echo);
  h.add("m", echo);
  Running srv(spec::load_api_from_text(spec, "odd.yaml"), std::move(h));
  BeastClient c(srv.port());
  const auto message = [](const Reply& r) {
    return std::string(parse(r.body).at("errors").at(0).at("message").as_string());
  };

  Reply r =
      c.request(verb::post, "/n", R"({"price": 1e400})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;
  EXPECT_EQ(message(r),
            "the body is not valid JSON at byte 15: a number is beyond the range of a double");
  r = c.request(verb::post, "/n", R"({"price": -1e400})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;
  r = c.request(verb::post, "/n", R"({"price": 1e300})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("body").at("price").as_double(), 1e300);
  r = c.request(verb::post, "/n", R"({"price": 1} {})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;

  r = c.request(verb::post, "/n?big=9223372036854775808&ratio=1e400", "");
  EXPECT_EQ(error_entries(r), "query big type; query ratio type") << r.body;
  EXPECT_EQ(message(r),
            "query parameter 'big': '9223372036854775808' is beyond the range of a 64-bit integer");
  EXPECT_EQ(std::string(parse(r.body).at("errors").at(1).at("message").as_string()),
            "query parameter 'ratio': '1e400' is beyond the range of a double");
  r = c.request(verb::post, "/n?big=-9223372036854775808&big2=x", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("query").at("big").as_int64(), INT64_MIN);
  r = c.request(verb::post, "/n?big=12x", "");
  EXPECT_EQ(message(r), "query parameter 'big': '12x' is not an integer") << r.body;

  r = c.get("/m/;%78=abc");
  EXPECT_EQ(error_entries(r), "path at type") << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("pointer").as_string(), "/x");
  r = c.get("/m/;%78=7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("path").at("at"), parse(R"({"x":7})"));
  r = c.get("/m/;x=1;x=2");
  EXPECT_EQ(error_entries(r), "path at style") << r.body;
  EXPECT_EQ(message(r), "path parameter 'at': property 'x' sent more than once");

  r = c.request(verb::post, "/n", "a=1&name=%FF",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(error_entries(r), "body content") << r.body;
  EXPECT_EQ(message(r), "form field 'name' is not valid UTF-8");
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("pointer").as_string(), "/name");
  r = c.request(verb::post, "/n", "%FF=1", {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(message(r), "the form body has a field name that is not valid UTF-8") << r.body;

  // A list on two field lines is one list; a single value on two is refused.
  r = c.request(verb::post, "/n", "", {{"X-Tags", "1,2"}, {"X-Tags", "3"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("headers").at("X-Tags"), parse("[1,2,3]"));
  r = c.request(verb::post, "/n", "", {{"X-One", "a"}, {"X-One", "b"}});
  EXPECT_EQ(error_entries(r), "header X-One style") << r.body;
  EXPECT_EQ(message(r), "header parameter 'X-One': sent more than once");
}

// A body sent with Content-Encoding gzip or deflate is inflated, then read and validated as
// if it had been sent plain; what cannot be inflated is refused before anything reads it.
TEST(Dispatch, CodedRequestBodiesAreInflatedThenReadAndValidated) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: coded bodies, version: '1'}
paths:
  /n:
    post:
      operationId: n
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {price: {type: number, minimum: 0}}}
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {qty: {type: integer}}}
      responses:
        '200': {description: ok}
)";
  const auto handlers = [] {
    dispatch::HandlerTable h;
    h.add("n", [](dispatch::RequestContext& ctx, http::Response& res) {
      dispatch::json_response(res, 200, json::object{{"body", ctx.body}, {"raw", ctx.raw_body}});
    });
    return h;
  };
  dispatch::ServiceOptions o;
  o.inflate.max_bytes = 4096;
  Running srv(spec::load_api_from_text(spec, "coded.yaml"), handlers(), o);
  BeastClient c(srv.port());
  const auto gzip = [](std::string_view plain) {
    dispatch::GzipEncoder encoder(6);
    std::string out;
    EXPECT_TRUE(encoder.encode(plain, out));
    return out;
  };
  const auto zlib = [](const std::string& plain) {  // `deflate` is the zlib format
    uLongf size = compressBound(plain.size());
    std::string out(size, '\0');
    EXPECT_EQ(compress(reinterpret_cast<Bytef*>(out.data()), &size,
                       reinterpret_cast<const Bytef*>(plain.data()), plain.size()),
              Z_OK);
    out.resize(size);
    return out;
  };
  const auto json_as = [&](const std::string& coding, const std::string& body) {
    return c.request(verb::post, "/n", body,
                     {{"Content-Type", "application/json"}, {"Content-Encoding", coding}});
  };

  Reply r = json_as("gzip", gzip(R"({"price": 12.5})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body), parse(R"({"body":{"price":12.5},"raw":"{\"price\": 12.5}"})"));
  r = json_as("x-gzip", gzip(R"({"price": 1})"));
  EXPECT_EQ(r.status, 200) << r.body;
  r = json_as("deflate", zlib(R"({"price": 2})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("body"), parse(R"({"price":2})"));
  r = c.request(
      verb::post, "/n", gzip("qty=3"),
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("body"), parse(R"({"qty":3})"));

  // The inflated body is what the schema sees.
  r = json_as("gzip", gzip(R"({"price": -1})"));
  expect_problem(r, 400, "the request does not match the spec");
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("pointer").as_string(), "/price") << r.body;

  // Not gzip, cut short, or more than the cap: refused, and the connection goes on.
  r = json_as("gzip", R"({"price": 1})");
  expect_problem(r, 400, "the request does not match the spec");
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("message").as_string(),
            "the gzip request body is not valid gzip data (incorrect header check)")
      << r.body;
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("keyword").as_string(), "content");
  const std::string whole = gzip(R"({"price": 1})");
  r = json_as("gzip", whole.substr(0, whole.size() - 3));
  EXPECT_EQ(parse(r.body).at("errors").at(0).at("message").as_string(),
            "the gzip request body ends inside its compressed stream")
      << r.body;
  const std::string big = R"({"price": 1, "pad": ")" + std::string(5000, ' ') + "\"}";
  const std::string bomb = gzip(big);
  ASSERT_LT(bomb.size(), 200u);
  r = json_as("gzip", bomb);
  expect_problem(r, 413, "the gzip request body inflates to more than 4096 bytes");
  r = json_as("identity", R"({"price": 3})");
  EXPECT_EQ(r.status, 200) << r.body;

  // Other codings (and stacked ones) are not read as the media type: 415, naming those taken.
  for (const char* coding : {"br", "gzip, gzip", "compress"}) {
    r = json_as(coding, R"({"price": 1})");
    expect_problem(r, 415, "content coding '" + std::string(coding) + "' is not accepted");
    EXPECT_EQ(r.header("Accept-Encoding"), "gzip, deflate, identity");
  }

  // With inflating off, every coding is refused that way.
  o.inflate.enabled = false;
  Running plain(spec::load_api_from_text(spec, "coded.yaml"), handlers(), o);
  BeastClient p(plain.port());
  r = p.request(verb::post, "/n", gzip(R"({"price": 1})"),
                {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  expect_problem(r, 415, "content coding 'gzip' is not accepted; send the body without");
  EXPECT_EQ(r.header("Accept-Encoding"), "identity");
}

std::string multipart_body(const std::string& boundary, const std::string& big) {
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nholiday\r\n--" +
         boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
         big + "\r\n--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"small\"; filename=\"s.txt\"\r\n\r\nhi\r\n--" +
         boundary + "--\r\n";
}

TEST(Dispatch, MultipartFieldsSmallFilesInMemoryLargeFilesInTemporaryFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("brrt-mp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  dispatch::ServiceOptions o = with_key();
  o.multipart_memory_limit = 1024;
  o.temp_dir = dir.string();
  dispatch::HandlerTable h;
  std::string spilled_path;
  h.add("uploadFile", [&](dispatch::RequestContext& ctx, http::Response& res) {
    json::object out;
    out["body"] = json::value(ctx.body);
    json::array files;
    for (const auto& f : ctx.files) {
      std::string content(f.data);
      if (!f.path.empty()) {
        spilled_path = f.path;
        std::ifstream in(f.path, std::ios::binary);
        content.assign(std::istreambuf_iterator<char>(in), {});
      }
      files.push_back(json::object{{"field", f.field},
                                   {"filename", f.filename},
                                   {"type", f.content_type},
                                   {"size", f.size},
                                   {"inMemory", f.path.empty()},
                                   {"content", content}});
    }
    out["files"] = std::move(files);
    dispatch::json_response(res, 201, out);
  });
  Running srv(pet_store(), std::move(h), o);
  BeastClient c(srv.port());
  const std::string big(5000, 'x');
  Reply r = c.request(
      verb::post, "/upload", multipart_body("b0undary", big),
      {{"X-API-Key", "test123"}, {"Content-Type", "multipart/form-data; boundary=\"b0undary\""}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto v = parse(r.body);
  EXPECT_EQ(v.at("body").at("description").as_string(), "holiday");
  EXPECT_EQ(v.at("body").at("file").as_string(), "a.bin");
  const auto& files = v.at("files").as_array();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].at("size").as_int64(), 5000);
  EXPECT_FALSE(files[0].at("inMemory").as_bool());
  EXPECT_EQ(files[0].at("content").as_string(), big);
  EXPECT_TRUE(files[1].at("inMemory").as_bool());
  EXPECT_EQ(files[1].at("type").as_string(), "application/octet-stream");
  EXPECT_EQ(files[1].at("content").as_string(), "hi");
  // The temporary file is gone once the request is answered.
  ASSERT_FALSE(spilled_path.empty());
  EXPECT_FALSE(std::filesystem::exists(spilled_path));

  expect_problem(
      c.request(verb::post, "/upload", "--x\r\nContent-Disposition: form-data\r\n\r\nv",
                {{"X-API-Key", "test123"}, {"Content-Type", "multipart/form-data; boundary=x"}}),
      400, "no name");
  expect_problem(c.request(verb::post, "/upload", "--x\r\n",
                           {{"X-API-Key", "test123"}, {"Content-Type", "multipart/form-data"}}),
                 400, "boundary");
  std::filesystem::remove_all(dir);
}

TEST(Dispatch, PlainAsyncAndBlockingHandlers) {
  dispatch::HandlerTable h;
  std::thread::id plain_thread, blocking_thread;
  h.add("plain", [&](dispatch::RequestContext&, http::Response& res) {
    plain_thread = std::this_thread::get_id();
    res.body = "plain";
  });
  h.add_async(
      "slow",
      [](dispatch::RequestContext& ctx, http::Response& res) -> boost::asio::awaitable<void> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(20));
        co_await t.async_wait(boost::asio::use_awaitable);
        res.body = "async " + std::string(ctx.http.path);
      });
  h.add_blocking("blocking", [&](dispatch::RequestContext&, http::Response& res) {
    blocking_thread = std::this_thread::get_id();
    res.body = "blocking";
  });
  h.add("customHandler",
        [](dispatch::RequestContext&, http::Response& res) { res.body = "by x-handler"; });
  Running srv(test_spec(), std::move(h));
  BeastClient c(srv.port());
  EXPECT_EQ(c.get("/plain").body, "plain");
  EXPECT_EQ(c.get("/async").body, "async /async");
  EXPECT_EQ(c.get("/blocking").body, "blocking");
  EXPECT_EQ(c.get("/custom").body, "by x-handler");
  EXPECT_NE(plain_thread, std::thread::id());
  EXPECT_NE(blocking_thread, std::thread::id());
  EXPECT_NE(plain_thread, blocking_thread);  // offloaded to the pool

  // While an async request waits, the same worker answers another connection.
  BeastClient other(srv.port());
  auto slow = std::async(std::launch::async, [&] { return c.get("/async").body; });
  EXPECT_EQ(other.get("/plain").body, "plain");
  EXPECT_EQ(slow.get(), "async /async");
}

// With a handler timeout, an async handler still awaiting at its deadline is cancelled and
// the answer is 504; one that throws first is a 500 at once; a blocking request that waited
// for a pool thread past its deadline does not run, and one running is not interrupted.
TEST(Dispatch, HandlerDeadlineCancelsAsyncHandlersAndSkipsLateBlockingOnes) {
  dispatch::HandlerTable h;
  std::atomic<bool> saw_cancellation{false};
  h.add_async(
      "slow",
      [&](dispatch::RequestContext& ctx, http::Response& res) -> boost::asio::awaitable<void> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        // ?ms=N: how long to take; the deadline is what the request was given.
        const std::string_view target = ctx.http.target;
        const auto at = target.find("ms=");
        t.expires_after(std::chrono::milliseconds(
            at == std::string_view::npos ? 0 : std::atoi(target.data() + at + 3)));
        try {
          co_await t.async_wait(boost::asio::use_awaitable);
        } catch (const boost::system::system_error& e) {
          saw_cancellation = e.code() == boost::asio::error::operation_aborted;
          throw;
        }
        if (target.find("throw") != std::string_view::npos) throw std::runtime_error("late");
        res.body = ctx.deadline == std::chrono::steady_clock::time_point::max() ? "no deadline"
                                                                                : "in time";
      });
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  std::atomic<int> blocking_runs{0};
  h.add_blocking("blocking", [&](dispatch::RequestContext&, http::Response& res) {
    if (blocking_runs++ == 0) {
      holding.set_value();
      released.wait();  // holds the one pool thread until the test lets go
    }
    res.body = "blocking";
  });
  h.add("plain", [](dispatch::RequestContext& ctx, http::Response& res) {
    res.body =
        ctx.deadline == std::chrono::steady_clock::time_point::max() ? "no deadline" : "deadline";
  });
  dispatch::ServiceOptions o;
  o.handler_timeout = std::chrono::milliseconds(200);
  o.blocking_threads = 1;
  Running srv(test_spec(), std::move(h), o);
  BeastClient c(srv.port());

  Reply r = c.get("/async?ms=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "in time");
  EXPECT_EQ(c.get("/plain").body, "deadline");  // plain handlers see it, and are not timed
  r = c.get("/async?ms=60000");
  expect_problem(r, 504, "the request handler did not answer within 200 ms");
  EXPECT_TRUE(saw_cancellation);  // the handler's pending wait failed; it has returned
  // An exception before the deadline is the handler's failure, answered at once.
  r = c.get("/async?ms=1&throw");
  expect_problem(r, 500, "the request handler failed");
  EXPECT_EQ(c.get("/async?ms=1").body, "in time");  // the connection goes on

  // The pool's one thread is held past the deadline: the request queued behind it is
  // answered 504 without running, and the one running finishes with its own answer.
  BeastClient first(srv.port()), second(srv.port());
  auto held = std::async(std::launch::async, [&] { return first.get("/blocking"); });
  holding.get_future().wait();
  auto queued = std::async(std::launch::async, [&] { return second.get("/blocking"); });
  // The deadline is a minimum: waiting it out, then letting go, is not a race.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  release.set_value();
  const Reply late = queued.get();
  expect_problem(late, 504, "did not answer within 200 ms");
  const Reply kept = held.get();
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body, "blocking");
  EXPECT_EQ(blocking_runs.load(), 1);
  EXPECT_EQ(c.get("/blocking").body, "blocking");
  EXPECT_EQ(blocking_runs.load(), 2);

  // Without a timeout nothing is due.
  dispatch::HandlerTable none;
  none.add("plain", [](dispatch::RequestContext& ctx, http::Response& res) {
    res.body =
        ctx.deadline == std::chrono::steady_clock::time_point::max() ? "no deadline" : "deadline";
  });
  Running untimed(test_spec(), std::move(none));
  EXPECT_EQ(BeastClient(untimed.port()).get("/plain").body, "no deadline");
}

TEST(Dispatch, BlockingPoolQueueFullAnswers503) {
  dispatch::HandlerTable h;
  Gate gate;
  gate.install(h);
  dispatch::ServiceOptions o;
  o.blocking_threads = 1;
  o.blocking_queue = 1;
  Running srv(test_spec(), std::move(h), o);
  BeastClient a(srv.port()), b(srv.port());
  auto first = std::async(std::launch::async, [&] { return a.get("/blocking").body; });
  gate.entered.get_future().wait();
  const Reply busy = b.get("/blocking");
  expect_problem(busy, 503, "busy");
  EXPECT_EQ(busy.header("Retry-After"), "1");
  gate.release.set_value();
  EXPECT_EQ(first.get(), "done");
}

TEST(Dispatch, HandlerExceptionsBecome500AndTheConnectionSurvives) {
  dispatch::HandlerTable h;
  h.add("throws", [](dispatch::RequestContext&, http::Response& res) {
    res.body = "partial";
    throw std::runtime_error("database unreachable");
  });
  h.add_async("slow",
              [](dispatch::RequestContext&, http::Response&) -> boost::asio::awaitable<void> {
                throw std::logic_error("async failure");
                co_return;
              });
  h.add("plain", [](dispatch::RequestContext&, http::Response& res) { res.body = "ok"; });
  Running srv(test_spec(), std::move(h));
  BeastClient c(srv.port());
  for (int i = 0; i < 3; ++i) {
    const Reply r = c.get("/throws");
    expect_problem(r, 500, "handler failed");
    EXPECT_EQ(r.body.find("database"), std::string::npos);  // internals stay in the log
    expect_problem(c.get("/async"), 500, "handler failed");
    EXPECT_EQ(c.get("/plain").body, "ok");
  }
}

TEST(Dispatch, MiddlewareRunsAroundHandlersAndCanAnswerEarly) {
  dispatch::HandlerTable h;
  std::vector<std::string> order;
  h.add("plain", [&](dispatch::RequestContext&, http::Response& res) {
    order.push_back("handler");
    res.body = "ok";
  });
  h.use({"outer",
         [&](dispatch::RequestContext& ctx, http::Response& res) {
           order.push_back("outer.before");
           if (ctx.http.header("X-Block")) {
             dispatch::problem(res, 403, "blocked by policy");
             return false;
           }
           return true;
         },
         [&](const dispatch::RequestContext&, http::Response& res) {
           order.push_back("outer.after");
           res.add_header("X-Outer", "1");
         }});
  h.use({"inner",
         [&](dispatch::RequestContext&, http::Response&) {
           order.push_back("inner.before");
           return true;
         },
         [&](const dispatch::RequestContext& ctx, http::Response& res) {
           order.push_back("inner.after");
           res.add_header("X-Operation", ctx.operation.operation_id);
         }});
  Running srv(test_spec(), std::move(h));
  BeastClient c(srv.port());
  Reply r = c.get("/plain");
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.header("X-Outer"), "1");
  EXPECT_EQ(r.header("X-Operation"), "plain");
  EXPECT_EQ(order, (std::vector<std::string>{"outer.before", "inner.before", "handler",
                                             "inner.after", "outer.after"}));
  order.clear();
  r = c.get("/plain", {{"X-Block", "1"}});
  expect_problem(r, 403, "policy");
  EXPECT_EQ(r.header("X-Outer"), "1");
  EXPECT_EQ(order, (std::vector<std::string>{"outer.before", "outer.after"}));
  // Unrouted requests never reach the chain.
  order.clear();
  EXPECT_EQ(c.get("/nope").status, 404);
  EXPECT_TRUE(order.empty());
}

TEST(Dispatch, BuiltinEndpoints) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  ASSERT_EQ(c.get("/pets").status, 200);
  ASSERT_EQ(c.get("/pets/1").status, 401);
  r = c.get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(r.body.find(R"(brrt_requests_total{operation="listPets",method="GET",status="200"} 1)"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"(operation="getPet",method="GET",status="401"} 1)"), std::string::npos);
  EXPECT_NE(r.body.find("brrt_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(r.body.find("brrt_open_connections 1"), std::string::npos) << r.body;
  r = c.get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r.body).at("info").at("title").as_string(), "brrtrouter pet store");
  r = c.get("/openapi.yaml");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("openapi: 3.1.0", 0), 0u);
  r = c.get("/docs");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/openapi.json"), std::string::npos);
  EXPECT_NE(r.body.find("/docs/swagger-ui-bundle.js"), std::string::npos);
  r = c.get("/docs/swagger-ui-bundle.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), 100000u);
  EXPECT_EQ(c.get("/docs/nope.js").status, 404);
  EXPECT_EQ(c.request(verb::head, "/health").status, 200);
  EXPECT_EQ(c.get("/nope").status, 404);
  // Another method on a built-in endpoint's path is a 405 naming the methods it takes, as on
  // an operation's path; a path that is no endpoint stays a 404 whatever the method.
  for (const char* path :
       {"/health", "/metrics", "/openapi.json", "/docs", "/docs/swagger-ui.css"}) {
    SCOPED_TRACE(path);
    r = c.request(verb::post, path, "{}", {{"Content-Type", "application/json"}});
    expect_problem(r, 405, "POST is not allowed here; allowed: GET, HEAD");
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  }
  EXPECT_EQ(c.request(verb::delete_, "/docs/nope.js").status, 404);
  // Built-in endpoints are counted on rows of their own, by method; only requests that no
  // operation or endpoint answers are "(unmatched)".
  r = c.get("/metrics");
  ASSERT_EQ(r.status, 200);
  for (const char* row : {
           R"m(brrt_requests_total{operation="(health)",method="GET",status="200"} 1)m",
           R"m(brrt_requests_total{operation="(health)",method="HEAD",status="200"} 1)m",
           R"m(brrt_requests_total{operation="(metrics)",method="GET",status="200"} 1)m",
           R"m(brrt_requests_total{operation="(openapi)",method="GET",status="200"} 2)m",
           R"m(brrt_requests_total{operation="(docs)",method="GET",status="200"} 2)m",
           R"m(brrt_requests_total{operation="(unmatched)",method="",status="404"} 3)m",
           R"m(brrt_requests_total{operation="(unmatched)",method="",status="405"} 5)m",
           R"m(brrt_request_duration_seconds_count{operation="(health)",method="GET"} 1)m",
       })
    EXPECT_NE(r.body.find(row), std::string::npos) << row << "\n" << r.body;
  EXPECT_EQ(r.body.find(R"m(operation="(unmatched)",method="",status="200")m"), std::string::npos)
      << r.body;
}

// "OPTIONS *" asks about the server (RFC 9110 9.3.7): 200, no content, and in Allow every
// method some operation or built-in endpoint takes; counted on its own metrics row.
TEST(Dispatch, OptionsAsteriskDescribesTheServer) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  Reply r = c.request(verb::options, "*");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("Content-Length"), "0");
  // The pet store's operations use DELETE, GET, HEAD, OPTIONS, POST and PUT, none PATCH.
  EXPECT_EQ(r.header("Allow"), "DELETE, GET, HEAD, OPTIONS, POST, PUT");
  r = c.get("/metrics");
  EXPECT_NE(
      r.body.find(R"m(brrt_requests_total{operation="(server)",method="OPTIONS",status="200"} 1)m"),
      std::string::npos)
      << r.body;
  // Any other method with the asterisk is refused by the HTTP layer.
  BeastClient d(srv.port());
  EXPECT_EQ(d.request(verb::get, "*").status, 400);
}

// The access log's bytes are the body bytes sent: none for a HEAD (nginx's $body_bytes_sent).
TEST(Dispatch, TheAccessLogCountsNoBodyBytesForHead) {
  dispatch::HandlerTable h;
  h.add("plain", [](dispatch::RequestContext&, http::Response& res) { res.body = "plain"; });
  LoggedRunning srv(test_spec(), std::move(h));
  ASSERT_TRUE(srv.ok());
  {
    BeastClient c(srv.port());
    EXPECT_EQ(c.get("/plain").body, "plain");
    EXPECT_EQ(c.request(verb::head, "/plain").status, 200);
  }
  const auto lines = srv.stop_and_read_log();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("bytes"), 5);
  EXPECT_EQ(lines[1].at("bytes"), 0);
}

// Requests the HTTP layer refuses itself (malformed, too large) are counted and logged too, with
// what was read of them.
TEST(Dispatch, RequestsTheHttpLayerRefusesAreCountedAndLogged) {
  http::ServerConfig cfg;
  cfg.max_body_bytes = 100;
  LoggedRunning srv(test_spec(), {}, cfg);
  ASSERT_TRUE(srv.ok());
  test::RawClient big(srv.port());
  ASSERT_TRUE(big.send("POST /echo/1?k=v HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  EXPECT_EQ(test::status_of(big.read_response()), 413);
  test::RawClient garbage(srv.port());
  ASSERT_TRUE(garbage.send("GET /a b c\r\n\r\n"));
  EXPECT_EQ(test::status_of(garbage.read_response()), 400);
  const std::string metrics = BeastClient(srv.port()).get("/metrics").body;
  for (const char* status : {"413", "400"}) {
    const std::string series = std::string(R"m(brrt_requests_total{operation="(unmatched)",)m") +
                               R"m(method="",status=")m" + status + "\"} 1\n";
    EXPECT_NE(metrics.find(series), std::string::npos) << series << metrics;
  }
  const auto lines = srv.stop_and_read_log();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0].at("status"), 413);
  EXPECT_EQ(lines[0].at("method"), "POST");
  EXPECT_EQ(lines[0].at("target"), "/echo/1?k=v");
  EXPECT_EQ(lines[1].at("status"), 400);
  EXPECT_EQ(lines[1].at("method"), "-");  // not read: the request line was malformed
  EXPECT_EQ(lines[1].at("target"), "-");
}

// A handler's ctx.trace() is the trace context the access log records: the caller's trace
// id from traceparent (or a new one) and one span id per request, on the plain and the
// coroutine path alike.
TEST(Dispatch, HandlersAndTheAccessLogShareTheTraceContext) {
  dispatch::HandlerTable h;
  h.add("plain", [](dispatch::RequestContext& ctx, http::Response& res) {
    res.body = ctx.trace().traceparent();
  });
  h.add_async(
      "slow",
      [](dispatch::RequestContext& ctx, http::Response& res) -> boost::asio::awaitable<void> {
        boost::asio::steady_timer t(co_await boost::asio::this_coro::executor);
        t.expires_after(std::chrono::milliseconds(1));
        co_await t.async_wait(boost::asio::use_awaitable);
        res.body = ctx.trace().traceparent();
      });
  LoggedRunning srv(test_spec(), std::move(h));
  ASSERT_TRUE(srv.ok());
  std::vector<std::string> bodies;
  {
    BeastClient c(srv.port());
    const std::pair<std::string, std::string> tp{
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
    for (const char* path : {"/plain", "/async"}) {
      Reply r = c.get(path, {tp});
      ASSERT_EQ(r.status, 200);
      bodies.push_back(r.body);
      r = c.get(path);  // no traceparent: a new trace
      ASSERT_EQ(r.status, 200);
      bodies.push_back(r.body);
    }
  }
  const auto lines = srv.stop_and_read_log();
  ASSERT_EQ(lines.size(), 4u);
  std::set<std::string> spans, traces;
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(bodies[i]);
    const std::string trace(lines[i].at("trace_id").as_string());
    const std::string span(lines[i].at("span_id").as_string());
    // The handler's traceparent for downstream calls: this trace, this request's span.
    EXPECT_EQ(bodies[i], "00-" + trace + "-" + span + (i % 2 == 0 ? "-01" : "-00"));
    if (i % 2 == 0) {
      EXPECT_EQ(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    }
    spans.insert(span);
    traces.insert(trace);
  }
  EXPECT_EQ(spans.size(), 4u);
  EXPECT_EQ(traces.size(), 3u);  // the caller's, and one new trace per untraced request
}

dispatch::ServiceOptions with_cors(std::vector<std::string> origins, bool credentials = false) {
  dispatch::ServiceOptions o = with_key();
  o.cors.allow_origins = std::move(origins);
  o.cors.allow_credentials = credentials;
  o.cors.allow_headers = {"Content-Type", "X-API-Key"};
  o.cors.expose_headers = {"X-Operation"};
  o.cors.max_age_seconds = 120;
  return o;
}

// A preflight is answered before security, from the methods of the path's operations; an
// origin that is not allowed, a method the path does not take or a header not listed is
// refused with a problem a developer can read (the browser only sees the missing headers).
TEST(Dispatch, CorsPreflightsAnswerFromTheSpec) {
  Running srv(pet_store(), {}, with_cors({"https://App.Example.com"}));  // as browsers send it
  BeastClient c(srv.port());
  using Headers = std::vector<std::pair<std::string, std::string>>;
  const std::pair<std::string, std::string> origin{"Origin", "https://app.example.com"};
  auto preflight = [&](const std::string& path, Headers h) {
    return c.request(verb::options, path, {}, std::move(h));
  };
  Reply r = preflight("/pets", {origin,
                                {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "content-type, x-api-key"}});
  EXPECT_EQ(r.status, 204);  // no API key needed: browsers send none with a preflight
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(r.header("Access-Control-Allow-Methods"), "GET, HEAD, POST");
  EXPECT_EQ(r.header("Access-Control-Allow-Headers"), "content-type, x-api-key");
  EXPECT_EQ(r.header("Access-Control-Max-Age"), "120");
  EXPECT_EQ(r.header("Vary"), "Origin");
  EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "");

  r = preflight("/pets",
                {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "");
  EXPECT_NE(r.body.find("https://evil.example"), std::string::npos) << r.body;
  r = preflight("/pets", {origin, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST");
  r = preflight("/pets", {origin,
                          {"Access-Control-Request-Method", "GET"},
                          {"Access-Control-Request-Headers", "x-secret"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("x-secret"), std::string::npos) << r.body;
  EXPECT_EQ(preflight("/nowhere", {origin, {"Access-Control-Request-Method", "GET"}}).status, 404);
  // A built-in endpoint's path takes GET and HEAD: a page on another origin may read the spec.
  r = preflight("/openapi.json", {origin,
                                  {"Access-Control-Request-Method", "GET"},
                                  {"Access-Control-Request-Headers", "x-api-key"}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.header("Access-Control-Allow-Methods"), "GET, HEAD");
  r = preflight("/health", {origin, {"Access-Control-Request-Method", "DELETE"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  // Path parameters match as for any request.
  r = preflight("/users/7/posts/3", {origin, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 204);
  // OPTIONS without Access-Control-Request-Method is no preflight: the spec's own OPTIONS
  // operation (optionsUser, 204 from its example) answers it, as an ordinary response.
  r = c.request(verb::options, "/users/7", {}, {origin});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Access-Control-Allow-Methods"), "");
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example.com");

  // Ordinary responses, errors included, carry the headers for an allowed origin only.
  r = c.get("/pets", {origin});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(r.header("Access-Control-Expose-Headers"), "X-Operation");
  EXPECT_EQ(r.header("Vary"), "Origin");
  r = c.get("/pets/1", {origin});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example.com");
  r = c.get("/pets", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(r.header("Vary"), "Origin");
  // Without Origin too, the answer says it depends on Origin: a shared cache must not give
  // this copy (no Access-Control-Allow-Origin) to a browser's cross-origin request.
  r = c.get("/pets");
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(r.header("Vary"), "Origin");
  EXPECT_EQ(c.get("/openapi.json").header("Vary"), "Origin");

  r = c.get("/metrics");
  EXPECT_NE(r.body.find(R"m(operation="(preflight)",method="OPTIONS",status="204"} 3)m"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"m(operation="optionsUser",method="OPTIONS",status="204"} 1)m"),
            std::string::npos)
      << r.body;
}

TEST(Dispatch, CorsAnyOriginAndCredentials) {
  {
    Running srv(pet_store(), {}, with_cors({"*"}));
    BeastClient c(srv.port());
    Reply r = c.get("/pets", {{"Origin", "https://anywhere.example"}});
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(r.header("Vary"), "");  // the same answer for every origin
    EXPECT_EQ(c.get("/pets").header("Vary"), "");
  }
  {
    // With credentials a browser refuses "*": the origin is echoed.
    Running srv(pet_store(), {}, with_cors({"*"}, true));
    BeastClient c(srv.port());
    Reply r = c.request(
        verb::options, "/pets", {},
        {{"Origin", "https://anywhere.example"}, {"Access-Control-Request-Method", "GET"}});
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://anywhere.example");
    EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(r.header("Vary"), "Origin");
    EXPECT_EQ(c.get("/pets").header("Vary"), "Origin");  // the origin is echoed: it depends
  }
  // Settings that cannot work are refused when the service is made.
  dispatch::ServiceOptions bad = with_cors({"https://app.example.com/"});
  EXPECT_THROW(dispatch::Service(pet_store(), {}, bad, 1), std::invalid_argument);
}

// The spec and Swagger UI carry entity tags: a client that has the current bytes gets 304 with
// no body; a reload changes the spec's tag; the gzip form is made once, with a tag of its own.
TEST(Dispatch, SpecAndDocsAnswerConditionalRequests) {
  dispatch::ServiceOptions o;
  o.compression.enabled = true;
  Running srv(test_spec(), {}, o);
  BeastClient c(srv.port());
  for (const char* target : {"/openapi.json", "/openapi.yaml", "/docs", "/docs/swagger-ui.css"}) {
    SCOPED_TRACE(target);
    Reply r = c.get(target);
    ASSERT_EQ(r.status, 200);
    const std::string tag = r.header("ETag");
    ASSERT_FALSE(tag.empty());
    EXPECT_FALSE(r.header("Cache-Control").empty());
    Reply again = c.get(target, {{"If-None-Match", tag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.header("ETag"), tag);
    EXPECT_EQ(c.get(target, {{"If-None-Match", "\"stale\""}}).status, 200);
    EXPECT_EQ(c.request(verb::head, target, {}, {{"If-None-Match", tag}}).status, 304);
  }
  // The gzip form: its own tag, and inflating it gives the plain bytes.
  Reply plain = c.get("/docs/swagger-ui.css");
  Reply gz = c.get("/docs/swagger-ui.css", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gz.header("Content-Encoding"), "gzip");
  EXPECT_NE(gz.header("ETag"), plain.header("ETag"));
  std::string inflated;
  ASSERT_TRUE(test::gunzip(gz.body, inflated));
  EXPECT_TRUE(inflated == plain.body);
  EXPECT_EQ(c.get("/docs/swagger-ui.css",
                  {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz.header("ETag")}})
                .status,
            304);
  // A reload serves another spec under another tag; the old tag gets the new bytes.
  const std::string before = c.get("/openapi.json").header("ETag");
  std::string next = kTestSpec;
  next += "  /added: {get: {operationId: added, responses: {'200': {description: ok}}}}\n";
  srv.service->reload(spec::load_api_from_text(next, "next.yaml"));
  Reply r = c.get("/openapi.json", {{"If-None-Match", before}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.header("ETag"), before);
  EXPECT_NE(r.body.find("/added"), std::string::npos);
}

// A handler that sets ETag gets conditional GETs: 304 with the tag and no body for a client
// that has the bytes; compressed answers carry the tag weakened, and match it weakly.
TEST(Dispatch, HandlerEntityTagsAnswerConditionalGets) {
  dispatch::HandlerTable h;
  const std::string big(4000, 'x');
  h.add("plain", [&](dispatch::RequestContext& ctx, http::Response& res) {
    res.set_content_type("text/plain");
    res.add_header("ETag", "\"v7\"");
    res.add_header("Cache-Control", "max-age=60");
    res.body = ctx.http.header("X-Big") ? big : "ok";
  });
  h.add("echoIt", [](dispatch::RequestContext&, http::Response& res) {
    res.status = 201;
    res.add_header("ETag", "\"v7\"");
    res.body = "{}";
  });
  dispatch::ServiceOptions o;
  o.compression.enabled = true;
  Running srv(test_spec(), std::move(h), o);
  BeastClient c(srv.port());
  Reply r = c.get("/plain", {{"If-None-Match", "\"v7\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("ETag"), "\"v7\"");
  EXPECT_EQ(r.header("Cache-Control"), "max-age=60");
  EXPECT_EQ(r.header("Content-Type"), "");
  EXPECT_EQ(c.request(verb::head, "/plain", {}, {{"If-None-Match", "W/\"v7\", \"v8\""}}).status,
            304);
  r = c.get("/plain", {{"If-None-Match", "\"v6\""}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  // Only GET and HEAD: other methods are answered as the handler says.
  r = c.request(verb::post, "/echo/1", "{}",
                {{"Content-Type", "application/json"}, {"If-None-Match", "\"v7\""}});
  EXPECT_EQ(r.status, 201);
  // Compressed, the tag is weak (other bytes than the handler tagged); it still matches.
  r = c.get("/plain", {{"X-Big", "1"}, {"Accept-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Encoding"), "gzip");
  EXPECT_EQ(r.header("ETag"), "W/\"v7\"");
  r = c.get("/plain", {{"X-Big", "1"}, {"Accept-Encoding", "gzip"}, {"If-None-Match", "W/\"v7\""}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.header("ETag"), "W/\"v7\"");  // what the 200 would have said
  EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(r.header("Content-Encoding"), "");
  EXPECT_TRUE(r.body.empty());
}

TEST(Dispatch, BuiltinsCanBeMovedOrDisabled) {
  dispatch::ServiceOptions o;
  o.health_path = "/healthz";
  o.metrics_path.clear();
  o.docs_path.clear();
  Running srv(test_spec(), {}, o);
  BeastClient c(srv.port());
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/health").status, 404);
  EXPECT_EQ(c.get("/metrics").status, 404);
  EXPECT_EQ(c.get("/docs").status, 404);
}

TEST(Dispatch, ReloadSwapsTheSpecBetweenRequests) {
  Running srv(test_spec(), {});
  BeastClient c(srv.port());
  EXPECT_EQ(c.get("/added").status, 404);
  std::string next = kTestSpec;
  next +=
      "  /added: {get: {operationId: added, responses: {'200': {description: ok, content: "
      "{application/json: {example: {v: 2}}}}}}}\n";
  srv.service->reload(spec::load_api_from_text(next, "next.yaml"));
  Reply r = c.get("/added");  // same keep-alive connection
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"v":2})");
  // A spec that does not compile leaves the running one in place.
  EXPECT_THROW(srv.service->reload(spec::load_api_from_text(
                   "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
                   "  /a/{x}: {get: {responses: {'200': {description: ok}}}}\n"
                   "  /a/{y}: {get: {responses: {'200': {description: ok}}}}\n",
                   "bad.yaml")),
               std::exception);
  EXPECT_EQ(c.get("/added").status, 200);
}

// An operationId that is one of the server's own metrics labels gets a label of its own: two
// series with one label set would make Prometheus refuse the whole scrape. A HEAD answered by a
// GET operation has its own series, as the access log says HEAD.
TEST(Dispatch, AnOperationIdLikeABuiltinLabelDoesNotCollide) {
  const std::string spec =
      "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
      "  /h: {get: {operationId: '(health)', responses: {'200': {description: ok}}}}\n";
  Running srv(spec::load_api_from_text(spec, "t.yaml"), {});
  const auto warnings = srv.service->warnings();
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [](const std::string& w) {
    return w.find("'(health) (operation)'") != std::string::npos;
  }));
  BeastClient c(srv.port());
  EXPECT_EQ(c.get("/h").status, 200);
  EXPECT_EQ(c.request(verb::head, "/h").status, 200);  // counted as HEAD, not as GET
  EXPECT_EQ(c.get("/health").status, 200);
  const std::string m = c.get("/metrics").body;
  EXPECT_NE(
      m.find(
          R"m(brrt_requests_total{operation="(health) (operation)",method="GET",status="200"} 1)m"),
      std::string::npos)
      << m;
  EXPECT_NE(
      m.find(
          R"m(brrt_requests_total{operation="(health) (operation)",method="HEAD",status="200"} 1)m"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find(R"m(brrt_requests_total{operation="(health)",method="GET",status="200"} 1)m"),
            std::string::npos)
      << m;
}

// Failure counters of security schemes go on across a reload, as the request counters do.
TEST(Dispatch, AuthFailureCountsSurviveAReload) {
  Running srv(pet_store(), {}, with_key());
  BeastClient c(srv.port());
  const auto wrong_keys = [&] {
    const std::string m = c.get("/metrics").body;
    const std::string series =
        "brrt_auth_failures_total{scheme=\"ApiKeyAuth\",reason=\"wrong_key\"} ";
    const auto at = m.find(series);
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + series.size()));
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.get("/pets/1", {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(wrong_keys(), 3);
  srv.service->reload(pet_store());
  EXPECT_EQ(wrong_keys(), 3);
  EXPECT_EQ(c.get("/pets/1", {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(wrong_keys(), 4);
}

// With a base path other than the spec's, the served document names it in its first server,
// so Swagger UI's "Try it out" calls the routed paths; without one it is served as loaded.
TEST(Dispatch, TheServedSpecAnnouncesAnOverriddenBasePath) {
  spec::LoadOptions moved;
  moved.base_path = "/v9";
  const std::string with_server = std::string(kTestSpec).insert(
      std::string(kTestSpec).find("paths:"), "servers: [{url: 'https://api.example.com/v1'}]\n");
  struct Case {
    std::string text;
    spec::LoadOptions options;
    std::string url;     // expected servers[0].url; "" when none is expected
    std::string prefix;  // the routed base path
  };
  for (const Case& k :
       {Case{kTestSpec, moved, "/v9", "/v9"},
        Case{with_server, moved, "/v9", "/v9"},  // relative: this server, not the spec's
        Case{with_server, {}, "https://api.example.com/v1", "/v1"}, Case{kTestSpec, {}, "", ""}}) {
    Running srv(spec::load_api_from_text(k.text, "t.yaml", k.options), {});
    BeastClient c(srv.port());
    for (const char* target : {"/openapi.json", "/openapi.yaml"}) {
      const Reply r = c.get(target);
      ASSERT_EQ(r.status, 200) << target;
      const json::value doc =
          std::string(target) == "/openapi.json" ? parse(r.body) : json::value();
      if (doc.is_null()) {  // the YAML: as loaded, or the JSON form when rewritten
        EXPECT_EQ(r.body.find("/v9") != std::string::npos, k.url.find("/v9") != std::string::npos)
            << r.body.substr(0, 200);
        continue;
      }
      if (k.url.empty())
        EXPECT_FALSE(doc.as_object().contains("servers"));
      else
        EXPECT_EQ(doc.at("servers").at(0).at("url").as_string(), k.url);
    }
    // The announced server's path is the one routed.
    EXPECT_EQ(c.get(k.prefix + "/plain").status, 200) << k.prefix;
  }
}

// Reloads while clients keep their keep-alive connections busy: every request gets its answer,
// and a request in flight when the spec changes finishes on the spec it started with.
TEST(Dispatch, ReloadUnderLoadDropsNothing) {
  dispatch::HandlerTable h;
  h.add("plain", [](dispatch::RequestContext&, http::Response& res) { res.body = "ok"; });
  Gate gate;
  gate.install(h);
  Running srv(test_spec(), std::move(h), {}, 2);
  std::string without_blocking = kTestSpec;
  const std::string line =
      "  /blocking: {get: {operationId: blocking, responses: {'200': {description: ok}}}}\n";
  const std::size_t at = without_blocking.find(line);
  ASSERT_NE(at, std::string::npos);
  without_blocking.erase(at, line.size());

  // In flight across the reload: /blocking is gone from the new spec, but this request
  // started on the old one and finishes there.
  auto in_flight = std::async(std::launch::async, [&] {
    BeastClient c(srv.port());
    return c.get("/blocking");
  });
  gate.entered.get_future().wait();
  srv.service->reload(spec::load_api_from_text(without_blocking, "next.yaml"));
  BeastClient probe(srv.port());
  EXPECT_EQ(probe.get("/blocking").status, 404);
  gate.release.set_value();
  const Reply held = in_flight.get();
  EXPECT_EQ(held.status, 200);
  EXPECT_EQ(held.body, "done");

  // Two clients, 300 keep-alive requests each, while the spec is swapped over and over until
  // both are done (bounded, in case they never are).
  std::atomic<int> answered{0}, wrong{0}, running{2};
  auto client = [&] {
    BeastClient c(srv.port());
    for (int i = 0; i < 300; ++i) {
      const Reply r = c.get("/plain");
      if (r.status == 200 && r.body == "ok")
        ++answered;
      else
        ++wrong;
    }
    --running;
  };
  auto a = std::async(std::launch::async, client);
  auto b = std::async(std::launch::async, client);
  int reloads = 0;
  for (; running.load() > 0 && reloads < 20000; ++reloads)
    srv.service->reload(
        spec::load_api_from_text(reloads % 2 ? kTestSpec : without_blocking, "swap.yaml"));
  a.get();
  b.get();
  EXPECT_GT(reloads, 1);
  EXPECT_EQ(answered.load(), 600);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Dispatch, HealthTurns503WhileDraining) {
  dispatch::HandlerTable h;
  Gate gate;
  gate.install(h);
  dispatch::ServiceOptions o;
  o.health_path = "/health";
  Running srv(test_spec(), std::move(h), o);
  BeastClient a(srv.port()), probe(srv.port());
  EXPECT_EQ(probe.get("/health").status, 200);
  auto first = std::async(std::launch::async, [&] { return a.get("/blocking"); });
  gate.entered.get_future().wait();
  srv.server->stop();
  // The drain closes idle connections; a readiness probe asked in-process sees 503.
  http::Request req;
  req.method = Method::Get;
  req.method_text = "GET";
  req.target = req.path = "/health";
  http::Response res;
  srv.service->handle(0, req, res);
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body, R"({"status":"draining"})");
  gate.release.set_value();
  const Reply done = first.get();
  EXPECT_EQ(done.body, "done");
  EXPECT_EQ(done.header("Connection"), "close");
}

}  // namespace
}  // namespace brrt
