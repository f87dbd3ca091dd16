#pragma once
// Keys that verify JWT signatures: an HMAC secret, or a public key (RSA, EC P-256/P-384,
// Ed25519) from a PEM document or a JWK. A key knows its kind, so a token whose `alg`
// does not fit it is rejected (no HMAC "signed" with an RSA public key's bytes).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace brrt::security {

enum class KeyKind : std::uint8_t { Hmac, Rsa, EcP256, EcP384, Ed25519 };

struct VerifyKey {
  std::string kid;  // "" when the key has none
  KeyKind kind = KeyKind::Hmac;
  std::string alg;                 // the JWK's `alg` restriction, "" for none
  std::string secret;              // Hmac
  std::shared_ptr<EVP_PKEY> pkey;  // the others
};

// Throw std::invalid_argument with a precise reason (load/config time).
VerifyKey key_from_secret(std::string secret, std::string kid = {});
VerifyKey key_from_pem(std::string_view pem, std::string kid = {});
VerifyKey key_from_jwk(const boost::json::object& jwk);
// Every signature key of a JWKS document (`use: enc` keys and unsupported kty are
// skipped); throws when the document is not a JWKS.
std::vector<VerifyKey> keys_from_jwks(const boost::json::value& jwks);

// RFC 4648 §5 without padding, strict: any other character fails.
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace brrt::security
