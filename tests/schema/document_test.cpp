// schema::Document: parsing with member names resolved against a Program's property names,
// what the parse refuses, and validation over it giving what validation over a
// boost::json::value gives. (The JSON Schema Test Suite runs every case through both too:
// tests/schema/suite/json_schema_suite.cpp.)
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

#include "brrt/schema/compiler.hpp"
#include "brrt/schema/document.hpp"

namespace json = boost::json;
using namespace brrt::schema;

namespace {

struct Compiled {
  Program program;
  SchemaId id;
};

Compiled compile(std::string_view schema) {
  Compiler compiler;
  Compiled c;
  c.id = compiler.compile_document(json::parse(schema));
  c.program = compiler.build();
  return c;
}

const char* kPet = R"({
  "type": "object",
  "required": ["name", "age"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "age": {"type": "integer", "minimum": 0},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
    "owner": {"type": "object", "properties": {"name": {"type": "string"}},
              "additionalProperties": false},
    "kind": {"enum": ["cat", "dog", 3]},
    "list": {"type": "array", "items": {"type": "integer", "minimum": 0}},
    "grid": {"type": ["array", "null"], "items": {"type": "array", "items": {"type": "integer"}}}
  },
  "additionalProperties": {"type": "integer"}
})";

// The errors validate() reports, as text.
std::vector<std::string> errors_of(const Program& p, SchemaId id, const Document& doc) {
  ValidationErrors errors;
  p.validate(id, doc, errors);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < errors.size(); ++i) out.push_back(errors[i].to_string());
  return out;
}
std::vector<std::string> errors_of(const Program& p, SchemaId id, const json::value& v) {
  std::vector<ValidationError> errors;
  p.validate(id, v, errors);
  std::vector<std::string> out;
  for (const ValidationError& e : errors) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST(Document, ValidatesLikeTheValueItWasParsedFrom) {
  const Compiled c = compile(kPet);
  for (const std::string text : {
           R"({"name":"rex","age":3})",
           R"({"age":3,"name":"rex","tags":["a","b"],"owner":{"name":"x"},"kind":"dog"})",
           R"({"name":"","age":-1})",
           R"({"name":"rex","age":3,"owner":{"name":1,"extra":true}})",
           R"({"name":"rex","age":3,"unknown":"not an integer","other":7})",
           R"({"name":"rex","age":3,"tags":["a","a"],"kind":4})",
           R"({"name":"rex","age":3,"kind":3.0})",
           R"({"name":"rex","age":3,"list":[0,1,2],"grid":[[1],[],[2,3]]})",
           R"({"name":"rex","age":3,"list":[0,-1,2]})",
           R"({"name":"rex","age":3,"list":"no","grid":null})",
           R"({"name":"rex","age":3,"grid":[[1],[2,"x"]]})",
           R"({"name":"rex","age":3,"grid":[[1],5]})",
           R"({"age":3})",
           R"([1,2])",
           R"("just a string")",
       }) {
    SCOPED_TRACE(text);
    Document doc;
    std::string message;
    ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
    const json::value v = json::parse(text);
    EXPECT_EQ(c.program.is_valid(c.id, doc), c.program.is_valid(c.id, v));
    EXPECT_EQ(errors_of(c.program, c.id, doc), errors_of(c.program, c.id, v));
    EXPECT_EQ(doc.to_json(doc.root()), v);
  }
}

TEST(Document, NamesWithEscapesAndNamesTheSchemaDoesNotDeclare) {
  const Compiled c = compile(kPet);
  Document doc;
  std::string message;
  // "na\u006de" is "name"; the unknown "x/y~" needs escaping in the error's pointer.
  const std::string text = R"({"na\u006de":"r\u00e9x","age":3,"owner":{"x/y~":1}})";
  ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
  const std::vector<std::string> errors = errors_of(c.program, c.id, doc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "/owner/x~1y~0: property 'x/y~' is not allowed");
  EXPECT_EQ(doc.to_json(doc.root()), json::parse(text));
  EXPECT_EQ(doc.to_json(doc.root()).at("name"), "r\u00e9x");
}

// Strings and names with escapes are copied: a text made almost wholly of them (each escape
// shorter unescaped, none longer) keeps every copy readable to the end.
TEST(Document, TextsOfEscapesKeepEveryCopy) {
  const Compiled c = compile(kPet);
  std::string text = R"({"na\u006de":")";
  for (int i = 0; i < 2000; ++i) text += i % 3 ? "\\n" : "\\ud83d\\ude00";
  text += R"(","age":1,"li\u0073t":[)";
  for (int i = 0; i < 500; ++i) text += (i ? ",\"" : "\"") + std::string("\\t\\u00e9") + "\"";
  text += R"(],"\u00e9\u00e9":{"\n":"\r"}})";
  // A schema where "list" holds integers: the strings are invalid, and their errors quote them.
  Document doc;
  std::string message;
  ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
  const json::value v = json::parse(text);
  EXPECT_EQ(doc.to_json(doc.root()), v);
  EXPECT_EQ(errors_of(c.program, c.id, doc), errors_of(c.program, c.id, v));
  // Parsed again into the same document (its copy buffer reused).
  ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
  EXPECT_EQ(doc.to_json(doc.root()), v);
}

