// `brrtrouter serve` as a user runs it: the real binary on an ephemeral loopback port,
// exercised with curl; the JSON access log read from its stdout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "hs256_token.hpp"
#include "http/raw_client.hpp"
#include "node_client.hpp"
#include "tls_files.hpp"

namespace {

// The server process with its stdout (access log) and stderr (startup lines) piped.
class ServeProcess {
 public:
  // `nofile`: the server's open-file limit, soft and hard (0: the test's own).
  explicit ServeProcess(std::vector<std::string> args, std::vector<std::string> env = {},
                        rlim_t nofile = 0) {
    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::close(out[0]);
      ::close(err[0]);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      if (nofile != 0) {
        const rlimit lim{nofile, nofile};
        ::setrlimit(RLIMIT_NOFILE, &lim);
      }
      std::vector<char*> argv;
      const std::string bin = std::string(BRRT_BINARY_DIR) + "/bin/brrtrouter";
      argv.push_back(const_cast<char*>(bin.c_str()));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::chdir(BRRT_SOURCE_DIR);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    // Ready when the startup line names the bound port (or the process ends).
    const std::regex ready(R"(on (https?)://(127\.0\.0\.1|\[::1\]):(\d+))");
    std::smatch m;
    while (!std::regex_search(stderr_, m, ready) && read_some(err_fd_, stderr_, 30000)) {
    }
    if (std::regex_search(stderr_, m, ready)) {
      scheme_ = m[1];
      host_ = m[2];
      port_ = std::stoi(m[3]);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  int port() const { return port_; }
  const std::string& startup() const { return stderr_; }
  std::string url(const std::string& path) const {
    return scheme_ + "://" + host_ + ":" + std::to_string(port_) + path;
  }

  // Reads access-log lines until `count` are there (each request logs one).
  std::vector<std::string> log_lines(std::size_t count) {
    while (lines(stdout_).size() < count && read_some(out_fd_, stdout_, 10000)) {
    }
    return lines(stdout_);
  }

  // Sends `sig` to the server.
  void signal(int sig) const { ::kill(pid_, sig); }
  // Reads stderr until `needle` appears after its first `from` bytes; false if it did not
  // within the timeout (or the process ended).
  bool await_stderr(const std::string& needle, std::size_t from) {
    while (stderr_.find(needle, from) == std::string::npos)
      if (!read_some(err_fd_, stderr_, 15000)) return false;
    return true;
  }
  std::size_t stderr_size() const { return stderr_.size(); }

  // SIGTERM, then the exit code and everything it wrote to stderr.
  int stop() {
    ::kill(pid_, SIGTERM);
    return wait_exit();
  }
  // The exit code once the process ends (-1 if a signal ended it), and everything it wrote
  // to stderr.
  int wait_exit() {
    while (read_some(err_fd_, stderr_, 15000)) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  static std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0, nl;
    while ((nl = s.find('\n', start)) != std::string::npos) {
      out.push_back(s.substr(start, nl - start));
      start = nl + 1;
    }
    return out;
  }
  static bool read_some(int fd, std::string& into, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  int port_ = 0;
  std::string scheme_ = "http";
  std::string host_ = "127.0.0.1";
  bool exited_ = false;
  std::string stdout_, stderr_;
};

struct Curl {
  int status = 0;
  std::string body;
};

// curl ARGS; the status code is appended by -w on a line of its own.
Curl curl(const std::string& args) {
  const std::string cmd = "curl -sS --max-time 10 -w '\\n%{http_code}' " + args;
  Curl c;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return c;
  std::array<char, 4096> buf;
  std::string out;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  const auto nl = out.rfind('\n');
  if (nl == std::string::npos) return c;
  c.status = std::atoi(out.c_str() + nl + 1);
  c.body = out.substr(0, nl);
  return c;
}

bool have_curl() {
  return std::system("command -v curl >/dev/null 2>&1") == 0;
}

// A config file under /tmp for one test, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& stem, const std::string& text)
      : path_("/tmp/brrt-" + stem + "-" + std::to_string(::getpid()) + ".yaml") {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Serve, PetStoreWithItsConfigAnswersCurl) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  ServeProcess srv({"serve", "examples/pet_store/openapi.yaml", "--config",
                    "examples/pet_store/config.yaml", "--port", "0", "--threads", "2",
                    "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_NE(srv.startup().find("20 operations"), std::string::npos) << srv.startup();

  Curl c = curl(srv.url("/pets"));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(boost::json::parse(c.body).as_array().size(), 2u);
  EXPECT_EQ(curl(srv.url("/pets/1")).status, 401);
  EXPECT_EQ(curl("-H 'X-API-Key: test123' " + srv.url("/pets/1")).status, 200);
  EXPECT_EQ(curl("-I -H 'X-API-Key: test123' " + srv.url("/users/u1")).status, 200);
  EXPECT_EQ(curl("-X DELETE -H 'X-API-Key: test123' " + srv.url("/users/u1")).status, 204);
  EXPECT_EQ(curl("-X PATCH " + srv.url("/pets")).status, 405);
  c = curl("-H 'X-API-Key: test123' -F description=hi -F 'file=@" + std::string(BRRT_SOURCE_DIR) +
           "/README.md' " + srv.url("/upload"));
  EXPECT_EQ(c.status, 201) << c.body;
  c = curl("--data 'name=Ada&age=36' " + srv.url("/form"));
  EXPECT_EQ(c.status, 200) << c.body;
  c = curl(srv.url("/docs"));
  EXPECT_EQ(c.status, 200);
  EXPECT_NE(c.body.find("swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(curl(srv.url("/docs/swagger-ui-bundle.js")).status, 200);
  c = curl(srv.url("/openapi.json"));
  EXPECT_EQ(boost::json::parse(c.body).at("openapi").as_string(), "3.1.0");
  // /secure: a bearer JWT signed with the demo secret of the config file (minted by jose).
  FILE* mint =
      ::popen(("cd " + std::string(BRRT_SOURCE_DIR) +
               " && node -e \"import('jose').then(async ({SignJWT}) => console.log(await new "
               "SignJWT({scope: 'read:pets'}).setProtectedHeader({alg: 'HS256'}).setIssuer("
               "'brrtrouter-pet-store').setExpirationTime('1h').sign(new TextEncoder().encode("
               "'brrtrouter-pet-store-demo-secret-change-me'))))\" 2>/dev/null")
                  .c_str(),
              "r");
  char token[2048] = {};
  const std::size_t n = mint ? fread(token, 1, sizeof token - 1, mint) : 0;
  if (mint) ::pclose(mint);
  std::string jwt(token, n);
  while (!jwt.empty() && (jwt.back() == '\n' || jwt.back() == '\r')) jwt.pop_back();
  if (std::system(("test -f " + std::string(BRRT_SOURCE_DIR) + "/node_modules/jose/package.json")
                      .c_str()) == 0) {
    ASSERT_FALSE(jwt.empty()) << "minting a token with jose failed";
    c = curl("-H 'Authorization: Bearer " + jwt + "' " + srv.url("/secure"));
    EXPECT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(curl("-H 'Authorization: Bearer " + jwt + "x' " + srv.url("/secure")).status, 401);
  }
  EXPECT_EQ(srv.startup().find("warning"), std::string::npos) << srv.startup();
  c = curl(srv.url("/metrics"));
  EXPECT_NE(c.body.find("brrt_requests_total{operation=\"listPets\""), std::string::npos);

  EXPECT_EQ(srv.stop(), 0);
  EXPECT_NE(srv.startup().find("SIGTERM received, draining"), std::string::npos);
  EXPECT_NE(srv.startup().find("stopped"), std::string::npos);
}

TEST(Serve, ConfigSecretsComeFromTheEnvironment) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  ServeProcess srv({"serve", "examples/pet_store/openapi.yaml", "--config",
                    "examples/pet_store/config.yaml", "--port", "0", "--no-access-log"},
                   {"API_KEY=from-env"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_EQ(curl("-H 'X-API-Key: test123' " + srv.url("/pets/1")).status, 401);
  EXPECT_EQ(curl("-H 'X-API-Key: from-env' " + srv.url("/pets/1")).status, 200);
}

// CORS from the config file, seen by curl as a browser would send it.
TEST(Serve, CorsFromTheConfigFile) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const TempFile config(
      "cors",
      "cors:\n  origins: [\"https://app.example.com\"]\n  headers: [content-type, x-api-key]\n"
      "  max_age: 60\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path, "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  Curl c = curl(
      "-X OPTIONS -D - -o /dev/null -H 'Origin: https://app.example.com' "
      "-H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: x-api-key' " +
      srv.url("/pets"));
  EXPECT_EQ(c.status, 204);
  EXPECT_NE(c.body.find("Access-Control-Allow-Origin: https://app.example.com"), std::string::npos)
      << c.body;
  EXPECT_NE(c.body.find("Access-Control-Allow-Methods: GET, HEAD, POST"), std::string::npos);
  EXPECT_NE(c.body.find("Access-Control-Max-Age: 60"), std::string::npos);
  c = curl("-D - -o /dev/null -H 'Origin: https://other.example' " + srv.url("/pets"));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body.find("Access-Control-Allow-Origin"), std::string::npos) << c.body;
  EXPECT_EQ(srv.stop(), 0);
}

// permessage-deflate from the config file, on the pet store's echo socket (/ws/echo), with the
// npm `ws` client of tests/dispatch; a value that is no boolean is a startup error.
TEST(Serve, WebSocketDeflateFromTheConfigFile) {
  if (!brrt::test::have_node()) GTEST_SKIP() << "node is not installed";
  const TempFile config(
      "ws-deflate", "server:\n  websocket_deflate: true\n  websocket_max_message_bytes: 4096\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  const auto run = brrt::test::run_node("tests/dispatch/ws_deflate_client.mjs",
                                        "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws");
  ASSERT_EQ(run.status, 0) << run.out;
  const std::string& out = run.out;
  EXPECT_EQ(out.rfind("extensions: permessage-deflate\necho text: same\n", 0), 0u) << out;
  EXPECT_NE(out.find("too big once inflated: 1009\n"), std::string::npos) << out;
  EXPECT_EQ(srv.stop(), 0);

  const TempFile bad("ws-deflate-bad", "server:\n  websocket_deflate: yes please\n");
  ServeProcess refused({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.port(), 0);
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find("error: expected true or false (at /server/websocket_deflate)"),
            std::string::npos)
      << refused.startup();
}

// HTTPS from the config file's tls section: curl and Node's https module (each trusting only
// the test's certificate) on one port, Server-Sent Events through the npm eventsource client,
// plain HTTP to that port answered 400; --tls-cert/--tls-key do the same; files that cannot
// serve are startup errors at their setting.
TEST(Serve, HttpsFromTheConfigFileAndTheCommandLine) {
  const std::string dir = "/tmp/brrt-tls-" + std::to_string(::getpid());
  const brrt::test::TlsFiles files = brrt::test::make_tls_files(dir);
  const TempFile config("tls", "tls:\n  cert: " + files.cert + "\n  key: " + files.key +
                                   "\n  min_version: TLSv1.2\n"
                                   "security:\n  api_keys:\n    ApiKeyAuth: {key: k3y}\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_EQ(srv.url("/").rfind("https://127.0.0.1:", 0), 0u) << srv.startup();
  const std::string https = "https://localhost:" + std::to_string(srv.port());
  if (have_curl()) {
    Curl c = curl("--cacert " + files.cert + " -H 'X-API-Key: k3y' " + https + "/pets/1");
    EXPECT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(boost::json::parse(c.body).at("name").as_string(), "Rex");
    c = curl("--cacert " + files.cert + " " + srv.url("/docs"));  // by IP address (SAN)
    EXPECT_EQ(c.status, 200);
    c = curl("http://127.0.0.1:" + std::to_string(srv.port()) + "/health");
    EXPECT_EQ(c.status, 400);
    EXPECT_NE(c.body.find("this port speaks HTTPS"), std::string::npos) << c.body;
    EXPECT_NE(curl(https + "/health 2>/dev/null").status, 200);  // trusting the system CAs: refused
  }
  if (brrt::test::have_node()) {
    const auto run =
        brrt::test::run_node("tests/cli/https_client.mjs", https + " " + files.cert + " k3y");
    ASSERT_EQ(run.status, 0) << run.out;
    EXPECT_EQ(run.out,
              "GET /pets/1 200 http/1.1 TLSv1.3 Rex\n"
              "POST /pets 400 application/problem+json /name\n"
              "GET /health 200 on 1 connection(s)\n"
              "untrusted: refused\n"
              "event petAdopted {\"id\":1}\n");
  }
  EXPECT_EQ(srv.stop(), 0);

  ServeProcess flags({"serve", "--port", "0", "--tls-cert", files.cert, "--tls-key", files.key});
  ASSERT_GT(flags.port(), 0) << flags.startup();
  EXPECT_EQ(flags.url("/").rfind("https://", 0), 0u);
  if (have_curl()) {
    EXPECT_EQ(curl("--cacert " + files.cert + " " + flags.url("/health")).status, 200);
  }
  EXPECT_EQ(flags.stop(), 0);

  ServeProcess half({"serve", "--port", "0", "--tls-cert", files.cert});
  EXPECT_EQ(half.stop(), 2);
  EXPECT_NE(half.startup().find("--tls-cert needs --tls-key too"), std::string::npos);

  const brrt::test::TlsFiles other = brrt::test::make_tls_files(dir, "other");
  const TempFile bad("tls-bad", "tls:\n  cert: " + files.cert + "\n  key: " + other.key +
                                    "\n  min_version: 1.1\n");
  ServeProcess refused({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find(bad.path() + ":3:8: error: the private key '" + other.key +
                                   "' is not the key of the certificate in '" + files.cert +
                                   "' (at /tls/key)"),
            std::string::npos)
      << refused.startup();
  EXPECT_NE(refused.startup().find(":4:16: error: unknown TLS version (at /tls/min_version)"),
            std::string::npos)
      << refused.startup();
  std::filesystem::remove_all(dir);
}

// At the open-file limit: connections beyond what the server can hold are closed at once
// (counted as refused), not left hanging in the backlog while the worker spins on accept;
// those it holds are served; once clients leave, new ones are served again. The limit below
// max_connections is a startup warning.
TEST(Serve, ConnectionsBeyondTheOpenFileLimitAreRefusedNotHung) {
  ServeProcess srv({"serve", "--port", "0", "--threads", "1", "--no-access-log"}, {}, 64);
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_NE(srv.startup().find("warning: the open-file limit (64) is below max_connections "
                               "(10000)"),
            std::string::npos)
      << srv.startup();
  const auto port = static_cast<std::uint16_t>(srv.port());
  constexpr int kClients = 100;
  std::vector<std::unique_ptr<brrt::test::RawClient>> clients;
  for (int i = 0; i < kClients; ++i)
    clients.push_back(std::make_unique<brrt::test::RawClient>(port));
  int served = 0, refused = 0;
  for (auto& c : clients) {
    ASSERT_TRUE(c->connected());
    // Refused: closed before or after the request went out (a reset when it had).
    if (c->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") &&
        brrt::test::status_of(c->read_response()) == 200)
      ++served;
    else if (c->closed_by_peer())
      ++refused;
  }
  EXPECT_EQ(served + refused, kClients);
  EXPECT_GT(served, 10);
  EXPECT_GT(refused, 10);
  // The count, from a connection the server still holds.
  ASSERT_TRUE(clients.front()->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string metrics = brrt::test::body_of(clients.front()->read_response());
  EXPECT_NE(metrics.find("brrt_connections_refused_total{reason=\"fd_limit\"} " +
                         std::to_string(refused) + "\n"),
            std::string::npos)
      << metrics;
  clients.clear();
  // Served again once the server has closed its side of the connections that left: each
  // try is a new connection, refused until then.
  bool again = false;
  for (int i = 0; i < 200 && !again; ++i) {
    brrt::test::RawClient c(port);
    again = c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") &&
            brrt::test::status_of(c.read_response()) == 200;
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(again);
  EXPECT_EQ(srv.stop(), 0);
}

// Mutual TLS, spec-driven: an operation behind a `type: mutualTLS` scheme answers a client
// presenting a certificate the configured client CA issued (curl --cert, Node's https with
// cert/key), with the certificate's claims in the echo; 401 problems say what was wrong with
// none, an expired one, a revoked one (client_crl), or one the scheme's allow list does not
// name; an operation without
// security needs no certificate. --tls-client-ca keeps the config's other tls settings; a
// mutualTLS scheme on a server that does not ask for certificates is a startup warning.
TEST(Serve, MutualTlsSecuritySchemeFromTheSpec) {
  const std::string dir = "/tmp/brrt-mtls-" + std::to_string(::getpid());
  using brrt::test::CertOptions;
  using brrt::test::make_tls_files;
  const brrt::test::TlsFiles server = make_tls_files(dir);
  const brrt::test::TlsFiles ca = make_tls_files(dir, "clients-ca", {.cn = "Clients CA"});
  CertOptions alice_options{.cn = "alice", .san = "DNS:alice.internal"};
  alice_options.issuer = &ca;
  const brrt::test::TlsFiles alice = make_tls_files(dir, "alice", alice_options);
  CertOptions old_options{.cn = "old", .san = ""};
  old_options.issuer = &ca;
  old_options.not_before = -7200;
  old_options.not_after = -3600;
  const brrt::test::TlsFiles old = make_tls_files(dir, "old", old_options);

  const TempFile spec("mtls-spec",
                      "openapi: 3.1.0\n"
                      "info: {title: mtls, version: '1'}\n"
                      "components:\n"
                      "  securitySchemes:\n"
                      "    clientCert: {type: mutualTLS}\n"
                      "    token: {type: http, scheme: bearer}\n"
                      "paths:\n"
                      "  /bound:\n"
                      "    get:\n"
                      "      operationId: bound\n"
                      "      security: [{token: []}]\n"
                      "      responses: {'200': {description: a bearer token, maybe bound}}\n"
                      "  /whoami:\n"
                      "    get:\n"
                      "      operationId: whoami\n"
                      "      security: [{clientCert: []}]\n"
                      "      responses: {'200': {description: who the certificate names}}\n"
                      "  /public:\n"
                      "    get:\n"
                      "      operationId: open\n"
                      "      responses: {'200': {description: anyone}}\n");
  CertOptions mallory_options{.cn = "mallory", .san = ""};
  mallory_options.issuer = &ca;
  const brrt::test::TlsFiles mallory = make_tls_files(dir, "mallory", mallory_options);
  const std::string crl = brrt::test::make_crl(dir, ca, {&mallory});
  const TempFile config("mtls", "tls:\n  cert: " + server.cert + "\n  key: " + server.key +
                                    "\n  client_ca: " + ca.cert + "\n  client_crl: " + crl +
                                    "\n  min_version: TLSv1.3\n"
                                    "security:\n  jwt:\n    token: {secret: " +
                                    std::string(32, 's') + "}\n");
  ServeProcess srv(
      {"serve", spec.path(), "--port", "0", "--config", config.path(), "--log-format", "json"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_EQ(srv.startup().find("security scheme"), std::string::npos) << srv.startup();
  const std::string https = "https://localhost:" + std::to_string(srv.port());
  const std::string trust = "--cacert " + server.cert + " ";
  if (have_curl()) {
    Curl c = curl(trust + "--cert " + alice.cert + " --key " + alice.key + " " + https + "/whoami");
    ASSERT_EQ(c.status, 200) << c.body;
    const auto claims = boost::json::parse(c.body).at("claims");
    EXPECT_EQ(claims.at("sub").as_string(), "CN=alice");
    EXPECT_EQ(claims.at("iss").as_string(), "CN=Clients CA");
    EXPECT_EQ(claims.at("san").at("dns").at(0).as_string(), "alice.internal");
    EXPECT_EQ(claims.at("x5t#S256").as_string().size(), 43u);  // 32 bytes, base64url
    // The access log names the client.
    const auto logged = srv.log_lines(1);
    ASSERT_FALSE(logged.empty());
    EXPECT_EQ(boost::json::parse(logged[0]).at("client_cert").as_string(), "CN=alice") << logged[0];

    c = curl(trust + "-i " + https + "/whoami");
    EXPECT_EQ(c.status, 401);
    EXPECT_NE(c.body.find("WWW-Authenticate: MutualTLS realm=\"brrtrouter\""), std::string::npos)
        << c.body;
    EXPECT_NE(c.body.find("application/problem+json"), std::string::npos);
    EXPECT_NE(c.body.find("requires a TLS client certificate"), std::string::npos) << c.body;

    c = curl(trust + "--cert " + old.cert + " --key " + old.key + " " + https + "/whoami");
    EXPECT_EQ(c.status, 401);
    EXPECT_NE(c.body.find("the client certificate did not verify: certificate has expired"),
              std::string::npos)
        << c.body;
    c = curl(trust + "--cert " + mallory.cert + " --key " + mallory.key + " " + https + "/whoami");
    EXPECT_EQ(c.status, 401);
    EXPECT_NE(c.body.find("the client certificate did not verify: certificate revoked"),
              std::string::npos)
        << c.body;
    EXPECT_EQ(curl(trust + https + "/public").status, 200);

    // A token bound to alice's certificate (RFC 8705): good with it, refused without.
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string bound = brrt::test::hs256_token(
        std::string(32, 's'),
        {{"sub", "svc"},
         {"exp", now + 600},
         {"cnf", boost::json::object{{"x5t#S256", brrt::test::thumbprint(alice)}}}});
    const std::string bearer = "-H 'Authorization: Bearer " + bound + "' ";
    c = curl(trust + bearer + "--cert " + alice.cert + " --key " + alice.key + " " + https +
             "/bound");
    EXPECT_EQ(c.status, 200) << c.body;
    c = curl(trust + bearer + https + "/bound");
    EXPECT_EQ(c.status, 401);
    EXPECT_NE(c.body.find("the token is bound to a client certificate (cnf x5t#S256) that this "
                          "connection did not present"),
              std::string::npos)
        << c.body;
  }
  if (brrt::test::have_node()) {
    const auto run =
        brrt::test::run_node("tests/cli/mtls_client.mjs",
                             https + " " + server.cert + " " + alice.cert + " " + alice.key);
    ASSERT_EQ(run.status, 0) << run.out;
    EXPECT_EQ(run.out,
              "whoami 200 CN=alice alice.internal 43\n"
              "no certificate 401 MutualTLS realm=\"brrtrouter\" this operation requires a TLS "
              "client certificate (mutual TLS); the connection presented none\n"
              "public 200\n");
  }
  EXPECT_EQ(srv.stop(), 0);

  // An allow list: a verified certificate that it does not name is refused. The flags keep the
  // config's TLS 1.3 floor.
  const TempFile allow("mtls-allow", "tls:\n  cert: " + server.cert + "\n  key: " + server.key +
                                         "\n  min_version: TLSv1.3\n"
                                         "security:\n  mutual_tls:\n    clientCert:\n"
                                         "      allow: [bob.internal]\n");
  ServeProcess listed({"serve", spec.path(), "--port", "0", "--config", allow.path(),
                       "--tls-client-ca", ca.cert, "--no-access-log"});
  ASSERT_GT(listed.port(), 0) << listed.startup();
  if (have_curl()) {
    const std::string url = "https://localhost:" + std::to_string(listed.port());
    Curl c = curl(trust + "--cert " + alice.cert + " --key " + alice.key + " " + url + "/whoami");
    EXPECT_EQ(c.status, 401);
    EXPECT_NE(c.body.find("the client certificate 'CN=alice' is not one this operation accepts"),
              std::string::npos)
        << c.body;
    EXPECT_NE(curl(trust + "--tls-max 1.2 " + url + "/public 2>/dev/null").status, 200);
  }
  EXPECT_EQ(listed.stop(), 0);

  ServeProcess unasked({"serve", spec.path(), "--port", "0", "--tls-cert", server.cert, "--tls-key",
                        server.key, "--no-access-log"});
  ASSERT_GT(unasked.port(), 0) << unasked.startup();
  EXPECT_NE(unasked.startup().find("security scheme 'clientCert' needs client certificates"),
            std::string::npos)
      << unasked.startup();
  EXPECT_EQ(unasked.stop(), 0);

  const TempFile bad("mtls-bad", "tls:\n  cert: " + server.cert + "\n  key: " + server.key +
                                     "\n  client_certificates: required\n");
  ServeProcess refused({"serve", spec.path(), "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find(
                ":4:24: error: client certificates need client_ca (at /tls/client_certificates)"),
            std::string::npos)
      << refused.startup();
  std::filesystem::remove_all(dir);
}

// Several certificates on one port, chosen by the host name curl asks for (SNI); a further
// certificate that does not load is an error at its own entry.
TEST(Serve, TlsCertificatesChosenByHostName) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const std::string dir = "/tmp/brrt-sni-" + std::to_string(::getpid());
  const brrt::test::TlsFiles main = brrt::test::make_tls_files(dir);
  const brrt::test::TlsFiles api =
      brrt::test::make_tls_files(dir, "api", {.cn = "api.test", .san = "DNS:api.test"});
  const TempFile config("sni", "tls:\n  cert: " + main.cert + "\n  key: " + main.key +
                                   "\n  certificates:\n    - cert: " + api.cert +
                                   "\n      key: " + api.key + "\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  const std::string port = std::to_string(srv.port());
  // curl checks the name against the certificate it got, trusting only the one expected.
  Curl c = curl("--cacert " + api.cert + " --resolve api.test:" + port +
                ":127.0.0.1 https://api.test:" + port + "/health");
  EXPECT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(curl("--cacert " + main.cert + " https://localhost:" + port + "/health").status, 200);
  EXPECT_NE(
      curl("--cacert " + api.cert + " https://localhost:" + port + "/health 2>/dev/null").status,
      200);
  EXPECT_EQ(srv.stop(), 0);

  const TempFile bad("sni-bad", "tls:\n  cert: " + main.cert + "\n  key: " + main.key +
                                    "\n  certificates:\n    - cert: " + api.cert +
                                    "\n      key: " + main.key + "\n");
  ServeProcess refused({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find("is not the key of the certificate in '" + api.cert +
                                   "' (at /tls/certificates/0/key)"),
            std::string::npos)
      << refused.startup();
  std::filesystem::remove_all(dir);
}

// SIGHUP reads the certificate and key again (a renewal): new connections get the new
// certificate; files that do not load are reported and the running certificate stays.
TEST(Serve, SighupReloadsTheCertificate) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  namespace fs = std::filesystem;
  const std::string dir = "/tmp/brrt-tls-reload-" + std::to_string(::getpid());
  const brrt::test::TlsFiles first = brrt::test::make_tls_files(dir, "first");
  const brrt::test::TlsFiles renewed = brrt::test::make_tls_files(dir, "renewed");
  const std::string cert = dir + "/serve.crt", key = dir + "/serve.key";
  fs::copy_file(first.cert, cert);
  fs::copy_file(first.key, key);
  ServeProcess srv(
      {"serve", "--port", "0", "--tls-cert", cert, "--tls-key", key, "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  const std::string health = "https://localhost:" + std::to_string(srv.port()) + "/health";
  const auto trusting = [&](const std::string& ca) {
    return curl("--cacert " + ca + " " + health + " 2>/dev/null").status;
  };
  EXPECT_EQ(trusting(first.cert), 200);
  EXPECT_NE(trusting(renewed.cert), 200);

  fs::copy_file(renewed.cert, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(renewed.key, key, fs::copy_options::overwrite_existing);
  std::size_t from = srv.stderr_size();
  srv.signal(SIGHUP);
  ASSERT_TRUE(srv.await_stderr("reloaded the certificate " + cert + " and its key", from))
      << srv.startup();
  EXPECT_EQ(trusting(renewed.cert), 200);
  EXPECT_NE(trusting(first.cert), 200);

  std::ofstream(key) << "not a key\n";
  from = srv.stderr_size();
  srv.signal(SIGHUP);
  ASSERT_TRUE(srv.await_stderr("certificate reload failed; still serving the previous one", from))
      << srv.startup();
  EXPECT_NE(srv.startup().find("is not a PEM private key", from), std::string::npos)
      << srv.startup();
  EXPECT_EQ(trusting(renewed.cert), 200);
  EXPECT_EQ(srv.stop(), 0);
  fs::remove_all(dir);
}

// websocket_origins from the config file: curl's handshake from another site's page is refused
// with a 403 problem, one from a listed origin is not; an entry that is no origin is a startup
// error pointing at it.
TEST(Serve, WebSocketOriginsFromTheConfigFile) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const TempFile config("ws-origins",
                        "server:\n  websocket_origins: [\"https://app.example.com\"]\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  const std::string handshake =
      "-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' "
      "-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' ";
  Curl c = curl(handshake + "-H 'Origin: https://evil.example' " + srv.url("/ws/echo"));
  EXPECT_EQ(c.status, 403);
  EXPECT_NE(c.body.find("may not open this WebSocket"), std::string::npos) << c.body;
  // The listed origin is upgraded: curl sees the 101 head and stops there (-m 1: it would
  // wait for the socket's end).
  c = curl(handshake + "-m 1 -D - -o /dev/null -H 'Origin: https://app.example.com' " +
           srv.url("/ws/echo"));
  EXPECT_EQ(c.body.rfind("HTTP/1.1 101 ", 0), 0u) << c.body;
  EXPECT_EQ(srv.stop(), 0);

  const TempFile bad("ws-origins-bad", "server:\n  websocket_origins: [app.example.com/]\n");
  ServeProcess refused({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.port(), 0);
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find("(at /server/websocket_origins/0)"), std::string::npos)
      << refused.startup();
}

// readOnly / writeOnly through `brrtrouter serve` and curl: a client's readOnly id is a 400
// problem naming it; the example answer leaks a writeOnly password, which enforced response
// validation turns into a 500. `validation.read_write_only: accept` lets both through; any
// other value is a startup error at its key.
TEST(Serve, ReadOnlyAndWriteOnlyPropertiesFromTheConfigFile) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const std::string spec =
      std::string(BRRT_SOURCE_DIR) + "/tests/dispatch/specs/users_read_write_only.yaml";
  const std::string post = "-H 'Content-Type: application/json' --data ";
  {
    const TempFile config("rw-reject", "validation:\n  responses: enforce\n");
    ServeProcess srv({"serve", spec, "--port", "0", "--config", config.path(), "--no-access-log"});
    ASSERT_GT(srv.port(), 0) << srv.startup();
    Curl c = curl("-D - " + post + "'{\"id\":9,\"name\":\"bob\",\"password\":\"x\"}' " +
                  srv.url("/users"));
    EXPECT_EQ(c.status, 400) << c.body;
    EXPECT_NE(c.body.find("Content-Type: application/problem+json"), std::string::npos) << c.body;
    EXPECT_NE(c.body.find(R"("pointer":"/id","keyword":"readOnly")"), std::string::npos) << c.body;
    c = curl(post + "'{\"name\":\"bob\",\"password\":\"x\"}' " + srv.url("/users"));
    EXPECT_EQ(c.status, 500) << c.body;
    EXPECT_EQ(c.body.find("hunter2"), std::string::npos) << c.body;
    EXPECT_EQ(srv.stop(), 0);
  }
  {
    const TempFile config("rw-accept",
                          "validation:\n  responses: enforce\n  read_write_only: accept\n");
    ServeProcess srv({"serve", spec, "--port", "0", "--config", config.path(), "--no-access-log"});
    ASSERT_GT(srv.port(), 0) << srv.startup();
    const Curl c =
        curl(post + "'{\"id\":9,\"name\":\"bob\",\"password\":\"x\"}' " + srv.url("/users"));
    EXPECT_EQ(c.status, 201) << c.body;
    EXPECT_NE(c.body.find("hunter2"), std::string::npos) << c.body;
    EXPECT_EQ(srv.stop(), 0);
  }
  const TempFile bad("rw-bad", "validation:\n  read_write_only: ignore\n");
  ServeProcess refused({"serve", spec, "--port", "0", "--config", bad.path()});
  EXPECT_EQ(refused.port(), 0);
  EXPECT_EQ(refused.stop(), 2);
  EXPECT_NE(refused.startup().find("(at /validation/read_write_only)"), std::string::npos)
      << refused.startup();
}

// gzip from the config file: curl asks for it and inflates it back to the same bytes as the
// uncompressed answer; a client that does not ask gets those bytes as they are.
TEST(Serve, GzipFromTheConfigFile) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const TempFile config("gzip", "compression:\n  min_bytes: 512\n  level: 6\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path, "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  for (const char* target : {"/openapi.json", "/docs/swagger-ui-bundle.js"}) {
    SCOPED_TRACE(target);
    Curl head = curl("-D - -o /dev/null -H 'Accept-Encoding: gzip' " + srv.url(target));
    EXPECT_EQ(head.status, 200);
    EXPECT_NE(head.body.find("Content-Encoding: gzip"), std::string::npos) << head.body;
    EXPECT_NE(head.body.find("Vary: Accept-Encoding"), std::string::npos) << head.body;
    const Curl inflated = curl("--compressed " + srv.url(target));
    const Curl identity = curl(srv.url(target));
    EXPECT_GT(identity.body.size(), 10000u);
    EXPECT_TRUE(inflated.body == identity.body)
        << inflated.body.size() << " vs " << identity.body.size();
    head = curl("-D - -o /dev/null " + srv.url(target));
    EXPECT_EQ(head.body.find("Content-Encoding"), std::string::npos) << head.body;
  }
  // Small answers stay as they are.
  const Curl small = curl("-D - -o /dev/null -H 'Accept-Encoding: gzip' " + srv.url("/health"));
  EXPECT_EQ(small.body.find("Content-Encoding"), std::string::npos) << small.body;
  EXPECT_EQ(srv.stop(), 0);
}

// A client that gzips its upload (the gzip tool, then curl): the pet store reads it as JSON
// and validates it; the config's cap refuses one that inflates too far, and turning
// inflating off refuses the coding (415).
TEST(Serve, GzippedRequestBodiesFromTheConfigFile) {
  if (!have_curl() || std::system("command -v gzip >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "curl or gzip is not installed (scripts/setup.sh installs them)";
  const std::string key = "security:\n  api_keys:\n    ApiKeyAuth: {key: test123}\n";
  const TempFile config("inflate", "server:\n  max_inflated_body_bytes: 2000\n" + key);
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  // The body gzipped by the gzip tool into a file beside the config, which curl sends.
  const std::string gz = config.path() + ".json.gz";
  std::string head;  // the last response's head
  const auto post = [&](const std::string& json, const std::string& url) {
    std::ofstream(config.path() + ".json") << json;
    EXPECT_EQ(std::system(("gzip -c " + config.path() + ".json > " + gz).c_str()), 0);
    std::remove((config.path() + ".json").c_str());
    Curl c = curl(
        "-D - -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' "
        "-H 'X-API-Key: test123' --data-binary @" +
        gz + " " + url);
    std::remove(gz.c_str());
    // The body follows the response head curl printed (-D -).
    if (const auto end = c.body.find("\r\n\r\n"); end != std::string::npos) {
      head = c.body.substr(0, end);
      c.body = c.body.substr(end + 4);
    }
    return c;
  };
  Curl c = post(R"({"name":"Rex","age":3})", srv.url("/pets"));
  EXPECT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(boost::json::parse(c.body).at("name").as_string(), "Rex");
  c = post(R"({"name":"Rex","age":-3})", srv.url("/pets"));
  EXPECT_EQ(c.status, 400) << c.body;
  EXPECT_EQ(boost::json::parse(c.body).at("errors").at(0).at("pointer").as_string(), "/age");
  c = post(R"({"name":")" + std::string(3000, 'x') + R"("})", srv.url("/pets"));
  EXPECT_EQ(c.status, 413) << c.body;
  EXPECT_NE(c.body.find("inflates to more than 2000 bytes"), std::string::npos) << c.body;
  EXPECT_EQ(srv.stop(), 0);

  const TempFile off("no-inflate", "server:\n  inflate_bodies: false\n" + key);
  ServeProcess plain({"serve", "--port", "0", "--config", off.path(), "--no-access-log"});
  ASSERT_GT(plain.port(), 0) << plain.startup();
  c = post("{}", plain.url("/pets"));
  EXPECT_EQ(c.status, 415) << c.body;
  EXPECT_NE(c.body.find("content coding 'gzip' is not accepted"), std::string::npos) << c.body;
  EXPECT_NE(head.find("Accept-Encoding: identity"), std::string::npos) << head;
  EXPECT_EQ(plain.stop(), 0);
}

// A browser's revalidation as curl makes it: the tag of the form it got, then 304 and no body.
TEST(Serve, SpecAndSwaggerUiRevalidateByEntityTag) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  ServeProcess srv({"serve", "--port", "0", "--config",
                    std::string(BRRT_SOURCE_DIR) + "/examples/pet_store/config.yaml",
                    "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  auto etag_of = [](const std::string& head) {
    const std::size_t at = head.find("ETag: ");
    if (at == std::string::npos) return std::string();
    return head.substr(at + 6, head.find('\r', at) - at - 6);
  };
  for (const char* target : {"/openapi.yaml", "/docs/", "/docs/swagger-ui-bundle.js"}) {
    SCOPED_TRACE(target);
    for (const char* encoding : {"identity", "gzip"}) {
      SCOPED_TRACE(encoding);
      const std::string accept = std::string(" -H 'Accept-Encoding: ") + encoding + "' ";
      const Curl first = curl("-D - -o /dev/null" + accept + srv.url(target));
      ASSERT_EQ(first.status, 200);
      const std::string tag = etag_of(first.body);
      ASSERT_FALSE(tag.empty()) << first.body;
      const Curl again =
          curl("-D -" + accept + "-H 'If-None-Match: " + tag + "' " + srv.url(target));
      EXPECT_EQ(again.status, 304) << again.body;
      EXPECT_EQ(etag_of(again.body), tag);
      EXPECT_EQ(again.body.find("Content-Length"), std::string::npos) << again.body;
      EXPECT_EQ(again.body.substr(again.body.find("\r\n\r\n") + 4), "") << "no body after 304";
    }
  }
  EXPECT_EQ(srv.stop(), 0);
}

// SIGHUP reloads the spec file: a new path is routed and served, a broken file is reported
// with its location and the running spec stays.
TEST(Serve, SighupReloadsTheSpecFile) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const std::string path = "/tmp/brrt-reload-" + std::to_string(::getpid()) + ".yaml";
  auto write = [&](const std::string& text) {
    // Written aside and renamed over the file, as editors and deploy tools do: the server
    // never reads half a file.
    const std::string aside = path + ".new";
    FILE* f = std::fopen(aside.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
    ASSERT_EQ(std::rename(aside.c_str(), path.c_str()), 0);
  };
  const std::string head =
      "openapi: 3.1.0\ninfo: {title: reloading, version: '1'}\npaths:\n"
      "  /a:\n    get:\n      operationId: a\n      responses:\n        '200':\n"
      "          description: ok\n          content:\n            application/json:\n"
      "              example: {v: 1}\n";
  write(head);
  ServeProcess srv({"serve", path, "--port", "0", "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_EQ(curl(srv.url("/a")).body, R"({"v":1})");
  EXPECT_EQ(curl(srv.url("/b")).status, 404);

  write(head +
        "  /b:\n    get:\n      operationId: b\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n            application/json:\n"
        "              example: {v: 2}\n");
  std::size_t mark = srv.stderr_size();
  srv.signal(SIGHUP);
  ASSERT_TRUE(srv.await_stderr("reloaded \"reloading\" (2 operations)", mark)) << srv.startup();
  Curl c = curl(srv.url("/b"));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body, R"({"v":2})");
  EXPECT_NE(curl(srv.url("/openapi.json")).body.find("\"/b\""), std::string::npos);
  // Counters go on from where they were: /a was answered once before the reload.
  EXPECT_EQ(curl(srv.url("/a")).status, 200);
  const std::string metrics = curl(srv.url("/metrics")).body;
  EXPECT_NE(metrics.find("brrt_requests_total{operation=\"a\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos)
      << metrics;

  // Line 4 refers to a schema that does not exist: reported, and /b is still served.
  write(
      "openapi: 3.1.0\ninfo: {title: broken, version: '1'}\npaths:\n"
      "  /c: {get: {responses: {'200': {description: ok, content: {application/json: "
      "{schema: {$ref: '#/components/schemas/Missing'}}}}}}}\n");
  mark = srv.stderr_size();
  srv.signal(SIGHUP);
  ASSERT_TRUE(srv.await_stderr("reload failed; still serving the previous spec", mark))
      << srv.startup();
  const std::string said = srv.startup().substr(mark);
  EXPECT_NE(said.find(path + ":4:"), std::string::npos) << said;
  EXPECT_NE(said.find("Missing"), std::string::npos) << said;
  EXPECT_EQ(curl(srv.url("/b")).body, R"({"v":2})");
  EXPECT_EQ(curl(srv.url("/c")).status, 404);

  // A bad pattern in a schema four operations use is one error, reported once (it was once per
  // use).
  write(
      "openapi: 3.1.0\ninfo: {title: broken, version: '1'}\npaths:\n  /d:\n"
      "    get: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/P'}}], "
      "responses: {'200': {description: ok}}}\n"
      "    put: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/P'}}], "
      "responses: {'200': {description: ok}}}\n"
      "    post: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/P'}}], "
      "responses: {'200': {description: ok}}}\n"
      "    delete: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/P'}}], "
      "responses: {'200': {description: ok}}}\n"
      "components: {schemas: {P: {type: string, pattern: '[a-'}}}\n");
  mark = srv.stderr_size();
  srv.signal(SIGHUP);
  ASSERT_TRUE(srv.await_stderr("reload failed; still serving the previous spec", mark))
      << srv.startup();
  const std::string again = srv.startup().substr(mark);
  const std::string error = path + ":9:";
  const auto first = again.find(error);
  EXPECT_NE(first, std::string::npos) << again;
  EXPECT_EQ(again.find(error, first + 1), std::string::npos) << again;
  EXPECT_EQ(curl(srv.url("/b")).body, R"({"v":2})");
  EXPECT_EQ(srv.stop(), 0);
  std::remove(path.c_str());
}

TEST(Serve, BadCorsOriginIsAStartupErrorWithItsLocation) {
  const TempFile config(
      "bad-cors", "cors:\n  origins:\n    - https://ok.example\n    - https://app.example.com/\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  EXPECT_NE(srv.startup().find(path + ":4:"), std::string::npos) << srv.startup();
  EXPECT_NE(srv.startup().find("/cors/origins/1"), std::string::npos) << srv.startup();
  EXPECT_NE(srv.startup().find("no trailing slash"), std::string::npos) << srv.startup();
}

// A second server on a port that is served is refused (SO_REUSEPORT would have let it share
// the connections), in plain words, and the first keeps serving.
TEST(Serve, APortInUseIsAStartupError) {
  ServeProcess first({"serve", "--port", "0"});
  ASSERT_GT(first.port(), 0) << first.startup();
  const std::string port = std::to_string(first.port());
  ServeProcess second({"serve", "--port", port});
  EXPECT_EQ(second.port(), 0);
  EXPECT_EQ(second.stop(), 1);
  EXPECT_NE(
      second.startup().find("cannot listen on 127.0.0.1:" + port + ": Address already in use\n"),
      std::string::npos)
      << second.startup();
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  EXPECT_EQ(curl(first.url("/health")).status, 200);
}

TEST(Serve, InvalidSecurityConfigIsAStartupErrorNamingTheKey) {
  const TempFile config("bad-security",
                        "security:\n  jwks:\n    BearerAuth:\n      jwks_ur1: https://x\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  EXPECT_NE(srv.startup().find(path + ":4:"), std::string::npos) << srv.startup();
  EXPECT_NE(srv.startup().find("jwks_ur1"), std::string::npos) << srv.startup();
}

// Every wrong setting is reported in one run, each with its line, pointer and a hint.
TEST(Serve, EveryConfigErrorIsReportedAtOnce) {
  const TempFile config(
      "bad-settings",
      "server:\n  port: 99999\n  threds: 2\n  workers: 4\nvalidation:\n  responses: maybe\n"
      "logs: {}\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  const std::string& out = srv.startup();
  EXPECT_NE(out.find(path + ":2:9: error: 99999 is out of range (at /server/port)\n"
                            "  hint: use an integer from 0 to 65535"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(path + ":3:11: error: unknown server setting 'threds' (at /server/threds)\n"
                            "  hint: did you mean 'threads'?"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("unknown server setting 'workers' (at /server/workers)\n"
                     "  hint: the settings are host, port, threads,"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(path + ":6:14: error: response validation is off, log or enforce"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("unknown section 'logs' (at /logs)"), std::string::npos) << out;

  // Security providers: each scheme's and each setting's errors, all of them.
  const TempFile security("bad-security-all",
                          "security:\n  api_keys:\n    K: {key: \"\", bogus: 1}\n"
                          "  basic:\n    B: {users: {ann: 1}}\n"
                          "  remote_api_keys:\n    R: {on_error: maybe}\n");
  ServeProcess srv2({"serve", "--port", "0", "--config", security.path()});
  EXPECT_EQ(srv2.stop(), 2);
  const std::string& out2 = srv2.startup();
  for (const char* expected : {
           "unknown api_keys setting 'bogus' (at /security/api_keys/K/bogus)",
           "an API key must not be empty (at /security/api_keys/K)",
           "expected a string (at /security/basic/B/users/ann)",
           "on_error is deny or unavailable (at /security/remote_api_keys/R/on_error)",
           "remote_api_keys needs verify_url (at /security/remote_api_keys/R)",
       })
    EXPECT_NE(out2.find(expected), std::string::npos) << expected << "\n" << out2;
}

TEST(Serve, JsonAccessLogOneLinePerRequest) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  ServeProcess srv({"serve", "--port", "0", "--threads", "1", "--log-format", "json"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  // The first request continues the caller's W3C trace; the second starts one.
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", parent = "00f067aa0ba902b7";
  EXPECT_EQ(curl("-H 'traceparent: 00-" + trace + "-" + parent + "-01' " + srv.url("/pets?limit=2"))
                .status,
            200);
  EXPECT_EQ(curl(srv.url("/nope")).status, 404);
  const auto lines = srv.log_lines(2);
  ASSERT_EQ(lines.size(), 2u);
  auto lower_hex = [](const boost::json::value& v, std::size_t n) {
    const std::string_view s = v.as_string();
    return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
           s.find_first_not_of('0') != std::string_view::npos;
  };
  const auto traced = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(traced.at("trace_id").as_string(), trace);
  EXPECT_TRUE(lower_hex(traced.at("span_id"), 16)) << lines[0];
  EXPECT_NE(traced.at("span_id").as_string(), parent);  // this server's own span
  const auto fresh = boost::json::parse(lines[1]).as_object();
  EXPECT_TRUE(lower_hex(fresh.at("trace_id"), 32)) << lines[1];
  EXPECT_NE(fresh.at("trace_id").as_string(), trace);
  EXPECT_TRUE(lower_hex(fresh.at("span_id"), 16)) << lines[1];
  const auto first = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("method").as_string(), "GET");
  EXPECT_EQ(first.at("target").as_string(), "/pets?limit=2");
  EXPECT_EQ(first.at("operation").as_string(), "listPets");
  EXPECT_EQ(first.at("status").as_int64(), 200);
  const auto second = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(second.at("status").as_int64(), 404);
  EXPECT_TRUE(second.at("operation").is_null());
  EXPECT_EQ(first.at("user_agent").as_string().rfind("curl/", 0), 0u) << lines[0];
  EXPECT_EQ(srv.stop(), 0);
}

// Integers given as strings are read whole ("18707abc" served on 18707), and a number beyond
// 64 bits is out of range with the range as hint, not "expected an integer".
TEST(Serve, ConfigIntegersAreWholeAndInRange) {
  const TempFile config("bad-integers",
                        "server:\n  port: \"18707abc\"\n  threads: \"2 workers\"\n"
                        "  max_body_bytes: 18446744073709551615\n"
                        "  max_connections: 99999999999999999999\n  idle_timeout_ms: 1.5\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  const std::string& out = srv.startup();
  for (const std::string& expected : {
           path + ":2:9: error: expected an integer, got '18707abc' (at /server/port)\n"
                  "  hint: use an integer from 0 to 65535\n",
           path + ":3:12: error: expected an integer, got '2 workers' (at /server/threads)\n"
                  "  hint: use an integer from 0 to 1024\n",
           path + ":4:19: error: 18446744073709551615 is out of range (at /server/max_body_bytes)\n"
                  "  hint: use an integer from 0 to 9223372036854775807\n",
           path +
               ":5:20: error: 99999999999999999999 is out of range (at /server/max_connections)\n"
               "  hint: use an integer from 1 to 10000000\n",
           path + ":6:20: error: expected an integer, got 1.5 (at /server/idle_timeout_ms)\n",
       })
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
}

// server.host and --host are IP addresses, checked before anything listens; localhost is
// taken as 127.0.0.1. Integers as strings (from ${VAR}) still work.
TEST(Serve, HostIsAnIpAddressOrLocalhost) {
  const TempFile bad("bad-host", "server:\n  host: 999.1.1.1\n");
  ServeProcess srv({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  EXPECT_NE(srv.startup().find(bad.path() +
                               ":2:9: error: '999.1.1.1' is not an IP address (at /server/host)\n"
                               "  hint: an IP address is expected, e.g. 0.0.0.0"),
            std::string::npos)
      << srv.startup();

  ServeProcess flag({"serve", "--port", "0", "--host", "999.1.1.1"});
  EXPECT_EQ(flag.port(), 0);
  EXPECT_EQ(flag.stop(), 2);
  EXPECT_NE(flag.startup().find("--host '999.1.1.1' is not an IP address\n  hint: "),
            std::string::npos)
      << flag.startup();

  const TempFile good("localhost",
                      "server:\n  host: localhost\n  port: \"0\"\n  threads: \"1\"\n"
                      "  upload_temp_dir: /tmp\n");
  ServeProcess local({"serve", "--config", good.path(), "--no-access-log"});
  ASSERT_GT(local.port(), 0) << local.startup();
  EXPECT_NE(local.startup().find("with 1 worker;"), std::string::npos) << local.startup();
  ServeProcess local_flag({"serve", "--port", "0", "--host", "LocalHost", "--no-access-log"});
  ASSERT_GT(local_flag.port(), 0) << local_flag.startup();
  if (have_curl()) {
    EXPECT_EQ(curl(local.url("/health")).status, 200);
    EXPECT_EQ(curl(local_flag.url("/health")).status, 200);
  }
  EXPECT_EQ(local.stop(), 0);
  EXPECT_EQ(local_flag.stop(), 0);
}

// An IPv6 address is written in brackets in the URL of the startup line.
TEST(Serve, Ipv6StartupLineIsAUrl) {
  ServeProcess srv({"serve", "--port", "0", "--host", "::1", "--no-access-log"});
  if (srv.port() == 0 && srv.startup().find("cannot listen") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here: " << srv.startup();
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_NE(srv.startup().find("on http://[::1]:" + std::to_string(srv.port()) + " with"),
            std::string::npos)
      << srv.startup();
  if (have_curl()) {
    EXPECT_EQ(curl("-g " + srv.url("/health")).status, 200);
  }
  EXPECT_EQ(srv.stop(), 0);
}

// Endpoint paths that would serve a broken page or shadow each other are startup errors.
TEST(Serve, EndpointPathsAreCheckedAtStartup) {
  const TempFile clash("endpoints-clash",
                       "endpoints:\n  health: /x\n  metrics: /x\n  spec: false\n  docs: /\n");
  ServeProcess srv({"serve", "--port", "0", "--config", clash.path()});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  const std::string& path = clash.path();
  for (const std::string& expected : {
           path + ":3:12: error: health and metrics both serve /x (at /endpoints/metrics)\n"
                  "  hint: give each endpoint its own path, or false to disable one\n",
           path + ":4:9: error: docs needs the spec endpoint: Swagger UI loads the spec from it "
                  "(at /endpoints/spec)\n",
           path + ":5:9: error: the docs path must not end with '/' (Swagger UI's files are "
                  "served below it) (at /endpoints/docs)\n  hint: e.g. /docs\n",
       })
    EXPECT_NE(srv.startup().find(expected), std::string::npos) << expected << srv.startup();

  const TempFile bad("endpoints-bad",
                     "endpoints:\n  health: \"/a b\"\n  metrics: /a/../b\n  docs: //cdn.example\n"
                     "  spec: /x?y\n");
  ServeProcess srv2({"serve", "--port", "0", "--config", bad.path()});
  EXPECT_EQ(srv2.stop(), 2);
  for (const char* expected : {
           ":2:11: error: an endpoint path is a plain path: no query, fragment, spaces or "
           "controls (at /endpoints/health)",
           ":3:12: error: an endpoint path has no '.' or '..' segments (at /endpoints/metrics)",
           ":4:9: error: an endpoint path has no empty segments ('//') (at /endpoints/docs)",
           ":5:9: error: an endpoint path is a plain path: no query, fragment, spaces or "
           "controls (at /endpoints/spec)",
       })
    EXPECT_NE(srv2.startup().find(bad.path() + expected), std::string::npos) << expected << "\n"
                                                                             << srv2.startup();

  // Paths of their own: the page names its files under the docs path and the spec at its own.
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const TempFile good("endpoints-good", "endpoints:\n  docs: /api-docs\n  spec: /spec\n");
  ServeProcess ok({"serve", "--port", "0", "--config", good.path(), "--no-access-log"});
  ASSERT_GT(ok.port(), 0) << ok.startup();
  const Curl page = curl(ok.url("/api-docs"));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("href=\"/api-docs/swagger-ui.css\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("url: \"/spec.json\""), std::string::npos) << page.body;
  EXPECT_EQ(curl(ok.url("/spec.json")).status, 200);
  EXPECT_EQ(ok.stop(), 0);
}

// Directories named in the config (or by --swagger-ui) are checked at startup: uploads to a
// missing temp directory failed with a bare 500, a missing Swagger UI fell back to another.
TEST(Serve, DirectoriesGivenAreCheckedAtStartup) {
  const TempFile config("bad-dirs",
                        "server:\n  upload_temp_dir: /nonexistent/dir\n"
                        "endpoints:\n  swagger_ui_dir: /nonexistent/ui\n");
  const std::string& path = config.path();
  ServeProcess srv({"serve", "--port", "0", "--config", path});
  EXPECT_EQ(srv.port(), 0);
  EXPECT_EQ(srv.stop(), 2);
  for (const std::string& expected : {
           path + ":2:20: error: cannot use '/nonexistent/dir' for upload files: No such file or "
                  "directory (at /server/upload_temp_dir)\n  hint: ",
           path + ":4:19: error: cannot use '/nonexistent/ui' for Swagger UI: No such file or "
                  "directory (at /endpoints/swagger_ui_dir)\n  hint: ",
       })
    EXPECT_NE(srv.startup().find(expected), std::string::npos) << expected << srv.startup();

  // A file is not a directory.
  const TempFile file_as_dir("file-as-dir", "server:\n  upload_temp_dir: " + path + "\n");
  ServeProcess srv2({"serve", "--port", "0", "--config", file_as_dir.path()});
  EXPECT_EQ(srv2.stop(), 2);
  EXPECT_NE(srv2.startup().find("'" + path + "' is not a directory (at /server/upload_temp_dir)"),
            std::string::npos)
      << srv2.startup();

  ServeProcess flag({"serve", "--port", "0", "--swagger-ui", "/nonexistent/ui"});
  EXPECT_EQ(flag.port(), 0);
  EXPECT_EQ(flag.stop(), 2);
  EXPECT_NE(flag.startup().find("--swagger-ui: cannot use '/nonexistent/ui' for Swagger UI"),
            std::string::npos)
      << flag.startup();
}

// The default upload directory ($TMPDIR, else /tmp) is not configuration to refuse, but a spec
// that takes uploads is told at startup when it cannot take their files.
TEST(Serve, AnUnusableDefaultUploadDirectoryIsAWarning) {
  ServeProcess srv({"serve", "--port", "0"}, {"TMPDIR=/nonexistent/tmp"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_NE(srv.startup().find("warning: cannot use '/nonexistent/tmp' for upload files: No such "
                               "file or directory: multipart parts over 65536 bytes will be "
                               "answered 500"),
            std::string::npos)
      << srv.startup();
  EXPECT_EQ(srv.stop(), 0);
}

// With drain_delay_ms the server goes on answering after SIGTERM, /health saying 503 draining
// (curl: a load balancer's probe), until the delay ends; here a second SIGTERM ends it.
TEST(Serve, ADrainDelayAnswersHealthWith503) {
  if (!have_curl()) GTEST_SKIP() << "curl is not installed (scripts/setup.sh installs it)";
  const TempFile config("delay", "server:\n  threads: 1\n  drain_delay_ms: 600000\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  EXPECT_EQ(curl(srv.url("/health")).status, 200);
  std::size_t mark = srv.stderr_size();
  srv.signal(SIGTERM);
  ASSERT_TRUE(srv.await_stderr("SIGTERM received, draining", mark)) << srv.startup();
  const Curl health = curl("-i " + srv.url("/health"));
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_NE(health.body.find("draining"), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("Connection: close"), std::string::npos) << health.body;
  EXPECT_EQ(curl(srv.url("/openapi.json")).status, 200);  // the rest is served as before
  mark = srv.stderr_size();
  srv.signal(SIGTERM);
  ASSERT_TRUE(srv.await_stderr("SIGTERM received again", mark)) << srv.startup();
  EXPECT_EQ(srv.wait_exit(), 128 + SIGTERM) << srv.startup();
}

// A request whose body has not arrived keeps a drain going (up to drain_timeout_ms); a second
// SIGINT stops at once, with the exit status of a process the signal ended.
TEST(Serve, ASecondSignalDuringTheDrainStopsAtOnce) {
  const TempFile config("drain",
                        "server:\n  threads: 1\n  drain_timeout_ms: 600000\n"
                        "  body_timeout_ms: 600000\n");
  ServeProcess srv({"serve", "--port", "0", "--config", config.path(), "--no-access-log"});
  ASSERT_GT(srv.port(), 0) << srv.startup();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(srv.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  // The server answers 100 Continue once it has the head: from then on the request is in
  // flight (waiting for its body), not an idle connection a drain closes.
  const std::string head =
      "POST /pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1) << got;
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << got;
    got.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");

  std::size_t mark = srv.stderr_size();
  srv.signal(SIGINT);
  ASSERT_TRUE(srv.await_stderr("SIGINT received, draining", mark)) << srv.startup();
  mark = srv.stderr_size();
  srv.signal(SIGINT);
  ASSERT_TRUE(srv.await_stderr("SIGINT received again, stopping now", mark)) << srv.startup();
  EXPECT_EQ(srv.wait_exit(), 128 + SIGINT) << srv.startup();
  EXPECT_EQ(srv.startup().find("brrtrouter: stopped"), std::string::npos) << srv.startup();
  ::close(fd);
}

}  // namespace
