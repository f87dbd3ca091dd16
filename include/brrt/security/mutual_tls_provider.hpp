#pragma once
// mutualTLS schemes (OpenAPI 3.1): the client's TLS certificate is the credential. The
// server verifies the chain against its client CAs in the handshake (http::TlsSettings); this
// passes a request whose connection presented a certificate that verified and, when
// `allowed` is not empty, whose subject (RFC 2253, "CN=billing,O=Example") or one of whose
// subjectAltName entries (DNS name, email, URI) is listed. Handlers get the certificate as
// claims (http::ClientCertificate::claims).
#include <string>
#include <vector>

#include "brrt/security/security_provider.hpp"

namespace brrt::security {

class MutualTlsProvider : public SecurityProvider {
 public:
  explicit MutualTlsProvider(std::vector<std::string> allowed = {});
  AuthResult verify(const CredentialSource& source,
                    std::span<const std::string> scopes) const override;
  // No HTTP authentication scheme names TLS client certificates; RFC 9110 still wants a
  // challenge with a 401, so this one says what to present.
  std::string challenge(const AuthResult& failure) const override;

 private:
  std::vector<std::string> allowed_;
};

}  // namespace brrt::security
