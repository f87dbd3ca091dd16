#pragma once
// A verifier for one `components.securitySchemes` entry. Built-in providers cover apiKey,
// http basic, http bearer (JWT), oauth2 and openIdConnect; applications register their own
// for custom schemes. Providers are shared by all workers: `verify` must be thread-safe
// (the built-ins keep per-worker state indexed by CredentialSource::worker()).
#include <optional>
#include <span>
#include <string>

#include "brrt/security/auth_result.hpp"
#include "brrt/security/credential_source.hpp"

namespace brrt::security {

class SecurityProvider {
 public:
  virtual ~SecurityProvider() = default;
  // Checks the request's credential; `scopes` are the scopes the operation requires of
  // this scheme (oauth2/openIdConnect/bearer), empty otherwise.
  virtual AuthResult verify(const CredentialSource& source,
                            std::span<const std::string> scopes) const = 0;
  // The WWW-Authenticate challenge for a 401 caused by this scheme.
  virtual std::string challenge(const AuthResult& failure) const = 0;

  // Remote protocol, for providers that must call out (remote API-key verification):
  // `verify` answers Outcome::Pending when the credential's verdict is not cached; the
  // dispatcher then calls `resolve` (blocking, on its thread pool, never on a worker) and
  // hands the verdict to `remember` back on the worker thread, and verifies again.
  virtual std::optional<std::string> pending_credential(const CredentialSource&) const {
    return std::nullopt;
  }
  virtual RemoteVerdict resolve(std::string_view) const { return RemoteVerdict::Error; }
  virtual void remember(std::size_t /*worker*/, std::string_view, RemoteVerdict) const {}
};

}  // namespace brrt::security
