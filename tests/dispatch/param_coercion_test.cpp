// Which JSON type a parameter's text becomes when its schema says it through something other
// than one `type`: `enum` and `const` values, `allOf`, `anyOf`, `oneOf`, type arrays, numeric
// keywords with no type, `$ref`s into other files of the spec; and header lists with spaces
// after their commas (RFC 9110 5.6.1). Through the pipeline in-process (Service::handle; an
// operation with no handler echoes what was decoded), and the decoder alone for other files.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "brrt/dispatch/param_decoder.hpp"
#include "brrt/dispatch/service.hpp"
#include "brrt/http/request_parser.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {
namespace {

namespace json = boost::json;

const char* const kSpec = R"(openapi: 3.1.0
info: {title: coercion test, version: '1'}
paths:
  /q:
    get:
      operationId: q
      parameters:
        - {name: en, in: query, schema: {enum: [1, 2, 3]}}
        - {name: lm, in: query, schema: {oneOf: [{type: integer}, {type: string, enum: [all]}]}}
        - {name: aa, in: query, schema: {allOf: [{type: integer}, {minimum: 1}]}}
        - {name: any, in: query, schema: {anyOf: [{type: integer}, {type: boolean}]}}
        - {name: c, in: query, schema: {const: 5}}
        - {name: nt, in: query, schema: {minimum: 3}}
        - {name: ta, in: query, schema: {type: [integer, string]}}
        - {name: num, in: query, schema: {type: [number, 'null']}}
        - {name: ref, in: query, schema: {$ref: '#/components/schemas/Limit'}}
        - {name: never, in: query, schema: {allOf: [{type: integer}, {type: string}]}}
        - name: ids
          in: query
          schema: {type: array, items: {oneOf: [{type: integer}, {const: all}]}}
        - {name: words, in: query, explode: false, schema: {type: array, items: {type: string}}}
        - name: f
          in: query
          style: deepObject
          schema:
            allOf:
              - {$ref: '#/components/schemas/Page'}
              - {properties: {tag: {enum: [1, x]}}}
        - {name: ck, in: cookie, schema: {enum: [1, 2]}}
        - {name: X-L, in: header, schema: {type: array, items: {type: integer}}}
        - {name: X-E, in: header, schema: {oneOf: [{type: integer}, {type: boolean}]}}
        - name: X-O
          in: header
          schema: {type: object, properties: {a: {type: integer}, b: {type: string}}}
      responses:
        '200': {description: ok}
  /p/{v}:
    get:
      operationId: p
      parameters:
        - {name: v, in: path, required: true, schema: {anyOf: [{type: integer}, {const: me}]}}
      responses:
        '200': {description: ok}
  /l/{v}:
    get:
      operationId: l
      parameters:
        - {name: v, in: path, required: true, schema: {type: array, items: {type: string}}}
      responses:
        '200': {description: ok}
components:
  schemas:
    Limit: {allOf: [{$ref: '#/components/schemas/Count'}], maximum: 50}
    Count: {type: integer}
    Page: {type: object, properties: {size: {$ref: '#/components/schemas/Count'}}}
)";

struct Reply {
  int status = 0;
  json::value body;
};

// One Service over kSpec, answering requests in-process.
class Pipeline {
 public:
  Pipeline() {
    ServiceOptions options;
    options.access_log = false;
    service_ = std::make_unique<Service>(spec::load_api_from_text(kSpec, "coercion.yaml"),
                                         HandlerTable{}, std::move(options), 1);
  }

  // GET `target` with extra header lines ("Name: value\r\n" each).
  Reply get(const std::string& target, const std::string& headers = {}) {
    const std::string bytes = "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n";
    http::Request req;
    http::Response res;
    const http::ParserLimits limits;
    EXPECT_EQ(http::parse_request_head(bytes, req, limits).state,
              http::HeadResult::State::Complete);
    EXPECT_TRUE(service_->handle(0, req, res));
    return {res.status, json::parse(res.body)};
  }

  // The decoded value of a query parameter, serialized ("5", "\"all\""), or the status and
  // the first error's message.
  std::string query(const std::string& target, const char* name) {
    return value(get(target), "query", name);
  }
  std::string header(const char* name, const std::string& lines) {
    return value(get("/q", lines), "header", name);
  }