TEST(Document, RefusesAKeyTwiceInOneObject) {
  const Compiled c = compile(kPet);
  Document doc;
  std::string message;
  // A declared name twice would count towards "required" twice.
  EXPECT_FALSE(doc.parse(c.program, R"({"name":"a","name":"b"})", message));
  EXPECT_NE(message.find("the key 'name' twice"), std::string::npos) << message;
  EXPECT_TRUE(doc.empty());
  EXPECT_FALSE(doc.parse(c.program, R"({"other":1,"x":2,"other":3})", message));
  EXPECT_NE(message.find("the key 'other' twice"), std::string::npos) << message;
  EXPECT_FALSE(doc.parse(c.program, R"({"owner":{"n\u0061me":1,"name":2}})", message));
  EXPECT_NE(message.find("the key 'name' twice"), std::string::npos) << message;
  // Where both are, and what the text is, in the caller's words.
  EXPECT_FALSE(doc.parse(c.program, R"({"name":"a",  "name":"b"})", message, 64, "the body"));
  EXPECT_EQ(message,
            "the body has the key 'name' twice in one object (at bytes 1 and 14): a key may "
            "appear once in an object");
  // A syntax error after a repeated key is what is wrong with the text.
  EXPECT_FALSE(doc.parse(c.program, R"({"x":1,"x":2,})", message, 64, "the body"));
  EXPECT_EQ(message.rfind("the body is not valid JSON at byte 13", 0), 0u) << message;
  // The same names in different objects, and in one parse after another, are fine.
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(doc.parse(c.program,
                          R"({"name":"a","age":1,"owner":{"name":"b","x":1},"x":1,)"
                          R"("list":[{"name":1,"x":1},{"name":2,"x":2}]})",
                          message))
        << message;
  // A map of many undeclared names: sorted, not compared pairwise.
  std::string map = "{";
  for (int i = 0; i < 100000; ++i) map += "\"k" + std::to_string(i) + "\":1,";
  EXPECT_TRUE(doc.parse(c.program, map.substr(0, map.size() - 1) + "}", message)) << message;
  EXPECT_FALSE(doc.parse(c.program, map + "\"k99999\":2}", message));
  EXPECT_NE(message.find("the key 'k99999' twice"), std::string::npos) << message;
}

TEST(Document, RefusesWhatIsNotJson) {
  const Compiled c = compile(kPet);
  Document doc;
  std::string message;
  EXPECT_FALSE(doc.parse(c.program, R"({"name": })", message));
  EXPECT_EQ(message, "the document is not valid JSON at byte 9: syntax error");
  EXPECT_FALSE(doc.parse(c.program, R"({"age": 1e400})", message));
  EXPECT_NE(message.find("beyond the range of a double"), std::string::npos) << message;
  EXPECT_FALSE(doc.parse(c.program, R"({} {})", message));
  EXPECT_FALSE(doc.parse(c.program, "", message));
  EXPECT_FALSE(doc.parse(c.program, std::string(100, '[') + std::string(100, ']'), message, 64));
  EXPECT_TRUE(doc.empty());
  EXPECT_FALSE(c.program.is_valid(c.id, doc));  // an empty document is not an instance
}

TEST(Document, BelongsToTheProgramItWasParsedFor) {
  const Compiled a = compile(kPet);
  const Compiled b = compile(kPet);
  Document doc;
  std::string message;
  ASSERT_TRUE(doc.parse(a.program, R"({"name":"rex","age":3})", message));
  EXPECT_TRUE(a.program.is_valid(a.id, doc));
  // Key numbers are the program's own: another program refuses the document.
  EXPECT_FALSE(b.program.is_valid(b.id, doc));
  ValidationErrors errors;
  EXPECT_FALSE(b.program.validate(b.id, doc, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(), "the document was parsed for another program");
  // Reparsed for b, it validates there.
  ASSERT_TRUE(doc.parse(b.program, R"({"name":"rex","age":3})", message));
  EXPECT_TRUE(b.program.is_valid(b.id, doc));
}

TEST(Document, LargeObjectsFindEveryDeclaredName) {
  // A schema of 300 properties (a perfect hash over their key numbers) and a document naming
  // every one in reverse order, one of them with the wrong type.
  std::string schema = R"({"type":"object","additionalProperties":false,"properties":{)";
  std::string text = "{";
  for (int i = 0; i < 300; ++i) {
    schema += (i ? ",\"p" : "\"p") + std::to_string(i) + R"(":{"type":"integer"})";
    text += (i ? ",\"p" : "\"p") + std::to_string(299 - i) + "\":" + (i == 7 ? "\"x\"" : "1");
  }
  schema += "}}";
  text += "}";
  const Compiled c = compile(schema);
  Document doc;
  std::string message;
  ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
  EXPECT_FALSE(c.program.is_valid(c.id, doc));
  EXPECT_EQ(errors_of(c.program, c.id, doc),
            std::vector<std::string>{"/p292: expected integer, got string"});
  text.replace(text.find("\"x\""), 3, "2");
  ASSERT_TRUE(doc.parse(c.program, text, message)) << message;
  EXPECT_TRUE(c.program.is_valid(c.id, doc));
}
