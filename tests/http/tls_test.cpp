// HTTPS: the server with a TlsContext, against a verifying TLS client (tls_client.hpp), a
// plain-HTTP client sent to the wrong port, and clients that stall or send garbage.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "brrt/http/client_certificate.hpp"
#include "brrt/http/server.hpp"
#include "brrt/http/tls_context.hpp"
#include "http/raw_client.hpp"
#include "http/tls_client.hpp"
#include "tls_files.hpp"

namespace brrt::http {
namespace {

using test::body_of;
using test::RawClient;
using test::status_of;
using test::TlsClient;

constexpr std::size_t kBigBody = 8 * 1024 * 1024;

// Echoes the path and whether the request came over TLS; "/big" answers kBigBody bytes.
class SecureEcho : public Handler {
 public:
  bool handle(std::size_t, const Request& req, Response& res) noexcept override {
    res.set_content_type("text/plain");
    if (req.path == "/big") {
      res.body.resize(kBigBody);
      for (std::size_t i = 0; i < kBigBody; ++i) res.body[i] = static_cast<char>('a' + i % 26);
      return true;
    }
    res.body.append(req.path).append(req.secure ? " secure" : " plain");
    if (const ClientCertificate* c = req.client_certificate) {
      res.body.append(" cert=").append(c->subject);
      res.body.append(c->verified ? " verified" : " unverified: " + c->verify_error);
      for (const auto& name : c->dns_names) res.body.append(" dns=").append(name);
      for (const auto& email : c->emails) res.body.append(" email=").append(email);
    }
    res.body.append("|");
    res.body.append(req.body);
    return true;
  }
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "brrt_tls_" + std::to_string(::getpid()));
    files_ = new test::TlsFiles(test::make_tls_files(*dir_));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete files_;
    delete dir_;
  }
  void start(ServerConfig cfg = {}, TlsVersion min_version = TlsVersion::Tls12) {
    start_with(tls_settings(files_->cert, files_->key, min_version), cfg);
  }
  void start_with(const TlsSettings& tls, ServerConfig cfg = {}) {
    cfg.port = 0;
    cfg.threads = 1;
    cfg.tls = std::make_shared<TlsContext>(tls);
    server_ = std::make_unique<Server>(cfg, handler_);
    server_->start();
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
  }
  // Waits (at most ten seconds) until the server has no open connection.
  bool wait_closed() const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_->transport().open_connections != 0) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  std::uint16_t port() const { return server_->port(); }

  static std::string* dir_;
  static test::TlsFiles* files_;
  SecureEcho handler_;
  std::unique_ptr<Server> server_;
};

std::string* TlsTest::dir_ = nullptr;
test::TlsFiles* TlsTest::files_ = nullptr;

