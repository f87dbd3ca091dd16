// Bearer JWTs against the real server: the pet store's /secure (BearerAuth OR OAuth2
// read:pets) with keys fetched over HTTP from a JWKS server (node, started by the test on
// an ephemeral loopback port) and OAuth2 keys found through OpenID discovery.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "dispatch/beast_client.hpp"
#include "fixtures.hpp"
#include "log_pipe.hpp"

namespace brrt {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// `node jwks_server.mjs FILE`, ready once it printed its port.
class JwksServer {
 public:
  explicit JwksServer(const fs::path& file) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      const std::string script = std::string(BRRT_SOURCE_DIR) + "/tests/security/jwks_server.mjs";
      ::execlp("node", "node", script.c_str(), file.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
    std::string line;
    pollfd p{fd_, POLLIN, 0};
    char buf[256];
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, 15000) > 0) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    if (line.rfind("listening ", 0) == 0) port_ = std::stoi(line.substr(10));
    pending_ = line.substr(line.find('\n') + 1);
  }
  // Waits (at most 15 s) until the keys have been sent `n` times since the start.
  bool wait_served(int n) {
    pollfd p{fd_, POLLIN, 0};
    char buf[256];
    while (true) {
      int served = 0;
      for (std::size_t at = pending_.find("served\n"); at != std::string::npos;
           at = pending_.find("served\n", at + 1))
        ++served;
      if (served >= n) return true;
      if (::poll(&p, 1, 15000) <= 0) return false;
      const ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got <= 0) return false;
      pending_.append(buf, static_cast<std::size_t>(got));
    }
  }
  ~JwksServer() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  int port_ = 0;
  std::string pending_;  // output after the "listening" line
};

class ServerAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    fx_ = test::jwt_fixtures(why);
    if (!fx_) GTEST_SKIP() << why;
    dir_ = fs::temp_directory_path() / ("brrt-jwks-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    write_jwks(fx_->at("jwks"));
    jwks_ = std::make_unique<JwksServer>(dir_ / "jwks.json");
    ASSERT_GT(jwks_->port(), 0) << "the JWKS server did not start";

    dispatch::ServiceOptions o;
    o.access_log = false;
    security::JwtSchemeConfig bearer;
    bearer.jwks_url = jwks_->url("/jwks.json");
    bearer.issuer = std::string(fx_->at("issuer").as_string());
    bearer.audiences = {std::string(fx_->at("audience").as_string())};
    bearer.min_refetch_interval = std::chrono::seconds(1);
    o.security.jwt["BearerAuth"] = bearer;
    security::JwtSchemeConfig oauth = bearer;
    oauth.jwks_url.clear();
    oauth.discovery_url = jwks_->url("/.well-known/openid-configuration");
    o.security.jwt["OAuth2"] = oauth;
    dispatch::HandlerTable h;
    h.add("getSecure", [](dispatch::RequestContext& ctx, http::Response& res) {
      json::object out;
      out["sub"] = ctx.claims ? ctx.claims->at("sub") : json::value(nullptr);
      out["scheme"] = ctx.schemes.empty() ? "" : std::string(ctx.schemes[0]);
      dispatch::json_response(res, 200, out);
    });
    service_ = std::make_unique<dispatch::Service>(
        spec::load_api(std::string(BRRT_SOURCE_DIR) + "/examples/pet_store/openapi.yaml"),
        std::move(h), o, 1);
    http::ServerConfig cfg;
    cfg.port = 0;
    cfg.threads = 1;
    server_ = std::make_unique<http::Server>(cfg, *service_);
    service_->attach(server_.get());
    server_->start();
    client_ = std::make_unique<test::BeastClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    if (server_) {
      server_->stop();
      server_->wait();
    }
    service_.reset();
    jwks_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void write_jwks(const json::value& jwks) {
    std::ofstream(dir_ / "jwks.json.tmp") << json::serialize(jwks);
    fs::rename(dir_ / "jwks.json.tmp", dir_ / "jwks.json");
  }
  test::Reply secure(const char* token) {
    std::vector<std::pair<std::string, std::string>> h;
    if (token)
      h.emplace_back("Authorization",
                     "Bearer " + std::string(fx_->at("tokens").at(token).as_string()));
    return client_->get("/secure", h);
  }
  // The first fetches happen in the background at startup: wait until both schemes' sources
  // (BearerAuth's JWKS, OAuth2's through discovery) have read the keys, and a good token
  // passes. A test that rotates the file afterwards knows neither first fetch reads the new
  // one (OAuth2's, the slower, once did under load, and the rotated token passed through it).
  void wait_for_keys() {
    ASSERT_TRUE(jwks_->wait_served(2));
    for (int i = 0; i < 200 && secure("good_RS256").status != 200; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }

  const json::value* fx_ = nullptr;
  fs::path dir_;
  std::unique_ptr<JwksServer> jwks_;
  std::unique_ptr<dispatch::Service> service_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<test::BeastClient> client_;
};

TEST_F(ServerAuth, BearerTokensFromAJwksEndpoint) {
  wait_for_keys();
  test::Reply r = secure("good_RS256");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("sub").as_string(), "user-1");
  EXPECT_EQ(json::parse(r.body).at("scheme").as_string(), "BearerAuth");
  for (const char* alg : {"good_PS512", "good_ES384", "good_EdDSA", "good_HS384"})
    EXPECT_EQ(secure(alg).status, 200) << alg;

  r = secure(nullptr);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  for (const char* bad : {"expired", "not_yet_valid", "wrong_issuer", "wrong_audience",
                          "bad_signature", "alg_none", "hs256_with_rsa_public_key", "malformed"}) {
    r = secure(bad);
    EXPECT_EQ(r.status, 401) << bad << " " << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  }
  const std::string metrics = client_->get("/metrics").body;
  EXPECT_NE(metrics.find("brrt_auth_failures_total{scheme=\"BearerAuth\",reason=\"expired\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(std::string(fx_->at("tokens").at("expired").as_string())),
            std::string::npos);
}

TEST_F(ServerAuth, KeyRotationAndAKeyServerOutage) {
  wait_for_keys();
  // A token signed with a key the JWKS does not have yet: refused, and the next fetch
  // (early, on the unknown kid) brings the rotated key.
  write_jwks(fx_->at("jwks_rotated"));
  EXPECT_EQ(secure("rotated").status, 401);
  int status = 0;
  for (int i = 0; i < 400 && status != 200; ++i) {  // the refetch is rate limited (1 s)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    status = secure("rotated").status;
  }
  EXPECT_EQ(status, 200);
  // The key server goes away: tokens keep verifying with the last good keys.
  jwks_->stop();
  EXPECT_EQ(secure("good_ES256").status, 200);
  EXPECT_EQ(secure("good_RS512").status, 200);
}

}  // namespace
}  // namespace brrt

