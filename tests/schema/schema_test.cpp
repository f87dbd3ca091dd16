// Focused tests of brrt::schema beyond the official suite: error messages and locations,
// the OpenAPI 3.0 dialect, compile errors, limits against hostile input, allocation-free
// validation and sharing one Program between threads.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "brrt/schema/compiler.hpp"

namespace json = boost::json;
using namespace brrt::schema;

// Counts heap allocations made by this thread while `g_counting` is set.
namespace {
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// Not inlined: GCC 12 otherwise sees std::free of a pointer from operator new through
// inlined std::string code and warns (-Wmismatched-new-delete) although the pair matches.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

json::value parse(std::string_view text) {
  return json::parse(text);
}

struct Compiled {
  Program program;
  SchemaId id;
};

Compiled compile(std::string_view schema, CompileOptions options = {}) {
  Compiler c(std::move(options));
  const SchemaId id = c.compile_document(parse(schema));
  return {c.build(), id};
}

std::vector<ValidationError> errors_of(const Compiled& c, std::string_view instance,
                                       std::size_t max = 32) {
  std::vector<ValidationError> errors;
  const bool ok = c.program.validate(c.id, parse(instance), errors, max);
  EXPECT_EQ(ok, errors.empty());
  EXPECT_EQ(ok, c.program.is_valid(c.id, parse(instance)));
  return errors;
}

constexpr std::string_view kNewPet = R"({
  "type": "object", "required": ["name"], "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 64},
    "tag": {"type": "string"},
    "age": {"type": "integer", "minimum": 0}
  }})";

TEST(SchemaErrors, MinimumMessageAndLocations) {
  const auto c = compile(kNewPet);
  const auto errors = errors_of(c, R"({"name":"rex","tag":"dog","age":-3})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location(), "/age");
  EXPECT_EQ(errors[0].keyword_location(), "/properties/age/minimum");
  EXPECT_EQ(errors[0].keyword(), "minimum");
  EXPECT_EQ(errors[0].message(), "-3 is less than the minimum 0");
  EXPECT_EQ(errors[0].to_string(), "/age: -3 is less than the minimum 0");
  EXPECT_NE(errors[0].schema_location().find("#/properties/age/minimum"), std::string::npos);
}

TEST(SchemaErrors, CollectsEveryErrorUpToTheLimit) {
  const auto c = compile(kNewPet);
  const auto all = errors_of(c, R"({"name":"","age":1.5,"extra":true,"more":1})");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].to_string(), "/name: \"\" is shorter than 1 character");
  EXPECT_EQ(all[1].to_string(), "/age: expected integer, got number");
  EXPECT_EQ(all[2].to_string(), "/extra: property 'extra' is not allowed");
  EXPECT_EQ(all[2].keyword(), "additionalProperties");
  EXPECT_EQ(all[3].instance_location(), "/more");
  EXPECT_EQ(errors_of(c, R"({"name":"","age":1.5,"extra":true,"more":1})", 2).size(), 2u);
  const auto missing = errors_of(c, "{}");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].to_string(), "(root): missing required property 'name'");
}

TEST(SchemaErrors, MessagesQuoteValuesAndCutLongOnes) {
  const auto c = compile(R"({"type": "object", "properties": {
    "e": {"enum": [1, "two", null, true, 2.5, {"a": 1}, [3], "x", "y"]},
    "p": {"type": "string", "pattern": "^[a-z\\\"]+$"},
    "n": {"type": "integer", "maximum": 18446744073709551615, "minimum": -5},
    "c": {"const": "a long constant that is well over the sixty-four characters of a message part"}
  }})");
  const auto errors =
      errors_of(c, R"({"e": "three", "p": "A1", "n": -9223372036854775808, "c": "b"})");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].message(),
            R"("three" is not one of 1, "two", null, true, 2.5, {"a":1}, [3], "x", ...)");
  EXPECT_EQ(errors[1].message(), R"("A1" does not match the pattern "^[a-z\\\"]+$")");
  EXPECT_EQ(errors[2].message(), "-9223372036854775808 is less than the minimum -5");
  EXPECT_EQ(errors[3].message(),
            "\"b\" is not the constant "
            "\"a long constant that is well over the sixty-four characters ...");
}

// Counts and their nouns agree: "1 item", "2 items".
TEST(SchemaErrors, CountsAgreeWithTheirNouns) {
  const auto c = compile(R"({"type": "object", "properties": {
    "one": {"type": "array", "minItems": 2, "maxItems": 0},
    "many": {"type": "array", "minItems": 3},
    "tuple": {"type": "array", "prefixItems": [{}], "items": false},
    "few": {"type": "array", "contains": {"const": 1}, "minContains": 2, "maxContains": 0},
    "obj": {"type": "object", "minProperties": 2},
    "objs": {"type": "object", "maxProperties": 1},
    "s": {"type": "string", "minLength": 3},
    "t": {"type": "string", "maxLength": 1}
  }})");
  const auto errors =
      errors_of(c, R"({"one": [1], "many": [1, 2], "tuple": [1, 2], "few": [1], "obj": {"a": 1},
             "objs": {"a": 1, "b": 2}, "s": "ab", "t": "ab"})");
  std::vector<std::string> messages;
  for (const auto& e : errors) messages.emplace_back(e.message());
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "array has 1 item, fewer than the minimum 2",
                          "array has 1 item, more than the maximum 0",
                          "array has 2 items, fewer than the minimum 3",
                          "array has 2 items, at most 1 is allowed",
                          "1 item matches the 'contains' schema, fewer than 2",
                          "1 item matches the 'contains' schema, more than 0",
                          "object has 1 property, fewer than the minimum 2",
                          "object has 2 properties, more than the maximum 1",
                          "\"ab\" is shorter than 3 characters",
                          "\"ab\" is longer than 1 character",
                      }));
}

TEST(SchemaErrors, PartsShareOneBufferAndCopyWithIt) {
  const ValidationError e("/a/b", "/properties/a/type", "file:///s.json#/properties/a/type", "type",
                          "1 is not of type string");
  EXPECT_EQ(e.instance_location(), "/a/b");
  EXPECT_EQ(e.keyword_location(), "/properties/a/type");
  EXPECT_EQ(e.schema_location(), "file:///s.json#/properties/a/type");
  EXPECT_EQ(e.keyword(), "type");
  EXPECT_EQ(e.message(), "1 is not of type string");
  ValidationError copy = e;
  EXPECT_EQ(copy.to_string(), "/a/b: 1 is not of type string");
  copy.clear();
  EXPECT_TRUE(copy.message().empty() && copy.instance_location().empty());
  EXPECT_EQ(e.keyword(), "type");  // the original keeps its own buffer
  ValidationError moved = std::move(copy = e);
  EXPECT_EQ(moved.message(), "1 is not of type string");
  EXPECT_TRUE(copy.message().empty() && copy.schema_location().empty());  // moved from: empty
  copy = std::move(moved);
  EXPECT_EQ(copy.keyword_location(), "/properties/a/type");
  const ValidationError root({}, {}, {}, {}, "instance is invalid");
  EXPECT_EQ(root.to_string(), "(root): instance is invalid");
}

