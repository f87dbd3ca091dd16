#include <gtest/gtest.h>

#include <cmath>

#include "brrt/core/json_pointer.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"

namespace brrt::spec {
namespace {

std::shared_ptr<const Document> yaml(const std::string& text) {
  return Document::parse(text, "t.yaml", "file:///t.yaml");
}

TEST(Document, YamlCoreSchemaScalars) {
  auto d = yaml(R"(a: null
b: ~
c:
d: true
e: False
f: 42
g: -7
h: 0x1F
i: 0o17
j: 1.5
k: -2e3
n: "42"
o: '007'
p: 1.2.3
q: 12abc
r: 9223372036854775808
s: yes
t: !!str 5
)");
  const auto& o = d->root().as_object();
  EXPECT_TRUE(o.at("a").is_null());
  EXPECT_TRUE(o.at("b").is_null());
  EXPECT_TRUE(o.at("c").is_null());
  EXPECT_EQ(o.at("d").as_bool(), true);
  EXPECT_EQ(o.at("e").as_bool(), false);
  EXPECT_EQ(o.at("f").as_int64(), 42);
  EXPECT_EQ(o.at("g").as_int64(), -7);
  EXPECT_EQ(o.at("h").as_int64(), 31);
  EXPECT_EQ(o.at("i").as_int64(), 15);
  EXPECT_DOUBLE_EQ(o.at("j").as_double(), 1.5);
  EXPECT_DOUBLE_EQ(o.at("k").as_double(), -2000);
  EXPECT_EQ(o.at("n").as_string(), "42");
  EXPECT_EQ(o.at("o").as_string(), "007");
  EXPECT_EQ(o.at("p").as_string(), "1.2.3");
  EXPECT_EQ(o.at("q").as_string(), "12abc");
  EXPECT_EQ(o.at("r").as_uint64(), 9223372036854775808ull);
  EXPECT_EQ(o.at("s").as_string(), "yes");  // YAML 1.2: not a boolean
  EXPECT_EQ(o.at("t").as_string(), "5");
}

TEST(Document, YamlAnchorsAndAliases) {
  auto d = yaml("base: &b {x: 1}\nuse: *b\n");
  EXPECT_EQ(d->root().at("use").at("x").as_int64(), 1);
}

TEST(Document, DuplicateKeysAreErrors) {
  try {
    yaml("a: 1\nb: 2\na: 3\n");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics()[0].line, 3);
    EXPECT_NE(e.diagnostics()[0].message.find("duplicate mapping key 'a'"), std::string::npos);
  }
}

// JSON has no infinity or NaN: a YAML spec holding one could not be served as JSON (it would
// be written as `Infinity`), so it is refused where it is; quoted, it is a string.
TEST(Document, NonFiniteYamlNumbersAreRefused) {
  for (const char* v : {".inf", "-.Inf", "+.INF", ".nan", "1e400", "-1e999"}) {
    try {
      yaml(std::string("ok: 1\nexample:\n  n: ") + v + "\n");
      ADD_FAILURE() << v;
    } catch (const SpecError& e) {
      EXPECT_EQ(e.diagnostics()[0].line, 3) << v;
      EXPECT_NE(e.diagnostics()[0].message.find("is not a finite number"), std::string::npos)
          << e.diagnostics()[0].message;
    }
  }
  EXPECT_EQ(yaml("n: '.inf'\n")->root().at("n").as_string(), ".inf");
}

TEST(Document, SyntaxErrorsHaveLineAndColumn) {
  try {
    yaml("a: [1, 2\nb: 3\n");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_GT(e.diagnostics()[0].line, 0);
    EXPECT_NE(e.diagnostics()[0].message.find("invalid YAML"), std::string::npos);
  }
  try {
    Document::parse("{\n  \"a\": 1,\n  \"b\": ]\n}", "t.json", "file:///t.json");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics()[0].line, 3);
    EXPECT_EQ(e.diagnostics()[0].column, 8);
    EXPECT_NE(e.diagnostics()[0].message.find("invalid JSON"), std::string::npos);
  }
  // A second value after the first is named as such, where it starts (it read "incomplete
  // JSON" at the end of the first); trailing whitespace is fine.
  try {
    Document::parse("{\"a\": 1}\n  {\"b\": 2}\n", "t.json", "file:///t.json");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics()[0].line, 2);
    EXPECT_EQ(e.diagnostics()[0].column, 3);
    EXPECT_EQ(e.diagnostics()[0].message, "invalid JSON: more text after the document's value");
  }
  EXPECT_EQ(
      Document::parse("{\"a\": 1}\n\t \r\n", "t.json", "file:///t.json")->find("/a")->as_int64(),
      1);
}

