#include "brrt/security/secret_digest.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace brrt::security {

namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up in the library context on every call
// (a read lock and a context allocation); a digest runs per request on bearer and apiKey
// routes, so the algorithm is fetched once and each thread keeps its own context.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!m) throw std::runtime_error("OpenSSL has no SHA-256");
    return m;
  }();
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

}  // namespace

SecretDigest secret_digest(std::string_view secret) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  SecretDigest d;
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), secret.data(), secret.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), d.data(), &len) != 1 || len != d.size())
    throw std::runtime_error("SHA-256 failed");
  return d;
}

std::size_t SecretDigestHash::operator()(const SecretDigest& d) const noexcept {
  std::size_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

}  // namespace brrt::security
