#pragma once
// HS256 tokens (RFC 7519) minted by the tests with claims of their own, for checks whose claims
// depend on what a test made at run time (a certificate's thumbprint). Signed with OpenSSL's
// HMAC; the verifier under test is brrt's, so the two do not share code.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>

#include "base64url.hpp"

namespace brrt::test {

inline std::string hs256_token(const std::string& secret, const boost::json::object& claims) {
  const std::string signing_input =
      base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(boost::json::serialize(claims));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &n);
  return signing_input + "." + base64url(std::string_view(reinterpret_cast<char*>(mac), n));
}

}  // namespace brrt::test