// A UTF-8 byte order mark is dropped (a BOM'd JSON file read "syntax error" at 1:1), and
// positions on the first line are counted from the text after it.
TEST(Document, ByteOrderMarkIsDropped) {
  auto j = Document::parse("\xEF\xBB\xBF{\"a\": 1}", "t.json", "file:///t.json");
  EXPECT_TRUE(j->is_json());
  EXPECT_EQ(j->find("/a")->as_int64(), 1);
  EXPECT_EQ(j->text(), "{\"a\": 1}");
  EXPECT_EQ(j->locate("/a").column, 7);
  auto y = Document::parse(
      "\xEF\xBB\xBF"
      "a: 1\n",
      "t.yaml", "file:///t.yaml");
  EXPECT_EQ(y->find("/a")->as_int64(), 1);
  EXPECT_EQ(y->locate("/a").column, 4);
}

// A caller that knows the syntax says so: text that is not JSON is a JSON error (by content it
// would be the YAML string "hello"), and flow-style YAML is YAML (by content, invalid JSON).
TEST(Document, SyntaxCanBeFixedByTheCaller) {
  EXPECT_EQ(Document::parse("hello", "t.json", "file:///t.json")->root().as_string(), "hello");
  try {
    Document::parse("hello", "t.json", "file:///t.json", Syntax::Json);
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics()[0].line, 1);
    EXPECT_NE(e.diagnostics()[0].message.find("invalid JSON"), std::string::npos);
  }
  EXPECT_EQ(Document::parse("42", "t.json", "file:///t.json", Syntax::Json)->root().as_int64(), 42);
  EXPECT_THROW(Document::parse("{a: 1}", "t.yaml", "file:///t.yaml"), SpecError);
  auto y = Document::parse("{a: 1}", "t.yaml", "file:///t.yaml", Syntax::Yaml);
  EXPECT_FALSE(y->is_json());
  EXPECT_EQ(y->find("/a")->as_int64(), 1);
}

// The first diagnostic of parsing `text` (YAML unless it starts like JSON); fails the test
// when it parses.
Diagnostic parse_error(const std::string& text, Syntax syntax = Syntax::ByContent) {
  try {
    Document::parse(text, "t", "file:///t", syntax);
  } catch (const SpecError& e) {
    return e.diagnostics().at(0);
  }
  ADD_FAILURE() << "expected a SpecError for:\n" << text;
  return {};
}

// A few hundred bytes of aliases of aliases (a "billion laughs") would expand to ten million
// values (1.2 GB); the expansion is bounded and refused where the alias that passes the bound
// is used.
TEST(Document, AliasExpansionIsBounded) {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 6; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  text += "x-bomb: *a6\n";
  const Diagnostic d = parse_error(text);
  EXPECT_EQ(d.line, 6);  // a5: ten copies of a4, a million values
  EXPECT_EQ(d.column, 5);
  EXPECT_NE(d.message.find("YAML aliases expand the document to more than"), std::string::npos)
      << d.message;
  EXPECT_NE(d.hint.find("$ref"), std::string::npos) << d.hint;
  // Long strings count too: a 100 kB string copied 10,000 times is a gigabyte.
  const std::string big = "s: &s '" + std::string(100000, 'x') + "'\nt: &t [" + [] {
    std::string l;
    for (int k = 0; k < 100; ++k) l += (k ? ", *s" : "*s");
    return l;
  }() + "]\nu: [" + [] {
    std::string l;
    for (int k = 0; k < 100; ++k) l += (k ? ", *t" : "*t");
    return l;
  }() + "]\n";
  const Diagnostic b = parse_error(big);
  EXPECT_EQ(b.line, 3);
  EXPECT_NE(b.message.find("YAML aliases expand"), std::string::npos) << b.message;
  // Aliases used as specs use them (a shared object, a few copies) are fine.
  auto d2 =
      yaml("e: &e {code: {type: integer}, message: {type: string}}\na: *e\nb: *e\nc: [*e, *e]\n");
  EXPECT_EQ(d2->root().at("c").at(1).at("message").at("type").as_string(), "string");
}

