// The generator's decisions on small specs (names, what becomes a type, what stays JSON and is
// reported) and the runtime the generated code stands on. That the output compiles and serves
// is shown by pet_store_service_test, edges_test and codegen.compile_every_spec.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "brrt/codegen/generator.hpp"
#include "brrt/codegen/runtime.hpp"
#include "codegen/identifier.hpp"

namespace brrt::codegen {
namespace {

GeneratedCode generate_from(const std::string& yaml, GenerateOptions options = {}) {
  return generate(*spec::load_api_from_text(yaml, "/tmp/spec.yaml"), options);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool reported(const GeneratedCode& code, const std::string& pointer_end,
              const std::string& reason_part) {
  for (const auto& n : code.notes)
    if (n.location.ends_with(pointer_end) && n.message.find(reason_part) != std::string::npos)
      return true;
  return false;
}

TEST(Identifier, MakesIdentifiersThatCompile) {
  EXPECT_EQ(cpp_identifier("petId"), "petId");
  EXPECT_EQ(cpp_identifier("X-API-Key"), "X_API_Key");
  EXPECT_EQ(cpp_identifier("2fa"), "v2fa");
  EXPECT_EQ(cpp_identifier("class"), "class_");
  EXPECT_EQ(cpp_identifier("std"), "std_");
  EXPECT_EQ(cpp_identifier("_Reserved"), "v_Reserved");
  EXPECT_EQ(cpp_identifier("a__b"), "a_b");
  EXPECT_EQ(cpp_identifier("_links"), "_links");
  EXPECT_EQ(cpp_identifier(""), "v");
  EXPECT_EQ(cpp_identifier("ünï"), "v_n_");  // bytes outside ASCII are not identifier chars
  EXPECT_EQ(pascal_case("get-pet_by id"), "GetPetById");
  EXPECT_EQ(pascal_case("getPet"), "GetPet");
  EXPECT_EQ(pascal_case("full-repository"), "FullRepository");
  EXPECT_EQ(status_name(404), "not_found");
  EXPECT_EQ(status_name(418), "");
  NameScope names;
  EXPECT_EQ(names.unique("Pet"), "Pet");
  EXPECT_EQ(names.unique("Pet"), "Pet2");
  EXPECT_EQ(names.unique("Pet"), "Pet3");
}

constexpr const char* kShapes = R"(openapi: 3.1.0
info: {title: Shapes API, version: '1'}
paths:
  /a:
    post:
      operationId: postA
      x-handler: shared
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Box'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Box'}
  /b:
    get:
      operationId: getB
      x-handler: shared
      responses:
        '418': {description: teapot}
        '5XX': {description: broken, content: {image/*: {}}}
components:
  schemas:
    Box:
      type: object
      properties:
        either: {oneOf: [{type: string}, {type: integer}]}
        several: {type: [string, integer]}
        self: {$ref: '#/components/schemas/Box'}
        many: {type: array, items: {$ref: '#/components/schemas/Box'}}
        anchored: {$ref: '#named'}
        kind: {type: string, enum: [a, b]}
        maybe: {$ref: '#/components/schemas/Maybe'}
    Named: {$anchor: named, type: string}
    Maybe:
      oneOf:
        - {$ref: '#/components/schemas/Box'}
        - {type: 'null'}
)";

TEST(Generator, OneTypePerSchemaAndReportedFallbacks) {
  const auto code = generate_from(kShapes);
  ASSERT_EQ(code.files.size(), 2u);
  EXPECT_EQ(code.files[0].name, "api.hpp");
  const std::string& h = code.files[0].text;
  EXPECT_NE(h.find("namespace shapes_api {"), std::string::npos);
  EXPECT_NE(h.find("class ShapesAPIHandlers {"), std::string::npos);
  // Box is reached from the body, the response and itself: one struct.
  EXPECT_EQ(count(h, "struct Box {"), 1u);
  EXPECT_NE(h.find("::std::optional<::std::vector<Box>> many;"), std::string::npos);
  EXPECT_NE(h.find("enum class BoxKind { a, b };"), std::string::npos);
  // Numbers, bools and enums are value-initialized; class types are not given `{}` (clang would
  // need their element types complete where the struct is defined).
  EXPECT_NE(h.find("::std::optional<BoxKind> kind;"), std::string::npos);
  // oneOf [Box, null] is an optional Box, held by value in Box: a cycle, so JSON.
  EXPECT_NE(h.find("::std::optional<::boost::json::value> maybe;"), std::string::npos);
  EXPECT_NE(h.find("::std::optional<::boost::json::value> self;"), std::string::npos);
  EXPECT_TRUE(
      reported(code, "/components/schemas/Box/properties/either", "without a discriminator"));
  EXPECT_TRUE(reported(code, "/components/schemas/Box/properties/several", "list of types"));
  EXPECT_TRUE(reported(code, "/components/schemas/Box/properties/anchored", "$ref"));
  EXPECT_TRUE(reported(code, "/components/schemas/Box", "member 'self' holds Box"));
  // The location is the file as named, not a URI.
  for (const auto& n : code.notes) EXPECT_EQ(n.location.rfind("/tmp/spec.yaml#", 0), 0u);
}

TEST(Generator, ResponsesAndSharedHandlerNames) {
  const auto code = generate_from(kShapes);
  const std::string& h = code.files[0].text;
  const std::string& s = code.files[1].text;
  EXPECT_NE(h.find("static GetBResponse status_418();"), std::string::npos);
  EXPECT_NE(h.find("static GetBResponse status_5xx(int status, ::std::string body, "
                   "::std::string media_type);"),
            std::string::npos);
  EXPECT_NE(s.find("checked_status(status, 500, 599)"), std::string::npos);
  // Two operations with one x-handler: the first is registered, the second reported.
  EXPECT_EQ(count(s, "table.add(\"shared\""), 1u);
  EXPECT_TRUE(reported(code, "/paths/~1b/get", "handler name 'shared'"));
}

// A response header whose schema the simple style writes as no typed text (an object, a
// composition, an array of objects) is set as text, and no type is declared for its schema.
TEST(Generator, ObjectHeadersAreTextAndDeclareNoType) {
  const auto code = generate_from(R"(openapi: 3.1.0
info: {title: headers, version: '1'}
paths:
  /h:
    get:
      operationId: getH
      responses:
        '200':
          description: ok
          headers:
            X-Shape: {schema: {type: object, properties: {a: {type: string}}}}
            X-Either: {schema: {oneOf: [{type: string}, {type: integer}]}}
            X-Rows: {schema: {type: array, items: {type: object, properties: {b: {type: integer}}}}}
            X-Mood: {schema: {type: string, enum: [calm, loud]}}
)");
  const std::string& h = code.files[0].text;
  EXPECT_NE(h.find("set_x_shape(const ::std::string& value)"), std::string::npos) << h;
  EXPECT_NE(h.find("set_x_either(const ::std::string& value)"), std::string::npos) << h;
  EXPECT_NE(h.find("set_x_rows(const ::std::string& value)"), std::string::npos) << h;
  EXPECT_NE(h.find("set_x_mood(const GetHHeaderXMood& value)"), std::string::npos) << h;
  EXPECT_EQ(h.find("HeaderXShape"), std::string::npos) << h;
  EXPECT_EQ(h.find("HeaderXEither"), std::string::npos) << h;
  EXPECT_EQ(h.find("HeaderXRows"), std::string::npos) << h;
}

TEST(Generator, RefusesNamesThatAreNotCpp) {
  GenerateOptions o;
  o.cpp_namespace = "a::9b";
  EXPECT_THROW(generate_from(kShapes, o), std::invalid_argument);
  o.cpp_namespace = "a::::b";
  EXPECT_THROW(generate_from(kShapes, o), std::invalid_argument);
  o.cpp_namespace = "ok::fine";
  o.class_name = "not a class";
  EXPECT_THROW(generate_from(kShapes, o), std::invalid_argument);
  o.class_name = "Fine";
  EXPECT_NO_THROW(generate_from(kShapes, o));
}

TEST(Runtime, WritesJsonText) {
  std::string out;
  append_json(out, std::string_view("a\"b\\c\n\x01"));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
  out.clear();
  append_json(out, 0.1);
  out += ',';
  append_json(out, 3.0);
  out += ',';
  append_json(out, std::numeric_limits<double>::quiet_NaN());
  out += ',';
  append_json(out, std::numeric_limits<double>::infinity());
  out += ',';
  append_json(out, std::int64_t{-9007199254740993});
  EXPECT_EQ(out, "0.1,3,null,null,-9007199254740993");
  out.clear();
  const std::map<std::string, std::optional<std::vector<bool>>, std::less<>> m{
      {"a", std::vector<bool>{true, false}}, {"b", std::nullopt}};
  append_json(out, m);
  EXPECT_EQ(out, R"({"a":[true,false],"b":null})");
}

TEST(Runtime, ReadsValidatedValues) {
  std::int64_t i = 0;
  read_json(boost::json::parse("1.0"), i);  // an integer, for JSON Schema
  EXPECT_EQ(i, 1);
  EXPECT_THROW(read_json(boost::json::parse("1.5"), i), boost::system::system_error);
  std::int32_t small = 0;
  EXPECT_THROW(read_json(boost::json::parse("4294967296"), small), boost::system::system_error);
  std::optional<std::string> s = "x";
  read_json(boost::json::parse("null"), s);
  EXPECT_FALSE(s);
  std::vector<bool> flags;
  read_json(boost::json::parse("[true,false,true]"), flags);
  EXPECT_EQ(flags, (std::vector<bool>{true, false, true}));
  std::map<std::string, double, std::less<>> m;
  read_json(boost::json::parse(R"({"a":1,"b":2.5})"), m);
  EXPECT_EQ(m.at("b"), 2.5);
  std::string kept = "default";
  read_member(boost::json::parse("{}").as_object(), "absent", kept);
  EXPECT_EQ(kept, "default");
}

class TestReply : public Reply {
 public:
  static TestReply make(int status) { return TestReply(checked_status(status, 200, 299), "a/b"); }
  static TestReply media(std::string type) {
    TestReply r(200, "");
    r.set_media_type(std::move(type));
    r.body_text() = "x";
    return r;
  }

 private:
  using Reply::Reply;
};

TEST(Runtime, RepliesMoveIntoTheResponse) {
  EXPECT_THROW(TestReply::make(300), std::invalid_argument);
  http::Response res;
  TestReply::make(201).header("Location", "/x").write_to(res);
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.content_type(), "a/b");
  EXPECT_EQ(res.header("Location"), "/x");
  http::Response img;
  TestReply::media("image/png").write_to(img);
  EXPECT_EQ(img.header("Content-Type"), "image/png");
  EXPECT_EQ(img.body, "x");
}

}  // namespace
}  // namespace brrt::codegen
