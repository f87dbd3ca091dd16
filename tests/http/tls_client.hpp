#pragma once
// A blocking TLS client over loopback for integration tests, verifying the server's
// certificate against the one the test made (tls_files.hpp), hostname included. Every read
// has a receive timeout, so a broken server fails a test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "http/raw_client.hpp"
#include "tls_files.hpp"

namespace brrt::test {

class TlsClient {
 public:
  // `alpn`: protocols to offer, in wire format ("\x08http/1.1"); empty offers none.
  // `max_version`: the highest protocol to offer (TLS1_2_VERSION, ...; 0: OpenSSL's highest).
  // `identity`: a certificate and key to present when the server asks for one (mutual TLS).
  // `host`: the name sent (SNI) and verified in the server's certificate.
  TlsClient(std::uint16_t port, const std::string& ca_file, std::string_view alpn = {},
            int timeout_ms = 5000, int max_version = 0, const TlsFiles* identity = nullptr,
            const std::string& host = "localhost") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (identity != nullptr &&
        (SSL_CTX_use_certificate_file(ctx_, identity->cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, identity->key.c_str(), SSL_FILETYPE_PEM) != 1))
      error_ = "cannot load the client certificate";
    if (max_version != 0) SSL_CTX_set_max_proto_version(ctx_, max_version);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (!connect_loopback(fd_, port, timeout_ms)) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());
    if (!alpn.empty())
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
    ERR_clear_error();
    connected_ = SSL_connect(ssl_) == 1;
    if (!connected_) {
      char why[256];
      ERR_error_string_n(ERR_get_error(), why, sizeof why);
      error_ = why;
    }
  }
  ~TlsClient() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(ssl_, &p, &n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  std::string version() const { return SSL_get_version(ssl_); }
  // The subject of the certificate the server presented, one line ("CN=localhost").
  std::string peer_subject() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return {};
    char line[256];
    X509_NAME_oneline(X509_get_subject_name(cert), line, sizeof line);
    X509_free(cert);
    return std::string(line[0] == '/' ? line + 1 : line);
  }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &n) != 1) return false;
      bytes.remove_prefix(n);
    }
    return true;
  }

  // Reads one response (head + Content-Length body). Empty string on close/timeout.
  std::string read_response() {
    while (true) {
      if (auto out = take_response(buf_)) return std::move(*out);
      if (!fill()) return {};
    }
  }

  // Reads until pending() holds `needle`; false on close, error or timeout first.
  bool read_until(std::string_view needle) {
    while (buf_.find(needle) == std::string::npos)
      if (!fill()) return false;
    return true;
  }
  std::string& pending() { return buf_; }

  // True when the server ended the session or the connection before the timeout.
  bool closed_by_peer() {
    char c;
    std::size_t n = 0;
    if (SSL_read_ex(ssl_, &c, 1, &n) == 1) {
      buf_ += c;
      return false;
    }
    const int e = SSL_get_error(ssl_, 0);
    ERR_clear_error();
    return e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno != EAGAIN);
  }

 private:
  bool fill() {
    char chunk[16384];
    std::size_t n = 0;
    if (SSL_read_ex(ssl_, chunk, sizeof chunk, &n) != 1) {
      ERR_clear_error();
      return false;
    }
    buf_.append(chunk, n);
    return true;
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
  std::string buf_;
};

}  // namespace brrt::test