TEST(SchemaErrors, LongLocationsGrowTheBufferAndAShorterErrorReusesIt) {
  const auto c = compile(kNewPet);
  // A member name of 5,000 characters, '~' and '/' in it: the locations outgrow any buffer
  // the first errors left, and the name is escaped (RFC 6901) at full length.
  const std::string name = std::string(2500, 'x') + "~/" + std::string(2498, 'y');
  json::object long_one;
  long_one["name"] = "rex";
  long_one[name] = 1;
  ValidationErrors errors;
  EXPECT_FALSE(c.program.validate(c.id, json::value(long_one), errors));
  ASSERT_EQ(errors.size(), 1u);
  const std::string escaped = std::string(2500, 'x') + "~0~1" + std::string(2498, 'y');
  EXPECT_EQ(errors[0].instance_location(), "/" + escaped);
  EXPECT_EQ(errors[0].keyword(), "additionalProperties");
  errors.clear();
  EXPECT_FALSE(c.program.validate(c.id, parse(R"({"name":"rex","age":-1})"), errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location(), "/age");
  EXPECT_EQ(errors[0].keyword_location(), "/properties/age/minimum");
  EXPECT_EQ(errors[0].message(), "-1 is less than the minimum 0");
}

// A failing member's steps are its property name escaped once at load (PropertyTable's
// pointer steps), a leaf member is reported straight from its node, and a bound is quoted as
// the schema wrote it: each must read exactly as the general walk's would.
TEST(SchemaErrors, DeclaredNamesAreEscapedAndBoundsQuotedAsWritten) {
  const auto c = compile(R"({"type": "object", "properties": {
      "a/b~c": {"type": "integer", "minimum": -10, "maximum": 2.5e3},
      "d": {"type": ["number", "null"], "exclusiveMaximum": 0.5, "multipleOf": 0.25},
      "e": {"type": "integer"},
      "f": {"type": "string", "maxLength": 2},
      "g": {"type": "object", "properties": {"h~": {"type": "boolean"}}}}})");
  const auto errors =
      errors_of(c, R"({"a/b~c": -12, "d": 0.6, "e": 1.5, "f": "abc", "g": {"h~": 1}, "x": 1})");
  ASSERT_EQ(errors.size(), 6u);
  EXPECT_EQ(errors[0].instance_location(), "/a~1b~0c");
  EXPECT_EQ(errors[0].keyword_location(), "/properties/a~1b~0c/minimum");
  EXPECT_EQ(errors[0].message(), "-12 is less than the minimum -10");
  EXPECT_EQ(errors[1].keyword_location(), "/properties/d/exclusiveMaximum");
  EXPECT_EQ(errors[1].message(), "0.6 is not less than the exclusive maximum 0.5");
  EXPECT_EQ(errors[2].message(), "0.6 is not a multiple of 0.25");
  EXPECT_EQ(errors[3].keyword_location(), "/properties/e/type");
  EXPECT_EQ(errors[3].message(), "expected integer, got number");
  EXPECT_EQ(errors[4].message(), "\"abc\" is longer than 2 characters");
  EXPECT_EQ(errors[5].instance_location(), "/g/h~0");
  EXPECT_EQ(errors[5].keyword_location(), "/properties/g/properties/h~0/type");
  EXPECT_TRUE(errors[5].schema_location().ends_with("#/properties/g/properties/h~0/type"));
  const auto big = errors_of(c, R"({"a/b~c": 2501})");
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0].message(), "2501 is greater than the maximum 2500");
}

TEST(SchemaErrors, ReusedListStopsAllocatingAndHoldsOnlyTheNewErrors) {
  const auto c = compile(kNewPet);
  const json::value many = parse(R"({"name":"","age":1.5,"extra":true,"more":1})");
  const json::value one = parse(R"({"name":"rex","age":-1})");
  ValidationErrors errors;
  EXPECT_FALSE(c.program.validate(c.id, many, errors));
  ASSERT_EQ(errors.size(), 4u);
  errors.clear();
  g_allocations = 0;
  g_counting = true;
  const bool ok = c.program.validate(c.id, one, errors);
  g_counting = false;
  EXPECT_FALSE(ok);
  EXPECT_EQ(g_allocations, 0u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.front().to_string(), "/age: -1 is less than the minimum 0");
  EXPECT_EQ(errors[0].keyword_location(), "/properties/age/minimum");
  std::size_t seen = 0;
  for (const ValidationError& e : errors) seen += e.keyword() == "minimum";
  EXPECT_EQ(seen, 1u);
  errors.clear();
  EXPECT_TRUE(c.program.validate(c.id, parse(R"({"name":"rex"})"), errors));
  EXPECT_TRUE(errors.empty());
}

// An object schema of properties, additionalProperties and required alone (Node::simple_object)
// is collected by its own member walk, which finds missing required names last and moves
// their errors first. "minProperties": 0 fails nothing but sends the same schema down the
// general walk: both must report the same errors, in the same order, at the same locations.
TEST(SchemaErrors, SimpleObjectWalkReportsWhatTheGeneralWalkReports) {
  const std::string properties = R"("properties": {
      "a": {"type": "integer", "minimum": 0},
      "b": {"type": "string", "maxLength": 3},
      "c": {"$ref": "#/$defs/inner"},
      "d": {"type": "array", "items": {"type": "boolean"}},
      "e": {"enum": ["x", "y"]}},
    "$defs": {"inner": {"type": "object", "required": ["q", "r"], "additionalProperties": false,
                        "properties": {"q": {"type": "number"}, "r": {"type": "null"}}}})";
  for (const std::string extra :
       {R"("additionalProperties": false)", R"("additionalProperties": {"type": "string"})",
        R"("additionalProperties": true)"}) {
    const std::string head = R"({"type": "object", "required": ["a", "c", "e"], )" + extra + ", ";
    const auto simple = compile(head + properties + "}");
    const auto general = compile(head + R"("minProperties": 0, )" + properties + "}");
    for (const std::string_view instance : {
             R"({})",
             R"({"a": -1})",
             R"({"b": "long", "z": 1, "a": 1.5, "y": "s"})",
             R"({"a": 1, "c": {}, "e": "x"})",
             R"({"c": {"q": "no", "s": 1}, "d": [true, 1, null], "e": "w", "f": []})",
             R"({"e": "x", "c": {"r": null, "q": 1}, "a": 0, "b": "abc", "d": []})",
             R"([1])",
         }) {
      SCOPED_TRACE(extra + " " + std::string(instance));
      const auto a = errors_of(simple, instance);
      const auto b = errors_of(general, instance);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].instance_location(), b[i].instance_location());
        EXPECT_EQ(a[i].keyword_location(), b[i].keyword_location());
        EXPECT_EQ(a[i].keyword(), b[i].keyword());
        EXPECT_EQ(a[i].message(), b[i].message());
        // The schema locations differ only by the documents' different texts: same pointer.
        EXPECT_EQ(a[i].schema_location().substr(a[i].schema_location().find('#')),
                  b[i].schema_location().substr(b[i].schema_location().find('#')));
      }
    }
  }
  // Missing required names come first, then the members' errors in document order.
  const auto c = compile(R"({"type": "object", "required": ["a", "c", "e"], )" + properties + "}");
  const auto errors = errors_of(c, R"({"b": "long", "c": {"q": 1, "x": 2}, "a": -1})");
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].to_string(), "(root): missing required property 'e'");
  EXPECT_EQ(errors[1].to_string(), "/b: \"long\" is longer than 3 characters");
  EXPECT_EQ(errors[2].to_string(), "/c: missing required property 'r'");
  EXPECT_EQ(errors[2].keyword_location(), "/properties/c/$ref/required");
  EXPECT_EQ(errors[3].to_string(), "/c/x: property 'x' is not allowed");
  EXPECT_EQ(errors[4].to_string(), "/a: -1 is less than the minimum 0");
  EXPECT_EQ(errors_of(c, R"({"b": "long", "c": {"q": 1, "x": 2}, "a": -1})", 3).size(), 3u);
}

