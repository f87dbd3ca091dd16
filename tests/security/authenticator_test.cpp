// Requirement semantics (OR of AND), 401 vs 403, fail-closed schemes, API keys in header,
// query and cookie, basic credentials, and the failure metrics.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <map>

#include "brrt/http/client_certificate.hpp"
#include "brrt/security/authenticator.hpp"
#include "brrt/security/basic_provider.hpp"
#include "fixtures.hpp"

namespace brrt::security {
namespace {

const char* const kSpec = R"(openapi: 3.1.0
info: {title: auth, version: '1'}
components:
  securitySchemes:
    Key: {type: apiKey, in: header, name: X-Key}
    QueryKey: {type: apiKey, in: query, name: key}
    CookieKey: {type: apiKey, in: cookie, name: session}
    Basic: {type: http, scheme: basic}
    Jwt: {type: http, scheme: bearer}
    OAuth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://t.test/token', scopes: {'read:pets': r, 'write:pets': w}}}}
    Ghost: {type: apiKey, in: header, name: X-Ghost}
paths:
  /and: {get: {operationId: and, security: [{Key: [], Basic: []}], responses: {'200': {description: ok}}}}
  /or: {get: {operationId: or, security: [{Key: []}, {Jwt: []}], responses: {'200': {description: ok}}}}
  /scoped: {get: {operationId: scoped, security: [{OAuth: ['write:pets']}], responses: {'200': {description: ok}}}}
  /query: {get: {operationId: query, security: [{QueryKey: []}, {CookieKey: []}], responses: {'200': {description: ok}}}}
  /ghost: {get: {operationId: ghost, security: [{Ghost: []}], responses: {'200': {description: ok}}}}
  /ghost-or-key: {get: {operationId: ghostOrKey, security: [{Ghost: []}, {Key: []}], responses: {'200': {description: ok}}}}
  /public: {get: {operationId: public, security: [], responses: {'200': {description: ok}}}}
)";

struct FakeRequest : CredentialSource {
  std::map<std::string, std::string> headers, query_params, cookies;
  const http::ClientCertificate* certificate = nullptr;
  const http::ClientCertificate* client_certificate() const override { return certificate; }
  std::optional<std::string_view> header(std::string_view n) const override {
    for (const auto& [k, v] : headers)
      if (k.size() == n.size() && strncasecmp(k.data(), n.data(), n.size()) == 0) return v;
    return std::nullopt;
  }
  std::optional<std::string_view> query(std::string_view n) const override {
    auto it = query_params.find(std::string(n));
    return it == query_params.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  }
  std::optional<std::string_view> cookie(std::string_view n) const override {
    auto it = cookies.find(std::string(n));
    return it == cookies.end() ? std::nullopt : std::optional<std::string_view>(it->second);
  }
};

std::string basic(const std::string& user, const std::string& password) {
  const std::string raw = user + ":" + password;
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

class Auth : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = spec::load_api_from_text(kSpec, "auth.yaml");
    SecurityConfig c;
    c.api_keys["Key"] = {"k-123", "k-456"};
    c.api_keys["QueryKey"] = {"q-1"};
    c.api_keys["CookieKey"] = {"c-1"};
    c.basic["Basic"] = {{"ada", "lovelace"},
                        {"bob", BasicProvider::hash_password("builder", 1000)}};
    std::string why;
    fx_ = test::jwt_fixtures(why);
    if (fx_) {
      JwtSchemeConfig j;
      j.public_keys = {std::string(fx_->at("pems").at("ES256").as_string())};
      j.issuer = std::string(fx_->at("issuer").as_string());
      j.audiences = {std::string(fx_->at("audience").as_string())};
      c.jwt["Jwt"] = j;
      c.jwt["OAuth"] = j;
    }
    auth_ = std::make_unique<Authenticator>(*api_, c, 1);
  }
  AuthDecision check(const char* operation, const FakeRequest& r) {
    return auth_->check(api_->find_operation(operation)->security, r);
  }
  std::string token(const char* name) const {
    return "Bearer " + std::string(fx_->at("tokens").at(name).as_string());
  }
  std::shared_ptr<const spec::Api> api_;
  std::unique_ptr<Authenticator> auth_;
  const boost::json::value* fx_ = nullptr;
};

