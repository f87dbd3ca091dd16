#pragma once
// http `bearer` (JWT), `oauth2` and `openIdConnect` schemes: the token from
// `Authorization: Bearer` (or a configured cookie) verified by a JwtVerifier against a
// KeySource, required scopes checked. Verified tokens are cached per worker (no lock),
// keyed by the SHA-256 of the token, until their `exp`; the cache is bounded. A token bound
// to a client certificate (RFC 8705: `cnf` with `x5t#S256`) passes only on a connection that
// presented that certificate, verified (mutual TLS), so that a stolen token is of no use
// without the client's key; the binding is checked on every request, cached token or not.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "brrt/security/jwt_verifier.hpp"
#include "brrt/security/key_source.hpp"
#include "brrt/security/secret_digest.hpp"
#include "brrt/security/security_provider.hpp"

namespace brrt::http {
struct ClientCertificate;  // brrt/http/client_certificate.hpp
}

namespace brrt::security {

struct BearerOptions {
  JwtPolicy policy;
  std::string cookie;                  // also read the token from this cookie
  std::size_t cache_entries = 10'000;  // per worker; 0 disables the cache
};

class BearerProvider : public SecurityProvider {
 public:
  BearerProvider(BearerOptions options, std::shared_ptr<KeySource> keys, std::size_t workers);
  AuthResult verify(const CredentialSource& source,
                    std::span<const std::string> scopes) const override;
  std::string challenge(const AuthResult& failure) const override;

  // Verification of an explicit token at `now` (seconds), bypassing the request;
  // `client_certificate` is the connection's (for certificate-bound tokens).
  AuthResult verify_token(std::string_view token, std::span<const std::string> scopes,
                          std::size_t worker, std::int64_t now,
                          const http::ClientCertificate* client_certificate = nullptr) const;
  const KeySource& keys() const noexcept { return *keys_; }

 private:
  struct Cached {
    std::int64_t exp = 0;
    std::shared_ptr<const boost::json::object> claims;
  };
  struct alignas(64) Cache {
    std::unordered_map<SecretDigest, Cached, SecretDigestHash> entries;
  };

  BearerOptions options_;
  JwtVerifier verifier_;
  std::shared_ptr<KeySource> keys_;
  mutable std::vector<Cache> caches_;
};

}  // namespace brrt::security
