// Code generated from tests/codegen/specs/edges.yaml (recursion, names that are keywords or
// not identifiers, enums, nullables, maps, additionalProperties beside properties, status ranges,
// media types without a schema type), twice: with async handlers and with blocking ones. Served by
// the real server with response validation enforced, called over HTTP.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdint>

#include <stdexcept>

#include "dispatch/beast_client.hpp"
#include "dispatch/running_service.hpp"
#include "edges_async.hpp"
#include "edges_blocking.hpp"

namespace brrt {
namespace {

using test::BeastClient;
using test::bhttp::verb;

// Async: coroutines on the worker's io_context.
class AsyncEdges final : public edges_async::CodegenEdgesHandlers {
 public:
  boost::asio::awaitable<edges_async::PlantTreeResponse> plant_tree(
      const edges_async::PlantTreeRequest& request) override {
    using namespace edges_async;
    if (request.depth && *request.depth == 13) {
      Error e;
      e.code = 13;
      e.message = "unlucky";
      co_return PlantTreeResponse::with_status(418, e);
    }
    if (request.depth && *request.depth == 99)  // a status outside 2XX: the handler's mistake
      co_return PlantTreeResponse::status_2xx(404, request.body);
    Node planted = request.body;
    double sum = 0;
    for (const double w : request.weights.value_or(std::vector<double>{})) sum += w;
    planted.name = std::string(to_string(request.class_)) + ":" + planted.name + ":" +
                   std::to_string(request.depth.value_or(-1)) + ":" + std::to_string(sum) + ":" +
                   request.X_Request_Id.value_or("-");
    if (request.flags) planted.children.resize(request.flags->size(), Node{});
    for (std::size_t i = 0; request.flags && i < request.flags->size(); ++i)
      planted.children[i].name = (*request.flags)[i] ? "on" : "off";
    co_return PlantTreeResponse::status_2xx(201, planted);
  }

  boost::asio::awaitable<edges_async::PutNotesResponse> putNotes(
      const edges_async::PutNotesRequest& request) override {
    using namespace edges_async;
    if (!request.body)  // text/plain: the typed body is for JSON only
      co_return request.context.raw_body.empty()
          ? PutNotesResponse::no_content()
          : PutNotesResponse::ok_plain("text: " + std::string(request.context.raw_body), 2);
    Notes notes = *request.body;
    notes.text += "!";
    for (auto& [name, count] : notes.additional_properties) ++count;
    const auto words =
        static_cast<std::int32_t>(std::count(notes.text.begin(), notes.text.end(), ' ') + 1);
    if (notes.text != "loud!") co_return PutNotesResponse::ok(notes, words);
    // Typed optional headers: an enum, an array, a number and one given as its text.
    co_return PutNotesResponse::ok(notes, words)
        .set_x_mood(PutNotesHeaderXMood::loud)
        .set_x_tags({"a", "b c"})
        .set_x_ratio(0.25)
        .set_x_shape("a,1");
  }

  // Answers with what it was sent: the id set, the writeOnly members left as they came.
  boost::asio::awaitable<edges_async::CreateAccountResponse> createAccount(
      const edges_async::CreateAccountRequest& request) override {
    using namespace edges_async;
    Account account = request.body;
    const std::string pin = account.login && account.login->pin ? *account.login->pin : "-";
    account.name += ":" + account.password.value_or("?") + ":" + pin + ":" +
                    (account.id ? "id sent" : "no id") + ":" +
                    std::to_string(account.ownerId.value_or(0));
    account.id = 7;
    co_return CreateAccountResponse::created(account);
  }
};

// Blocking: on the service's thread pool.
class BlockingEdges final : public edges_blocking::CodegenEdgesHandlers {
 public:
  edges_blocking::PlantTreeResponse plant_tree(
      const edges_blocking::PlantTreeRequest& request) override {
    return edges_blocking::PlantTreeResponse::status_2xx(200, request.body);
  }
  edges_blocking::PutNotesResponse putNotes(const edges_blocking::PutNotesRequest&) override {
    throw std::runtime_error("not here");
  }
  edges_blocking::CreateAccountResponse createAccount(
      const edges_blocking::CreateAccountRequest&) override {
    throw std::runtime_error("not here");
  }
};

template <class Handlers>
std::unique_ptr<Running> serve(Handlers& handlers) {
  dispatch::HandlerTable table;
  register_handlers(table, handlers);
  dispatch::ServiceOptions o;
  o.response_validation = dispatch::ResponseValidation::Enforce;
  o.blocking_threads = 2;
  return std::make_unique<Running>(spec::load_api(source("tests/codegen/specs/edges.yaml")),
                                   std::move(table), std::move(o));
}

const std::vector<std::pair<std::string, std::string>> kJson{{"Content-Type", "application/json"}};

TEST(GeneratedEdges, HandlerKindsAreRegisteredAsGenerated) {
  AsyncEdges a;
  BlockingEdges b;
  dispatch::HandlerTable ta, tb;
  edges_async::register_handlers(ta, a);
  edges_blocking::register_handlers(tb, b);
  EXPECT_EQ(ta.find("plant-tree")->kind, dispatch::HandlerTable::Kind::Async);
  EXPECT_EQ(tb.find("plant-tree")->kind, dispatch::HandlerTable::Kind::Blocking);
}

TEST(GeneratedEdges, ARecursiveBodyRoundTripsThroughTypedMembers) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  const std::string body = R"({"name":"root","class":"branch",
      "children":[{"name":"a","children":[{"name":"b","children":[]}]}],
      "parent":{"name":"p","children":[],"parent":{"name":"pp","children":[]}},
      "2fa":true,"x-rate-limit":5,"Node":"n","labels":{"k":"v","e":""},
      "anything":[1,{"x":2}],"either":7})";
  auto r = c.request(verb::post, "/trees/fir-tree?depth=3&weights=1.5,2", body, kJson);
  ASSERT_EQ(r.status, 201) << r.body;
  auto expected = boost::json::parse(body).as_object();
  expected["name"] = "fir-tree:root:3:3.500000:-";
  EXPECT_EQ(boost::json::parse(r.body), expected);
}

