#include "brrt/security/remote_api_key_provider.hpp"

#include "brrt/security/http_fetch.hpp"

namespace brrt::security {

using Clock = std::chrono::steady_clock;

RemoteApiKeyProvider::RemoteApiKeyProvider(RemoteApiKeyOptions options, std::size_t workers)
    : options_(std::move(options)), caches_(std::max<std::size_t>(workers, 1)) {
  if (options_.forward_header.empty()) options_.forward_header = options_.name;
}

AuthResult RemoteApiKeyProvider::verify(const CredentialSource& source,
                                        std::span<const std::string>) const {
  const auto key = source.find(options_.in, options_.name);
  if (!key || key->empty()) return AuthResult::fail(Outcome::Missing, "missing");
  Cache& cache = caches_[source.worker() % caches_.size()];
  auto it = cache.entries.find(secret_digest(*key));
  if (it == cache.entries.end() || Clock::now() >= it->second.until)
    return AuthResult::fail(Outcome::Pending, "pending");
  switch (it->second.verdict) {
    case RemoteVerdict::Valid:
      return AuthResult::ok();
    case RemoteVerdict::Invalid:
      return AuthResult::fail(Outcome::Invalid, "wrong_key");
    case RemoteVerdict::Error:
      break;
  }
  return options_.unavailable_on_error
             ? AuthResult::fail(Outcome::Unavailable, "verifier_unavailable")
             : AuthResult::fail(Outcome::Invalid, "verifier_unavailable");
}

std::optional<std::string> RemoteApiKeyProvider::pending_credential(
    const CredentialSource& source) const {
  const auto key = source.find(options_.in, options_.name);
  if (!key || key->empty()) return std::nullopt;
  return std::string(*key);
}

RemoteVerdict RemoteApiKeyProvider::resolve(std::string_view key) const {
  if (options_.verifier) return options_.verifier(key);
  const FetchResult r = http_fetch("GET", options_.verify_url,
                                   {{options_.forward_header, std::string(key)}}, options_.timeout);
  if (r.status >= 200 && r.status < 300) return RemoteVerdict::Valid;
  if (r.status == 401 || r.status == 403 || r.status == 404) return RemoteVerdict::Invalid;
  return RemoteVerdict::Error;
}

void RemoteApiKeyProvider::remember(std::size_t worker, std::string_view key,
                                    RemoteVerdict verdict) const {
  Cache& cache = caches_[worker % caches_.size()];
  const auto now = Clock::now();
  if (cache.entries.size() >= options_.max_entries) {
    for (auto it = cache.entries.begin(); it != cache.entries.end();)
      it = now >= it->second.until ? cache.entries.erase(it) : std::next(it);
    if (cache.entries.size() >= options_.max_entries) cache.entries.erase(cache.entries.begin());
  }
  const auto ttl = verdict == RemoteVerdict::Valid     ? std::chrono::seconds(options_.cache_ttl)
                   : verdict == RemoteVerdict::Invalid ? options_.negative_cache_ttl
                                                       : std::chrono::seconds(1);
  // A zero TTL still answers the request that asked (the entry lives for this instant).
  cache.entries[secret_digest(key)] =
      Entry{verdict, now + std::max<Clock::duration>(ttl, std::chrono::milliseconds(100))};
}

std::string RemoteApiKeyProvider::challenge(const AuthResult&) const {
  static constexpr const char* kIn[] = {"header", "query", "cookie"};
  return "APIKey " + std::string(kIn[static_cast<int>(options_.in)]) + "=\"" + options_.name + "\"";
}

}  // namespace brrt::security
