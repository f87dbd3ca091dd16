#pragma once
// apiKey schemes (header, query or cookie) against static keys. Keys are kept as SHA-256
// digests and compared with CRYPTO_memcmp over equal-length digests, so neither the
// content nor the length of a key leaks through timing.
#include <string>
#include <vector>

#include "brrt/security/credential_source.hpp"
#include "brrt/security/secret_digest.hpp"
#include "brrt/security/security_provider.hpp"

namespace brrt::security {

class ApiKeyProvider : public SecurityProvider {
 public:
  ApiKeyProvider(KeyLocation in, std::string name, const std::vector<std::string>& keys);
  AuthResult verify(const CredentialSource& source,
                    std::span<const std::string> scopes) const override;
  std::string challenge(const AuthResult& failure) const override;

 private:
  KeyLocation in_;
  std::string name_;
  std::vector<SecretDigest> digests_;
};

}  // namespace brrt::security
