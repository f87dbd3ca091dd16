#include "brrt/security/api_key_provider.hpp"

#include <openssl/crypto.h>

namespace brrt::security {

ApiKeyProvider::ApiKeyProvider(KeyLocation in, std::string name,
                               const std::vector<std::string>& keys)
    : in_(in), name_(std::move(name)) {
  for (const auto& k : keys) digests_.push_back(secret_digest(k));
}

AuthResult ApiKeyProvider::verify(const CredentialSource& source,
                                  std::span<const std::string>) const {
  const std::optional<std::string_view> key = source.find(in_, name_);
  if (!key || key->empty()) return AuthResult::fail(Outcome::Missing, "missing");
  const SecretDigest got = secret_digest(*key);
  bool ok = false;
  for (const auto& d : digests_) ok |= CRYPTO_memcmp(d.data(), got.data(), got.size()) == 0;
  return ok ? AuthResult::ok() : AuthResult::fail(Outcome::Invalid, "wrong_key");
}

std::string ApiKeyProvider::challenge(const AuthResult&) const {
  static constexpr const char* kIn[] = {"header", "query", "cookie"};
  return "APIKey " + std::string(kIn[static_cast<int>(in_)]) + "=\"" + name_ + "\"";
}

}  // namespace brrt::security
