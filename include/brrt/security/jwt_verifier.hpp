#pragma once
// Verifies a JWS compact token (RFC 7515/7519): strict base64url, a header whose `alg` is
// allowed and fits the key (`none` never is), the signature via OpenSSL 3 (HS256/384/512,
// RS256/384/512, PS256/384/512, ES256/384, EdDSA), then the registered claims `exp`,
// `nbf`, `iat` (with leeway), `iss` and `aud`, and the required scopes (`scope` string or
// `scp` string/array).
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/security/auth_result.hpp"
#include "brrt/security/verify_key.hpp"

namespace brrt::security {

struct JwtPolicy {
  std::string issuer;                  // required `iss` when not empty
  std::vector<std::string> audiences;  // one must be in `aud` when not empty
  std::chrono::seconds leeway{30};
  std::vector<std::string> algorithms;  // allowed `alg`s; empty = every supported one
};

// What a signature check found, before claims.
struct JwtParts {
  std::string_view header_b64, payload_b64, signature_b64;
  std::string alg, kid;
};

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtPolicy policy);

  // Splits and decodes the header; Invalid when the token is malformed or its alg is
  // not allowed.
  AuthResult parse(std::string_view token, JwtParts& parts) const;
  // Checks the signature of `parts` with `key` (alg must fit the key).
  bool signature_valid(std::string_view token, const JwtParts& parts, const VerifyKey& key) const;
  // Decodes the payload and checks the claims and scopes at `now` (seconds since epoch).
  AuthResult claims(const JwtParts& parts, std::span<const std::string> scopes, std::int64_t now,
                    std::int64_t& exp) const;

  // All three, with the first key whose kid (when the token has one) and kind fit.
  AuthResult verify(std::string_view token, std::span<const VerifyKey> keys,
                    std::span<const std::string> scopes, std::int64_t now) const;

  const JwtPolicy& policy() const noexcept { return policy_; }

 private:
  JwtPolicy policy_;
};

// Whether verified claims grant every one of `scopes` (`scope` string, `scp` string/array).
bool has_scopes(const boost::json::object& claims, std::span<const std::string> scopes) noexcept;

// Whether `alg` may be verified with a key of `kind`.
bool alg_fits(std::string_view alg, KeyKind kind) noexcept;

}  // namespace brrt::security