TEST(GeneratedEdges, KeywordNamesEnumsHeadersAndArrays) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r = c.request(verb::post, "/trees/default?flags=true&flags=false",
                     R"({"name":"x","children":[],"note":null})",
                     {{"Content-Type", "application/json"},
                      {"X-Request-Id", "3f1c1a56-7f55-4c7b-9a62-0d2b9e5c2a11"}});
  ASSERT_EQ(r.status, 201) << r.body;
  // A null optional member reads as absent, and is written as absent.
  EXPECT_EQ(
      boost::json::parse(r.body),
      boost::json::parse(R"({"name":"default:x:-1:0.000000:3f1c1a56-7f55-4c7b-9a62-0d2b9e5c2a11",
                                   "children":[{"name":"on","children":[]},
                                               {"name":"off","children":[]}]})"));
  r = c.request(verb::post, "/trees/2nd", R"({"name":"x","children":[]})", kJson);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(boost::json::parse(r.body).at("name"), "2nd:x:-1:0.000000:-");
  // Not in the enum: the spec refuses it before the typed handler.
  r = c.request(verb::post, "/trees/elm", R"({"name":"x","children":[]})", kJson);
  EXPECT_EQ(r.status, 400);
}

TEST(GeneratedEdges, StatusRangesAndDefaultResponses) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r = c.request(verb::post, "/trees/oak?depth=13", R"({"name":"x","children":[]})", kJson);
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"code":13,"message":"unlucky"})"));
  // 404 is not in 2XX: the factory throws, and the service answers 500.
  r = c.request(verb::post, "/trees/oak?depth=99", R"({"name":"x","children":[]})", kJson);
  EXPECT_EQ(r.status, 500);
}

// Values the spec's validation lets through (JSON Schema's integer has no bounds, format int32
// is an annotation) that do not fit the generated member: a 400 naming them, not a 500.
TEST(GeneratedEdges, ValuesBeyondTheMembersTypeAre400) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r =
      c.request(verb::post, "/trees/oak?depth=5000000000", R"({"name":"x","children":[]})", kJson);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_NE(r.body.find("query parameter 'depth': 5000000000 is out of the range"),
            std::string::npos)
      << r.body;
  r = c.request(verb::post, "/trees/oak",
                R"({"name":"x","children":[],"x-rate-limit":18446744073709551615})", kJson);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("the request body holds a number out of the range"), std::string::npos)
      << r.body;
  r = c.request(verb::post, "/trees/oak?depth=2147483647", R"({"name":"x","children":[]})", kJson);
  EXPECT_EQ(r.status, 201) << r.body;  // the largest int32 still fits
}

