#pragma once
// The outcome of checking one security scheme for one request.
#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string_view>

namespace brrt::security {

enum class Outcome : std::uint8_t {
  Ok,                 // verified
  Missing,            // no credential: 401
  Invalid,            // credential present but wrong, expired, badly signed...: 401
  InsufficientScope,  // verified, but lacks a required scope: 403
  Unavailable,        // the scheme cannot be checked now (no provider, key server down): 401/503
  Pending,            // needs a remote call first (see SecurityProvider's remote protocol)
};

// What a remote verifier said about a credential.
enum class RemoteVerdict : std::uint8_t { Valid, Invalid, Error };

struct AuthResult {
  Outcome outcome = Outcome::Missing;
  // Why, for metrics and logs: a fixed phrase ("expired", "bad_signature"), never a secret.
  std::string_view reason = "missing";
  // Verified claims (JWT) or identity ({"sub": user} for basic) for handlers; shared so
  // that a cached token answers without copying them.
  std::shared_ptr<const boost::json::object> claims;

  static AuthResult ok(std::shared_ptr<const boost::json::object> claims = {}) {
    return {Outcome::Ok, "ok", std::move(claims)};
  }
  static AuthResult fail(Outcome o, std::string_view why) { return {o, why, {}}; }
};

std::string_view to_string(Outcome o) noexcept;

}  // namespace brrt::security
