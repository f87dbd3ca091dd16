#include "brrt/security/credential_source.hpp"

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

}  // namespace brrt::security
