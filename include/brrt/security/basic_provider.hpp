#pragma once
// http `basic` against configured users. Passwords are stored salted and hashed
// (PBKDF2-HMAC-SHA256, per-user random salt); a configured plain password is hashed at
// startup and dropped. Checks run in constant time per user, and an unknown user costs
// the same as a wrong password.
#include <map>
#include <string>

#include "brrt/security/security_provider.hpp"

namespace brrt::security {

class BasicProvider : public SecurityProvider {
 public:
  // users: name -> password, or "pbkdf2-sha256$ITER$SALT_HEX$HASH_HEX".
  explicit BasicProvider(const std::map<std::string, std::string>& users,
                         std::string realm = "brrtrouter");
  AuthResult verify(const CredentialSource& source,
                    std::span<const std::string> scopes) const override;
  std::string challenge(const AuthResult& failure) const override;

  // The stored form of `password` with a fresh salt (for config files).
  static std::string hash_password(std::string_view password, unsigned iterations = 100'000);

 private:
  struct User {
    unsigned iterations = 0;
    std::string salt, hash;
  };
  std::map<std::string, User, std::less<>> users_;
  User dummy_;  // verified against for unknown users
  std::string realm_;
};

}  // namespace brrt::security
