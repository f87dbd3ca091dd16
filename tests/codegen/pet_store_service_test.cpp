// The pet store served through code generated from its spec (brrt_generate in
// examples/pet_store/CMakeLists.txt): its typed implementation (examples/pet_store/typed), behind
// the real server on an ephemeral loopback port, called by an HTTP client, with response validation
// enforced so that whatever the generated code writes is checked against the spec.
#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <cctype>

#include "dispatch/beast_client.hpp"
#include "dispatch/running_service.hpp"
#include "typed/memory_pet_store.hpp"

namespace brrt {
namespace {

using namespace petstore;
using test::BeastClient;
using test::bhttp::verb;

class GeneratedPetStore : public ::testing::Test {
 protected:
  GeneratedPetStore() {
    dispatch::HandlerTable table;
    register_handlers(table, store_);
    dispatch::ServiceOptions o;
    o.security.api_keys["ApiKeyAuth"] = {"test123"};
    o.response_validation = dispatch::ResponseValidation::Enforce;
    running_ = std::make_unique<Running>(spec::load_api(source("examples/pet_store/openapi.yaml")),
                                         std::move(table), std::move(o));
  }

  MemoryPetStore store_;
  std::unique_ptr<Running> running_;
  const std::vector<std::pair<std::string, std::string>> key_{{"X-API-Key", "test123"}};
};

boost::json::value json_of(const test::Reply& r) {
  return boost::json::parse(r.body);
}

TEST_F(GeneratedPetStore, EveryOperationHasAGeneratedHandler) {
  dispatch::HandlerTable table;
  register_handlers(table, store_);
  const auto api = spec::load_api(source("examples/pet_store/openapi.yaml"));
  for (const auto& op : api->operations()) EXPECT_NE(table.find(op.handler), nullptr) << op.handler;
  // The stream operation is a stream handler; the x-handler name is the one registered.
  EXPECT_EQ(table.find("streamEvents")->kind, dispatch::HandlerTable::Kind::Stream);
  EXPECT_NE(table.find("upsert_item"), nullptr);
  EXPECT_EQ(table.find("putItem"), nullptr);
}

TEST_F(GeneratedPetStore, CreateThenGetAVariantPet) {
  BeastClient c(running_->port());
  auto r = c.request(verb::post, "/pets", R"({"name":"Tom","tag":"cat","age":12})",
                     {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Location"), "/pets/100");
  EXPECT_EQ(
      json_of(r),
      boost::json::parse(R"({"id":100,"name":"Tom","tag":"cat","petType":"cat","indoor":true})"));

  r = c.get("/pets/100", key_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r).at("petType"), "cat");
  r = c.get("/pets/1", key_);
  EXPECT_EQ(json_of(r), boost::json::parse(
                            R"({"id":1,"name":"Rex","tag":"dog","petType":"dog","goodBoy":true})"));
  r = c.get("/pets/5", key_);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(json_of(r).at("detail"), "no pet 5");
}

TEST_F(GeneratedPetStore, TheSpecStillGuardsTheTypedHandlers) {
  BeastClient c(running_->port());
  // additionalProperties: false on NewPet, before the handler sees it.
  auto r = c.request(verb::post, "/pets", R"({"name":"Tom","color":"red"})",
                     {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 400) << r.body;
  r = c.get("/pets/abc", key_);
  EXPECT_EQ(r.status, 400);
  r = c.get("/pets/1");
  EXPECT_EQ(r.status, 401);
  // An integer JSON Schema accepts and an int64 cannot hold.
  r = c.get("/pets/99999999999999999999", key_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("path parameter 'id'"), std::string::npos) << r.body;
}

TEST_F(GeneratedPetStore, DefaultsAndArraysOfQueryParameters) {
  BeastClient c(running_->port());
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(
        c.request(verb::post, "/pets", R"({"name":"P)" + std::to_string(i) + R"(","tag":"t"})",
                  {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}})
            .status,
        201);
  auto r = c.get("/pets");  // limit 20 and offset 0 from the spec's defaults
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r).as_array().size(), 4u);
  r = c.get("/pets?limit=2&offset=1");
  EXPECT_EQ(json_of(r).as_array().size(), 2u);
  EXPECT_EQ(json_of(r).as_array()[0].at("name"), "P0");
  r = c.get("/pets?tags=dog&tags=x");
  ASSERT_EQ(json_of(r).as_array().size(), 1u);
  EXPECT_EQ(json_of(r).as_array()[0].at("name"), "Rex");
}

TEST_F(GeneratedPetStore, ParametersOfEveryStyleArriveTyped) {
  BeastClient c(running_->port());
  auto r = c.get("/search?q=x&ids=1|2&filter[tag]=dog",
                 {{"X-Trace-Id", "t-1"}, {"Cookie", "session=abc"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Query"), "x|t-1|abc");
  EXPECT_EQ(json_of(r).as_array().size(), 1u);
  r = c.get("/search?q=x&ids=2");
  EXPECT_EQ(json_of(r).as_array().size(), 0u);
  EXPECT_EQ(r.header("X-Query"), "x|-|-");

  r = c.get("/matrix/;x=3;y=4");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), boost::json::parse(R"({"sum":7})"));
  r = c.get("/labels/.red.green.blue");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), boost::json::parse(R"(["blue","green","red"])"));
  r = c.get("/users/u1/posts/7", key_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r).at("title"), "post 7 of u1");
}

