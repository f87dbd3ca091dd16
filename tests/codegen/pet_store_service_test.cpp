// The pet store served through code generated from its spec (brrt_generate in
// tests/CMakeLists.txt): a typed implementation of every operation, behind the real server on
// an ephemeral loopback port, called by an HTTP client, with response validation enforced so
// that whatever the generated code writes is checked against the spec.
#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <map>
#include <mutex>

#include "dispatch/beast_client.hpp"
#include "dispatch/running_service.hpp"
#include "pet_store.hpp"

namespace brrt {
namespace {

using namespace petstore;
using test::BeastClient;
using test::bhttp::verb;

Problem problem(int status, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

// An in-memory pet store: what a team writes once the generated class exists.
class MemoryPetStore final : public PetStoreHandlers {
 public:
  MemoryPetStore() {
    Dog rex;
    rex.id = 1;
    rex.name = "Rex";
    rex.tag = "dog";
    rex.petType = "dog";
    rex.goodBoy = true;
    pets_.emplace(1, Pet{rex});
  }

  ListPetsResponse listPets(const ListPetsRequest& request) override {
    std::lock_guard lock(mutex_);
    std::vector<Pet> page;
    std::int64_t skipped = 0;
    for (const auto& [id, pet] : pets_) {
      if (request.tags && !has_tag(pet, *request.tags)) continue;
      if (skipped++ < request.offset) continue;
      if (static_cast<std::int64_t>(page.size()) == request.limit) break;
      page.push_back(pet);
    }
    return ListPetsResponse::ok(page);
  }

  CreatePetResponse createPet(const CreatePetRequest& request) override {
    std::lock_guard lock(mutex_);
    Cat cat;  // every new pet is a cat here
    cat.id = next_id_++;
    cat.name = request.body.name;
    cat.tag = request.body.tag;
    cat.petType = "cat";
    cat.indoor = request.body.age && *request.body.age > 10;
    pets_.emplace(cat.id, Pet{cat});
    auto r = CreatePetResponse::created(Pet{cat});
    r.header("Location", "/pets/" + std::to_string(cat.id));
    return r;
  }

  GetPetResponse getPet(const GetPetRequest& request) override {
    std::lock_guard lock(mutex_);
    const auto it = pets_.find(request.id);
    if (it == pets_.end())
      return GetPetResponse::not_found(
          problem(404, "Not Found", "no pet " + std::to_string(request.id)));
    return GetPetResponse::ok(it->second);
  }

  GetUserResponse getUser(const GetUserRequest& request) override {
    if (request.user_id != "u1")
      return GetUserResponse::not_found(problem(404, "Not Found", "no user " + request.user_id));
    return GetUserResponse::ok(User{"u1", "Ada", "ada@example.com"});
  }
  DeleteUserResponse deleteUser(const DeleteUserRequest&) override {
    return DeleteUserResponse::no_content();
  }
  OptionsUserResponse optionsUser(const OptionsUserRequest&) override {
    auto r = OptionsUserResponse::no_content();
    r.header("Allow", "GET, HEAD, OPTIONS, DELETE");
    return r;
  }
  HeadUserResponse headUser(const HeadUserRequest& request) override {
    auto r = HeadUserResponse::ok();
    r.header("X-User-Exists", request.user_id == "u1" ? "true" : "false");
    return r;
  }
  GetUserPostResponse getUserPost(const GetUserPostRequest& request) override {
    return GetUserPostResponse::ok(
        Post{request.user_id, request.post_id,
             "post " + std::to_string(request.post_id) + " of " + request.user_id});
  }
  GetItemResponse getItem(const GetItemRequest& request) override {
    return GetItemResponse::ok(Item{request.id, "Widget", 9.5});
  }
  PutItemResponse putItem(const PutItemRequest& request) override {
    Item item = request.body;
    item.id = request.id;  // the path names the item
    return request.id == "new" ? PutItemResponse::created(item) : PutItemResponse::ok(item);
  }
  boost::asio::awaitable<void> streamEvents(const StreamEventsRequest&,
                                            dispatch::EventStream& events) override {
    for (int i = 1; i <= 3; ++i) {
      const std::string data = "{\"id\":" + std::to_string(i) + "}";
      if (!co_await events.send({.data = data, .event = "petAdopted", .id = std::to_string(i)}))
        co_return;
    }
  }
  // Each text message back in capitals, until the client closes.
  boost::asio::awaitable<void> wsEcho(const WsEchoRequest&, dispatch::WebSocket& socket) override {
    while (true) {
      const dispatch::WebSocketMessage m = co_await socket.read();
      if (m.kind != dispatch::WebSocketMessage::Kind::Text) co_return;
      std::string upper(m.data);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!co_await socket.send_text(upper)) co_return;
    }
  }
  DownloadFileResponse downloadFile(const DownloadFileRequest& request) override {
    return DownloadFileResponse::ok("bytes of " + request.id);
  }
  SubmitFormResponse submitForm(const SubmitFormRequest& request) override {
    boost::json::object echo;
    echo["name"] = request.body.name;
    if (request.body.age) echo["age"] = *request.body.age;
    if (request.body.subscribe) echo["subscribe"] = *request.body.subscribe;
    return SubmitFormResponse::ok(echo);
  }
  UploadFileResponse uploadFile(const UploadFileRequest& request) override {
    UploadFileResponse201 stored;
    for (const auto& f : request.context.files) {
      stored.filename = f.filename;
      stored.size = static_cast<std::int64_t>(f.size);
    }
    return UploadFileResponse::created(stored);
  }
  MatrixCoordsResponse matrixCoords(const MatrixCoordsRequest& request) override {
    boost::json::object o;
    o["sum"] = request.coords.x.value_or(0) + request.coords.y.value_or(0);
    return MatrixCoordsResponse::ok(o);
  }
  LabelColorsResponse labelColors(const LabelColorsRequest& request) override {
    std::vector<std::string> reversed(request.color.rbegin(), request.color.rend());
    return LabelColorsResponse::ok(reversed);
  }
  SearchResponse search(const SearchRequest& request) override {
    std::lock_guard lock(mutex_);
    std::vector<Pet> found;
    for (const auto& [id, pet] : pets_) {
      const bool by_id = !request.ids || std::find(request.ids->begin(), request.ids->end(), id) !=
                                             request.ids->end();
      const bool by_tag = !request.filter || !request.filter->tag ||
                          has_tag(pet, std::vector<std::string>{*request.filter->tag});
      if (by_id && by_tag) found.push_back(pet);
    }
    auto r = SearchResponse::ok(found);
    r.header("X-Query", request.q + "|" + request.X_Trace_Id.value_or("-") + "|" +
                            request.session.value_or("-"));
    return r;
  }
  GetSecureResponse getSecure(const GetSecureRequest&) override {
    return GetSecureResponse::ok(GetSecureResponse200{"s3cret"});
  }
  ReceiveWebhookResponse receiveWebhook(const ReceiveWebhookRequest& request) override {
    last_event_ = request.body;
    return ReceiveWebhookResponse::accepted(ReceiveWebhookResponse202{true});
  }

  Event last_event_;

 private:
  static bool has_tag(const Pet& pet, const std::vector<std::string>& tags) {
    const auto tag = std::visit([](const auto& p) { return p.tag; }, pet.value);
    return tag && std::find(tags.begin(), tags.end(), *tag) != tags.end();
  }

  std::mutex mutex_;
  std::map<std::int64_t, Pet> pets_;
  std::int64_t next_id_ = 100;
};

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
  EXPECT_EQ(store_.last_event_.type, EventType::petAdded);
  EXPECT_EQ(store_.last_event_.id, 9);
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