  static std::string value(const Reply& r, const char* in, const char* name) {
    if (r.status != 200) {
      const json::value* e = r.body.find_pointer("/errors/0", ignored());
      return std::to_string(r.status) + ": " +
             (e ? std::string(e->at("message").as_string()) : json::serialize(r.body));
    }
    const json::object& params = r.body.at("params").at(in).as_object();
    const auto it = params.find(name);
    return it == params.end() ? "absent" : json::serialize(it->value());
  }

 private:
  static boost::system::error_code& ignored() {
    static boost::system::error_code ec;
    return ec;
  }
  std::unique_ptr<Service> service_;
};

Pipeline& pipeline() {
  static Pipeline p;
  return p;
}

TEST(ParamCoercion, EnumAndConstValuesGiveTheType) {
  auto& p = pipeline();
  EXPECT_EQ(p.query("/q?en=1", "en"), "1");
  EXPECT_EQ(p.query("/q?en=4", "en"), "400: query parameter 'en': 4 is not one of 1, 2, 3")
      << "a number the enum does not list is refused by the validator, as a number";
  EXPECT_EQ(p.query("/q?en=x", "en"), "400: query parameter 'en': 'x' is not an integer");
  EXPECT_EQ(p.query("/q?c=5", "c"), "5");
}

TEST(ParamCoercion, CompositionsGiveTheirTypes) {
  auto& p = pipeline();
  // oneOf: the union of its members; the first type the text reads as, numbers before strings.
  EXPECT_EQ(p.query("/q?lm=5", "lm"), "5");
  EXPECT_EQ(p.query("/q?lm=all", "lm"), "\"all\"");
  // allOf: the intersection; its untyped members add their keywords.
  EXPECT_EQ(p.query("/q?aa=3", "aa"), "3");
  EXPECT_EQ(p.query("/q?aa=0", "aa"), "400: query parameter 'aa': 0 is less than the minimum 1");
  EXPECT_EQ(p.query("/q?aa=x", "aa"), "400: query parameter 'aa': 'x' is not an integer");
  // anyOf: the union; a text of none of its types says which they are.
  EXPECT_EQ(p.query("/q?any=5", "any"), "5");
  EXPECT_EQ(p.query("/q?any=true", "any"), "true");
  EXPECT_EQ(p.query("/q?any=x", "any"),
            "400: query parameter 'any': 'x' is not an integer or a boolean (true or false)");
  EXPECT_EQ(p.query("/q?any=99999999999999999999", "any"),
            "400: query parameter 'any': '99999999999999999999' is beyond the range of a 64-bit "
            "integer");
  // A type array is a union too (the first non-null type was all that counted).
  EXPECT_EQ(p.query("/q?ta=7", "ta"), "7");
  EXPECT_EQ(p.query("/q?ta=x", "ta"), "\"x\"");
  EXPECT_EQ(p.query("/q?num=2.5", "num"), "2.5E0");
  EXPECT_EQ(p.query("/q?num=null", "num"), "null");
  // $ref to an allOf of a $ref, with a sibling keyword.
  EXPECT_EQ(p.query("/q?ref=7", "ref"), "7");
  EXPECT_EQ(p.query("/q?ref=70", "ref"),
            "400: query parameter 'ref': 70 is greater than the maximum 50");
  // No type satisfies it: the text stays text, and the validator says so.
  EXPECT_EQ(p.query("/q?never=1", "never").substr(0, 5), "400: ");
}

TEST(ParamCoercion, NumericKeywordsWithoutATypeReadNumbers) {
  auto& p = pipeline();
  EXPECT_EQ(p.query("/q?nt=2", "nt"), "400: query parameter 'nt': 2 is less than the minimum 3");
  EXPECT_EQ(p.query("/q?nt=4", "nt"), "4");
  EXPECT_EQ(p.query("/q?nt=4.5", "nt"), "4.5E0");
  // Not a number: a string, which `minimum` does not constrain (JSON Schema).
  EXPECT_EQ(p.query("/q?nt=abc", "nt"), "\"abc\"");
}