TEST_F(Auth, AndNeedsEverySchemeOfTheRequirement) {
  FakeRequest r;
  r.headers["X-Key"] = "k-456";
  AuthDecision d = check("and", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "missing");
  EXPECT_EQ(d.challenge, "Basic realm=\"brrtrouter\", charset=\"UTF-8\"");
  r.headers["Authorization"] = basic("ada", "lovelace");
  d = check("and", r);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.schemes, (std::vector<std::string_view>{"Key", "Basic"}));
  ASSERT_TRUE(d.claims);
  EXPECT_EQ(d.claims->at("sub").as_string(), "ada");
  r.headers["Authorization"] = basic("bob", "builder");  // stored pre-hashed
  EXPECT_EQ(check("and", r).status, 200);
  r.headers["Authorization"] = basic("bob", "wrong");
  EXPECT_EQ(check("and", r).reason, "wrong_credentials");
  r.headers["Authorization"] = basic("mallory", "lovelace");
  EXPECT_EQ(check("and", r).reason, "wrong_credentials");
  r.headers["X-Key"] = "k-999";
  r.headers["Authorization"] = basic("ada", "lovelace");
  d = check("and", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "wrong_key");
  EXPECT_EQ(d.challenge, "APIKey header=\"X-Key\"");
}

TEST_F(Auth, OrTakesAnyAlternative) {
  if (!fx_) GTEST_SKIP() << "no JWT fixtures (node/jose missing)";
  FakeRequest r;
  EXPECT_EQ(check("or", r).status, 401);
  r.headers["Authorization"] = token("good_ES256");
  AuthDecision d = check("or", r);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.schemes, (std::vector<std::string_view>{"Jwt"}));
  EXPECT_EQ(d.claims->at("sub").as_string(), "user-1");
  r.headers["Authorization"] = token("expired");  // not an ES256 key: refused
  d = check("or", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_NE(d.challenge.find("invalid_token"), std::string::npos);
  r.headers["X-Key"] = "k-123";  // the other alternative
  EXPECT_EQ(check("or", r).status, 200);
}

TEST_F(Auth, MissingScopeIs403NotAuthenticatedIs401) {
  if (!fx_) GTEST_SKIP() << "no JWT fixtures (node/jose missing)";
  FakeRequest r;
  r.headers["Authorization"] = token("scp_array");  // only read:pets
  AuthDecision d = check("scoped", r);
  EXPECT_EQ(d.status, 403);
  EXPECT_NE(d.challenge.find("insufficient_scope"), std::string::npos);
  r.headers["Authorization"] = token("good_ES256");  // read:pets write:pets
  EXPECT_EQ(check("scoped", r).status, 200);
  r.headers["Authorization"] = "Bearer garbage";
  EXPECT_EQ(check("scoped", r).status, 401);
}

TEST_F(Auth, KeysInQueryAndCookie) {
  FakeRequest r;
  EXPECT_EQ(check("query", r).status, 401);
  r.query_params["key"] = "q-1";
  EXPECT_EQ(check("query", r).status, 200);
  r.query_params.clear();
  r.cookies["session"] = "c-1";
  EXPECT_EQ(check("query", r).status, 200);
  r.cookies["session"] = "c-2";
  EXPECT_EQ(check("query", r).reason, "wrong_key");
}

TEST_F(Auth, SchemesWithoutProviderFailClosedAndAreReported) {
  FakeRequest r;
  r.headers["X-Ghost"] = "anything";
  AuthDecision d = check("ghost", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "no_provider");
  ASSERT_EQ(auth_->warnings().size(), 1u);
  EXPECT_NE(auth_->warnings()[0].find("'Ghost'"), std::string::npos);
  EXPECT_EQ(check("public", r).status, 200);
}

// An alternative with no provider is the least useful thing to tell a client: a missing or
// wrong credential for an alternative it could use is reported instead (it read "no_provider"
// whatever the client sent).
TEST_F(Auth, AnAlternativeWithoutProviderIsReportedLast) {
  FakeRequest r;
  AuthDecision d = check("ghostOrKey", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "missing");
  EXPECT_EQ(d.challenge, "APIKey header=\"X-Key\"");
  r.headers["X-Key"] = "k-999";
  EXPECT_EQ(check("ghostOrKey", r).reason, "wrong_key");
  r.headers["X-Key"] = "k-123";
  EXPECT_EQ(check("ghostOrKey", r).status, 200);
}

// mutualTLS: the connection's client certificate (what the http layer read from the
// handshake), verified, and named by the allow list when there is one.
constexpr const char* kMutualTlsSpec = R"(
openapi: 3.1.0
info: {title: mtls, version: '1'}
components:
  securitySchemes:
    Any: {type: mutualTLS}
    Listed: {type: mutualTLS}
paths:
  /any: {get: {operationId: any, security: [{Any: []}], responses: {'200': {description: ok}}}}
  /listed: {get: {operationId: listed, security: [{Listed: []}], responses: {'200': {description: ok}}}}
)";

class MutualTls : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = spec::load_api_from_text(kMutualTlsSpec, "mtls.yaml");
    alice_.verified = true;
    alice_.subject = "CN=alice,O=Example";
    alice_.dns_names = {"alice.internal"};
    alice_.claims =
        std::make_shared<const boost::json::object>(boost::json::object{{"sub", alice_.subject}});
  }
  std::unique_ptr<Authenticator> authenticator(bool client_certificates) {
    SecurityConfig c;
    c.client_certificates = client_certificates;
    c.mutual_tls["Listed"] = {"CN=bob,O=Example", "carol.internal"};
    return std::make_unique<Authenticator>(*api_, c, 1);
  }
  AuthDecision check(const Authenticator& a, const char* operation, const FakeRequest& r) {
    return a.check(api_->find_operation(operation)->security, r);
  }
  std::shared_ptr<const spec::Api> api_;
  http::ClientCertificate alice_;
};

