#pragma once
// Internal: "hostname" (RFC 1123, A-labels checked as IDNA2008) and "idn-hostname" (RFC 5890
// U-labels: IDNA2008 contextual rules and the RFC 5893 Bidi rule, best effort without the
// full IDNA tables: Unicode properties come from PCRE2).
#include <string_view>

namespace brrt::schema::detail {

bool check_hostname(std::string_view s, bool idn);

}  // namespace brrt::schema::detail
