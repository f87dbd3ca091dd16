// How request and response bodies are read, through the real server: a JSON object with a
// key twice is refused, an empty body under a JSON content type is an absent body, and
// response validation reads a handler's JSON as deep as it is.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

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
  const Reply required = c.request(verb::post, "/required", "", kJson);
  EXPECT_EQ(required.status, 400) << required.body;
  EXPECT_NE(required.body.find("\"keyword\":\"required\""), std::string::npos) << required.body;
  EXPECT_NE(required.body.find("a request body is required"), std::string::npos) << required.body;
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