TEST_F(MutualTls, AVerifiedCertificatePassesWithItsClaims) {
  const auto auth = authenticator(true);
  EXPECT_TRUE(auth->warnings().empty());
  FakeRequest r;
  AuthDecision d = check(*auth, "any", r);
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.reason, "no_client_certificate");
  EXPECT_EQ(d.challenge, "MutualTLS realm=\"brrtrouter\"");
  r.certificate = &alice_;
  d = check(*auth, "any", r);
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(d.claims, alice_.claims);  // the connection's, not a copy
  alice_.verified = false;
  alice_.verify_error = "certificate has expired";
  EXPECT_EQ(check(*auth, "any", r).reason, "untrusted_certificate");
  EXPECT_NE(auth->render_metrics().find("scheme=\"Any\",reason=\"untrusted_certificate\"} 1"),
            std::string::npos)
      << auth->render_metrics();
}

TEST_F(MutualTls, AnAllowListNamesSubjectsOrAltNames) {
  const auto auth = authenticator(true);
  FakeRequest r;
  r.certificate = &alice_;
  EXPECT_EQ(check(*auth, "listed", r).reason, "certificate_not_allowed");
  alice_.subject = "CN=bob,O=Example";
  EXPECT_EQ(check(*auth, "listed", r).status, 200);
  alice_.subject = "CN=carol";
  alice_.dns_names = {"other.internal", "carol.internal"};
  EXPECT_EQ(check(*auth, "listed", r).status, 200);
  alice_.verified = false;  // listed, but not verified
  EXPECT_EQ(check(*auth, "listed", r).reason, "untrusted_certificate");
}

TEST_F(MutualTls, WithoutClientCertificatesTheSchemeIsReported) {
  const auto auth = authenticator(false);
  ASSERT_EQ(auth->warnings().size(), 2u);
  EXPECT_EQ(auth->warnings()[0],
            "security scheme 'Any' needs client certificates, which the server does not ask for "
            "(tls.client_ca): requests that need it get 401");
}

// RFC 9110 11.4: one or more spaces between the auth-scheme and the credentials, the scheme
// in any case.
TEST(CredentialsFor, SchemeThenOneOrMoreSpaces) {
  EXPECT_EQ(credentials_for("Bearer abc", "Bearer"), "abc");
  EXPECT_EQ(credentials_for("bearer   abc", "Bearer"), "abc");
  EXPECT_EQ(credentials_for("BASIC eHk6eg==", "Basic"), "eHk6eg==");
  EXPECT_EQ(credentials_for("Bearer ", "Bearer"), "");
  EXPECT_EQ(credentials_for("Bearer", "Bearer"), std::nullopt);
  EXPECT_EQ(credentials_for("Bearerabc", "Bearer"), std::nullopt);
  EXPECT_EQ(credentials_for("Basic abc", "Bearer"), std::nullopt);
  EXPECT_EQ(credentials_for("", "Bearer"), std::nullopt);
}

TEST_F(Auth, CredentialsAfterSeveralSpaces) {
  FakeRequest r;
  r.headers["X-Key"] = "k-123";
  r.headers["Authorization"] = "Basic  " + basic("ada", "lovelace").substr(6);
  EXPECT_EQ(check("and", r).status, 200);
  if (!fx_) GTEST_SKIP() << "no JWT fixtures (node/jose missing)";
  r.headers.clear();
  r.headers["Authorization"] = "Bearer  " + token("good_ES256").substr(7);
  EXPECT_EQ(check("or", r).status, 200);
}

TEST_F(Auth, FailuresAreCountedBySchemeAndReasonWithoutSecrets) {
  FakeRequest r;
  r.headers["X-Key"] = "super-secret-guess";
  r.headers["Authorization"] = basic("ada", "lovelace");
  check("and", r);
  check("and", r);
  const std::string m = auth_->render_metrics();
  EXPECT_NE(m.find("brrt_auth_failures_total{scheme=\"Key\",reason=\"wrong_key\"} 2"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("super-secret-guess"), std::string::npos);
}

TEST(BasicProvider, RejectsMalformedConfiguration) {
  using Users = std::map<std::string, std::string>;
  EXPECT_THROW(BasicProvider(Users{{"a:b", "x"}}), std::invalid_argument);
  EXPECT_THROW(BasicProvider(Users{{"a", "pbkdf2-sha256$10$zz$00"}}), std::invalid_argument);
}

}  // namespace
}  // namespace brrt::security
