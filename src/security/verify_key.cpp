#include "brrt/security/verify_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace brrt::security {

namespace json = boost::json;

namespace {

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) {
  return {k, EVP_PKEY_free};
}

std::string member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                  : std::string();
}

std::string decoded_member(const json::object& o, std::string_view key) {
  std::string out;
  const std::string raw = member(o, key);
  if (raw.empty() || !base64url_decode(raw, out))
    throw std::invalid_argument("JWK member '" + std::string(key) +
                                "' is missing or not base64url");
  return out;
}

KeyKind kind_of(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "RSA-PSS")) return KeyKind::Rsa;
  if (EVP_PKEY_is_a(k, "ED25519")) return KeyKind::Ed25519;
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len)) {
      const std::string_view g(group, len);
      if (g == "prime256v1" || g == "P-256") return KeyKind::EcP256;
      if (g == "secp384r1" || g == "P-384") return KeyKind::EcP384;
    }
    throw std::invalid_argument("EC key on an unsupported curve (use P-256 or P-384)");
  }
  throw std::invalid_argument("unsupported public key type (use RSA, EC P-256/P-384 or Ed25519)");
}

// Builds an EVP_PKEY of `type` from OSSL parameters.
std::shared_ptr<EVP_PKEY> from_params(const char* type, OSSL_PARAM* params) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) > 0;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) throw std::invalid_argument(std::string("invalid ") + type + " key parameters");
  return own(key);
}

}  // namespace

bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 == 1) return false;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = b64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  return (acc & ((1u << bits) - 1)) == 0;
}

VerifyKey key_from_secret(std::string secret, std::string kid) {
  if (secret.size() < 32)
    throw std::invalid_argument("an HMAC secret must be at least 32 bytes (RFC 7518 §3.2)");
  VerifyKey k;
  k.kid = std::move(kid);
  k.kind = KeyKind::Hmac;
  k.secret = std::move(secret);
  return k;
}

VerifyKey key_from_pem(std::string_view pem, std::string kid) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!key) throw std::invalid_argument("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  VerifyKey k;
  k.pkey = own(key);
  k.kind = kind_of(key);
  k.kid = std::move(kid);
  return k;
}

VerifyKey key_from_jwk(const json::object& jwk) {
  VerifyKey k;
  k.kid = member(jwk, "kid");
  k.alg = member(jwk, "alg");
  const std::string kty = member(jwk, "kty");
  if (kty == "oct") {
    std::string secret = decoded_member(jwk, "k");
    return key_from_secret(std::move(secret), k.kid);
  }
  if (kty == "RSA") {
    const std::string n = decoded_member(jwk, "n"), e = decoded_member(jwk, "e");
    BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                             static_cast<int>(n.size()), nullptr);
    BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                             static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    std::shared_ptr<EVP_PKEY> key;
    try {
      key = from_params("RSA", params);
    } catch (...) {
      OSSL_PARAM_free(params);
      OSSL_PARAM_BLD_free(bld);
      BN_free(bn_n);
      BN_free(bn_e);
      throw;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    if (EVP_PKEY_get_bits(key.get()) < 2048)
      throw std::invalid_argument("RSA keys shorter than 2048 bits are refused");
    k.kind = KeyKind::Rsa;
    k.pkey = std::move(key);
    return k;
  }
  if (kty == "EC") {
    const std::string crv = member(jwk, "crv");
    const char* group = crv == "P-256" ? "prime256v1" : crv == "P-384" ? "secp384r1" : nullptr;
    if (!group) throw std::invalid_argument("EC JWK curve '" + crv + "' is not P-256 or P-384");
    const std::size_t size = crv == "P-256" ? 32 : 48;
    const std::string x = decoded_member(jwk, "x"), y = decoded_member(jwk, "y");
    if (x.size() != size || y.size() != size)
      throw std::invalid_argument("EC JWK coordinates have the wrong length for " + crv);
    std::string point = "\x04" + x + y;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    k.pkey = from_params("EC", params);
    k.kind = crv == "P-256" ? KeyKind::EcP256 : KeyKind::EcP384;
    return k;
  }
  if (kty == "OKP") {
    if (member(jwk, "crv") != "Ed25519")
      throw std::invalid_argument("OKP JWK curve must be Ed25519");
    const std::string x = decoded_member(jwk, "x");
    EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
    if (!key) throw std::invalid_argument("invalid Ed25519 JWK");
    k.pkey = own(key);
    k.kind = KeyKind::Ed25519;
    return k;
  }
  throw std::invalid_argument("unsupported JWK kty '" + kty + "'");
}

std::vector<VerifyKey> keys_from_jwks(const json::value& jwks) {
  const auto* o = jwks.if_object();
  const auto* keys = o ? o->if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) throw std::invalid_argument("not a JWKS: no 'keys' array");
  std::vector<VerifyKey> out;
  for (const auto& v : keys->get_array()) {
    const auto* jwk = v.if_object();
    if (!jwk || member(*jwk, "use") == "enc") continue;
    try {
      out.push_back(key_from_jwk(*jwk));
    } catch (const std::invalid_argument&) {
      // A key we cannot use (another kty or curve) does not spoil the others.
    }
  }
  return out;
}

}  // namespace brrt::security
