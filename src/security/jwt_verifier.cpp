#include "brrt/security/jwt_verifier.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <boost/json/parse.hpp>

#include <algorithm>

namespace brrt::security {

namespace json = boost::json;

std::string_view to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::Ok:
      return "ok";
    case Outcome::Missing:
      return "missing";
    case Outcome::Invalid:
      return "invalid";
    case Outcome::InsufficientScope:
      return "insufficient_scope";
    case Outcome::Unavailable:
      return "unavailable";
    case Outcome::Pending:
      return "pending";
  }
  return "unknown";
}

namespace {

const EVP_MD* digest_of(std::string_view alg) {
  const std::string_view bits = alg.size() == 5 ? alg.substr(2) : std::string_view();
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

bool supported(std::string_view alg) {
  static constexpr std::string_view kAll[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                              "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"};
  return std::find(std::begin(kAll), std::end(kAll), alg) != std::end(kAll);
}

// JOSE ECDSA signatures are r || s; OpenSSL verifies DER.
std::string ecdsa_der(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half),
                        static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

bool number_claim(const json::object& c, std::string_view key, std::int64_t& out, bool& present) {
  present = false;
  auto it = c.find(key);
  if (it == c.end()) return true;
  present = true;
  if (it->value().is_int64()) {
    out = it->value().get_int64();
    return true;
  }
  if (it->value().is_uint64()) {
    out = static_cast<std::int64_t>(std::min<std::uint64_t>(it->value().get_uint64(), INT64_MAX));
    return true;
  }
  if (it->value().is_double()) {
    out = static_cast<std::int64_t>(it->value().get_double());
    return true;
  }
  return false;
}

bool has_scope(const json::object& c, std::string_view scope) {
  auto contains_word = [&](std::string_view list) {
    while (!list.empty()) {
      const auto sp = list.find(' ');
      if (list.substr(0, sp) == scope) return true;
      if (sp == std::string_view::npos) break;
      list.remove_prefix(sp + 1);
    }
    return false;
  };
  if (auto it = c.find("scope"); it != c.end() && it->value().is_string())
    if (contains_word(it->value().get_string())) return true;
  if (auto it = c.find("scp"); it != c.end()) {
    if (it->value().is_string()) return contains_word(it->value().get_string());
    if (it->value().is_array())
      for (const auto& s : it->value().get_array())
        if (s.is_string() && s.get_string() == scope) return true;
  }
  return false;
}

}  // namespace

bool has_scopes(const json::object& claims, std::span<const std::string> scopes) noexcept {
  for (const auto& s : scopes)
    if (!has_scope(claims, s)) return false;
  return true;
}

bool alg_fits(std::string_view alg, KeyKind kind) noexcept {
  if (alg.size() < 2) return false;
  const std::string_view family = alg.substr(0, 2);
  switch (kind) {
    case KeyKind::Hmac:
      return family == "HS";
    case KeyKind::Rsa:
      return family == "RS" || family == "PS";
    case KeyKind::EcP256:
      return alg == "ES256";
    case KeyKind::EcP384:
      return alg == "ES384";
    case KeyKind::Ed25519:
      return alg == "EdDSA";
  }
  return false;
}

JwtVerifier::JwtVerifier(JwtPolicy policy) : policy_(std::move(policy)) {}

AuthResult JwtVerifier::parse(std::string_view token, JwtParts& parts) const {
  const auto d1 = token.find('.');
  const auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return AuthResult::fail(Outcome::Invalid, "malformed");
  parts.header_b64 = token.substr(0, d1);
  parts.payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  parts.signature_b64 = token.substr(d2 + 1);
  std::string header;
  if (!base64url_decode(parts.header_b64, header))
    return AuthResult::fail(Outcome::Invalid, "malformed");
  boost::system::error_code ec;
  const json::value h = json::parse(header, ec);
  const json::object* ho = ec ? nullptr : h.if_object();
  const json::value* alg = ho ? ho->if_contains("alg") : nullptr;
  if (!alg || !alg->is_string()) return AuthResult::fail(Outcome::Invalid, "malformed");
  parts.alg = std::string(alg->get_string());
  if (!supported(parts.alg)) return AuthResult::fail(Outcome::Invalid, "alg_not_allowed");
  if (!policy_.algorithms.empty() && std::find(policy_.algorithms.begin(), policy_.algorithms.end(),
                                               parts.alg) == policy_.algorithms.end())
    return AuthResult::fail(Outcome::Invalid, "alg_not_allowed");
  if (const auto* crit = ho->if_contains("crit"); crit)
    return AuthResult::fail(Outcome::Invalid, "unsupported_crit");  // RFC 7515 §4.1.11
  parts.kid.clear();
  if (const auto* kid = ho->if_contains("kid"); kid && kid->is_string())
    parts.kid = std::string(kid->get_string());
  return AuthResult::ok();
}

bool JwtVerifier::signature_valid(std::string_view token, const JwtParts& parts,
                                  const VerifyKey& key) const {
  if (!alg_fits(parts.alg, key.kind)) return false;
  if (!key.alg.empty() && key.alg != parts.alg) return false;
  std::string sig;
  if (!base64url_decode(parts.signature_b64, sig) || sig.empty()) return false;
  const std::string_view input =
      token.substr(0, parts.header_b64.size() + 1 + parts.payload_b64.size());
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (key.kind == KeyKind::Hmac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(digest_of(parts.alg), key.secret.data(), static_cast<int>(key.secret.size()), data,
              input.size(), mac, &len))
      return false;
    return len == sig.size() && CRYPTO_memcmp(mac, sig.data(), len) == 0;
  }
  if (key.kind == KeyKind::EcP256 || key.kind == KeyKind::EcP384) {
    sig = ecdsa_der(sig, key.kind == KeyKind::EcP256 ? 32 : 48);
    if (sig.empty()) return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = key.kind == KeyKind::Ed25519 ? nullptr : digest_of(parts.alg);
  bool ok = ctx && EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key.pkey.get()) > 0;
  if (ok && parts.alg[0] == 'P') {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
  } else if (ok && parts.alg[0] == 'R') {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
  }
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              data, input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

AuthResult JwtVerifier::claims(const JwtParts& parts, std::span<const std::string> scopes,
                               std::int64_t now, std::int64_t& exp) const {
  std::string payload;
  if (!base64url_decode(parts.payload_b64, payload))
    return AuthResult::fail(Outcome::Invalid, "malformed");
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return AuthResult::fail(Outcome::Invalid, "malformed");
  json::object& c = v.as_object();
  const std::int64_t leeway = policy_.leeway.count();
  std::int64_t t = 0;
  bool present = false;
  if (!number_claim(c, "exp", t, present)) return AuthResult::fail(Outcome::Invalid, "malformed");
  exp = present ? t : INT64_MAX;
  if (present && now >= t + leeway) return AuthResult::fail(Outcome::Invalid, "expired");
  if (!number_claim(c, "nbf", t, present)) return AuthResult::fail(Outcome::Invalid, "malformed");
  if (present && now + leeway < t) return AuthResult::fail(Outcome::Invalid, "not_yet_valid");
  if (!number_claim(c, "iat", t, present)) return AuthResult::fail(Outcome::Invalid, "malformed");
  if (present && now + leeway < t) return AuthResult::fail(Outcome::Invalid, "issued_in_future");
  if (!policy_.issuer.empty()) {
    const auto* iss = c.if_contains("iss");
    if (!iss || !iss->is_string() || iss->get_string() != policy_.issuer)
      return AuthResult::fail(Outcome::Invalid, "wrong_issuer");
  }
  if (!policy_.audiences.empty()) {
    bool match = false;
    if (const auto* aud = c.if_contains("aud")) {
      auto wanted = [&](std::string_view a) {
        return std::find(policy_.audiences.begin(), policy_.audiences.end(), a) !=
               policy_.audiences.end();
      };
      if (aud->is_string()) match = wanted(aud->get_string());
      if (aud->is_array())
        for (const auto& a : aud->get_array()) match |= a.is_string() && wanted(a.get_string());
    }
    if (!match) return AuthResult::fail(Outcome::Invalid, "wrong_audience");
  }
  if (!has_scopes(c, scopes)) return AuthResult::fail(Outcome::InsufficientScope, "missing_scope");
  return AuthResult::ok(std::make_shared<const json::object>(std::move(c)));
}

AuthResult JwtVerifier::verify(std::string_view token, std::span<const VerifyKey> keys,
                               std::span<const std::string> scopes, std::int64_t now) const {
  JwtParts parts;
  if (auto r = parse(token, parts); r.outcome != Outcome::Ok) return r;
  bool candidate = false;
  for (const auto& key : keys) {
    if (!parts.kid.empty() && !key.kid.empty() && key.kid != parts.kid) continue;
    if (!alg_fits(parts.alg, key.kind)) continue;
    candidate = true;
    if (signature_valid(token, parts, key)) {
      std::int64_t exp = 0;
      return claims(parts, scopes, now, exp);
    }
  }
  return AuthResult::fail(Outcome::Invalid, candidate ? "bad_signature" : "unknown_key");
}

}  // namespace brrt::security
