#include "schema/format.hpp"

#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "schema/hostname.hpp"
#include "schema/regex.hpp"

namespace brrt::schema::detail {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Reads exactly n digits at s[pos]; advances pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool leap_year(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool full_date(std::string_view s, std::size_t& pos) {
  int y = 0, m = 0, d = 0;
  if (!digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-') return false;
  if (!digits(s, pos, 2, m) || pos >= s.size() || s[pos++] != '-') return false;
  if (!digits(s, pos, 2, d)) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const int max = kDays[m - 1] + (m == 2 && leap_year(y) ? 1 : 0);
  return d <= max;
}

// RFC 3339 full-time: partial-time time-offset. Leap seconds only at 23:59:60 UTC.
bool full_time(std::string_view s, std::size_t& pos) {
  int h = 0, mi = 0, se = 0;
  if (!digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':') return false;
  if (!digits(s, pos, 2, mi) || pos >= s.size() || s[pos++] != ':') return false;
  if (!digits(s, pos, 2, se)) return false;
  if (h > 23 || mi > 59 || se > 60) return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int oh = 0, om = 0, sign = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    if (!digits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':') return false;
    if (!digits(s, pos, 2, om)) return false;
    if (oh > 23 || om > 59) return false;
  } else {
    return false;
  }
  if (se == 60) {
    int minutes = h * 60 + mi - sign * (oh * 60 + om);
    minutes = ((minutes % 1440) + 1440) % 1440;
    if (minutes != 23 * 60 + 59) return false;
  }
  return true;
}

bool check_date_time(std::string_view s) {
  std::size_t pos = 0;
  if (!full_date(s, pos)) return false;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return false;
  ++pos;
  return full_time(s, pos) && pos == s.size();
}

bool check_date(std::string_view s) {
  std::size_t pos = 0;
  return full_date(s, pos) && pos == s.size();
}

bool check_time(std::string_view s) {
  std::size_t pos = 0;
  return full_time(s, pos) && pos == s.size();
}

// RFC 3339 Appendix A: dur-year [dur-month [dur-day]] / dur-month [dur-day] / dur-day, then
// "T" dur-hour [dur-minute [dur-second]] / dur-minute [dur-second] / dur-second; or weeks.
bool check_duration(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return false;
  std::size_t pos = 1;
  // Reads a run of consecutive units from `units` (no unit skipped once one is given).
  auto run = [&](std::string_view units) -> int {
    int count = 0;
    std::size_t next = std::string_view::npos;
    while (pos < s.size() && s[pos] != 'T') {
      const std::size_t start = pos;
      while (pos < s.size() && is_digit(s[pos])) ++pos;
      if (pos == start || pos >= s.size()) return -1;
      const std::size_t u = units.find(s[pos]);
      if (u == std::string_view::npos) return -1;
      if (next != std::string_view::npos && u != next) return -1;
      next = u + 1;
      ++pos;
      ++count;
    }
    return count;
  };
  if (s.back() == 'W') {
    for (std::size_t i = 1; i + 1 < s.size(); ++i)
      if (!is_digit(s[i])) return false;
    return s.size() > 2;
  }
  const int date = run("YMD");
  if (date < 0) return false;
  if (pos == s.size()) return date > 0;
  ++pos;  // 'T'
  const int time = run("HMS");
  return time > 0 && pos == s.size();
}

bool check_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = pos;
    int v = 0;
    while (pos < s.size() && is_digit(s[pos])) {
      v = v * 10 + (s[pos] - '0');
      if (v > 255) return false;
      ++pos;
    }
    const std::size_t len = pos - start;
    if (len == 0 || len > 3 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (pos == s.size()) break;
    if (s[pos] != '.' || parts == 4) return false;
    ++pos;
  }
  return parts == 4;
}

bool check_ipv6(std::string_view s) {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  std::size_t pos = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    pos = 2;
    if (pos == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (pos < s.size()) {
    // An embedded IPv4 address ends the address.
    const std::size_t next_colon = s.find(':', pos);
    const std::string_view rest = s.substr(
        pos, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - pos);
    if (next_colon == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      if (!check_ipv4(rest)) return false;
      groups += 2;
      pos = s.size();
      break;
    }
    if (rest.empty() || rest.size() > 4) return false;
    for (char c : rest)
      if (!is_hex(c)) return false;
    ++groups;
    pos += rest.size();
    if (pos == s.size()) break;
    ++pos;  // ':'
    if (pos < s.size() && s[pos] == ':') {
      if (compressed) return false;
      compressed = true;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return false;  // trailing single ':'
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

bool check_email(std::string_view s, bool idn) {
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    for (std::size_t i = 1; i + 1 < local.size(); ++i)
      if (local[i] == '\\')
        ++i;
      else if (local[i] == '"')
        return false;
  } else {
    if (local.front() == '.' || local.back() == '.') return false;
    if (local.find("..") != std::string_view::npos) return false;
    static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~.";
    for (unsigned char c : local) {
      if (c >= 0x80) {
        if (!idn) return false;
        continue;
      }
      if (!(is_alpha(static_cast<char>(c)) || is_digit(static_cast<char>(c)) ||
            kSpecials.find(static_cast<char>(c)) != std::string_view::npos))
        return false;
    }
  }
  if (domain.front() == '[' && domain.back() == ']') {
    const std::string_view literal = domain.substr(1, domain.size() - 2);
    if (literal.substr(0, 5) == "IPv6:") return check_ipv6(literal.substr(5));
    return check_ipv4(literal);
  }
  return check_hostname(domain, idn);
}

bool check_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!is_hex(s[i])) {
      return false;
    }
  }
  return true;
}

bool check_json_pointer(std::string_view s) {
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  return true;
}

bool check_relative_json_pointer(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  if (pos == 0 || (pos > 1 && s[0] == '0')) return false;
  // Index adjustment ("0+1", "1-2") as in the relative JSON pointer draft.
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const std::size_t start = ++pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start || (pos - start > 1 && s[start] == '0')) return false;
  }
  const std::string_view rest = s.substr(pos);
  return rest == "#" || check_json_pointer(rest);
}

