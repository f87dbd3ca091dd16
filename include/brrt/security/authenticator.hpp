#pragma once
// Enforces an operation's security requirements with the providers built from the spec's
// securitySchemes and the SecurityConfig. OpenAPI semantics: the requirement objects are
// alternatives (OR), the schemes inside one are all needed (AND), an empty list is public.
// A scheme with no working provider never passes (fail closed) and is reported by
// warnings(). Failures are counted per scheme and reason for /metrics.
#include <boost/json/object.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/core/owned_counter.hpp"
#include "brrt/security/key_source.hpp"
#include "brrt/security/security_config.hpp"
#include "brrt/security/security_provider.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::security {

struct AuthDecision {
  int status = 200;                                   // 200 (pass), 401 or 403
  std::string challenge;                              // WWW-Authenticate value for 401/403
  std::string_view reason;                            // of the failure, for the problem detail
  std::vector<std::string_view> schemes;              // the satisfied requirement's scheme names
  std::shared_ptr<const boost::json::object> claims;  // of the first scheme with claims
  // When status is 0: the remote calls to make (SecurityProvider's remote protocol).
  std::vector<std::pair<const SecurityProvider*, std::string>> pending;
};

class Authenticator {
 public:
  // `fetcher` replaces HTTP for JWKS/discovery fetches (tests); empty = real HTTP.
  Authenticator(const spec::Api& api, const SecurityConfig& config, std::size_t workers,
                Fetcher fetcher = {});
  ~Authenticator();

  AuthDecision check(std::span<const spec::SecurityRequirement> requirements,
                     const CredentialSource& source) const;

  // Schemes that can never pass, and why (for startup logs).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }
  // `brrt_auth_failures_total{scheme,reason}` in Prometheus text format.
  std::string render_metrics() const;
  // Adds `previous`'s failure counts to this one's, scheme by name (a reload: the counters
  // of schemes that stay go on from where they were, and Prometheus sees no reset). Call
  // before this authenticator serves requests.
  void carry_over(const Authenticator& previous);
  // The provider of a scheme, nullptr when it has none.
  const SecurityProvider* provider(std::string_view scheme) const noexcept;

 private:
  struct Scheme;
  std::size_t index_of(std::string_view name) const noexcept;
  void count(std::size_t worker, std::size_t scheme, std::string_view reason) const;

  std::vector<std::unique_ptr<Scheme>> schemes_;
  std::vector<std::string> warnings_;
  struct alignas(64) WorkerCounters {
    std::vector<OwnedCounter> failures;  // [scheme * kReasons + reason]
  };
  mutable std::vector<WorkerCounters> counters_;
};

}  // namespace brrt::security
