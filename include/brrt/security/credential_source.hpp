#pragma once
// Where providers read credentials from: the request's headers, query parameters and
// cookies by name, as views valid for the duration of the check. The dispatcher
// implements it over an http::Request without copying anything.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace brrt::http {
struct ClientCertificate;  // brrt/http/client_certificate.hpp
}

namespace brrt::security {

// Where an apiKey scheme carries its key (OpenAPI's `in`).
enum class KeyLocation : std::uint8_t { Header, Query, Cookie };

class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::optional<std::string_view> header(std::string_view name) const = 0;
  // Query parameter value, name and value percent-decoded ('+' a space), as the client meant
  // them; the raw text when it does not decode.
  virtual std::optional<std::string_view> query(std::string_view name) const = 0;
  virtual std::optional<std::string_view> cookie(std::string_view name) const = 0;
  // The certificate of the client's TLS handshake (mutual TLS); nullptr when it gave none or
  // the server does not ask for one.
  virtual const http::ClientCertificate* client_certificate() const { return nullptr; }
  // The worker thread asking: per-worker caches need no lock.
  virtual std::size_t worker() const noexcept { return 0; }

  // The value named `name` where `in` says; nullopt when absent.
  std::optional<std::string_view> find(KeyLocation in, std::string_view name) const;
};

// The credentials of an Authorization value whose auth-scheme is `scheme` (case-insensitive),
// after the one or more spaces that separate them (RFC 9110 11.4: `Bearer  abc` is `abc`);
// nullopt for another scheme or no space after it.
std::optional<std::string_view> credentials_for(std::string_view authorization,
                                                std::string_view scheme) noexcept;

}  // namespace brrt::security
