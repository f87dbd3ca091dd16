#include "brrt/security/api_key_provider.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace brrt::security {

namespace {

std::array<unsigned char, 32> digest(std::string_view s) {
  std::array<unsigned char, 32> d;
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

}  // namespace

ApiKeyProvider::ApiKeyProvider(KeyLocation in, std::string name,
                               const std::vector<std::string>& keys)
    : in_(in), name_(std::move(name)) {
  for (const auto& k : keys) digests_.push_back(digest(k));
}

AuthResult ApiKeyProvider::verify(const CredentialSource& source,
                                  std::span<const std::string>) const {
  std::optional<std::string_view> key;
  switch (in_) {
    case KeyLocation::Header:
      key = source.header(name_);
      break;
    case KeyLocation::Query:
      key = source.query(name_);
      break;
    case KeyLocation::Cookie:
      key = source.cookie(name_);
      break;
  }
  if (!key || key->empty()) return AuthResult::fail(Outcome::Missing, "missing");
  const auto got = digest(*key);
  bool ok = false;
  for (const auto& d : digests_) ok |= CRYPTO_memcmp(d.data(), got.data(), got.size()) == 0;
  return ok ? AuthResult::ok() : AuthResult::fail(Outcome::Invalid, "wrong_key");
}

std::string ApiKeyProvider::challenge(const AuthResult&) const {
  static constexpr const char* kIn[] = {"header", "query", "cookie"};
  return "APIKey " + std::string(kIn[static_cast<int>(in_)]) + "=\"" + name_ + "\"";
}

}  // namespace brrt::security