// A JSON or YAML spec is UTF-8: another byte is refused at its line and column (YAML was
// accepted and the byte served in /openapi.json; JSON said "syntax error").
TEST(Document, TextThatIsNotUtf8IsRefusedWhereItIs) {
  Diagnostic d = parse_error("a: 1\nb: caf\xE9 ok\n");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 7);
  EXPECT_EQ(d.message,
            "the text is not UTF-8: the character starting with byte 0xE9 is cut short or not "
            "well-formed");
  EXPECT_NE(d.hint.find("UTF-8"), std::string::npos);
  d = parse_error("{\"a\": 1,\n  \"b\": \"\xFF\"}");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 9);
  EXPECT_EQ(d.message, "the text is not UTF-8: byte 0xFF never appears in UTF-8");
  d = parse_error("x: \x80\n");
  EXPECT_NE(d.message.find("byte 0x80 continues a character that was not started"),
            std::string::npos);
  d = parse_error(std::string("\xFF\xFE{\0\"\0", 6));
  EXPECT_NE(d.message.find("UTF-16"), std::string::npos) << d.message;
  // Well-formed UTF-8 is read as it is.
  EXPECT_EQ(yaml("t: caf\xC3\xA9 \xF0\x9F\x90\xB6\n")->root().at("t").as_string(),
            "caf\xC3\xA9 \xF0\x9F\x90\xB6");
}

// JSON objects with a key twice are refused, as YAML mappings are (Boost.JSON kept the last).
TEST(Document, DuplicateJsonKeysAreErrors) {
  Diagnostic d = parse_error("{\"a\": {\"x\": 1,\n  \"y\": \"x\", \"x\": 2}, \"b\": {\"x\": 3}}");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 13);
  EXPECT_EQ(d.message, "duplicate key 'x' in an object (first at line 1, column 8)");
  EXPECT_NE(d.hint.find("merge the two entries"), std::string::npos);
  // Keys are compared decoded: "\u0061" is "a".
  d = parse_error("[{\"k\": {}}, {\"a\": 1, \"\\u0061\": 2}]");
  EXPECT_EQ(d.column, 22);
  EXPECT_NE(d.message.find("duplicate key 'a'"), std::string::npos) << d.message;
  // The same key in different objects, and values equal to keys, are fine.
  auto j = Document::parse("{\"a\": {\"a\": \"a\"}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"c\": \"b\"}",
                           "t.json", "file:///t.json");
  EXPECT_EQ(j->find("/b/1/a")->as_int64(), 2);
}

// A second YAML document was ignored; it is refused where it starts, as a second JSON value is.
TEST(Document, MoreThanOneYamlDocumentIsAnError) {
  Diagnostic d = parse_error("---\na: 1\n---\nb: 2\n");
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 1);
  EXPECT_EQ(d.message, "more than one YAML document: a second one starts here");
  d = parse_error("a: 1\n...\n---\n");
  EXPECT_EQ(d.line, 3);
  // One document, with its start and end markers, is one document.
  EXPECT_EQ(yaml("---\na: 1\n...\n")->find("/a")->as_int64(), 1);
}

// Every diagnostic is kept once (one schema used by four operations failed to compile four
// times, each reported).
TEST(Document, SpecErrorListsEachDiagnosticOnce) {
  Diagnostic a;
  a.file = "x.yaml";
  a.line = 3;
  a.column = 5;
  a.pointer = "/a";
  a.message = "bad";
  Diagnostic b = a;
  b.line = 4;
  const SpecError e({a, b, a, a, b});
  ASSERT_EQ(e.diagnostics().size(), 2u);
  EXPECT_EQ(e.diagnostics()[0].line, 3);
  EXPECT_EQ(e.diagnostics()[1].line, 4);
  EXPECT_EQ(std::string(e.what()), a.to_string() + "\n" + b.to_string());
}

// yaml-cpp ends a quoted string left open at the end of the input; it is an error at its
// opening quote (`version: "1` swallowed the rest of the document and read "no paths").
TEST(Document, UnterminatedQuotedStringIsAnError) {
  Diagnostic d = parse_error("a: 1\nnote: \"unterminated\n");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 7);
  EXPECT_EQ(d.message,
            "invalid YAML: this double-quoted string is never closed (it runs to the end of the "
            "file)");
  d = parse_error("info:\n  title: 'it''s'\n  version: \"1\npaths: {}\n");
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 12);
  d = parse_error("a: 'it''s\n");
  EXPECT_NE(d.message.find("single-quoted"), std::string::npos);
  // Closed strings, with escaped quotes and backslashes, are fine.
  auto ok = yaml("a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: \"back\\\\\"\n");
  EXPECT_EQ(ok->find("/a")->as_string(), "it's");
  EXPECT_EQ(ok->find("/c")->as_string(), "back\\");
}

