// Bearer JWT costs: verifying a fresh RS256 token through brrtrouter's JwtVerifier
// (base64url, header, signature, claims) beside OpenSSL's own RSA-2048 verify of the same
// signing input, and a repeated token answered from the per-worker verified-token cache.
// Keys and tokens are made here with OpenSSL so the benchmark needs no fixtures.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <chrono>
#include <memory>
#include <string>

#include "brrt/security/bearer_provider.hpp"
#include "brrt/security/jwt_verifier.hpp"

namespace {

using namespace brrt::security;

std::string b64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

struct Rs256 {
  EVP_PKEY* key = nullptr;
  std::string pem;
  std::string input;      // header.payload
  std::string signature;  // raw
  std::string token;

  Rs256() {
    key = EVP_RSA_gen(2048);
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    const long now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    input =
        b64url(R"({"alg":"RS256","typ":"JWT","kid":"k1"})") + "." +
        b64url(
            R"({"sub":"user-1","iss":"https://issuer.test","aud":"brrt-api","scope":"read:pets","iat":)" +
            std::to_string(now) + R"(,"exp":)" + std::to_string(now + 3600) + "}");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t n = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    signature.resize(n);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &n,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    token = input + "." + b64url(signature);
  }
  ~Rs256() { EVP_PKEY_free(key); }
};

Rs256& fixture() {
  static Rs256 f;
  return f;
}

JwtPolicy policy() {
  JwtPolicy p;
  p.issuer = "https://issuer.test";
  p.audiences = {"brrt-api"};
  return p;
}

long now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void BM_OpenSSL_RSA2048_Verify(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, f.key);
    const int ok = EVP_DigestVerify(
        ctx, reinterpret_cast<const unsigned char*>(f.signature.data()), f.signature.size(),
        reinterpret_cast<const unsigned char*>(f.input.data()), f.input.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_OpenSSL_RSA2048_Verify);

void BM_JwtVerifier_RS256_Fresh(benchmark::State& state) {
  auto& f = fixture();
  const KeyList keys{key_from_pem(f.pem, "k1")};
  const JwtVerifier verifier(policy());
  const std::vector<std::string> scopes{"read:pets"};
  const long t = now();
  for (auto _ : state) {
    AuthResult r = verifier.verify(f.token, keys, scopes, t);
    if (r.outcome != Outcome::Ok) state.SkipWithError("token did not verify");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_JwtVerifier_RS256_Fresh);

void BM_Bearer_CachedToken(benchmark::State& state) {
  auto& f = fixture();
  BearerOptions o;
  o.policy = policy();
  BearerProvider provider(o, std::make_shared<StaticKeys>(KeyList{key_from_pem(f.pem, "k1")}), 1);
  const std::vector<std::string> scopes{"read:pets"};
  const long t = now();
  if (provider.verify_token(f.token, scopes, 0, t).outcome != Outcome::Ok)
    state.SkipWithError("token did not verify");
  for (auto _ : state) {
    AuthResult r = provider.verify_token(f.token, scopes, 0, t);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Bearer_CachedToken);

}  // namespace

BENCHMARK_MAIN();