TEST(GeneratedEdges, JsonAndTextOfOneOperation) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":null})", kJson);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  // stamp is required and nullable: written as null.
  EXPECT_EQ(r.body, R"({"text":"hi!","stamp":null})");
  r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":4})", kJson);
  EXPECT_EQ(r.body, R"({"text":"hi!","stamp":4})");
  // Members that `properties` does not name go to additional_properties (integers, as the
  // schema says) and come back after the declared ones; Meta's (anything) likewise, with or
  // without its only, optional, declared member before them.
  r = c.request(verb::put, "/notes",
                R"({"likes":3,"text":"hi","meta":{"x":[1,{"y":null}],"owner":"ann"},"stamp":4,)"
                R"("views":10})",
                kJson);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"text":"hi!","stamp":4,"meta":{"owner":"ann","x":[1,{"y":null}]},"likes":4,)"
            R"("views":11})");
  r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":null,"meta":{"x":1,"z":true}})",
                kJson);
  EXPECT_EQ(r.body, R"({"text":"hi!","stamp":null,"meta":{"x":1,"z":true}})");
  r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":null,"meta":{}})", kJson);
  EXPECT_EQ(r.body, R"({"text":"hi!","stamp":null,"meta":{}})");
  // A map of the type itself holds JSON (the values are still validated as outlines).
  r = c.request(
      verb::put, "/notes",
      R"({"text":"t","stamp":1,"outline":{"title":"a","b":{"title":"c","d":{"title":"e"}}}})",
      kJson);
  EXPECT_EQ(
      r.body,
      R"({"text":"t!","stamp":1,"outline":{"title":"a","b":{"title":"c","d":{"title":"e"}}}})");
  r = c.request(verb::put, "/notes", R"({"text":"t","stamp":1,"outline":{"title":"a","b":{}}})",
                kJson);
  EXPECT_EQ(r.status, 400) << r.body;  // b has no title
  // With patternProperties, the members a pattern matches are kept too (as JSON: one map
  // cannot type both kinds), after the declared ones; others are refused by the schema.
  r = c.request(verb::put, "/notes",
                R"({"text":"t","stamp":1,"tagged":{"x-b":"2","kind":"k","x-a":"1"}})", kJson);
  EXPECT_EQ(r.body, R"({"text":"t!","stamp":1,"tagged":{"kind":"k","x-a":"1","x-b":"2"}})");
  r = c.request(verb::put, "/notes", R"({"text":"t","stamp":1,"tagged":{"y":"1"}})", kJson);
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.request(verb::put, "/notes", R"({"text":"t","stamp":1,"tagged":{"x-a":1}})", kJson);
  EXPECT_EQ(r.status, 400) << r.body;
  // Validation still applies to them: a string where additionalProperties says integer.
  r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":null,"likes":"many"})", kJson);
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.request(verb::put, "/notes", R"({"text":"three short words","stamp":null})", kJson);
  EXPECT_EQ(r.header("X-Words"), "3");  // required: a parameter of every 200 factory
  EXPECT_EQ(r.header("X-Mood"), "");    // optional: a setter, not called here
  r = c.request(verb::put, "/notes", R"({"text":"loud","stamp":null})", kJson);
  EXPECT_EQ(r.header("X-Words"), "1");
  EXPECT_EQ(r.header("X-Mood"), "loud");
  EXPECT_EQ(r.header("X-Tags"), "a,b c");
  EXPECT_EQ(r.header("X-Ratio"), "0.25");
  EXPECT_EQ(r.header("X-Shape"), "a,1");
  r = c.request(verb::put, "/notes", "plain words", {{"Content-Type", "text/plain"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Words"), "2");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.body, "text: plain words");
  r = c.request(verb::put, "/notes", "", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 204);
}

TEST(GeneratedEdges, BlockingHandlersRunOnThePool) {
  BlockingEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r = c.request(verb::post, "/trees/oak", R"({"name":"x","children":[]})", kJson);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::parse(r.body), boost::json::parse(R"({"name":"x","children":[]})"));
  r = c.request(verb::put, "/notes", R"({"text":"hi","stamp":1})", kJson);
  EXPECT_EQ(r.status, 500);  // the handler threw
}

// readOnly and writeOnly members: a readOnly one is not read from a request (validation
// refuses it there) and is written in the response; a writeOnly one is read from the request
// and never written, even when the handler answers with what it was sent. Response
// validation is enforced, so a password in the answer would be a 500.
TEST(GeneratedEdges, ReadOnlyMembersAreWrittenAndWriteOnlyMembersOnlyRead) {
  AsyncEdges handlers;
  auto running = serve(handlers);
  BeastClient c(running->port());
  auto r =
      c.request(verb::post, "/accounts",
                R"({"name":"ada","password":"s3cret","ownerId":3,"login":{"pin":"1234"}})", kJson);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(
      boost::json::parse(r.body),
      boost::json::parse(R"({"id":7,"ownerId":3,"name":"ada:s3cret:1234:no id:3","login":{}})"));
  // The request side: a readOnly id is refused, a missing writeOnly password too.
  r = c.request(verb::post, "/accounts", R"({"id":1,"name":"ada","password":"x"})", kJson);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("\"keyword\":\"readOnly\""), std::string::npos) << r.body;
  r = c.request(verb::post, "/accounts", R"({"name":"ada"})", kJson);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("password"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace brrt
