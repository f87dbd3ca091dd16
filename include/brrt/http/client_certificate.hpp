#pragma once
// The certificate a client presented in its TLS handshake (mutual TLS), read once per
// connection when the server asks for client certificates (TlsSettings::client_certificates).
// A request reaches it through Request::client_certificate; the mutualTLS security scheme
// passes only a verified one.
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace brrt::http {

struct ClientCertificate {
  // Whether its chain verified against the client CAs (and its dates hold); when not,
  // OpenSSL's reason ("certificate has expired", "unable to get local issuer certificate").
  bool verified = false;
  std::string verify_error;
  std::string subject;  // RFC 2253: "CN=alice,O=Example Corp"
  std::string issuer;   // the same form
  std::string serial;   // hexadecimal, as `openssl x509 -serial` prints it
  // The SHA-256 thumbprint of the certificate (its DER form), base64url: RFC 8705's
  // `x5t#S256`, which certificate-bound tokens carry in their `cnf` claim.
  std::string sha256_thumbprint;
  std::vector<std::string> dns_names, emails, uris;  // subjectAltName entries
  std::int64_t not_before = 0, not_after = 0;        // seconds since the epoch
  // The same for handlers, as the claims of a mutualTLS scheme: {"sub": subject, "iss":
  // issuer, "serial", "x5t#S256", "san": {"dns": [...], "email": [...], "uri": [...]},
  // "nbf", "exp"}; built with the rest, so a request allocates nothing for it.
  std::shared_ptr<const boost::json::object> claims;
};

}  // namespace brrt::http
