// SecretDigest is what key lists and token caches hold: it must be SHA-256 exactly (FIPS
// 180-4 test vectors), the same from every thread (each keeps its own OpenSSL context).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "brrt/security/secret_digest.hpp"

namespace brrt::security {
namespace {

std::string hex(const SecretDigest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

TEST(SecretDigest, IsSha256) {
  EXPECT_EQ(hex(secret_digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(secret_digest("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(secret_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(SecretDigest, SameOnEveryThread) {
  const SecretDigest want = secret_digest("token");
  std::vector<std::thread> threads;
  std::vector<int> same(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) same[t] += secret_digest("token") == want;
    });
  for (auto& th : threads) th.join();
  for (int s : same) EXPECT_EQ(s, 1000);
  EXPECT_NE(SecretDigestHash{}(want), SecretDigestHash{}(secret_digest("token2")));
}

}  // namespace
}  // namespace brrt::security
