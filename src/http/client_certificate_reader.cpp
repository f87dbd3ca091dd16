#include "http/client_certificate_reader.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/json/array.hpp>
#include <ctime>

namespace brrt::http::detail {

namespace {

namespace json = boost::json;

std::string name_text(const X509_NAME* name) {
  BIO* out = BIO_new(BIO_s_mem());
  if (out == nullptr) throw std::bad_alloc();
  // RFC 2253 order and escaping, UTF-8 kept as UTF-8 (not \-escaped).
  X509_NAME_print_ex(out, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  std::string text(data, static_cast<std::size_t>(n > 0 ? n : 0));
  BIO_free(out);
  return text;
}

std::string serial_text(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string text = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return text;
}

std::string thumbprint(const X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &n) != 1) return {};
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int len = EVP_EncodeBlock(b64, digest, static_cast<int>(n));
  std::string text(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(len));
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;  // base64url (RFC 4648 5)
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::int64_t epoch_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

void read_alt_names(const X509* cert, ClientCertificate& out) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    std::vector<std::string>* list = g->type == GEN_DNS     ? &out.dns_names
                                     : g->type == GEN_EMAIL ? &out.emails
                                     : g->type == GEN_URI   ? &out.uris
                                                            : nullptr;
    if (list == nullptr) continue;
    const ASN1_IA5STRING* s = g->d.ia5;
    list->emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
}

json::array strings(const std::vector<std::string>& list) {
  json::array a;
  for (const auto& s : list) a.emplace_back(s);
  return a;
}

}  // namespace

std::unique_ptr<const ClientCertificate> read_client_certificate(ssl_st* ssl) {
  const X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return nullptr;
  auto c = std::make_unique<ClientCertificate>();
  const long verdict = SSL_get_verify_result(ssl);
  c->verified = verdict == X509_V_OK;
  if (!c->verified) c->verify_error = X509_verify_cert_error_string(verdict);
  c->subject = name_text(X509_get_subject_name(cert));
  c->issuer = name_text(X509_get_issuer_name(cert));
  c->serial = serial_text(cert);
  c->sha256_thumbprint = thumbprint(cert);
  c->not_before = epoch_seconds(X509_get0_notBefore(cert));
  c->not_after = epoch_seconds(X509_get0_notAfter(cert));
  read_alt_names(cert, *c);
  c->claims = std::make_shared<const json::object>(
      json::object{{"sub", c->subject},
                   {"iss", c->issuer},
                   {"serial", c->serial},
                   {"x5t#S256", c->sha256_thumbprint},
                   {"san", json::object{{"dns", strings(c->dns_names)},
                                        {"email", strings(c->emails)},
                                        {"uri", strings(c->uris)}}},
                   {"nbf", c->not_before},
                   {"exp", c->not_after}});
  return c;
}

}  // namespace brrt::http::detail