namespace brrt {
namespace {

// OR-of-AND requirements, 401 vs 403 and key locations, through the running server.
const char* const kRequirementsSpec = R"(openapi: 3.1.0
info: {title: requirements, version: '1'}
components:
  securitySchemes:
    Key: {type: apiKey, in: header, name: X-Key}
    QueryKey: {type: apiKey, in: query, name: key}
    Basic: {type: http, scheme: basic}
    Jwt: {type: http, scheme: bearer}
paths:
  /and: {get: {operationId: both, security: [{Key: [], Basic: []}], responses: {'200': {description: ok}}}}
  /or: {get: {operationId: either, security: [{QueryKey: []}, {Jwt: []}], responses: {'200': {description: ok}}}}
  /scoped: {get: {operationId: scoped, security: [{Jwt: ['write:pets']}], responses: {'200': {description: ok}}}}
)";

TEST(ServerRequirements, OrOfAndAnd401Versus403) {
  std::string why;
  const json::value* fx = test::jwt_fixtures(why);
  if (!fx) GTEST_SKIP() << why;
  test::LogPipe log_pipe;
  ASSERT_TRUE(log_pipe.ok());
  dispatch::ServiceOptions o;
  o.access_log = true;  // keys sent in the query string must not reach it
  o.log_fd = log_pipe.write_fd();
  o.security.api_keys["Key"] = {"k-1"};
  o.security.api_keys["QueryKey"] = {"q-1"};
  o.security.basic["Basic"] = {{"ada", "lovelace"}};
  security::JwtSchemeConfig jwt;
  jwt.public_keys = {std::string(fx->at("pems").at("ES256").as_string())};
  jwt.issuer = std::string(fx->at("issuer").as_string());
  jwt.audiences = {std::string(fx->at("audience").as_string())};
  o.security.jwt["Jwt"] = jwt;
  dispatch::Service service(spec::load_api_from_text(kRequirementsSpec, "requirements.yaml"), {}, o,
                            1);
  http::ServerConfig cfg;
  cfg.port = 0;
  cfg.threads = 1;
  http::Server server(cfg, service);
  server.start();
  {
    test::BeastClient c(server.port());
    const std::pair<std::string, std::string> key{"X-Key", "k-1"};
    const std::pair<std::string, std::string> ada{"Authorization", "Basic YWRhOmxvdmVsYWNl"};
    auto bearer = [&](const char* name) {
      return std::pair<std::string, std::string>{
          "Authorization", "Bearer " + std::string(fx->at("tokens").at(name).as_string())};
    };
    EXPECT_EQ(c.get("/and", {key}).status, 401);  // AND: the key alone is not enough
    EXPECT_EQ(c.get("/and", {ada}).status, 401);
    EXPECT_EQ(c.get("/and", {key, ada}).status, 200);
    EXPECT_EQ(c.get("/or").status, 401);  // OR: either alternative
    EXPECT_EQ(c.get("/or?key=q-1").status, 200);
    EXPECT_EQ(c.get("/or", {bearer("good_ES256")}).status, 200);
    EXPECT_EQ(c.get("/or?key=wrong").status, 401);
    // A key in the query is the key its percent-encoding spells, under a name spelt either way.
    EXPECT_EQ(c.get("/or?key=q%2D1").status, 200);
    EXPECT_EQ(c.get("/or?k%65y=q-1").status, 200);
    EXPECT_EQ(c.get("/or?key=q%2D2").status, 401);
    const test::Reply forbidden = c.get("/scoped", {bearer("scp_array")});  // read:pets only
    EXPECT_EQ(forbidden.status, 403);
    EXPECT_NE(forbidden.header("WWW-Authenticate").find("insufficient_scope"), std::string::npos);
    EXPECT_EQ(c.get("/scoped", {bearer("good_ES256")}).status, 200);
    EXPECT_EQ(c.get("/scoped", {bearer("expired")}).status, 401);
  }
  server.stop();
  server.wait();
  const std::string log = log_pipe.read_all();
  EXPECT_NE(log.find("/or?key=***"), std::string::npos) << log;
  EXPECT_EQ(log.find("q-1"), std::string::npos) << log;
  EXPECT_EQ(log.find("q%2D1"), std::string::npos) << log;
  EXPECT_NE(log.find("/or?k%65y=***"), std::string::npos) << log;
  EXPECT_EQ(log.find("lovelace"), std::string::npos);
  EXPECT_EQ(log.find("YWRhOmxvdmVsYWNl"), std::string::npos);
}

}  // namespace
}  // namespace brrt
