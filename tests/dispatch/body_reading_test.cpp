// How request and response bodies are read, through the real server: a JSON object with a
// key twice is refused, an empty body under a JSON content type is an absent body, form fields
// are coerced by their property's types (array properties collect their fields), and response
// validation reads a handler's JSON as deep as it is.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "beast_client.hpp"
#include "running_service.hpp"

namespace brrt {
namespace {

namespace json = boost::json;
using test::BeastClient;
using test::Reply;
using test::bhttp::verb;

const char* const kSpec = R"(openapi: 3.1.0
info: {title: bodies, version: '1'}
paths:
  /optional:
    post:
      operationId: optionalBody
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {age: {type: integer, minimum: 0}}
      responses: {'200': {description: ok}}
  /required:
    post:
      operationId: requiredBody
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {'200': {description: ok}}
  /form:
    post:
      operationId: form
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                n: {type: integer}
                arr: {type: array, items: {type: integer}}
                nn: {type: [integer, 'null']}
          multipart/form-data:
            schema:
              type: object
              properties:
                files: {type: array, items: {type: string, format: binary}}
                one: {type: string, format: binary}
      responses: {'200': {description: ok}}
  /deep:
    get:
      operationId: deep
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array}}}
)";

dispatch::HandlerTable handlers() {
  dispatch::HandlerTable h;
  const auto echo = [](dispatch::RequestContext& ctx, http::Response& res) {
    dispatch::json_response(res, 200, {{"body", ctx.body}});
  };
  h.add("optionalBody", echo);
  h.add("requiredBody", echo);
  h.add("form", [](dispatch::RequestContext& ctx, http::Response& res) {
    dispatch::json_response(res, 200, {{"body", ctx.body}, {"files", ctx.files.size()}});
  });
  // Arrays nested 40 deep: deeper than Boost.JSON's default parse depth (32).
  h.add("deep", [](dispatch::RequestContext&, http::Response& res) {
    res.set_content_type("application/json");
    res.body = std::string(40, '[') + std::string(40, ']');
  });
  return h;
}

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json"}};

TEST(BodyReading, AKeyTwiceInAnObjectIsRefusedWhicheverValueComesLast) {
  Running srv(spec::load_api_from_text(kSpec, "bodies.yaml"), handlers());
  BeastClient c(srv.port());
  for (const char* body : {R"({"age":-1,"age":5})", R"({"age":5,"age":-1})"}) {
    const Reply r = c.request(verb::post, "/optional", body, kJson);
    EXPECT_EQ(r.status, 400) << body << " " << r.body;
    EXPECT_NE(r.body.find("the key 'age' twice"), std::string::npos) << r.body;
  }
  // The same key in two objects is no duplicate.
  const Reply ok = c.request(verb::post, "/optional", R"({"age":5,"x":{"age":1}})", kJson);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST(BodyReading, AnEmptyBodyUnderAJsonContentTypeIsAbsent) {
  Running srv(spec::load_api_from_text(kSpec, "bodies.yaml"), handlers());
  BeastClient c(srv.port());
  const Reply optional = c.request(verb::post, "/optional", "", kJson);
  EXPECT_EQ(optional.status, 200) << optional.body;
  EXPECT_EQ(json::parse(optional.body).at("body"), nullptr);
  // The same for a content type the operation does not take: nothing was sent in it.
  const Reply other = c.request(verb::post, "/optional", "", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(c.request(verb::post, "/optional", "x", {{"Content-Type", "text/plain"}}).status, 415);
  const Reply required = c.request(verb::post, "/required", "", kJson);
  EXPECT_EQ(required.status, 400) << required.body;
  EXPECT_NE(required.body.find("\"keyword\":\"required\""), std::string::npos) << required.body;
  EXPECT_NE(required.body.find("a request body is required"), std::string::npos) << required.body;
}

TEST(BodyReading, FormFieldsAreCoercedByTheirPropertysTypes) {
  Running srv(spec::load_api_from_text(kSpec, "bodies.yaml"), handlers());
  BeastClient c(srv.port());
  const std::vector<std::pair<std::string, std::string>> form = {
      {"Content-Type", "application/x-www-form-urlencoded"}};
  const auto body_of = [&](const char* text) {
    const Reply r = c.request(verb::post, "/form", text, form);
    EXPECT_EQ(r.status, 200) << text << " " << r.body;
    return r.status == 200 ? json::serialize(json::parse(r.body).at("body")) : r.body;
  };
  EXPECT_EQ(body_of("n=1&arr=1&arr=2"), R"({"n":1,"arr":[1,2]})");
  EXPECT_EQ(body_of("arr=7"), R"({"arr":[7]})");  // one field of an array property: one item
  EXPECT_EQ(body_of("nn=null&n=2"), R"({"nn":null,"n":2})");
  const Reply bad = c.request(verb::post, "/form", "arr=1&arr=x", form);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("form field 'arr': 'x' is not an integer"), std::string::npos)
      << bad.body;
  EXPECT_NE(bad.body.find("\"pointer\":\"/arr\""), std::string::npos) << bad.body;

  // A file part of an array property is one item (its file name); of a string property, the name.
  const std::string multipart =
      "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nA\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"one\"; filename=\"o.txt\"\r\n\r\nO\r\n"
      "--b--\r\n";
  const Reply up = c.request(verb::post, "/form", multipart,
                             {{"Content-Type", "multipart/form-data; boundary=b"}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(json::serialize(json::parse(up.body)),
            R"({"body":{"files":["a.txt"],"one":"o.txt"},"files":2})");
}

// A parameter whose schema is a $ref into another file of the spec is coerced by that schema.
TEST(BodyReading, ParametersReferencingAnotherFileAreCoerced) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("brrt-refs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "common.yaml") << "Limit: {type: integer, maximum: 50}\n";
  std::ofstream(dir / "api.yaml")
      << "openapi: 3.0.3\ninfo: {title: refs, version: '1'}\npaths:\n  /q:\n    get:\n"
         "      operationId: q\n      parameters:\n"
         "        - {name: lim, in: query, schema: {$ref: 'common.yaml#/Limit'}}\n"
         "      responses: {'200': {description: ok}}\n";
  Running srv(spec::load_api((dir / "api.yaml").string()), {});
  BeastClient c(srv.port());
  const Reply ok = c.get("/q?lim=5");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body).at("params").at("query").at("lim"), 5) << ok.body;
  const Reply big = c.get("/q?lim=51");
  EXPECT_EQ(big.status, 400) << big.body;
  EXPECT_NE(big.body.find("maximum"), std::string::npos) << big.body;
  std::filesystem::remove_all(dir);
}

TEST(BodyReading, ResponseValidationReadsDeepDocuments) {
  dispatch::ServiceOptions o;
  o.response_validation = dispatch::ResponseValidation::Enforce;
  Running srv(spec::load_api_from_text(kSpec, "bodies.yaml"), handlers(), o);
  BeastClient c(srv.port());
  const Reply r = c.get("/deep");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, std::string(40, '[') + std::string(40, ']'));
}

}  // namespace
}  // namespace brrt