TEST(SchemaErrors, NestedArraysAndCombinators) {
  const auto c = compile(R"({
    "type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    "uniqueItems": true})");
  const auto errors = errors_of(c, R"(["a", 1, null, 1.0])");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].instance_location(), "/2");
  EXPECT_EQ(errors[0].keyword_location(), "/items/anyOf");
  EXPECT_EQ(errors[1].keyword(), "uniqueItems");
  EXPECT_EQ(errors[1].message(), "items 1 and 3 are equal");
}

TEST(SchemaErrors, RefPathInKeywordLocation) {
  const auto c = compile(R"({"$defs": {"pos": {"type": "integer", "minimum": 1}},
                            "properties": {"n": {"$ref": "#/$defs/pos"}}})");
  const auto errors = errors_of(c, R"({"n": 0})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword_location(), "/properties/n/$ref/minimum");
  EXPECT_NE(errors[0].schema_location().find("#/$defs/pos/minimum"), std::string::npos);
}

// Quiet evaluation skips nodes that are nothing but "$ref" (Node::ref_target); the answer and
// the collected errors' locations must be those of the full walk.
TEST(SchemaRefs, RefOnlyChainsGiveTheTargetsAnswerAndKeepTheirSteps) {
  const auto c = compile(R"({"$ref": "#/$defs/root", "$defs": {
      "root": {"$ref": "#/$defs/obj"},
      "obj": {"type": "object", "required": ["n"], "properties": {
        "n": {"$ref": "#/$defs/chain"},
        "o": {"$ref": "#/$defs/inner"},
        "s": {"$ref": "#/$defs/small", "maximum": 5},
        "list": {"type": "array", "items": {"$ref": "#/$defs/chain"}}}},
      "chain": {"$ref": "#/$defs/pos"},
      "pos": {"type": "integer", "minimum": 1},
      "small": {"type": "integer", "minimum": 0},
      "inner": {"$ref": "#/$defs/innerobj"},
      "innerobj": {"type": "object", "properties": {"x": {"$ref": "#/$defs/chain"}}}}})");
  const std::pair<const char*, bool> cases[] = {
      {R"({"n": 1})", true},
      {R"({"n": 0})", false},
      {R"({"n": "1"})", false},
      {R"({})", false},
      {R"([])", false},
      {R"({"n": 1, "o": {"x": 2}})", true},
      {R"({"n": 1, "o": {"x": 0}})", false},
      {R"({"n": 1, "o": 3})", false},
      {R"({"n": 1, "s": 5})", true},
      {R"({"n": 1, "s": 6})", false},  // the sibling of a $ref applies
      {R"({"n": 1, "s": -1})", false},
      {R"({"n": 1, "list": [1, 2, 3]})", true},
      {R"({"n": 1, "list": [1, 0]})", false},
  };
  for (const auto& [instance, valid] : cases) {
    EXPECT_EQ(c.program.is_valid(c.id, parse(instance)), valid) << instance;
    EXPECT_EQ(errors_of(c, instance).empty(), valid) << instance;
  }
  const auto errors = errors_of(c, R"({"n": 1, "o": {"x": 0}})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location(), "/o/x");
  EXPECT_EQ(errors[0].keyword_location(),
            "/$ref/$ref/properties/o/$ref/$ref/properties/x/$ref/$ref/minimum");
}

TEST(SchemaDocument, CompilesASchemaInsideABiggerDocument) {
  Compiler c({.dialect = Dialect::Oas30});
  c.add_document("file:///api.json", parse(R"({
    "openapi": "3.0.3",
    "components": {"schemas": {
      "Tag": {"type": "string", "enum": ["dog", "cat"]},
      "Pet": {"type": "object", "properties": {"tag": {"$ref": "#/components/schemas/Tag"}}}
    }}})"));
  const SchemaId pet = c.compile("file:///api.json", "/components/schemas/Pet");
  const SchemaId tag = c.compile("file:///api.json#/components/schemas/Tag");
  const Program p = c.build();
  EXPECT_TRUE(p.is_valid(pet, parse(R"({"tag":"dog"})")));
  EXPECT_FALSE(p.is_valid(pet, parse(R"({"tag":"cow"})")));
  EXPECT_TRUE(p.is_valid(tag, parse(R"("cat")")));
  // Compiling the same location twice yields the same schema.
  EXPECT_EQ(c.compile("file:///api.json", "/components/schemas/Pet"), pet);
}

