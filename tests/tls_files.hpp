#pragma once
// A self-signed certificate and its key for TLS tests, made with OpenSSL at test time (no key
// material in the repository): an EC P-256 key and an X.509 v3 certificate for localhost,
// 127.0.0.1 and ::1, valid from an hour ago for a day, with the extensions `openssl req -x509`
// gives (basic constraints CA:TRUE, so clients can take it as their own trust anchor).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace brrt::test {

struct TlsFiles {
  std::string cert;  // PEM certificate (also what a client trusts)
  std::string key;   // PEM private key, unencrypted
};

inline TlsFiles make_tls_files(const std::string& dir, const std::string& name = "server") {
  std::filesystem::create_directories(dir);
  TlsFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (key == nullptr || cert == nullptr) throw std::runtime_error("OpenSSL: out of memory");
  X509_set_version(cert, 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(::getpid()));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
        std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) throw std::runtime_error("OpenSSL: bad extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("OpenSSL: sign failed");
  FILE* c = std::fopen(files.cert.c_str(), "w");
  FILE* k = std::fopen(files.key.c_str(), "w");
  if (c == nullptr || k == nullptr) throw std::runtime_error("cannot write TLS files in " + dir);
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace brrt::test
