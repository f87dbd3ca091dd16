#include "brrt/security/mutual_tls_provider.hpp"

#include <algorithm>

#include "brrt/http/client_certificate.hpp"

namespace brrt::security {

MutualTlsProvider::MutualTlsProvider(std::vector<std::string> allowed)
    : allowed_(std::move(allowed)) {}

AuthResult MutualTlsProvider::verify(const CredentialSource& source,
                                     std::span<const std::string>) const {
  const http::ClientCertificate* cert = source.client_certificate();
  if (cert == nullptr) return AuthResult::fail(Outcome::Missing, "no_client_certificate");
  if (!cert->verified) return AuthResult::fail(Outcome::Invalid, "untrusted_certificate");
  if (!allowed_.empty()) {
    const auto listed = [&](const std::vector<std::string>& names) {
      return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
        return std::find(allowed_.begin(), allowed_.end(), n) != allowed_.end();
      });
    };
    if (std::find(allowed_.begin(), allowed_.end(), cert->subject) == allowed_.end() &&
        !listed(cert->dns_names) && !listed(cert->emails) && !listed(cert->uris))
      return AuthResult::fail(Outcome::Invalid, "certificate_not_allowed");
  }
  return AuthResult::ok(cert->claims);
}

std::string MutualTlsProvider::challenge(const AuthResult&) const {
  return "MutualTLS realm=\"brrtrouter\"";
}

}  // namespace brrt::security