TEST(SchemaDocument, OtherDocumentsComeThroughTheResolver) {
  int calls = 0;
  const json::value remote = parse(R"({"$defs": {"id": {"type": "integer"}}})");
  CompileOptions options;
  options.resolver = [&](std::string_view uri) -> const json::value* {
    ++calls;
    return uri == "https://example.test/common.json" ? &remote : nullptr;
  };
  Compiler c(options);
  c.add_document("https://example.test/api.json",
                 parse(R"({"properties": {"id": {"$ref": "common.json#/$defs/id"}}})"));
  const SchemaId id = c.compile("https://example.test/api.json");
  EXPECT_EQ(calls, 1);
  const Program p = c.build();
  EXPECT_TRUE(p.is_valid(id, parse(R"({"id": 7})")));
  EXPECT_FALSE(p.is_valid(id, parse(R"({"id": "7"})")));
}

TEST(SchemaCompileErrors, NameTheUriAndPointer) {
  Compiler c;
  c.add_document("https://example.test/s.json",
                 parse(R"({"properties": {"a": {"$ref": "#/$defs/missing"}}})"));
  try {
    c.compile("https://example.test/s.json");
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.uri(), "https://example.test/s.json");
    EXPECT_EQ(e.pointer(), "/properties/a/$ref");
    EXPECT_NE(std::string(e.what()).find("unresolvable $ref '#/$defs/missing'"), std::string::npos)
        << e.what();
    EXPECT_NE(e.hint().find("JSON pointer"), std::string::npos) << e.hint();
  }
  // Errors the compiler knows more about carry a hint; the others leave it to the caller.
  try {
    compile(R"({"type": "strnig"})");
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.pointer(), "/type");
    EXPECT_EQ(e.hint(), "the types are null, boolean, object, array, number, string and integer");
  }
  try {
    compile(R"({"multipleOf": 0})");
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.detail(), "multipleOf must be greater than 0");
    EXPECT_EQ(e.hint(), "");
  }
  EXPECT_THROW(compile(R"({"pattern": "(unclosed"})"), CompileError);
  EXPECT_THROW(compile(R"({"type": "strnig"})"), CompileError);
  EXPECT_THROW(compile(R"({"minLength": -1})"), CompileError);
  EXPECT_THROW(compile(R"({"multipleOf": 0})"), CompileError);
  EXPECT_THROW(compile(R"({"$ref": "https://nowhere.test/x.json"})"), CompileError);
  EXPECT_THROW(compile(R"(42)"), CompileError);
  // A failed compile leaves the compiler usable.
  Compiler again;
  EXPECT_THROW(again.compile_document(parse(R"({"$ref": "#/nope"})")), CompileError);
  const SchemaId ok = again.compile_document(parse(R"({"type": "string"})"));
  EXPECT_TRUE(again.build().is_valid(ok, parse(R"("x")")));
}

TEST(SchemaOas30, NullableAndBooleanExclusiveBounds) {
  CompileOptions oas;
  oas.dialect = Dialect::Oas30;
  const auto c = compile(R"({"type": "integer", "nullable": true, "minimum": 0,
                            "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": false})",
                         oas);
  EXPECT_TRUE(c.program.is_valid(c.id, parse("null")));
  EXPECT_TRUE(c.program.is_valid(c.id, parse("1")));
  EXPECT_TRUE(c.program.is_valid(c.id, parse("10")));
  const auto errors = errors_of(c, "0");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword(), "exclusiveMinimum");
  EXPECT_EQ(errors[0].message(), "0 is not greater than the exclusive minimum 0");
  EXPECT_FALSE(c.program.is_valid(c.id, parse("11")));
  EXPECT_FALSE(c.program.is_valid(c.id, parse(R"("1")")));

  const auto not_nullable = compile(R"({"type": "string"})", oas);
  EXPECT_FALSE(not_nullable.program.is_valid(not_nullable.id, parse("null")));
  // Numeric exclusiveMinimum is a 2020-12 spelling: rejected in OpenAPI 3.0.
  EXPECT_THROW(compile(R"({"exclusiveMinimum": 3})", oas), CompileError);
}

// A nullable object schema (GitHub's nullable-simple-user and the like) takes the object fast
// paths: null passes only where "nullable" says so, anything else that is not an object fails
// its "type", and an object is checked member by member.
TEST(SchemaOas30, NullableObjectsTakeTheObjectPaths) {
  CompileOptions oas;
  oas.dialect = Dialect::Oas30;
  const std::string object = R"("type": "object", "required": ["id"], "additionalProperties": false,
    "properties": {"id": {"type": "integer", "minimum": 1}, "login": {"type": "string"}})";
  const auto nullable = compile("{" + object + R"(, "nullable": true})", oas);
  const auto strict = compile("{" + object + "}", oas);
  for (const auto* c : {&nullable, &strict}) {
    EXPECT_TRUE(c->program.is_valid(c->id, parse(R"({"id": 1, "login": "octocat"})")));
    EXPECT_FALSE(c->program.is_valid(c->id, parse(R"({"id": 0})")));
    EXPECT_FALSE(c->program.is_valid(c->id, parse(R"({"login": "x"})")));
    EXPECT_FALSE(c->program.is_valid(c->id, parse(R"({"id": 1, "x": 1})")));
    for (const std::string_view other : {R"("text")", "1", "[]", "true"}) {
      const auto errors = errors_of(*c, other);
      ASSERT_EQ(errors.size(), 1u) << other;
      EXPECT_EQ(errors[0].keyword(), "type");
    }
    const auto errors = errors_of(*c, R"({"id": 0, "x": 1})");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].to_string(), "/id: 0 is less than the minimum 1");
    EXPECT_EQ(errors[1].to_string(), "/x: property 'x' is not allowed");
  }
  EXPECT_TRUE(nullable.program.is_valid(nullable.id, parse("null")));
  EXPECT_TRUE(errors_of(nullable, "null").empty());
  EXPECT_FALSE(strict.program.is_valid(strict.id, parse("null")));
  ASSERT_EQ(errors_of(strict, "null").size(), 1u);
  // Reached through a property, as in a GitHub repository's "license" or "organization".
  const auto parent = compile(
      R"({"type": "object", "properties": {"owner": {)" + object + R"(, "nullable": true}}})", oas);
  EXPECT_TRUE(parent.program.is_valid(parent.id, parse(R"({"owner": null})")));
  EXPECT_TRUE(parent.program.is_valid(parent.id, parse(R"({"owner": {"id": 2}})")));
  const auto errors = errors_of(parent, R"({"owner": "me"})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_location(), "/owner");
  EXPECT_EQ(errors[0].keyword_location(), "/properties/owner/type");
}

TEST(SchemaOas30, RefSiblingsAreIgnoredAndKeywordsAreTheSubset) {
  CompileOptions oas;
  oas.dialect = Dialect::Oas30;
  const auto c = compile(R"({"definitions": {"s": {"type": "string"}},
                            "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 1}},
                            "patternProperties": {"^x": {"type": "integer"}},
                            "const": 3})",
                         oas);
  EXPECT_TRUE(c.program.is_valid(c.id, parse(R"({"a": "long string", "xa": "not checked"})")));
  EXPECT_FALSE(c.program.is_valid(c.id, parse(R"({"a": 1})")));
  // The same schema in 2020-12 applies every keyword.
  const auto d = compile(R"({"properties": {"a": {"$ref": "#/$defs/s", "maxLength": 1}},
                            "$defs": {"s": {"type": "string"}}})");
  EXPECT_FALSE(d.program.is_valid(d.id, parse(R"({"a": "long string"})")));
}

// OpenAPI 3.0's `type` is one name; a 3.1-style list is the usual slip when porting, and the
// error says what 3.0 takes instead.
TEST(SchemaOas30, TypeArrayIsAnErrorThatNamesNullable) {
  CompileOptions oas;
  oas.dialect = Dialect::Oas30;
  try {
    compile(R"({"properties": {"n": {"type": ["integer", "null"]}}})", oas);
    FAIL() << "expected a CompileError";
  } catch (const CompileError& e) {
    EXPECT_EQ(e.pointer(), "/properties/n/type");
    EXPECT_EQ(e.detail(), "OpenAPI 3.0 takes one type name, not an array");
    EXPECT_NE(e.hint().find("nullable: true"), std::string::npos) << e.hint();
  }
  const auto list = compile(R"({"type": ["integer", "null"]})");  // 2020-12 takes the list
  EXPECT_TRUE(list.program.is_valid(list.id, parse("null")));
}

// OpenAPI readOnly / writeOnly: compiled for a direction, `required` leaves out the properties
// marked for the other side; plain compilation (the JSON Schema suite, `validate`) keeps them.
constexpr std::string_view kUserDocument = R"({"components": {"schemas": {
  "User": {"type": "object", "required": ["id", "name", "password", "owner"],
           "properties": {"id": {"type": "integer", "readOnly": true},
                          "name": {"type": "string"},
                          "password": {"type": "string", "writeOnly": true},
                          "owner": {"$ref": "#/components/schemas/Owner"}}},
  "Owner": {"type": "string", "readOnly": true},
  "Team": {"type": "object", "required": ["lead"],
           "properties": {"lead": {"$ref": "#/components/schemas/User"},
                          "members": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/User"}}}},
  "Tag": {"type": "object", "required": ["label"],
          "properties": {"label": {"type": "string"}, "hint": {"type": "string", "readOnly": true}}}
}}})";

// The schema at `pointer` of file:///api.json compiled plain, for requests and for responses.
struct Sides {
  SchemaId plain, request, response;
};
Sides compile_sides(Compiler& c, std::string_view pointer) {
  return {c.compile("file:///api.json", pointer),
          c.compile("file:///api.json", pointer, Direction::Request),
          c.compile("file:///api.json", pointer, Direction::Response)};
}

