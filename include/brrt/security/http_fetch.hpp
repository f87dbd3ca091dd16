#pragma once
// A small blocking HTTP/1.1 client (Boost.Beast, TLS through OpenSSL with the system's
// trust store and host name verification) for the security providers' own calls: JWKS
// and OpenID discovery documents, remote API-key verification. Each call has one overall
// deadline; nothing is cached here.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace brrt::security {

struct FetchResult {
  int status = 0;  // 0 when no response arrived
  std::string body;
  std::string error;  // transport error ("timeout", "connection refused", ...)
};

FetchResult http_fetch(const std::string& method, const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::chrono::milliseconds timeout);

}  // namespace brrt::security
