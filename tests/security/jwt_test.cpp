// JWT verification against tokens and keys made by `jose`: every algorithm, every attack
// and failure case, JWKS rotation and outages through a fake fetcher, the token cache.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <thread>

#include "brrt/http/client_certificate.hpp"
#include "brrt/security/bearer_provider.hpp"
#include "brrt/security/jwt_verifier.hpp"
#include "brrt/security/key_source.hpp"
#include "fixtures.hpp"
#include "hs256_token.hpp"

namespace brrt::security {
namespace {

namespace json = boost::json;

class Jwt : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    fx_ = test::jwt_fixtures(why);
    if (!fx_) GTEST_SKIP() << why;
    now_ = fx_->at("now").as_int64();
    policy_.issuer = std::string(fx_->at("issuer").as_string());
    policy_.audiences = {std::string(fx_->at("audience").as_string())};
    keys_ = keys_from_jwks(fx_->at("jwks"));
  }
  std::string token(const char* name) const {
    return std::string(fx_->at("tokens").at(name).as_string());
  }
  AuthResult verify(const char* name, std::vector<std::string> scopes = {}) const {
    return JwtVerifier(policy_).verify(token(name), keys_, scopes, now_);
  }
  const json::value* fx_ = nullptr;
  std::int64_t now_ = 0;
  JwtPolicy policy_;
  KeyList keys_;
};

TEST_F(Jwt, EveryAlgorithmVerifies) {
  ASSERT_EQ(keys_.size(), 12u);
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                          "EdDSA", "HS256", "HS384", "HS512"}) {
    const AuthResult r = verify(("good_" + std::string(alg)).c_str(), {"read:pets"});
    ASSERT_EQ(r.outcome, Outcome::Ok) << alg << ": " << r.reason;
    EXPECT_EQ(r.claims->at("sub").as_string(), "user-1") << alg;
  }
}

TEST_F(Jwt, StaticPemKeysAndSecretsVerifyToo) {
  KeyList list;
  for (const char* alg : {"RS256", "ES384", "EdDSA"})
    list.push_back(key_from_pem(fx_->at("pems").at(alg).as_string()));
  std::string secret;
  ASSERT_TRUE(base64url_decode(fx_->at("secrets").at("HS512").as_string(), secret));
  list.push_back(key_from_secret(secret));
  const JwtVerifier v(policy_);
  for (const char* name : {"good_RS256", "good_ES384", "good_EdDSA", "good_HS512"})
    EXPECT_EQ(v.verify(token(name), list, {}, now_).outcome, Outcome::Ok) << name;
  // A key of another kind never verifies a token: RS256 token vs the ES384 key alone.
  EXPECT_NE(v.verify(token("good_RS256"), std::span(list).subspan(1, 1), {}, now_).outcome,
            Outcome::Ok);
}

TEST_F(Jwt, FailuresAndAttacksAreRefusedWithTheirReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"expired", "expired"},
      {"not_yet_valid", "not_yet_valid"},
      {"wrong_issuer", "wrong_issuer"},
      {"wrong_audience", "wrong_audience"},
      {"bad_signature", "bad_signature"},
      {"unknown_kid", "unknown_key"},
      {"alg_none", "alg_not_allowed"},
      {"malformed", "malformed"},
  };
  for (const auto& [name, reason] : cases) {
    const AuthResult r = verify(name);
    EXPECT_EQ(r.outcome, Outcome::Invalid) << name;
    EXPECT_EQ(r.reason, reason) << name;
  }
  // HS256 "signed" with the RSA public key: no HMAC key has that kid and the RSA key can
  // never verify an HS* token.
  const AuthResult confused = verify("hs256_with_rsa_public_key");
  EXPECT_EQ(confused.outcome, Outcome::Invalid);
  // Even when the PEM text itself were configured as a key, it is a public key, not a secret.
  KeyList pem_only{key_from_pem(fx_->at("pems").at("RS256").as_string(), "kid-RS256")};
  EXPECT_EQ(
      JwtVerifier(policy_).verify(token("hs256_with_rsa_public_key"), pem_only, {}, now_).outcome,
      Outcome::Invalid);
}

