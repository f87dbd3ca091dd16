#pragma once
// Security settings keyed by the spec's securitySchemes names (the `security:` section of
// the config file; docs/security.md lists every key).
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "brrt/security/remote_api_key_provider.hpp"
#include "brrt/security/security_provider.hpp"

namespace brrt::security {

struct JwtSchemeConfig {
  std::string jwks_url;                  // keys from a JWKS document, refreshed every cache_ttl
  std::string discovery_url;             // or through OpenID discovery (default: openIdConnectUrl)
  std::vector<std::string> secrets;      // HMAC secrets (HS256/384/512)
  std::vector<std::string> public_keys;  // PEM public keys (RS/PS/ES/EdDSA)
  std::string issuer;
  std::vector<std::string> audiences;
  std::chrono::seconds leeway{30};
  std::chrono::seconds cache_ttl{300};            // JWKS refresh period
  std::chrono::seconds min_refetch_interval{10};  // early refetches on an unknown kid, at most
  std::vector<std::string> algorithms;            // allowed; empty = all supported
  std::string cookie;                             // token also accepted from this cookie
};

struct SecurityConfig {
  std::map<std::string, std::vector<std::string>> api_keys;         // apiKey scheme -> keys
  std::map<std::string, JwtSchemeConfig> jwt;                       // bearer/oauth2/openIdConnect
  std::map<std::string, std::map<std::string, std::string>> basic;  // scheme -> user -> password
  std::map<std::string, RemoteApiKeyOptions> remote_api_keys;       // apiKey scheme -> verifier
  // mutualTLS scheme -> the certificate subjects or subjectAltName entries it accepts (none
  // listed: any certificate the client CAs verify).
  std::map<std::string, std::vector<std::string>> mutual_tls;
  // Whether the server asks clients for certificates (tls.client_ca): without, a mutualTLS
  // scheme can never pass and is reported by Authenticator::warnings().
  bool client_certificates = false;
  // PropelAuth-style default for bearer schemes without their own entry: issuer = auth_url,
  // jwks_url = auth_url + "/.well-known/jwks.json" unless given.
  std::optional<JwtSchemeConfig> propelauth;
  // Application providers for any scheme (custom or overriding a built-in).
  std::map<std::string, std::shared_ptr<const SecurityProvider>> custom;
};

}  // namespace brrt::security
