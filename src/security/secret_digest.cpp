#include "brrt/security/secret_digest.hpp"

#include <openssl/sha.h>

#include <cstring>

namespace brrt::security {

SecretDigest secret_digest(std::string_view secret) {
  SecretDigest d;
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), d.data());
  return d;
}

std::size_t SecretDigestHash::operator()(const SecretDigest& d) const noexcept {
  std::size_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

}  // namespace brrt::security