TEST_F(Jwt, ScopesAndLeeway) {
  EXPECT_EQ(verify("good_ES256", {"read:pets", "write:pets"}).outcome, Outcome::Ok);
  EXPECT_EQ(verify("no_scope", {"read:pets"}).outcome, Outcome::InsufficientScope);
  EXPECT_EQ(verify("scp_array", {"read:pets"}).outcome, Outcome::Ok);
  EXPECT_EQ(verify("scp_array", {"write:pets"}).outcome, Outcome::InsufficientScope);
  // The expired token expired an hour ago: a leeway of two hours accepts it.
  JwtPolicy lenient = policy_;
  lenient.leeway = std::chrono::hours(2);
  EXPECT_EQ(JwtVerifier(lenient).verify(token("expired"), keys_, {}, now_).outcome, Outcome::Ok);
  // An allow-list of algorithms is enforced.
  JwtPolicy only_es = policy_;
  only_es.algorithms = {"ES256"};
  EXPECT_EQ(JwtVerifier(only_es).verify(token("good_RS256"), keys_, {}, now_).reason,
            "alg_not_allowed");
}

TEST_F(Jwt, Base64urlIsStrict) {
  std::string out;
  EXPECT_TRUE(base64url_decode("aGVsbG8", out));
  EXPECT_EQ(out, "hello");
  EXPECT_FALSE(base64url_decode("aGVsbG8=", out));  // padding
  EXPECT_FALSE(base64url_decode("aGVs+G8", out));   // base64, not base64url
  EXPECT_FALSE(base64url_decode("aGVsbG9", out));   // non-zero trailing bits
}

// A fetcher serving a JWKS the test can swap or take down, counting calls.
struct FakeJwksServer {
  std::mutex mu;
  std::string body;
  bool down = false;
  std::atomic<int> calls{0};
  Fetcher fetcher() {
    return [this](const std::string&, std::chrono::milliseconds) {
      ++calls;
      std::lock_guard lock(mu);
      FetchResult r;
      if (down)
        r.error = "connection refused";
      else {
        r.status = 200;
        r.body = body;
      }
      return r;
    };
  }
  void serve(const json::value& jwks) {
    std::lock_guard lock(mu);
    body = json::serialize(jwks);
    down = false;
  }
};

// Polls `done` until it holds or 10 s pass (the background fetcher runs on its own).
template <class F>
bool eventually(F done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST_F(Jwt, UnknownKidRefetchesAreRateLimited) {
  FakeJwksServer server;
  server.serve(fx_->at("jwks"));
  JwksOptions o;
  o.jwks_url = "http://jwks.test/keys";
  o.min_refetch_interval = std::chrono::hours(1);
  auto keys = std::make_shared<JwksKeys>(o, 1, server.fetcher());
  ASSERT_TRUE(eventually([&] { return keys->ready(); }));
  BearerOptions bo;
  bo.policy = policy_;
  BearerProvider provider(bo, keys, 1);
  EXPECT_EQ(provider.verify_token(token("good_PS256"), {}, 0, now_).outcome, Outcome::Ok);
  const int before = server.calls.load();
  // Forged or new kids within the window never reach the key server.
  server.serve(fx_->at("jwks_rotated"));
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(provider.verify_token(token("rotated"), {}, 0, now_).reason, "unknown_key");
  EXPECT_EQ(server.calls.load(), before);
}

TEST_F(Jwt, JwksRotationAndOutage) {
  FakeJwksServer server;
  server.serve(fx_->at("jwks"));
  JwksOptions o;
  o.jwks_url = "http://jwks.test/keys";
  o.min_refetch_interval = std::chrono::seconds(0);
  auto keys = std::make_shared<JwksKeys>(o, 1, server.fetcher());
  ASSERT_TRUE(eventually([&] { return keys->ready(); }));
  BearerOptions bo;
  bo.policy = policy_;
  BearerProvider provider(bo, keys, 1);
  // The key server rotates: the first token with the new kid is refused and triggers the
  // refetch that brings the key.
  server.serve(fx_->at("jwks_rotated"));
  const auto generation = keys->generation();
  EXPECT_EQ(provider.verify_token(token("rotated"), {}, 0, now_).reason, "unknown_key");
  ASSERT_TRUE(eventually([&] { return keys->generation() > generation; }));
  EXPECT_EQ(provider.verify_token(token("rotated"), {}, 0, now_).outcome, Outcome::Ok);

  // The key server goes down: a refetch fails, and the last good keys keep working.
  server.down = true;
  const auto fetches = keys->fetches();
  EXPECT_EQ(provider.verify_token(token("unknown_kid"), {}, 0, now_).reason, "unknown_key");
  ASSERT_TRUE(eventually([&] { return keys->fetches() > fetches; }));
  EXPECT_FALSE(keys->last_error().empty());
  EXPECT_EQ(provider.verify_token(token("good_ES384"), {}, 0, now_).outcome, Outcome::Ok);
}

TEST_F(Jwt, NoKeysEverFailsClosed) {
  FakeJwksServer server;
  server.down = true;
  JwksOptions o;
  o.jwks_url = "http://jwks.test/keys";
  auto keys = std::make_shared<JwksKeys>(o, 1, server.fetcher());
  ASSERT_TRUE(eventually([&] { return keys->fetches() > 0; }));
  BearerOptions bo;
  bo.policy = policy_;
  BearerProvider provider(bo, keys, 1);
  const AuthResult r = provider.verify_token(token("good_RS256"), {}, 0, now_);
  EXPECT_EQ(r.outcome, Outcome::Unavailable);
  EXPECT_EQ(r.reason, "no_keys");
}

TEST_F(Jwt, CacheAnswersRepeatsAndHonoursExpiry) {
  BearerOptions bo;
  bo.policy = policy_;
  bo.policy.leeway = std::chrono::seconds(0);
  bo.cache_entries = 2;
  BearerProvider provider(bo, std::make_shared<StaticKeys>(keys_), 1);
  const std::string t = token("good_RS256");
  EXPECT_EQ(provider.verify_token(t, {}, 0, now_).outcome, Outcome::Ok);
  const std::vector<std::string> read{"read:pets"}, admin{"admin"};
  const AuthResult hit = provider.verify_token(t, read, 0, now_);
  EXPECT_EQ(hit.outcome, Outcome::Ok);
  EXPECT_EQ(provider.verify_token(t, admin, 0, now_).outcome, Outcome::InsufficientScope);
  // After `exp` the cached entry no longer answers.
  EXPECT_EQ(provider.verify_token(t, {}, 0, now_ + 3601).reason, "expired");
  // Bounded: more distinct tokens than entries still verify.
  for (const char* name : {"good_ES256", "good_ES384", "good_EdDSA", "good_HS256"})
    EXPECT_EQ(provider.verify_token(token(name), {}, 0, now_).outcome, Outcome::Ok) << name;
}

}  // namespace
}  // namespace brrt::security