TEST_F(TlsTest, KeepAliveAndPipelinedRequestsOverTls) {
  start();
  TlsClient c(port(), files_->cert, "\x02h2\x08http/1.1");
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_EQ(c.alpn(), "http/1.1");  // h2 offered first, HTTP/1.1 chosen
  EXPECT_EQ(c.version(), "TLSv1.3");
  ASSERT_TRUE(c.send("GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(body_of(c.read_response()), "/one secure|");
  ASSERT_TRUE(
      c.send("POST /two HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
             "GET /three HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(body_of(c.read_response()), "/two secure|hello");
  EXPECT_EQ(body_of(c.read_response()), "/three secure|");
  EXPECT_EQ(server_->transport().requests, 3u);
}

TEST_F(TlsTest, AClientOfferingOnlyH2IsServedHttp11WithoutAlpn) {
  start();
  TlsClient c(port(), files_->cert, "\x02h2");
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_EQ(c.alpn(), "");
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST_F(TlsTest, TheLowestVersionIsTls12UnlessSetTo13) {
  start();
  {
    TlsClient c(port(), files_->cert, {}, 5000, TLS1_2_VERSION);
    ASSERT_TRUE(c.connected()) << c.error();
    EXPECT_EQ(c.version(), "TLSv1.2");
    ASSERT_TRUE(c.send("GET /v HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    EXPECT_EQ(body_of(c.read_response()), "/v secure|");
  }
  TlsClient old(port(), files_->cert, {}, 5000, TLS1_1_VERSION);
  EXPECT_FALSE(old.connected());
  server_->stop();
  server_->wait();

  start({}, TlsVersion::Tls13);
  TlsClient tls12(port(), files_->cert, {}, 5000, TLS1_2_VERSION);
  EXPECT_FALSE(tls12.connected());
  EXPECT_NE(tls12.error().find("protocol version"), std::string::npos) << tls12.error();
  TlsClient tls13(port(), files_->cert);
  ASSERT_TRUE(tls13.connected()) << tls13.error();
  EXPECT_EQ(tls13.version(), "TLSv1.3");
}

TEST_F(TlsTest, ResponsesLargerThanTheSendBufferArriveWhole) {
  start();
  TlsClient c(port(), files_->cert);
  ASSERT_TRUE(c.connected()) << c.error();
  ASSERT_TRUE(
      c.send("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"
             "GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const std::string big = body_of(c.read_response());
  ASSERT_EQ(big.size(), kBigBody);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < big.size(); ++i) wrong += big[i] != static_cast<char>('a' + i % 26);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(body_of(c.read_response()), "/after secure|");
}

TEST_F(TlsTest, PlainHttpToTheHttpsPortIsAnsweredInPlainHttpAndClosed) {
  start();
  {
    RawClient c(port());
    ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const std::string res = c.read_response();
    EXPECT_EQ(status_of(res), 400);
    EXPECT_NE(res.find("application/problem+json"), std::string::npos);
    EXPECT_NE(body_of(res).find("this port speaks HTTPS"), std::string::npos) << res;
    EXPECT_TRUE(c.closed_by_peer());
  }
  TlsClient c(port(), files_->cert);  // and the server goes on
  ASSERT_TRUE(c.connected()) << c.error();
  ASSERT_TRUE(c.send("GET /y HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(body_of(c.read_response()), "/y secure|");
}

TEST_F(TlsTest, AStalledOrGarbledHandshakeIsClosed) {
  ServerConfig cfg;
  cfg.header_timeout = std::chrono::milliseconds(100);
  start(cfg);
  // Closed: end of stream (or a reset) within a few reads (a TLS alert may come first).
  const auto closes = [](RawClient& c) {
    for (int reads = 0; reads < 16; ++reads)
      if (c.closed_by_peer()) return true;
    return false;
  };
  RawClient silent(port());
  RawClient garbled(port());
  ASSERT_TRUE(garbled.send(std::string("\x16\x03\x01\x00\x05hello\x01\x02\x03", 13)));
  EXPECT_TRUE(closes(garbled));
  EXPECT_TRUE(closes(silent));  // after the header timeout, not the idle one (60 s)
  EXPECT_TRUE(wait_closed());
  TlsClient c(port(), files_->cert);
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_EQ(server_->transport().tls_handshake_failures, 2u);
}

TEST_F(TlsTest, AClientThatStopsReadingIsClosedByTheWriteTimeout) {
  ServerConfig cfg;
  cfg.write_timeout = std::chrono::milliseconds(100);
  start(cfg);
  TlsClient c(port(), files_->cert);
  ASSERT_TRUE(c.connected()) << c.error();
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_TRUE(wait_closed());
}

TEST_F(TlsTest, ADrainClosesIdleTlsConnections) {
  start();
  TlsClient c(port(), files_->cert);
  ASSERT_TRUE(c.connected()) << c.error();
  ASSERT_TRUE(c.send("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 200);
  server_->stop();
  EXPECT_TRUE(c.closed_by_peer());
  server_->wait();
}

TEST_F(TlsTest, ACertificateTheClientDoesNotTrustFailsItsHandshake) {
  start();
  const test::TlsFiles other = test::make_tls_files(*dir_, "other");
  TlsClient c(port(), other.cert);
  EXPECT_FALSE(c.connected());
  EXPECT_NE(c.error().find("certificate verify failed"), std::string::npos) << c.error();
}

// SNI: a client naming a host that one of the further certificates covers gets that one
// (wildcards as a whole left-most label); any other client gets the first.
TEST_F(TlsTest, SniChoosesTheCertificateOfTheNamedHost) {
  const test::TlsFiles api =
      test::make_tls_files(*dir_, "api", {.cn = "api.test", .san = "DNS:api.test,DNS:*.api.test"});
  TlsSettings tls = tls_settings(files_->cert, files_->key);
  tls.more_certificates = {{api.cert, api.key}};
  start_with(tls);
  for (const char* host : {"api.test", "v2.api.test"}) {
    TlsClient c(port(), api.cert, {}, 5000, 0, nullptr, host);  // verifies `host`
    ASSERT_TRUE(c.connected()) << host << ": " << c.error();
    EXPECT_EQ(c.peer_subject(), "CN=api.test");
    ASSERT_TRUE(c.send("GET /sni HTTP/1.1\r\nHost: api.test\r\n\r\n"));
    EXPECT_EQ(body_of(c.read_response()), "/sni secure|");
  }
  {
    TlsClient c(port(), files_->cert, "\x08http/1.1", 5000, TLS1_2_VERSION);
    ASSERT_TRUE(c.connected()) << c.error();
    EXPECT_EQ(c.peer_subject(), "CN=localhost");
    EXPECT_EQ(c.alpn(), "http/1.1");
  }
  // Not covered (a wildcard is one whole label): the first certificate, which the client,
  // trusting only the other, refuses.
  TlsClient deep(port(), api.cert, {}, 5000, 0, nullptr, "a.b.api.test");
  EXPECT_FALSE(deep.connected());
  // A switched session keeps ALPN (read from the context it moved to).
  TlsClient alpn(port(), api.cert, "\x02h2\x08http/1.1", 5000, 0, nullptr, "api.test");
  ASSERT_TRUE(alpn.connected()) << alpn.error();
  EXPECT_EQ(alpn.alpn(), "http/1.1");
}

// Mutual TLS: client certificates issued by a CA of the test's own, one from elsewhere, one
// expired, and none.
class MutualTlsTest : public TlsTest {
 protected:
  static void SetUpTestSuite() {
    TlsTest::SetUpTestSuite();
    ca_ = new test::TlsFiles(test::make_tls_files(*dir_, "clients-ca", {.cn = "Test Clients CA"}));
    test::CertOptions alice{.cn = "alice", .san = "DNS:alice.internal,email:alice@example.com"};
    alice.issuer = ca_;
    alice_ = new test::TlsFiles(test::make_tls_files(*dir_, "alice", alice));
    test::CertOptions expired{.cn = "old", .san = ""};
    expired.issuer = ca_;
    expired.not_before = -7200;
    expired.not_after = -3600;
    expired_ = new test::TlsFiles(test::make_tls_files(*dir_, "expired", expired));
    stranger_ =
        new test::TlsFiles(test::make_tls_files(*dir_, "stranger", {.cn = "stranger", .san = ""}));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete alice_;
    delete expired_;
    delete stranger_;
    TlsTest::TearDownTestSuite();
  }
  void start_mtls(ClientCertificates mode, const std::string& crl = {}) {
    TlsSettings tls = tls_settings(files_->cert, files_->key);
    tls.client_ca_file = ca_->cert;
    tls.client_certificates = mode;
    tls.client_crl_file = crl;
    start_with(tls);
  }
  // The body of GET /who over a new connection presenting `identity`; "" when the
  // connection or the exchange fails.
  std::string who(const test::TlsFiles* identity, int max_version = 0) {
    TlsClient c(port(), files_->cert, {}, 5000, max_version, identity);
    if (!c.connected() || !c.send("GET /who HTTP/1.1\r\nHost: localhost\r\n\r\n")) return "";
    return body_of(c.read_response());
  }

  static test::TlsFiles *ca_, *alice_, *expired_, *stranger_;
};

test::TlsFiles* MutualTlsTest::ca_ = nullptr;
test::TlsFiles* MutualTlsTest::alice_ = nullptr;
test::TlsFiles* MutualTlsTest::expired_ = nullptr;
test::TlsFiles* MutualTlsTest::stranger_ = nullptr;

TEST_F(MutualTlsTest, OptionalCertificatesReachTheRequestWithTheirVerdict) {
  start_mtls(ClientCertificates::Optional);
  EXPECT_EQ(who(nullptr), "/who secure|");
  const std::string verified =
      "/who secure cert=CN=alice verified dns=alice.internal email=alice@example.com|";
  EXPECT_EQ(who(alice_), verified);
  EXPECT_EQ(who(alice_, TLS1_2_VERSION), verified);
  EXPECT_EQ(who(expired_), "/who secure cert=CN=old unverified: certificate has expired|");
  EXPECT_EQ(who(stranger_), "/who secure cert=CN=stranger unverified: self-signed certificate|");
  EXPECT_EQ(server_->transport().tls_handshake_failures, 0u);
}

// Revocation: a certificate on the CA's list does not verify; the others do.
TEST_F(MutualTlsTest, ARevokedCertificateDoesNotVerify) {
  test::CertOptions options{.cn = "mallory", .san = ""};
  options.issuer = ca_;
  const test::TlsFiles mallory = test::make_tls_files(*dir_, "mallory", options);
  start_mtls(ClientCertificates::Optional, test::make_crl(*dir_, *ca_, {&mallory}));
  EXPECT_EQ(who(&mallory), "/who secure cert=CN=mallory unverified: certificate revoked|");
  EXPECT_EQ(who(alice_),
            "/who secure cert=CN=alice verified dns=alice.internal email=alice@example.com|");
  server_->stop();
  server_->wait();
  start_mtls(ClientCertificates::Required, test::make_crl(*dir_, *ca_, {&mallory}));
  EXPECT_EQ(who(&mallory), "");
  EXPECT_NE(who(alice_), "");
}

TEST_F(MutualTlsTest, RequiredCertificatesEndTheHandshakesOfOthers) {
  start_mtls(ClientCertificates::Required);
  EXPECT_EQ(who(alice_),
            "/who secure cert=CN=alice verified dns=alice.internal "
            "email=alice@example.com|");
  // With TLS 1.3 the client's side of the handshake ends before the server has checked its
  // certificate: the refusal (an alert) reaches it at its first read.
  EXPECT_EQ(who(nullptr), "");
  EXPECT_EQ(who(expired_), "");
  EXPECT_EQ(who(stranger_), "");
  EXPECT_EQ(who(nullptr, TLS1_2_VERSION), "");
  EXPECT_TRUE(wait_closed());
  EXPECT_EQ(server_->transport().tls_handshake_failures, 4u);
  EXPECT_EQ(server_->transport().requests, 1u);
}

// What TlsContext refuses, each with the file named and why.
TEST_F(TlsTest, UnusableFilesAreErrorsNamingTheFile) {
  const auto error = [](const std::string& cert, const std::string& key) -> std::string {
    try {
      TlsContext ctx(cert, key);
    } catch (const TlsError& e) {
      return e.what();
    }
    return "accepted";
  };
  const test::TlsFiles other = test::make_tls_files(*dir_, "mismatch");
  EXPECT_EQ(error(*dir_ + "/none.crt", files_->key), "cannot read the certificate chain '" + *dir_ +
                                                         "/none.crt': No such file or directory");
  EXPECT_NE(error(files_->key, files_->key).find("is not a PEM certificate"), std::string::npos);
  EXPECT_NE(error(files_->cert, files_->cert).find("is not a PEM private key"), std::string::npos);
  EXPECT_NE(error(files_->cert, other.key).find("is not the key of the certificate"),
            std::string::npos);

  // An encrypted key is refused without asking for its passphrase on the terminal.
  const std::string encrypted = *dir_ + "/encrypted.key";
  {
    FILE* in = std::fopen(files_->key.c_str(), "r");
    EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
    std::fclose(in);
    ASSERT_NE(key, nullptr);
    FILE* out = std::fopen(encrypted.c_str(), "w");
    static const char kPass[] = "secret";
    PEM_write_PrivateKey(out, key, EVP_aes_128_cbc(), nullptr, 0, nullptr,
                         const_cast<char*>(kPass));
    std::fclose(out);
    EVP_PKEY_free(key);
  }
  EXPECT_NE(error(files_->cert, encrypted).find("is encrypted"), std::string::npos)
      << error(files_->cert, encrypted);
  EXPECT_EQ(error(files_->cert, files_->key), "accepted");

  const auto client_ca_error = [&](const std::string& ca, ClientCertificates mode) -> std::string {
    try {
      TlsSettings tls = tls_settings(files_->cert, files_->key);
      tls.client_ca_file = ca;
      tls.client_certificates = mode;
      TlsContext ctx(tls);
    } catch (const TlsError& e) {
      EXPECT_EQ(e.file(), TlsError::File::ClientCa);
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(client_ca_error("", ClientCertificates::Optional),
            "client certificates are asked for without a CA file to verify them");
  EXPECT_NE(client_ca_error(*dir_ + "/none.crt", ClientCertificates::Required)
                .find("cannot read the client CA file"),
            std::string::npos);
  EXPECT_NE(client_ca_error(files_->key, ClientCertificates::Optional).find("client CA file"),
            std::string::npos);
  EXPECT_EQ(client_ca_error(files_->cert, ClientCertificates::Optional), "accepted");
  try {  // a CRL file without a CRL
    TlsSettings tls = tls_settings(files_->cert, files_->key);
    tls.client_ca_file = files_->cert;
    tls.client_certificates = ClientCertificates::Optional;
    tls.client_crl_file = files_->cert;
    TlsContext ctx(tls);
    ADD_FAILURE() << "accepted";
  } catch (const TlsError& e) {
    EXPECT_EQ(e.file(), TlsError::File::ClientCrl);
    EXPECT_EQ(std::string(e.what()),
              "the client CRL file '" + files_->cert + "' holds no PEM revocation list");
  }

  // A further certificate (SNI) that does not load names itself.
  try {
    TlsSettings tls = tls_settings(files_->cert, files_->key);
    tls.more_certificates = {{other.cert, other.key}, {other.cert, files_->key}};
    TlsContext ctx(tls);
    ADD_FAILURE() << "accepted";
  } catch (const TlsError& e) {
    EXPECT_EQ(e.certificate(), 2u);
    EXPECT_EQ(e.file(), TlsError::File::PrivateKey);
    EXPECT_NE(std::string(e.what()).find("is not the key of the certificate"), std::string::npos);
  }
}

}  // namespace
}  // namespace brrt::http
