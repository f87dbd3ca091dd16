#include "brrt/security/bearer_provider.hpp"

#include <chrono>
#include <cstring>

#include "brrt/http/client_certificate.hpp"

namespace brrt::security {

namespace {

// RFC 8705 3: a token whose `cnf` names a certificate thumbprint (`x5t#S256`) is good only
// over a connection that presented that certificate, verified; a token without one is good
// over any. A `cnf` whose thumbprint is not a string binds to nothing that could match.
bool bound_to(const boost::json::object& claims, const http::ClientCertificate* certificate) {
  const auto* cnf = claims.if_contains("cnf");
  const auto* thumbprint =
      cnf && cnf->is_object() ? cnf->get_object().if_contains("x5t#S256") : nullptr;
  if (thumbprint == nullptr) return true;
  return thumbprint->is_string() && certificate != nullptr && certificate->verified &&
         certificate->sha256_thumbprint == thumbprint->get_string();
}

}  // namespace

BearerProvider::BearerProvider(BearerOptions options, std::shared_ptr<KeySource> keys,
                               std::size_t workers)
    : options_(std::move(options)),
      verifier_(options_.policy),
      keys_(std::move(keys)),
      caches_(std::max<std::size_t>(workers, 1)) {}

AuthResult BearerProvider::verify(const CredentialSource& source,
                                  std::span<const std::string> scopes) const {
  std::optional<std::string_view> token;
  if (auto h = source.header("authorization")) token = credentials_for(*h, "Bearer");
  if (token && token->empty()) token.reset();  // "Bearer " alone: the cookie may carry one
  if (!token && !options_.cookie.empty()) token = source.cookie(options_.cookie);
  if (!token || token->empty()) return AuthResult::fail(Outcome::Missing, "missing");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return verify_token(*token, scopes, source.worker(), now, source.client_certificate());
}

AuthResult BearerProvider::verify_token(std::string_view token, std::span<const std::string> scopes,
                                        std::size_t worker, std::int64_t now,
                                        const http::ClientCertificate* client_certificate) const {
  Cache& cache = caches_[worker % caches_.size()];
  SecretDigest key{};
  const bool caching = options_.cache_entries > 0;
  if (caching) {
    key = secret_digest(token);
    if (auto it = cache.entries.find(key); it != cache.entries.end()) {
      if (now < it->second.exp + options_.policy.leeway.count()) {
        // Signature and claims were verified; the binding depends on the connection, the
        // scopes on the operation.
        if (!bound_to(*it->second.claims, client_certificate))
          return AuthResult::fail(Outcome::Invalid, "certificate_binding");
        if (!has_scopes(*it->second.claims, scopes))
          return AuthResult::fail(Outcome::InsufficientScope, "missing_scope");
        return AuthResult::ok(it->second.claims);
      }
      cache.entries.erase(it);  // expired
    }
  }
  if (!keys_->ready()) return AuthResult::fail(Outcome::Unavailable, "no_keys");
  const auto keys = keys_->keys(worker);
  JwtParts parts;
  if (auto r = verifier_.parse(token, parts); r.outcome != Outcome::Ok) return r;
  bool candidate = false;
  for (const auto& k : *keys) {
    if (!parts.kid.empty() && !k.kid.empty() && k.kid != parts.kid) continue;
    if (!alg_fits(parts.alg, k.kind)) continue;
    candidate = true;
    if (!verifier_.signature_valid(token, parts, k)) continue;
    std::int64_t exp = 0;
    // Claims are checked without scopes first, so the cache holds any verified token.
    AuthResult r = verifier_.claims(parts, {}, now, exp);
    if (r.outcome != Outcome::Ok) return r;
    if (caching) {
      if (cache.entries.size() >= options_.cache_entries) {
        // Bounded: evict expired entries, else an arbitrary one.
        for (auto it = cache.entries.begin(); it != cache.entries.end();)
          it = now >= it->second.exp ? cache.entries.erase(it) : std::next(it);
        if (cache.entries.size() >= options_.cache_entries)
          cache.entries.erase(cache.entries.begin());
      }
      cache.entries.emplace(key, Cached{exp, r.claims});
    }
    if (!bound_to(*r.claims, client_certificate))
      return AuthResult::fail(Outcome::Invalid, "certificate_binding");
    if (!has_scopes(*r.claims, scopes))
      return AuthResult::fail(Outcome::InsufficientScope, "missing_scope");
    return r;
  }
  if (!candidate && !parts.kid.empty()) keys_->unknown_kid();
  return AuthResult::fail(Outcome::Invalid, candidate ? "bad_signature" : "unknown_key");
}

std::string BearerProvider::challenge(const AuthResult& failure) const {
  std::string c = "Bearer realm=\"brrtrouter\"";
  if (failure.outcome == Outcome::InsufficientScope)
    c += ", error=\"insufficient_scope\"";
  else if (failure.outcome == Outcome::Invalid)
    c += ", error=\"invalid_token\"";
  return c;
}

}  // namespace brrt::security