namespace brrt::security {
namespace {

// RFC 8705 certificate-bound tokens: `cnf.x5t#S256` names the client certificate the token
// is good with; checked on every request, from the cache too.
TEST(CertificateBoundTokens, PassOnlyOverAConnectionWithTheirCertificate) {
  const std::string secret(32, 'k');
  KeyList keys;
  keys.push_back(key_from_secret(secret));
  const std::int64_t now = 1'800'000'000;
  http::ClientCertificate alice;
  alice.verified = true;
  alice.sha256_thumbprint = "q1MKE-RZFJjrefm3DOT8QJbxaiJ1N8Z9oSG9OpIkKqU";
  http::ClientCertificate bob = alice;
  bob.sha256_thumbprint = "bobbobbobbobbobbobbobbobbobbobbobbobbobbob0";
  const std::string bound = test::hs256_token(
      secret, {{"sub", "svc"},
               {"exp", now + 600},
               {"cnf", boost::json::object{{"x5t#S256", alice.sha256_thumbprint}}}});
  const std::string unbound = test::hs256_token(secret, {{"sub", "svc"}, {"exp", now + 600}});
  for (std::size_t cache_entries : {std::size_t{10}, std::size_t{0}}) {
    BearerOptions options;
    options.cache_entries = cache_entries;
    const BearerProvider provider(options, std::make_shared<StaticKeys>(keys), 1);
    EXPECT_EQ(provider.verify_token(bound, {}, 0, now, &alice).outcome, Outcome::Ok);
    EXPECT_EQ(provider.verify_token(bound, {}, 0, now).reason, "certificate_binding");
    EXPECT_EQ(provider.verify_token(bound, {}, 0, now, &bob).reason, "certificate_binding");
    http::ClientCertificate unverified = alice;
    unverified.verified = false;
    EXPECT_EQ(provider.verify_token(bound, {}, 0, now, &unverified).reason, "certificate_binding");
    EXPECT_EQ(provider.verify_token(bound, {}, 0, now, &alice).outcome, Outcome::Ok);
    EXPECT_EQ(provider.verify_token(unbound, {}, 0, now).outcome, Outcome::Ok);
    EXPECT_EQ(provider.verify_token(unbound, {}, 0, now, &bob).outcome, Outcome::Ok);
  }
}

}  // namespace
}  // namespace brrt::security
