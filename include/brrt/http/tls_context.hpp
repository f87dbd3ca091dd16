#pragma once
// A server's TLS settings, loaded once at startup: the certificate chain and private key
// (PEM files; more for other host names, chosen by SNI), the lowest protocol version, ALPN
// answering `http/1.1` (a client offering only `h2` goes on without ALPN, as HTTP/1.1) and,
// for mutual TLS, the CAs client certificates are verified against. Immutable once built and shared
// by every worker: OpenSSL makes sessions from one SSL_CTX on many threads.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

struct ssl_ctx_st;
struct ssl_st;

namespace brrt::http {

enum class TlsVersion { Tls12, Tls13 };

// Whether clients are asked for a certificate. Optional: the handshake goes on without one,
// or with one that does not verify (Request::client_certificate says which; an operation
// behind a mutualTLS security scheme answers 401 for both). Required: a client without a
// certificate that verifies fails its handshake (no HTTP at all).
enum class ClientCertificates { Off, Optional, Required };

struct CertificateFiles {
  std::string cert_chain_file;  // the certificate first, then intermediates
  std::string key_file;         // its private key, unencrypted
};

struct TlsSettings {
  std::string cert_chain_file;  // the server's certificate first, then intermediates
  std::string key_file;         // its private key, unencrypted
  TlsVersion min_version = TlsVersion::Tls12;
  // PEM bundle of the CAs that issue client certificates; needed unless client_certificates
  // is Off, and its subjects are the CA names offered to clients in the handshake.
  std::string client_ca_file;
  ClientCertificates client_certificates = ClientCertificates::Off;
  // PEM certificate revocation lists of the client CAs (one per CA): a revoked client
  // certificate does not verify ("certificate revoked"). With it, a client whose CA has no
  // list here does not verify either ("unable to get certificate CRL"): revocation is
  // checked for every client or for none. Empty: not checked.
  std::string client_crl_file;
  // Further certificates, for host names the first does not cover (SNI): a client naming a
  // host one of them covers (its subjectAltName DNS names, wildcards as a whole left-most
  // label) gets that one, tried in order; any other client gets the first.
  std::vector<CertificateFiles> more_certificates;
};

// One certificate chain and its key, the other settings at their defaults.
inline TlsSettings tls_settings(std::string cert_chain_file, std::string key_file,
                                TlsVersion min_version = TlsVersion::Tls12) {
  TlsSettings s;
  s.cert_chain_file = std::move(cert_chain_file);
  s.key_file = std::move(key_file);
  s.min_version = min_version;
  return s;
}

// A file that cannot be used; the message names the file and OpenSSL's reason, file() which
// one is at fault and certificate() of which certificate (0: the first, i: more_certificates
// [i - 1]).
class TlsError : public std::runtime_error {
 public:
  enum class File { CertChain, PrivateKey, ClientCa, ClientCrl, Neither };
  TlsError(File file, const std::string& message, std::size_t certificate = 0)
      : std::runtime_error(message), file_(file), certificate_(certificate) {}
  File file() const noexcept { return file_; }
  std::size_t certificate() const noexcept { return certificate_; }

 private:
  File file_;
  std::size_t certificate_;
};

class TlsContext {
 public:
  // Throws TlsError when a file cannot be read or parsed, the key is encrypted, the key is
  // not the certificate's, or client certificates are asked for without a CA file.
  explicit TlsContext(const TlsSettings& settings);
  TlsContext(const std::string& cert_chain_file, const std::string& key_file,
             TlsVersion min_version = TlsVersion::Tls12)
      : TlsContext(tls_settings(cert_chain_file, key_file, min_version)) {}
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native_handle() const noexcept { return ctx_; }
  ClientCertificates client_certificates() const noexcept { return client_certificates_; }

 private:
  static int choose_certificate(ssl_st* ssl, int* alert, void* self);

  ssl_ctx_st* ctx_ = nullptr;
  std::vector<ssl_ctx_st*> more_;  // more_certificates' contexts, switched to by SNI
  ClientCertificates client_certificates_;
};

}  // namespace brrt::http