// RFC 6570 level 4 syntax.
bool check_uri_template(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '}') return false;
    if (s[i] != '{') {
      // Literals: any character but CTL, SP, DQUOTE, "'", "%" (unless pct-encoded), "<",
      // ">", "\\", "^", "`", "|".
      const auto c = static_cast<unsigned char>(s[i]);
      if (c <= 0x20 || c == 0x7F ||
          std::string_view("\"<>\\^`|").find(s[i]) != std::string_view::npos)
        return false;
      continue;
    }
    const std::size_t close = s.find('}', i);
    if (close == std::string_view::npos) return false;
    std::string_view expr = s.substr(i + 1, close - i - 1);
    if (!expr.empty() && std::string_view("+#./;?&=,!@|").find(expr[0]) != std::string_view::npos)
      expr.remove_prefix(1);
    if (expr.empty()) return false;
    std::size_t start = 0;
    while (start <= expr.size()) {
      std::size_t end = expr.find(',', start);
      if (end == std::string_view::npos) end = expr.size();
      std::string_view var = expr.substr(start, end - start);
      if (!var.empty() && var.back() == '*') var.remove_suffix(1);
      if (const std::size_t colon = var.find(':'); colon != std::string_view::npos) {
        const std::string_view len = var.substr(colon + 1);
        if (len.empty() || len.size() > 4 || len[0] == '0') return false;
        for (char c : len)
          if (!is_digit(c)) return false;
        var = var.substr(0, colon);
      }
      if (var.empty() || var.front() == '.' || var.back() == '.') return false;
      if (var.find("..") != std::string_view::npos) return false;
      for (char c : var)
        if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '%')) return false;
      if (end == expr.size()) break;
      start = end + 1;
    }
    i = close;
  }
  return true;
}

// IRIs: non-ASCII code points are percent-encoded, then the URI grammar applies.
std::string iri_to_uri(std::string_view s) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (c >= 0x80) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// What Boost.URL leaves to the scheme: ports are digits, the authority has one '@'.
bool check_authority(std::string_view s) {
  const std::size_t start = s.find("//");
  const std::size_t scheme_end = s.find_first_of(":/?#");
  if (start == std::string_view::npos) return true;
  if (!(start == 0 ||
        (scheme_end != std::string_view::npos && s[scheme_end] == ':' && start == scheme_end + 1)))
    return true;
  std::string_view authority = s.substr(start + 2);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const std::size_t at = authority.find('@');
  if (at != std::string_view::npos && authority.find('@', at + 1) != std::string_view::npos)
    return false;
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (!host.empty() && host[0] == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host[0] != ':') return false;
  }
  const std::size_t colon = host.find(':');
  if (colon == std::string_view::npos) return true;
  for (char c : host.substr(colon + 1))
    if (!is_digit(c)) return false;
  return true;
}

bool check_uri(std::string_view s, bool reference) {
  for (unsigned char c : s)
    if (c >= 0x80 || c <= 0x20) return false;
  if (!check_authority(s)) return false;
  if (reference) return boost::urls::parse_uri_reference(s).has_value();
  return boost::urls::parse_uri(s).has_value();
}

