#include "brrt/security/credential_source.hpp"

#include "brrt/http/message.hpp"

namespace brrt::security {

std::optional<std::string_view> CredentialSource::find(KeyLocation in,
                                                       std::string_view name) const {
  switch (in) {
    case KeyLocation::Header:
      return header(name);
    case KeyLocation::Query:
      return query(name);
    case KeyLocation::Cookie:
      return cookie(name);
  }
  return std::nullopt;
}

std::optional<std::string_view> credentials_for(std::string_view authorization,
                                                std::string_view scheme) noexcept {
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ' ||
      !http::iequals(authorization.substr(0, scheme.size()), scheme))
    return std::nullopt;
  authorization.remove_prefix(scheme.size());
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  return authorization;
}

}  // namespace brrt::security
