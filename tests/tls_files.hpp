#pragma once
// Certificates and keys for TLS tests, made with OpenSSL at test time (no key material in the
// repository): EC P-256 keys and X.509 v3 certificates. By default a self-signed certificate
// for localhost, 127.0.0.1 and ::1, valid from an hour ago for a day, with the extensions
// `openssl req -x509` gives (basic constraints CA:TRUE, so clients can take it as their own
// trust anchor); CertOptions makes client certificates issued by such a CA (mutual TLS).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "base64url.hpp"

namespace brrt::test {

struct TlsFiles {
  std::string cert;  // PEM certificate (also what a client trusts)
  std::string key;   // PEM private key, unencrypted
};

struct CertOptions {
  std::string cn = "localhost";
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";  // subjectAltName; empty: none
  const TlsFiles* issuer = nullptr;                       // nullptr: self-signed, a CA
  long not_before = -3600;                                // seconds from now
  long not_after = 24 * 3600;
};

inline TlsFiles make_tls_files(const std::string& dir, const std::string& name = "server",
                               const CertOptions& o = {}) {
  std::filesystem::create_directories(dir);
  TlsFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (key == nullptr || cert == nullptr) throw std::runtime_error("OpenSSL: out of memory");
  X509* issuer = cert;
  EVP_PKEY* signer = key;
  if (o.issuer != nullptr) {
    FILE* c = std::fopen(o.issuer->cert.c_str(), "r");
    FILE* k = std::fopen(o.issuer->key.c_str(), "r");
    if (c == nullptr || k == nullptr) throw std::runtime_error("cannot read the issuer's files");
    issuer = PEM_read_X509(c, nullptr, nullptr, nullptr);
    signer = PEM_read_PrivateKey(k, nullptr, nullptr, nullptr);
    std::fclose(c);
    std::fclose(k);
    if (issuer == nullptr || signer == nullptr) throw std::runtime_error("bad issuer files");
  }
  static long serial = 0;
  X509_set_version(cert, 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(::getpid()) * 1000 + ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), o.not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert), o.not_after);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(o.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(issuer));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const std::string constraints = o.issuer ? "critical,CA:FALSE" : "critical,CA:TRUE";
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, constraints},
                                   std::pair{NID_subject_key_identifier, std::string("hash")},
                                   std::pair{NID_subject_alt_name, o.san}}) {
    if (value.empty()) continue;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("OpenSSL: bad extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, signer, EVP_sha256()) == 0) throw std::runtime_error("OpenSSL: sign failed");
  FILE* c = std::fopen(files.cert.c_str(), "w");
  FILE* k = std::fopen(files.key.c_str(), "w");
  if (c == nullptr || k == nullptr) throw std::runtime_error("cannot write TLS files in " + dir);
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  if (o.issuer != nullptr) {
    X509_free(issuer);
    EVP_PKEY_free(signer);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

// A PEM revocation list issued by `ca` (current from an hour ago for a day) that revokes the
// certificates in `revoked`; returns its file.
inline std::string make_crl(const std::string& dir, const TlsFiles& ca,
                            const std::vector<const TlsFiles*>& revoked) {
  const auto read_cert = [](const std::string& file) {
    FILE* f = std::fopen(file.c_str(), "r");
    if (f == nullptr) throw std::runtime_error("cannot read " + file);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (cert == nullptr) throw std::runtime_error("not a certificate: " + file);
    return cert;
  };
  X509* issuer = read_cert(ca.cert);
  FILE* k = std::fopen(ca.key.c_str(), "r");
  EVP_PKEY* key = k ? PEM_read_PrivateKey(k, nullptr, nullptr, nullptr) : nullptr;
  if (k) std::fclose(k);
  if (key == nullptr) throw std::runtime_error("cannot read the CA key");
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, 1);  // v2
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
  ASN1_TIME* last = X509_gmtime_adj(nullptr, -3600);
  ASN1_TIME* next = X509_gmtime_adj(nullptr, 24 * 3600);
  X509_CRL_set1_lastUpdate(crl, last);
  X509_CRL_set1_nextUpdate(crl, next);
  for (const TlsFiles* r : revoked) {
    X509* cert = read_cert(r->cert);
    X509_REVOKED* entry = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(cert));
    X509_REVOKED_set_revocationDate(entry, last);
    X509_CRL_add0_revoked(crl, entry);
    X509_free(cert);
  }
  X509_CRL_sort(crl);
  if (X509_CRL_sign(crl, key, EVP_sha256()) == 0) throw std::runtime_error("OpenSSL: CRL sign");
  const std::string file = dir + "/clients.crl";
  FILE* out = std::fopen(file.c_str(), "w");
  if (out == nullptr) throw std::runtime_error("cannot write " + file);
  PEM_write_X509_CRL(out, crl);
  std::fclose(out);
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  X509_CRL_free(crl);
  EVP_PKEY_free(key);
  X509_free(issuer);
  return file;
}

// The SHA-256 thumbprint of a certificate file's certificate, base64url (RFC 8705's x5t#S256).
inline std::string thumbprint(const TlsFiles& files) {
  FILE* f = std::fopen(files.cert.c_str(), "r");
  X509* cert = f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr;
  if (f) std::fclose(f);
  if (cert == nullptr) throw std::runtime_error("cannot read " + files.cert);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), digest, &n);
  X509_free(cert);
  return base64url(std::string_view(reinterpret_cast<const char*>(digest), n));
}

}  // namespace brrt::test
