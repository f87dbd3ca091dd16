#pragma once
// SHA-256 of a secret (an API key, a bearer token): what key lists and verified-credential
// caches hold instead of the secret itself, so a memory dump or a log of a cache key shows
// nothing usable, and every comparison runs over equal-length values.
#include <array>
#include <cstddef>
#include <string_view>

namespace brrt::security {

using SecretDigest = std::array<unsigned char, 32>;

SecretDigest secret_digest(std::string_view secret);

// For hash maps keyed by digest: the digest is already uniformly distributed.
struct SecretDigestHash {
  std::size_t operator()(const SecretDigest& d) const noexcept;
};

}  // namespace brrt::security