TEST(SchemaReadWriteOnly, RequiredBindsOnTheSideAPropertyIsSentOn) {
  for (const Dialect dialect : {Dialect::Oas30, Dialect::Draft2020_12}) {
    Compiler c({.dialect = dialect});
    c.add_document("file:///api.json", parse(kUserDocument));
    const auto [plain, request, response] = compile_sides(c, "/components/schemas/User");
    const Program program = c.build();
    // What a client sends: no id, no owner (readOnly, the second through its $ref's target).
    const auto sent = parse(R"({"name": "bob", "password": "x"})");
    // What the server answers: no password (writeOnly).
    const auto answered = parse(R"({"id": 1, "name": "bob", "owner": "root"})");
    EXPECT_TRUE(program.is_valid(request, sent));
    EXPECT_FALSE(program.is_valid(request, parse(R"({"password": "x"})")));  // name still required
    EXPECT_FALSE(program.is_valid(request, answered));  // password still required in requests
    EXPECT_TRUE(program.is_valid(response, answered));
    EXPECT_FALSE(program.is_valid(response, sent));  // id and owner are required in responses
    EXPECT_FALSE(program.is_valid(plain, sent));
    EXPECT_FALSE(program.is_valid(plain, answered));
    std::vector<ValidationError> errors;
    EXPECT_FALSE(program.validate(response, sent, errors, 8));
    ASSERT_EQ(errors.size(), 3u);  // and the writeOnly password present in a response
    EXPECT_EQ(errors[0].message(), "missing required property 'id'");
    EXPECT_EQ(errors[1].message(), "missing required property 'owner'");
    EXPECT_EQ(errors[2].keyword(), "writeOnly");
    EXPECT_EQ(errors[0].schema_location(), "file:///api.json#/components/schemas/User/required");
  }
}

TEST(SchemaReadWriteOnly, OnlySchemasThatReachSuchARequiredAreCompiledTwice) {
  Compiler c({.dialect = Dialect::Oas30});
  c.add_document("file:///api.json", parse(kUserDocument));
  // Through properties, items and $refs: a Team's lead and members are Users.
  const SchemaId team = c.compile("file:///api.json", "/components/schemas/Team");
  const SchemaId team_request =
      c.compile("file:///api.json", "/components/schemas/Team", Direction::Request);
  EXPECT_NE(team, team_request);
  // A schema that leads to no property marked for that side is shared: Tag's readOnly hint
  // changes it for requests (refused there) but not for responses.
  const SchemaId tag = c.compile("file:///api.json", "/components/schemas/Tag");
  EXPECT_NE(tag, c.compile("file:///api.json", "/components/schemas/Tag", Direction::Request));
  EXPECT_EQ(tag, c.compile("file:///api.json", "/components/schemas/Tag", Direction::Response));
  const SchemaId owner = c.compile("file:///api.json", "/components/schemas/Owner");
  EXPECT_EQ(owner, c.compile("file:///api.json", "/components/schemas/Owner", Direction::Request));
  // For responses User's writeOnly password changes Team too.
  EXPECT_NE(team, c.compile("file:///api.json", "/components/schemas/Team", Direction::Response));
  const Program program = c.build();
  const auto lead_sent = parse(
      R"({"lead": {"name": "a", "password": "p"}, "members": [{"name": "b", "password": "q"}]})");
  EXPECT_TRUE(program.is_valid(team_request, lead_sent));
  EXPECT_FALSE(program.is_valid(team, lead_sent));
  const auto missing_name = parse(R"({"lead": {"name": "a", "password": "p"},
                                      "members": [{"password": "q"}]})");
  std::vector<ValidationError> errors;
  EXPECT_FALSE(program.validate(team_request, missing_name, errors, 8));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "/members/0: missing required property 'name'");
}

// Compiled for a direction, a property marked for the other side that is present fails with
// the marker as its keyword: a readOnly id (or owner, marked on its $ref's target) sent in a
// request, a writeOnly password in a response. Neither direction, or the option off, accepts.
TEST(SchemaReadWriteOnly, APropertyOfTheOtherSideIsRefusedWhenPresent) {
  for (const Dialect dialect : {Dialect::Oas30, Dialect::Draft2020_12}) {
    Compiler c({.dialect = dialect});
    c.add_document("file:///api.json", parse(kUserDocument));
    const SchemaId request =
        c.compile("file:///api.json", "/components/schemas/User", Direction::Request);
    const SchemaId response =
        c.compile("file:///api.json", "/components/schemas/User", Direction::Response);
    const Program program = c.build();
    const auto sent = parse(R"({"id": 7, "name": "bob", "password": "x", "owner": "root"})");
    std::vector<ValidationError> errors;
    EXPECT_FALSE(program.is_valid(request, sent));
    EXPECT_FALSE(program.validate(request, sent, errors, 8));
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].to_string(), "/id: is read-only: sent in responses, not in requests");
    EXPECT_EQ(errors[0].keyword(), "readOnly");
    EXPECT_EQ(errors[0].keyword_location(), "/properties/id/readOnly");
    EXPECT_EQ(errors[0].schema_location(),
              "file:///api.json#/components/schemas/User/properties/id/readOnly");
    EXPECT_EQ(errors[1].instance_location(), "/owner");
    EXPECT_EQ(errors[1].keyword(), "readOnly");
    // Any value is refused, whatever its own schema says (even null, or a wrong type).
    EXPECT_FALSE(program.is_valid(request, parse(R"({"id": null, "name": "b", "password": "x"})")));
    EXPECT_TRUE(program.is_valid(request, parse(R"({"name": "b", "password": "x"})")));

    const auto answered = parse(R"({"id": 1, "name": "bob", "owner": "root", "password": "x"})");
    errors.clear();
    EXPECT_FALSE(program.validate(response, answered, errors, 8));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].to_string(),
              "/password: is write-only: sent in requests, not in responses");
    EXPECT_EQ(errors[0].keyword(), "writeOnly");
    EXPECT_TRUE(program.is_valid(response, parse(R"({"id": 1, "name": "bob", "owner": "root"})")));

    // Accepting them: only `required` changes.
    Compiler lenient({.dialect = dialect, .reject_other_side_properties = false});
    lenient.add_document("file:///api.json", parse(kUserDocument));
    const SchemaId lenient_request =
        lenient.compile("file:///api.json", "/components/schemas/User", Direction::Request);
    const SchemaId tag = lenient.compile("file:///api.json", "/components/schemas/Tag");
    EXPECT_EQ(tag,
              lenient.compile("file:///api.json", "/components/schemas/Tag", Direction::Request));
    const Program accepting = lenient.build();
    EXPECT_TRUE(accepting.is_valid(lenient_request, sent));
    EXPECT_TRUE(accepting.is_valid(lenient_request, parse(R"({"name": "b", "password": "x"})")));
    EXPECT_FALSE(accepting.is_valid(lenient_request, parse(R"({"id": "seven", "name": "b",
                                                               "password": "x"})")));
  }
}

// A schema requiring "id" and "name", "id" declared readOnly somewhere it composes: requests
// may leave id out (and, when such properties are refused, may not send it); responses and
// the plain schema still require it.
void expect_readonly_id_relaxed(const Program& program, const Sides& sides, bool reject) {
  EXPECT_TRUE(program.is_valid(sides.request, parse(R"({"name": "rex"})")));
  EXPECT_FALSE(program.is_valid(sides.request, parse(R"({})")));  // name still required
  EXPECT_EQ(program.is_valid(sides.request, parse(R"({"id": 1, "name": "rex"})")), !reject);
  EXPECT_FALSE(program.is_valid(sides.response, parse(R"({"name": "rex"})")));
  EXPECT_TRUE(program.is_valid(sides.response, parse(R"({"id": 1, "name": "rex"})")));
  EXPECT_FALSE(program.is_valid(sides.plain, parse(R"({"name": "rex"})")));
}

