#pragma once
// apiKey schemes verified by a remote service: the key is sent to `verify_url` (in the
// configured header); 2xx means valid, 401/403/404 invalid, anything else (or a timeout)
// an error. Verdicts are cached per worker (valid for cache_ttl, invalid for
// negative_cache_ttl, errors for one second so an outage is not hammered), bounded by
// max_entries, keyed by the key's SHA-256. On an error the request gets 401 (`deny`) or
// 503 (`unavailable`), as configured. The call never runs on a worker thread.
#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "brrt/security/api_key_provider.hpp"
#include "brrt/security/security_provider.hpp"

namespace brrt::security {

struct RemoteApiKeyOptions {
  KeyLocation in = KeyLocation::Header;
  std::string name = "X-API-Key";  // where the client sends the key
  std::string verify_url;
  std::string forward_header;  // header carrying the key to the verifier (default: name)
  std::chrono::milliseconds timeout{500};
  std::chrono::seconds cache_ttl{60};
  std::chrono::seconds negative_cache_ttl{10};
  std::size_t max_entries = 10'000;   // per worker
  bool unavailable_on_error = false;  // 503 instead of 401 when the verifier fails
  // Replaces the HTTP call (tests, custom transports): key -> verdict.
  std::function<RemoteVerdict(std::string_view key)> verifier;
};

class RemoteApiKeyProvider : public SecurityProvider {
 public:
  RemoteApiKeyProvider(RemoteApiKeyOptions options, std::size_t workers);
  AuthResult verify(const CredentialSource& source,
                    std::span<const std::string> scopes) const override;
  std::string challenge(const AuthResult& failure) const override;
  std::optional<std::string> pending_credential(const CredentialSource& source) const override;
  RemoteVerdict resolve(std::string_view key) const override;
  void remember(std::size_t worker, std::string_view key, RemoteVerdict verdict) const override;

 private:
  struct Entry {
    RemoteVerdict verdict;
    std::chrono::steady_clock::time_point until;
  };
  struct alignas(64) Cache {
    std::unordered_map<SecretDigest, Entry, SecretDigestHash> entries;
  };

  RemoteApiKeyOptions options_;
  mutable std::vector<Cache> caches_;
};

}  // namespace brrt::security
