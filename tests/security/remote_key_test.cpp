// Remote API-key verification through the real server: the pet store's ApiKeyAuth checked
// by a verifier service (an in-process http::Server on another loopback port) that says
// yes, no, or answers too late. Verdicts are cached, errors map to 401 or 503 as
// configured, and a slow verifier never holds the worker.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "dispatch/beast_client.hpp"

namespace brrt {
namespace {

// The verifier: X-API-Key "good" -> 200, "slow" -> waits until released, else 401.
class Verifier : public http::Handler {
 public:
  bool handle(std::size_t, const http::Request& req, http::Response& res) noexcept override {
    ++calls;
    const auto key = req.header("x-api-key").value_or("");
    if (key == "slow") {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return released_; });
    }
    res.status = key == "good" ? 200 : 401;
    return true;
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::atomic<int> calls{0};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

class RemoteKeys : public ::testing::Test {
 protected:
  void start(bool unavailable_on_error) {
    http::ServerConfig vc;
    vc.port = 0;
    vc.threads = 2;
    vc.drain_timeout = std::chrono::milliseconds(100);
    verifier_server_ = std::make_unique<http::Server>(vc, verifier_);
    verifier_server_->start();

    dispatch::ServiceOptions o;
    o.access_log = false;
    security::RemoteApiKeyOptions r;
    r.verify_url = "http://127.0.0.1:" + std::to_string(verifier_server_->port()) + "/verify";
    r.timeout = std::chrono::milliseconds(300);
    r.unavailable_on_error = unavailable_on_error;
    o.security.remote_api_keys["ApiKeyAuth"] = r;
    service_ = std::make_unique<dispatch::Service>(
        spec::load_api(std::string(BRRT_SOURCE_DIR) + "/examples/pet_store/openapi.yaml"),
        dispatch::HandlerTable{}, o, 1);
    http::ServerConfig cfg;
    cfg.port = 0;
    cfg.threads = 1;  // one worker: a waiting verification must not block it
    server_ = std::make_unique<http::Server>(cfg, *service_);
    server_->start();
  }
  void TearDown() override {
    verifier_.release();
    if (server_) {
      server_->stop();
      server_->wait();
    }
    if (verifier_server_) {
      verifier_server_->stop();
      verifier_server_->wait();
    }
  }
  int get_pet(test::BeastClient& c, const char* key) {
    return c.get("/pets/1", {{"X-API-Key", key}}).status;
  }
  Verifier verifier_;
  std::unique_ptr<http::Server> verifier_server_;
  std::unique_ptr<dispatch::Service> service_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(RemoteKeys, VerdictsAreCachedPositiveAndNegative) {
  start(false);
  test::BeastClient c(server_->port());
  EXPECT_EQ(c.get("/pets/1").status, 401);  // no key: no remote call
  EXPECT_EQ(verifier_.calls.load(), 0);
  EXPECT_EQ(get_pet(c, "good"), 200);
  EXPECT_EQ(get_pet(c, "good"), 200);
  EXPECT_EQ(get_pet(c, "good"), 200);
  EXPECT_EQ(verifier_.calls.load(), 1);
  EXPECT_EQ(get_pet(c, "bad"), 401);
  EXPECT_EQ(get_pet(c, "bad"), 401);
  EXPECT_EQ(verifier_.calls.load(), 2);
}

TEST_F(RemoteKeys, ASlowVerifierTimesOutTo401AndNeverHoldsTheWorker) {
  start(false);
  test::BeastClient slow(server_->port()), other(server_->port());
  auto waiting = std::async(std::launch::async, [&] { return get_pet(slow, "slow"); });
  // While the verification waits, the single worker answers other requests.
  while (verifier_.calls.load() == 0) std::this_thread::yield();
  EXPECT_EQ(other.get("/pets").status, 200);
  EXPECT_EQ(waiting.get(), 401);  // the 300 ms timeout
}

TEST_F(RemoteKeys, VerifierErrorsCanMean503) {
  start(true);
  test::BeastClient c(server_->port());
  EXPECT_EQ(get_pet(c, "good"), 200);
  verifier_server_->stop();
  verifier_server_->wait();
  verifier_server_.reset();
  const test::Reply r = c.get("/pets/1", {{"X-API-Key", "new-key"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(get_pet(c, "good"), 200);  // cached before the outage
}

}  // namespace
}  // namespace brrt
