#pragma once
// A server's TLS settings, loaded once at startup: the certificate chain and private key
// (PEM files), the lowest protocol version, and ALPN answering `http/1.1` (a client offering
// only `h2` goes on without ALPN, as HTTP/1.1). Immutable once built and shared by every
// worker: OpenSSL makes sessions from one SSL_CTX on many threads.
#include <stdexcept>
#include <string>

struct ssl_ctx_st;

namespace brrt::http {

enum class TlsVersion { Tls12, Tls13 };

// A certificate or key that cannot be used; the message names the file and OpenSSL's reason,
// file() which of the two is at fault (the key, when it is not the certificate's).
class TlsError : public std::runtime_error {
 public:
  enum class File { CertChain, PrivateKey, Neither };
  TlsError(File file, const std::string& message) : std::runtime_error(message), file_(file) {}
  File file() const noexcept { return file_; }

 private:
  File file_;
};

class TlsContext {
 public:
  // `cert_chain_file`: the server's certificate first, then the intermediates (a
  // fullchain.pem); `key_file`: its private key, unencrypted. Throws TlsError when a file
  // cannot be read or parsed, the key is encrypted, or the key is not the certificate's.
  TlsContext(const std::string& cert_chain_file, const std::string& key_file,
             TlsVersion min_version = TlsVersion::Tls12);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native_handle() const noexcept { return ctx_; }
  TlsVersion min_version() const noexcept { return min_version_; }

 private:
  ssl_ctx_st* ctx_ = nullptr;
  TlsVersion min_version_;
};

}  // namespace brrt::http