TEST(Document, ADirectoryIsNotAFile) {
  try {
    Document::load_file("/tmp");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics().at(0).message, "cannot read the file: it is a directory");
  }
}

// yaml-cpp stops at 500 levels of nesting with "bad file"; it is named for what it is.
TEST(Document, YamlNestedBeyondTheParsersLimit) {
  const std::string deep = "a: " + std::string(600, '[') + std::string(600, ']') + "\n";
  const Diagnostic d = parse_error(deep);
  EXPECT_EQ(d.line, 1);
  EXPECT_EQ(d.message, "YAML nested deeper than 500 levels, the YAML parser's limit");
  EXPECT_NE(d.hint.find("$ref"), std::string::npos);
}

// JSON has no infinity: a number beyond a double is refused where it is (Boost.JSON would
// read it as one, and /openapi.json would then be written with `Infinity`).
TEST(Document, JsonNumberBeyondADoubleIsRefused) {
  try {
    Document::parse("{\n  \"maximum\": 1e400\n}", "t.json", "file:///t.json");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.diagnostics()[0].line, 2);
    EXPECT_EQ(e.diagnostics()[0].message, "invalid JSON: a number is beyond the range of a double");
  }
  EXPECT_EQ(Document::parse("[1e300]", "t.json", "file:///t.json")->root().at(0).as_double(),
            1e300);
}

TEST(Document, FindFollowsRfc6901) {
  auto d = Document::parse(R"({"a/b": {"m~n": [10, 20]}, "": 1})", "t.json", "file:///t.json");
  EXPECT_TRUE(d->is_json());
  EXPECT_EQ(d->find("/a~1b/m~0n/1")->as_int64(), 20);
  EXPECT_EQ(d->find("/")->as_int64(), 1);
  EXPECT_EQ(d->find(""), &d->root());
  EXPECT_EQ(d->find("/a~1b/m~0n/2"), nullptr);
  EXPECT_EQ(d->find("/a~1b/m~0n/01"), nullptr);
  EXPECT_EQ(d->find("nope"), nullptr);
}

TEST(Document, LocateInJsonAndYaml) {
  auto j = Document::parse("{\n  \"paths\": {\n    \"/a\": {\"get\": 1}\n  }\n}", "t.json",
                           "file:///t.json");
  auto loc = j->locate("/paths/~1a/get");
  EXPECT_EQ(loc.line, 3);
  EXPECT_EQ(loc.column, 19);
  loc = j->locate("/paths/~1missing");  // nearest existing ancestor
  EXPECT_EQ(loc.line, 2);
  auto y = yaml("paths:\n  /a:\n    get:\n      - x\n      - y\n");
  loc = y->locate("/paths/~1a/get/1");
  EXPECT_EQ(loc.line, 5);
  EXPECT_EQ(loc.column, 9);
  // Locating does not change the document.
  EXPECT_EQ(y->root().at("paths").at("/a").at("get").as_array().size(), 2u);
}

TEST(Document, UriHelpers) {
  EXPECT_EQ(resolve_uri("file:///a/b/c.yaml", "d.yaml#/x"), "file:///a/b/d.yaml#/x");
  EXPECT_EQ(resolve_uri("file:///a/b/c.yaml", "../e.json"), "file:///a/e.json");
  EXPECT_EQ(resolve_uri("file:///a/b/c.yaml", "#/components"), "file:///a/b/c.yaml#/components");
  EXPECT_EQ(uri_to_path("file:///a/b%20c.yaml"), "/a/b c.yaml");
  EXPECT_EQ(uri_to_path("https://x/y"), "");
  EXPECT_EQ(escape_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(unescape_pointer_token("a~1b~0c~2"), "a/b~c~2");
  EXPECT_EQ(pointer_append("/paths", "/pets"), "/paths/~1pets");
  EXPECT_EQ(file_uri("/tmp/x y.yaml"), "file:///tmp/x%20y.yaml");
}

}  // namespace
}  // namespace brrt::spec
