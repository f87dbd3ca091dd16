#pragma once
// base64url without padding (RFC 4648 5), as JWTs and certificate thumbprints write it, for
// what the tests make themselves (tokens, expected thumbprints); OpenSSL encodes.
#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace brrt::test {

inline std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

}  // namespace brrt::test