// A `required` in one allOf branch naming a property declared elsewhere in the allOf (another
// branch, through its $ref, or the schema holding the allOf) is relaxed as if declared beside
// it: without that, a request could neither send the readOnly id (refused) nor leave it out.
TEST(SchemaReadWriteOnly, ARequiredInAnAllOfBranchSeesTheOtherBranchesProperties) {
  constexpr std::string_view kDocument = R"({"components": {"schemas": {
    "Base": {"type": "object", "properties": {"id": {"type": "integer", "readOnly": true},
                                              "name": {"type": "string"}}},
    "Pet": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"required": ["id", "name"]}]},
    "Held": {"properties": {"secret": {"type": "string", "writeOnly": true}},
             "allOf": [{"required": ["secret"]}]}
  }}})";
  for (const Dialect dialect : {Dialect::Oas30, Dialect::Draft2020_12}) {
    for (const bool reject : {true, false}) {
      Compiler c({.dialect = dialect, .reject_other_side_properties = reject});
      c.add_document("file:///api.json", parse(kDocument));
      const Sides pet = compile_sides(c, "/components/schemas/Pet");
      const SchemaId held_response = compile_sides(c, "/components/schemas/Held").response;
      const Program program = c.build();
      expect_readonly_id_relaxed(program, pet, reject);
      EXPECT_TRUE(program.is_valid(held_response, parse(R"({})")));
    }
  }
}

// The declaration a `required` names may be deeper: in a branch's own allOf, behind a $ref to
// a schema composed with allOf (Pet: allOf [NewPet, ...], NewPet: allOf [Base, ...]), in the
// branches of the schema holding the `required`, or beside an allOf that is itself a branch.
TEST(SchemaReadWriteOnly, ARequiredSeesDeclarationsThroughNestedAllOfs) {
  constexpr std::string_view kDocument = R"({"components": {"schemas": {
    "Base": {"type": "object", "properties": {"id": {"type": "integer", "readOnly": true},
                                              "name": {"type": "string"}}},
    "NewPet": {"allOf": [{"$ref": "#/components/schemas/Base"},
                         {"properties": {"tag": {"type": "string"}}}]},
    "ThroughRef": {"allOf": [{"$ref": "#/components/schemas/NewPet"},
                             {"required": ["id", "name"]}]},
    "InBranch": {"allOf": [{"allOf": [{"$ref": "#/components/schemas/Base"}]},
                           {"required": ["id", "name"]}]},
    "Holder": {"allOf": [{"$ref": "#/components/schemas/NewPet"}], "required": ["id", "name"]},
    "Inner": {"allOf": [{"$ref": "#/components/schemas/Base"},
                        {"allOf": [{"required": ["id", "name"]}]}]},
    "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}, {"$ref": "#/components/schemas/Loop"},
                       {"$ref": "#/components/schemas/Loop"}, {"$ref": "#/components/schemas/Base"}],
             "required": ["id", "name", "ghost"]}
  }}})";
  for (const Dialect dialect : {Dialect::Oas30, Dialect::Draft2020_12}) {
    for (const bool reject : {true, false}) {
      for (const char* name : {"ThroughRef", "InBranch", "Holder", "Inner"}) {
        Compiler c({.dialect = dialect, .reject_other_side_properties = reject});
        c.add_document("file:///api.json", parse(kDocument));
        const Sides sides = compile_sides(c, std::string("/components/schemas/") + name);
        const Program program = c.build();
        SCOPED_TRACE(name);
        expect_readonly_id_relaxed(program, sides, reject);
      }
      // Loop's allOf refers to Loop three times: the search for the declaration of "ghost",
      // declared nowhere, visits each location once, not 4^16 paths (this compile would not
      // end). Loop validates nothing (its $ref cycle never reaches an instance value), so only
      // compiling it is checked.
      Compiler c({.dialect = dialect, .reject_other_side_properties = reject});
      c.add_document("file:///api.json", parse(kDocument));
      const Sides loop = compile_sides(c, "/components/schemas/Loop");
      EXPECT_NE(loop.plain, loop.request);
    }
  }
}

TEST(SchemaFormats, AnnotationByDefaultAssertionWhenConfigured) {
  const auto annotation = compile(R"({"format": "date-time"})");
  EXPECT_TRUE(annotation.program.is_valid(annotation.id, parse(R"("yesterday")")));
  CompileOptions assert_formats;
  assert_formats.format_assertion = true;
  const auto c = compile(R"({"format": "date-time"})", assert_formats);
  EXPECT_TRUE(c.program.is_valid(c.id, parse(R"("2024-02-29T12:00:00Z")")));
  EXPECT_FALSE(c.program.is_valid(c.id, parse(R"("2023-02-29T12:00:00Z")")));
  const auto errors = errors_of(c, R"("yesterday")");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message(), "\"yesterday\" is not a valid date-time");

  CompileOptions oas = assert_formats;
  oas.dialect = Dialect::Oas30;
  const auto i32 = compile(R"({"type": "integer", "format": "int32"})", oas);
  EXPECT_TRUE(i32.program.is_valid(i32.id, parse("2147483647")));
  EXPECT_FALSE(i32.program.is_valid(i32.id, parse("2147483648")));
  const auto uuid = compile(R"({"format": "uuid"})", assert_formats);
  EXPECT_TRUE(uuid.program.is_valid(uuid.id, parse(R"("123e4567-e89b-12d3-a456-426614174000")")));
  EXPECT_FALSE(uuid.program.is_valid(uuid.id, parse(R"("123e4567")")));
}

TEST(SchemaNumbers, IntegersBigNumbersAndMultipleOf) {
  const auto integer = compile(R"({"type": "integer"})");
  EXPECT_TRUE(integer.program.is_valid(integer.id, parse("1.0")));
  EXPECT_TRUE(integer.program.is_valid(integer.id, parse("18446744073709551615")));
  EXPECT_TRUE(integer.program.is_valid(integer.id, parse("1e30")));
  EXPECT_FALSE(integer.program.is_valid(integer.id, parse("1.5")));
  const auto bound = compile(R"({"maximum": 9223372036854775807})");
  EXPECT_TRUE(bound.program.is_valid(bound.id, parse("9223372036854775807")));
  EXPECT_FALSE(bound.program.is_valid(bound.id, parse("9223372036854775808")));
  const auto cents = compile(R"({"multipleOf": 0.01})");
  EXPECT_TRUE(cents.program.is_valid(cents.id, parse("19.99")));
  EXPECT_FALSE(cents.program.is_valid(cents.id, parse("19.999")));
  const auto seven = compile(R"({"multipleOf": 7})");
  EXPECT_TRUE(seven.program.is_valid(seven.id, parse("-49")));
  EXPECT_FALSE(seven.program.is_valid(seven.id, parse("50")));
}