TEST(ParamCoercion, ItemsPropertiesPathsAndCookiesToo) {
  auto& p = pipeline();
  EXPECT_EQ(p.query("/q?ids=1&ids=all&ids=3", "ids"), "[1,\"all\",3]");
  EXPECT_EQ(p.query("/q?f%5Bsize%5D=10&f%5Btag%5D=1", "f"), R"({"size":10,"tag":1})");
  EXPECT_EQ(p.query("/q?f%5Btag%5D=x", "f"), R"({"tag":"x"})");
  EXPECT_EQ(Pipeline::value(p.get("/p/5"), "path", "v"), "5");
  EXPECT_EQ(Pipeline::value(p.get("/p/me"), "path", "v"), "\"me\"");
  EXPECT_EQ(Pipeline::value(p.get("/q", "Cookie: ck=2\r\n"), "cookie", "ck"), "2");
  EXPECT_EQ(p.header("X-E", "X-E: 3\r\n"), "3");
  EXPECT_EQ(p.header("X-E", "X-E: false\r\n"), "false");
}

TEST(ParamCoercion, HeaderListsTakeSpacesAroundTheirCommas) {
  auto& p = pipeline();
  EXPECT_EQ(p.header("X-L", "X-L: 1, 2\r\n"), "[1,2]");
  EXPECT_EQ(p.header("X-L", "X-L: 1 ,\t2 , 3\r\n"), "[1,2,3]");
  EXPECT_EQ(p.header("X-L", "X-L: 1\r\nX-L: 2, 3\r\n"), "[1,2,3]");
  EXPECT_EQ(p.header("X-O", "X-O: a, 1, b, two words\r\n"), R"({"a":1,"b":"two words"})");
  EXPECT_EQ(p.header("X-L", "X-L: 1, x\r\n"),
            "400: header parameter 'X-L' at /1: 'x' is not an integer");
  // In a query or a path, spaces are data.
  EXPECT_EQ(p.query("/q?words=a,%20b", "words"), R"(["a"," b"])");
  EXPECT_EQ(Pipeline::value(p.get("/l/a,%20b"), "path", "v"), R"(["a"," b"])");
}

// A scratch directory holding a spec and the files it refers to.
class SpecFiles {
 public:
  SpecFiles() {
    dir_ = std::filesystem::temp_directory_path() / ("brrt-coercion-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~SpecFiles() { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

 private:
  std::filesystem::path dir_;
};

TEST(ParamCoercion, RefsIntoOtherFilesOfTheSpec) {
  SpecFiles files;
  // Limit refers on, within its own file: the base of that ref is common.yaml, not the spec.
  files.write("common.yaml", R"(Limit: {allOf: [{$ref: '#/Count'}], maximum: 50}
Count: {type: integer}
Flags: {type: array, items: {$ref: 'more.yaml#/Flag'}}
)");
  files.write("more.yaml", "Flag: {type: boolean}\n");
  const auto api = spec::load_api(files.write("spec.yaml", R"(openapi: 3.0.3
info: {title: refs, version: '1'}
paths:
  /q:
    get:
      operationId: q
      parameters:
        - {name: lim, in: query, schema: {$ref: 'common.yaml#/Limit'}}
        - {name: fl, in: query, schema: {$ref: 'common.yaml#/Flags'}}
      responses:
        '200': {description: ok}
)"));
  const auto& params = api->operations().at(0).parameters;
  ASSERT_EQ(params.size(), 2u);
  const auto decode = [&](const spec::Parameter& param, std::string_view query) {
    const ParamDecoder d(param, &api->documents());
    QueryPairs pairs;
    split_query(query, pairs);
    json::value v;
    bool present = false;
    ParamError error;
    if (!d.decode_pairs(pairs, v, present, error)) return error.message;
    return json::serialize(v);
  };
  EXPECT_EQ(decode(params[0], "lim=5"), "5");
  EXPECT_EQ(decode(params[0], "lim=x"), "query parameter 'lim': 'x' is not an integer");
  EXPECT_EQ(decode(params[1], "fl=true&fl=false"), "[true,false]");
  // Without the Api's documents only refs inside the parameter's own file are followed.
  EXPECT_EQ(shape_of(params[0].schema).kind, Kind::Any);
  EXPECT_EQ(shape_of(params[0].schema, &api->documents()).kind, Kind::Integer);
}

}  // namespace
}  // namespace brrt::dispatch