bool check_iri(std::string_view s, bool reference) {
  for (unsigned char c : s)
    if (c <= 0x20) return false;
  std::string uri = iri_to_uri(s);
  if (!check_authority(uri)) return false;
  // IPvFuture's "v" is case-insensitive (RFC 3986 3.2.2); Boost.URL wants it lower case.
  if (const std::size_t v = uri.find("[V"); v != std::string::npos) uri[v + 1] = 'v';
  if (reference) return boost::urls::parse_uri_reference(uri).has_value();
  auto r = boost::urls::parse_uri(uri);
  if (!r) return false;
  // An IPv6 literal must be a valid address (boost.url checks it) and IRIs may not use
  // non-ASCII characters inside it.
  return true;
}

bool check_regex(std::string_view s) {
  std::string error;
  // ECMA-262 has no \a, \e, \z, \Z ... escapes; PCRE2 would accept them.
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    const char n = s[i + 1];
    if (n == 'a' || n == 'e' || n == 'z' || n == 'Z' || n == 'A' || n == 'Q' || n == 'E')
      return false;
    ++i;
  }
  // Python/PCRE group syntax and global inline flags are not ECMA-262.
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] != '(' || s[i + 1] != '?') continue;
    const char n = s[i + 2];
    if (n == 'P' || n == '#') return false;
    std::size_t j = i + 2;
    while (j < s.size() && std::string_view("imsx-").find(s[j]) != std::string_view::npos) ++j;
    if (j > i + 2 && j < s.size() && s[j] == ')') return false;
  }
  return Regex::compile(s, error) != nullptr;
}

}  // namespace

Format parse_format(std::string_view n) noexcept {
  struct Entry {
    std::string_view name;
    Format format;
  };
  static constexpr Entry kFormats[] = {
      {"date-time", Format::DateTime},
      {"date", Format::Date},
      {"time", Format::Time},
      {"duration", Format::Duration},
      {"email", Format::Email},
      {"idn-email", Format::IdnEmail},
      {"hostname", Format::Hostname},
      {"idn-hostname", Format::IdnHostname},
      {"ipv4", Format::Ipv4},
      {"ipv6", Format::Ipv6},
      {"uri", Format::Uri},
      {"uri-reference", Format::UriReference},
      {"iri", Format::Iri},
      {"iri-reference", Format::IriReference},
      {"uri-template", Format::UriTemplate},
      {"uuid", Format::Uuid},
      {"regex", Format::Regex},
      {"json-pointer", Format::JsonPointer},
      {"relative-json-pointer", Format::RelativeJsonPointer},
      {"int32", Format::Int32},
      {"int64", Format::Int64},
      {"float", Format::Float},
      {"double", Format::Double},
  };
  for (const Entry& e : kFormats)
    if (e.name == n) return e.format;
  return Format::Unknown;
}

bool check_string_format(Format f, std::string_view s) noexcept {
  try {
    switch (f) {
      case Format::DateTime:
        return check_date_time(s);
      case Format::Date:
        return check_date(s);
      case Format::Time:
        return check_time(s);
      case Format::Duration:
        return check_duration(s);
      case Format::Email:
        return check_email(s, false);
      case Format::IdnEmail:
        return check_email(s, true);
      case Format::Hostname:
        return check_hostname(s, false);
      case Format::IdnHostname:
        return check_hostname(s, true);
      case Format::Ipv4:
        return check_ipv4(s);
      case Format::Ipv6:
        return check_ipv6(s);
      case Format::Uri:
        return check_uri(s, false);
      case Format::UriReference:
        return check_uri(s, true);
      case Format::Iri:
        return check_iri(s, false);
      case Format::IriReference:
        return check_iri(s, true);
      case Format::UriTemplate:
        return check_uri_template(s);
      case Format::Uuid:
        return check_uuid(s);
      case Format::Regex:
        return check_regex(s);
      case Format::JsonPointer:
        return check_json_pointer(s);
      case Format::RelativeJsonPointer:
        return check_relative_json_pointer(s);
      default:
        return true;
    }
  } catch (...) {
    return false;  // allocation failure while checking: treat as non-conforming
  }
}

bool check_format(Format f, const boost::json::value& v) noexcept {
  switch (f) {
    case Format::None:
    case Format::Unknown:
      return true;
    case Format::Int32:
    case Format::Int64: {
      const long double lo = f == Format::Int32 ? -2147483648.0L : -9223372036854775808.0L;
      const long double hi = f == Format::Int32 ? 2147483647.0L : 9223372036854775807.0L;
      long double x;
      if (v.is_int64())
        x = static_cast<long double>(v.get_int64());
      else if (v.is_uint64())
        x = static_cast<long double>(v.get_uint64());
      else if (v.is_double())
        x = v.get_double();
      else
        return true;
      return std::floor(x) == x && x >= lo && x <= hi;
    }
    case Format::Float:
      if (v.is_double()) return std::fabs(v.get_double()) <= std::numeric_limits<float>::max();
      return true;
    case Format::Double:
      return true;
    default:
      if (!v.is_string()) return true;
      return check_string_format(f, std::string_view(v.get_string()));
  }
}

}  // namespace brrt::schema::detail