// A quotient beyond 2^63 has no fraction bits left: the divisor as the schema wrote it
// decides. 1e17 / 0.01 is 1e19; fmod against the double nearest 0.01 is never 0.
TEST(SchemaNumbers, DecimalMultipleOfAcceptsLargeMultiples) {
  const auto cents = compile(R"({"multipleOf": 0.01})");
  for (const char* x : {"1e16", "1e17", "1e20", "1e25", "100000000000000000", "-1e20", "1e308"})
    EXPECT_TRUE(cents.program.is_valid(cents.id, parse(x))) << x;
  // 0.03 divides an integer only when 3 does: 10^k never is a multiple of 3.
  const auto three_cents = compile(R"({"multipleOf": 0.03})");
  EXPECT_TRUE(three_cents.program.is_valid(three_cents.id, parse("3e20")));
  EXPECT_FALSE(three_cents.program.is_valid(three_cents.id, parse("1e20")));
  const auto half = compile(R"({"multipleOf": 0.5})");
  EXPECT_TRUE(half.program.is_valid(half.id, parse("1e308")));
  // Integer divisors stay exact, for 64-bit integers and beyond them.
  const auto three = compile(R"({"multipleOf": 3})");
  EXPECT_FALSE(three.program.is_valid(three.id, parse("1e20")));  // 10^20 = 1 (mod 3)
  EXPECT_TRUE(three.program.is_valid(three.id, parse("3e20")));
  EXPECT_TRUE(three.program.is_valid(three.id, parse("9223372036854775806")));
  EXPECT_FALSE(three.program.is_valid(three.id, parse("18446744073709551614")));
  const auto errors = errors_of(three_cents, "1e20");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword(), "multipleOf");
}

TEST(SchemaStrings, LengthInCodePointsAndEcmaPatterns) {
  const auto c = compile(R"({"maxLength": 2, "minLength": 2})");
  EXPECT_TRUE(c.program.is_valid(c.id, parse(R"("\u00e9\u00e9")")));  // 4 bytes, 2 code points
  EXPECT_FALSE(c.program.is_valid(c.id, parse(R"("abc")")));
  const auto space = compile(R"({"pattern": "^\\s$"})");
  EXPECT_TRUE(space.program.is_valid(space.id, parse(R"("\u00a0")")));  // ECMA \s is Unicode
  const auto end = compile(R"({"pattern": "^abc$"})");
  EXPECT_FALSE(end.program.is_valid(end.id, parse(R"("abc\n")")));  // $ only at the end
  const auto digits = compile(R"({"pattern": "^\\d+$"})");
  EXPECT_FALSE(digits.program.is_valid(digits.id, parse(R"("\u0968")")));  // \d is ASCII
}

// ECMA-262 `.` matches any code point but the line terminators LF, CR, U+2028 and U+2029
// (PCRE2's excludes only LF); inside a class a dot is itself.
TEST(SchemaStrings, EcmaDotExcludesEveryLineTerminator) {
  const auto dot = compile(R"({"pattern": "^a.b$"})");
  for (const char* s : {R"("a\nb")", R"("a\rb")", R"("a\u2028b")", R"("a\u2029b")"})
    EXPECT_FALSE(dot.program.is_valid(dot.id, parse(s))) << s;
  for (const char* s :
       {R"("axb")", R"("a\tb")", R"("a\u0085b")", R"("a\u00e9b")", R"("a\ud83d\ude00b")"})
    EXPECT_TRUE(dot.program.is_valid(dot.id, parse(s))) << s;
  const auto literal = compile(R"({"pattern": "^[.]\\.$"})");
  EXPECT_TRUE(literal.program.is_valid(literal.id, parse(R"("..")")));
  EXPECT_FALSE(literal.program.is_valid(literal.id, parse(R"("ab")")));
  const auto any = compile(R"({"pattern": "^[^x]$"})");  // a negated class does take CR
  EXPECT_TRUE(any.program.is_valid(any.id, parse(R"("\r")")));
}

// A surrogate pair escape is the one code point it encodes (ECMA's `u` semantics); a lone
// surrogate, which no UTF-8 string holds, is a compile error that says so, at the pattern.
TEST(SchemaStrings, SurrogatePairEscapesAreOneCodePoint) {
  for (const char* schema :
       {R"({"pattern": "^\\uD83D\\uDE00$"})", R"({"pattern": "^\\ud83d\\ude00$"})",
        R"({"pattern": "^[\\uD83D\\uDE00-\\uD83D\\uDE4F]$"})", R"({"pattern": "^\\u{1F600}$"})"}) {
    const auto c = compile(schema);
    EXPECT_TRUE(c.program.is_valid(c.id, parse(R"("\ud83d\ude00")"))) << schema;  // U+1F600
    EXPECT_FALSE(c.program.is_valid(c.id, parse(R"("x")"))) << schema;
  }
  for (const char* schema :
       {R"({"pattern": "^a\\uD83Dx$"})", R"({"pattern": "^a\\uDE00$"})",
        R"({"pattern": "^a\\uDE00\\uD83D$"})", R"({"pattern": "^a\\u{D83D}$"})"}) {
    try {
      compile(schema);
      ADD_FAILURE() << "expected a CompileError for " << schema;
    } catch (const CompileError& e) {
      EXPECT_EQ(e.pointer(), "/pattern");
      EXPECT_NE(e.detail().find("lone surrogate \\u"), std::string::npos) << e.detail();
      EXPECT_NE(e.detail().find("at offset 2"), std::string::npos) << e.detail();
      EXPECT_NE(e.detail().find("U+1F600"), std::string::npos) << e.detail();
    }
  }
}

TEST(SchemaLimits, HostileBacktrackingPatternTerminates) {
  const auto c = compile(R"({"pattern": "^(a+)+$"})");
  const std::string evil = "\"" + std::string(5000, 'a') + "!\"";
  EXPECT_FALSE(c.program.is_valid(c.id, parse(evil)));
}