TEST_F(GeneratedPetStore, BodiesOfEveryMediaType) {
  BeastClient c(running_->port());
  auto r = c.request(verb::post, "/form", "name=Ada&age=36&subscribe=true",
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), boost::json::parse(R"({"name":"Ada","age":36,"subscribe":true})"));

  const std::string multipart =
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
  r = c.request(verb::post, "/upload", multipart,
                {{"X-API-Key", "test123"}, {"Content-Type", "multipart/form-data; boundary=b"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json_of(r), boost::json::parse(R"({"filename":"a.txt","size":5})"));

  r = c.get("/download/7", key_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(r.body, "bytes of 7");

  r = c.request(verb::put, "/items/new", R"({"id":"ignored","name":"Gadget","price":3})",
                {{"X-API-Key", "test123"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  // A double is written in its shortest form: 3, which reads back as the same number.
  EXPECT_EQ(r.body, R"({"id":"new","name":"Gadget","price":3})");

  r = c.request(verb::post, "/webhooks", R"({"type":"petAdded","id":9})",
                {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(store_.last_event().type, EventType::petAdded);
  EXPECT_EQ(store_.last_event().id, 9);
}

TEST_F(GeneratedPetStore, HeadersOnlyAnswersAndStreams) {
  BeastClient c(running_->port());
  auto r = c.request(verb::head, "/users/u1", {}, key_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-User-Exists"), "true");
  r = c.request(verb::options, "/users/u1", {}, {});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS, DELETE");
  r = c.request(verb::delete_, "/users/u1", {}, key_);
  EXPECT_EQ(r.status, 204);
  r = c.get("/users/u2", key_);
  EXPECT_EQ(r.status, 404);

  r = c.get("/events");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(r.body,
            "event: petAdopted\nid: 1\ndata: {\"id\":1}\n\nevent: petAdopted\nid: 2\ndata: "
            "{\"id\":2}\n\nevent: petAdopted\nid: 3\ndata: {\"id\":3}\n\n");
}

// A handler whose answer breaks the spec is caught by response validation (enforce): the
// generated types make most such answers impossible, not all (a Problem's status range).
TEST_F(GeneratedPetStore, ResponsesStillPassResponseValidation) {
  BeastClient c(running_->port());
  auto r = c.get("/secure", {{"Authorization", "Bearer x"}});
  EXPECT_EQ(r.status, 401);
  r = c.get("/items/a-1", key_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r), boost::json::parse(R"({"id":"a-1","name":"Widget","price":9.5})"));
}

TEST_F(GeneratedPetStore, AWebSocketOperationGetsTheSocket) {
  namespace ws = boost::beast::websocket;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), running_->port()});
  timeval tv{10, 0};  // a broken server fails the test instead of hanging it
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ws::stream<boost::asio::ip::tcp::socket> client(std::move(socket));
  client.handshake("127.0.0.1", "/ws/echo");
  for (const std::string text : {"hello", "pets"}) {
    client.write(boost::asio::buffer(text));
    boost::beast::flat_buffer in;
    client.read(in);
    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(boost::beast::buffers_to_string(in.data()), upper);
  }
  client.close(ws::close_code::normal);
  // A plain GET to it is no handshake.
  BeastClient c(running_->port());
  EXPECT_EQ(c.get("/ws/echo").status, 426);
}

}  // namespace
}  // namespace brrt
