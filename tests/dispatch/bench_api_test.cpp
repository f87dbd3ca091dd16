// The shared load harness's correctness checks (../shared/bench/README.md), run against
// the spec alone: every invalid request to bench-api.yaml gets a precise 400
// problem+json from validation, before any handler code exists.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <filesystem>

#include "beast_client.hpp"
#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/spec/api.hpp"

namespace brrt {
namespace {

using test::BeastClient;
using test::Reply;
using test::bhttp::verb;

const std::filesystem::path kBenchApi =
    std::filesystem::path(BRRT_SHARED_DIR) / "bench/bench-api.yaml";

class BenchApi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kBenchApi)) GTEST_SKIP() << kBenchApi << " is absent";
    dispatch::ServiceOptions o;
    o.access_log = false;
    o.security.api_keys["ApiKeyAuth"] = {"test123"};
    service_ = std::make_unique<dispatch::Service>(spec::load_api(kBenchApi.string()),
                                                   dispatch::HandlerTable{}, o, 1);
    http::ServerConfig cfg;
    cfg.port = 0;
    cfg.threads = 1;
    server_ = std::make_unique<http::Server>(cfg, *service_);
    server_->start();
    client_ = std::make_unique<BeastClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    if (server_) {
      server_->stop();
      server_->wait();
    }
  }
  // Asserts a 400 problem whose errors name `where` (a parameter name or a body pointer).
  void expect_400(const Reply& r, const std::string& where, const std::string& what) {
    ASSERT_EQ(r.status, 400) << what << ": " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << what;
    const auto v = boost::json::parse(r.body).as_object();
    EXPECT_EQ(v.at("status").as_int64(), 400);
    EXPECT_NE(r.body.find(where), std::string::npos) << what << ": " << r.body;
  }
  Reply post_pet(const std::string& body) {
    return client_->request(verb::post, "/pets", body, {{"Content-Type", "application/json"}});
  }
  std::unique_ptr<dispatch::Service> service_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<BeastClient> client_;
};

TEST_F(BenchApi, PathAndQueryParameters) {
  auto& c = *client_;
  EXPECT_EQ(c.get("/pets/7").status, 200);
  expect_400(c.get("/pets/0"), "petId", "petId below its minimum");
  expect_400(c.get("/pets/abc"), "petId", "petId not an integer");
  EXPECT_EQ(c.get("/pets?limit=3&tag=cat").status, 200);
  expect_400(c.get("/pets?limit=0"), "\"minimum\"", "limit 0");
  expect_400(c.get("/pets?limit=101"), "\"maximum\"", "limit 101");
  expect_400(c.get("/pets?limit=abc"), "limit", "limit not an integer");
  EXPECT_EQ(c.get("/users/u1/posts/7").status, 200);
  expect_400(c.get("/users/u1/posts/x"), "postId", "postId not an integer");
  EXPECT_EQ(c.get("/secure/pets").status, 401);
  EXPECT_EQ(c.get("/secure/pets", {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(c.get("/secure/pets", {{"X-API-Key", "test123"}}).status, 200);
}

TEST_F(BenchApi, NewPetBodies) {
  EXPECT_EQ(post_pet(R"({"name":"rex","tag":"dog","age":3})").status, 201);
  EXPECT_EQ(post_pet(R"({"name":"a"})").status, 201);
  expect_400(post_pet(R"({"name":"rex","tag":"dog","age":-1})"), "/age", "negative age");
  expect_400(post_pet(R"({"tag":"dog"})"), "\"required\"", "missing name");
  expect_400(post_pet(R"({"name":""})"), "/name", "empty name");
  expect_400(post_pet("{\"name\":\"" + std::string(65, 'x') + "\"}"), "/name", "65-char name");
  expect_400(post_pet(R"({"name":"rex","color":"red"})"), "/color", "unknown property");
  expect_400(post_pet(R"({"name":42})"), "/name", "name not a string");
  expect_400(post_pet(R"({"name":"rex","age":"3"})"), "/age", "age not an integer");
  expect_400(post_pet(R"({"name":"rex","age":3.5})"), "/age", "age not an integer");
  expect_400(post_pet("[]"), "\"type\"", "an array");
  expect_400(post_pet(R"({"name":"rex")"), "not valid JSON", "truncated JSON");
  // 64 code points of a multi-byte character are within maxLength.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "\xc3\xa9";
  EXPECT_EQ(post_pet("{\"name\":\"" + name + "\"}").status, 201);
}

}  // namespace
}  // namespace brrt