TEST(SchemaLimits, DeepInstanceIsAnErrorNotACrash) {
  const auto c = compile(R"({"items": {"$ref": "#"}})");
  std::string deep(20000, '[');
  deep += std::string(20000, ']');
  json::parse_options options;
  options.max_depth = 30000;
  const json::value v = json::parse(deep, {}, options);
  EXPECT_FALSE(c.program.is_valid(c.id, v));
  std::vector<ValidationError> errors;
  EXPECT_FALSE(c.program.validate(c.id, v, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message().find("maximum depth"), std::string::npos);
  // Within the limit the same schema validates.
  EXPECT_TRUE(c.program.is_valid(c.id, parse("[[[[1]]]]")));
}

TEST(SchemaLimits, DeepObjectsThroughPlainObjectSchemasAreBounded) {
  // Plain object schemas (no $ref on the way down) count towards the depth limit too.
  std::string schema = R"({"$defs": {"n": )";
  for (int i = 0; i < 50; ++i) schema += R"({"properties": {"a": )";
  schema += R"({"$ref": "#/$defs/n"})";
  for (int i = 0; i < 50; ++i) schema += "}}";
  schema += R"(}, "$ref": "#/$defs/n"})";
  json::parse_options options;
  options.max_depth = 10000;
  Compiler compiler;
  const SchemaId id = compiler.compile_document(json::parse(schema, {}, options));
  const Compiled c{compiler.build(), id};
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += R"({"a":)";
  deep += "1";
  deep += std::string(5000, '}');
  const json::value v = json::parse(deep, {}, options);
  EXPECT_FALSE(c.program.is_valid(c.id, v));
  std::vector<ValidationError> errors;
  EXPECT_FALSE(c.program.validate(c.id, v, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message().find("maximum depth"), std::string::npos);
  EXPECT_TRUE(c.program.is_valid(c.id, parse(R"({"a": {"a": 1}})")));
}

TEST(SchemaLimits, RefRecursionWithoutProgressIsAnError) {
  const auto c = compile(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                            "$ref": "#/$defs/a"})");
  EXPECT_FALSE(c.program.is_valid(c.id, parse("1")));
  std::vector<ValidationError> errors;
  EXPECT_FALSE(c.program.validate(c.id, parse("1"), errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message().find("$ref recursion"), std::string::npos);
}

TEST(SchemaLimits, SchemaNestingLimit) {
  std::string deep;
  for (int i = 0; i < 400; ++i) deep += R"({"not":)";
  deep += "true";
  deep += std::string(400, '}');
  json::parse_options options;
  options.max_depth = 1000;
  Compiler c;
  EXPECT_THROW(c.compile_document(json::parse(deep, {}, options)), CompileError);
  CompileOptions relaxed;
  relaxed.limits.max_schema_depth = 1000;
  relaxed.limits.max_depth = 1000;
  Compiler r(relaxed);
  const SchemaId id = r.compile_document(json::parse(deep, {}, options));
  EXPECT_TRUE(r.build().is_valid(id, parse("1")));  // 400 nots: even count
}

// Member names are matched by their length and two words of their bytes (plus the middle
// bytes of names over 16): names that differ in one byte anywhere, at every length class,
// must never be taken for each other, whether the table is scanned (few properties) or hashed.
TEST(SchemaProperties, NamesDifferingInOneByteAreNeverConfused) {
  const std::vector<std::string> names = {"",
                                          "a",
                                          "ab",
                                          "abc",
                                          "abcd",
                                          "abcdefg",
                                          "abcdefgh",
                                          "abcdefghi",
                                          "abcdefghijklmnop",
                                          "abcdefghijklmnopq",
                                          "abcdefghijklmnopqrstuvwxyz0123456789"};
  for (const std::size_t count : {std::size_t{4}, names.size()}) {
    std::string schema = R"({"type":"object","additionalProperties":false,"properties":{)";
    for (std::size_t i = 0; i < count; ++i) {
      if (i != 0) schema += ',';
      schema += '"' + names[i] + R"(":{"type":"integer"})";
    }
    schema += "}}";
    const auto c = compile(schema);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string& name = names[i];
      SCOPED_TRACE("table of " + std::to_string(count) + ", name '" + name + "'");
      EXPECT_TRUE(c.program.is_valid(c.id, parse(R"({")" + name + R"(":1})")));
      EXPECT_FALSE(c.program.is_valid(c.id, parse(R"({")" + name + R"(":"x"})")));
      // One byte changed at each position: an unknown property, rejected.
      for (std::size_t at = 0; at < name.size(); ++at) {
        std::string other = name;
        other[at] = '_';
        EXPECT_FALSE(c.program.is_valid(c.id, parse(R"({")" + other + R"(":1})"))) << other;
      }
      // One byte longer or shorter, same head and tail.
      EXPECT_FALSE(c.program.is_valid(c.id, parse(R"({")" + name + R"(_":1})")));
      if (name.size() > 1) {
        const std::string shorter =
            name.substr(0, name.size() / 2) + name.substr(name.size() / 2 + 1);
        if (std::find(names.begin(), names.end(), shorter) == names.end()) {
          EXPECT_FALSE(c.program.is_valid(c.id, parse(R"({")" + shorter + R"(":1})"))) << shorter;
        }
      }
    }
  }
}

// Bounded string and integer properties are checked from the property table entry; every
// kind of value must still get the node's answer.
TEST(SchemaProperties, BoundedLeavesCheckedInlineAgreeWithTheirSchemas) {
  const auto c = compile(R"({"type":"object","properties":{
      "s":{"type":"string","minLength":2,"maxLength":3},
      "i":{"type":"integer","minimum":-1,"maximum":100},
      "n":{"type":"number","maximum":100},
      "o":{"type":"integer","minimum":0}}})");
  const std::pair<const char*, bool> cases[] = {
      {R"({"s":"ab"})", true},
      {R"({"s":"abc"})", true},
      {R"({"s":"a"})", false},
      {R"({"s":"abcd"})", false},
      {R"({"s":"\u00e9\u00e9"})", true},               // 4 bytes, 2 code points
      {R"({"s":"\u00e9"})", false},                    // 2 bytes, 1 code point
      {R"({"s":"\u00e9\u00e9\u00e9\u00e9"})", false},  // 8 bytes, 4 code points
      {R"({"s":"\ud83d\ude00\ud83d\ude00"})", true},   // 8 bytes, 2 code points
      {R"({"s":1})", false},
      {R"({"s":null})", false},
      {R"({"i":-1})", true},
      {R"({"i":100})", true},
      {R"({"i":-2})", false},
      {R"({"i":101})", false},
      {R"({"i":3.0})", true},  // an integral double is an integer
      {R"({"i":3.5})", false},
      {R"({"i":18446744073709551615})", false},  // uint64
      {R"({"i":"3"})", false},
      {R"({"n":2.5})", true},
      {R"({"n":100.5})", false},
      {R"({"n":1e30})", false},
      {R"({"n":-9223372036854775808})", true},
      {R"({"o":9223372036854775807})", true},
      {R"({"o":18446744073709551615})", true},  // uint64, no maximum
      {R"({"o":-1})", false},
  };
  for (const auto& [instance, valid] : cases) {
    EXPECT_EQ(c.program.is_valid(c.id, parse(instance)), valid) << instance;
    EXPECT_EQ(errors_of(c, instance).empty(), valid) << instance;
  }
}

TEST(SchemaProgram, ValidInstancesAllocateNothing) {
  const auto c = compile(kNewPet);
  const json::value valid = parse(R"({"name":"rex","tag":"dog","age":3})");
  const json::value invalid = parse(R"({"name":"rex","tag":"dog","age":-1})");
  ASSERT_TRUE(c.program.is_valid(c.id, valid));  // warm up thread-local PCRE2 match data
  g_allocations = 0;
  g_counting = true;
  const bool ok = c.program.is_valid(c.id, valid);
  const bool bad = c.program.is_valid(c.id, invalid);
  g_counting = false;
  EXPECT_TRUE(ok);
  EXPECT_FALSE(bad);
  EXPECT_EQ(g_allocations, 0u);
}

TEST(SchemaProgram, SharedBetweenThreads) {
  const auto c = compile(R"({"type": "object",
    "properties": {"id": {"type": "string", "pattern": "^[a-z]+-[0-9]+$"},
                   "n": {"type": "integer", "minimum": 0}},
    "required": ["id"], "unevaluatedProperties": false})");
  const json::value good = parse(R"({"id": "abc-12", "n": 4})");
  const json::value bad = parse(R"({"id": "ABC", "n": -1, "x": 0})");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!c.program.is_valid(c.id, good)) ++mismatches;
        if (c.program.is_valid(c.id, bad)) ++mismatches;
        std::vector<ValidationError> errors;
        if (c.program.validate(c.id, bad, errors) || errors.size() != 3) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(SchemaProgram, UnknownIdsAreInvalid) {
  const auto c = compile(R"(true)");
  EXPECT_TRUE(c.program.is_valid(c.id, parse("1")));
  EXPECT_FALSE(c.program.is_valid(SchemaId{12345}, parse("1")));
  EXPECT_FALSE(Program().is_valid(SchemaId{0}, parse("1")));
}

TEST(SchemaDialect, ParseNames) {
  EXPECT_EQ(parse_dialect("2020-12"), Dialect::Draft2020_12);
  EXPECT_EQ(parse_dialect("draft7"), Dialect::Draft7);
  EXPECT_EQ(parse_dialect("http://json-schema.org/draft-07/schema#"), Dialect::Draft7);
  EXPECT_EQ(parse_dialect("oas30"), Dialect::Oas30);
  EXPECT_FALSE(parse_dialect("draft3"));
  EXPECT_EQ(to_string(Dialect::Oas30), "oas30");
}

}  // namespace
