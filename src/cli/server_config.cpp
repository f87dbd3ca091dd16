#include "cli/server_config.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "brrt/core/json_pointer.hpp"
#include "brrt/http/message.hpp"
#include "brrt/http/tls_context.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"

namespace brrt::cli {

namespace json = boost::json;

std::string substitute_env(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos)
        throw std::runtime_error("unterminated ${ in '" + std::string(text) + "'");
      std::string_view inner = text.substr(i + 2, close - i - 2);
      std::string_view dflt;
      bool has_default = false;
      if (const auto d = inner.find(":-"); d != std::string_view::npos) {
        dflt = inner.substr(d + 2);
        inner = inner.substr(0, d);
        has_default = true;
      }
      const char* v = std::getenv(std::string(inner).c_str());
      if (v && *v)
        out += v;
      else if (has_default)
        out += dflt;
      else
        throw std::runtime_error("environment variable " + std::string(inner) + " is not set");
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> listen_address(std::string_view host) {
  // `localhost` as nginx and most servers take it, without resolving names: which addresses
  // a name has is the resolver's business, and a listen address should not change with it.
  if (http::iequals(host, "localhost")) return "127.0.0.1";
  // What the server will parse it with, so that a literal accepted here binds there.
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return std::string(host);
}

std::string swagger_ui_dir_error(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return "cannot use '" + dir + "' for Swagger UI: " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "'" + dir + "' is not a directory";
  // The file the service looks for to take a directory as Swagger UI's.
  if (::access((dir + "/swagger-ui-bundle.js").c_str(), R_OK) != 0)
    return "'" + dir + "' has no readable swagger-ui-bundle.js";
  return {};
}

std::string host_port(std::string_view host, unsigned port) {
  std::string out;
  if (host.find(':') != std::string_view::npos)
    out.append("[").append(host).append("]");
  else
    out.append(host);
  return out + ":" + std::to_string(port);
}

namespace {

// Reads the settings, and collects what is wrong with them: fail() records an error and
// abandons the setting being read, guard() around each setting catches that and goes on to
// the next, and finish() throws every error at once, so one run names every wrong setting.
class ConfigReader {
 public:
  explicit ConfigReader(const spec::Document& doc) : doc_(doc) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& message,
                         const std::string& hint = {}) const {
    spec::Diagnostic d;
    d.file = doc_.path();
    const auto loc = doc_.locate(pointer);
    d.line = loc.line;
    d.column = loc.column;
    d.pointer = pointer;
    d.message = message;
    d.hint = hint;
    errors_.push_back(std::move(d));
    throw Abandoned{};
  }
  // Reads each member of a mapping under its own guard: read(key, value, pointer).
  template <class Read>
  void each(const json::value& v, const std::string& ptr, Read&& read) const {
    for (const auto& member : object(v, ptr)) {
      const std::string key(member.key());
      const std::string at = ptr + "/" + escape_pointer_token(key);
      guard([&] { read(key, member.value(), at); });
    }
  }
  template <class Read>
  void guard(Read&& read) const {
    try {
      read();
    } catch (const Abandoned&) {
      // recorded by fail(); the next setting is read
    }
  }
  void finish() const {
    // In the file's order: checks between settings (two endpoints on one path) run after
    // the settings are read.
    std::stable_sort(
        errors_.begin(), errors_.end(),
        [](const spec::Diagnostic& a, const spec::Diagnostic& b) { return a.line < b.line; });
    if (!errors_.empty()) throw spec::SpecError(errors_);
  }

  const json::object& object(const json::value& v, const std::string& ptr) const {
    if (!v.is_object()) fail(ptr, "expected a mapping");
    return v.get_object();
  }
  std::string string(const json::value& v, const std::string& ptr) const {
    if (!v.is_string()) fail(ptr, "expected a string");
    try {
      return substitute_env(v.get_string());
    } catch (const std::exception& e) {
      fail(ptr, e.what(), "export the variable or give a default: ${VAR:-value}");
    }
  }
  std::int64_t integer(const json::value& v, const std::string& ptr, std::int64_t min,
                       std::int64_t max) const {
    const std::string range =
        "use an integer from " + std::to_string(min) + " to " + std::to_string(max);
    std::int64_t n = 0;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_uint64()) {
      // Above INT64_MAX, so above every maximum.
      fail(ptr, std::to_string(v.get_uint64()) + " is out of range", range);
    } else if (v.is_double()) {
      // The loader keeps a whole number beyond 64 bits as a double: out of range, not a
      // wrong type. It is named as written, since the double has rounded it.
      const double d = v.get_double();
      if (std::isfinite(d) && d == std::trunc(d))
        fail(ptr, source_token(ptr, "the number") + " is out of range", range);
      fail(ptr, "expected an integer, got " + source_token(ptr, "a fraction"), range);
    } else if (v.is_string()) {
      // The whole string: std::stoll took "18707abc" as 18707.
      const std::string text = string(v, ptr);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec == std::errc::result_out_of_range && end == text.data() + text.size())
        fail(ptr, text + " is out of range", range);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        fail(ptr, "expected an integer, got '" + text + "'", range);
    } else {
      fail(ptr, "expected an integer", range);
    }
    if (n < min || n > max) fail(ptr, std::to_string(n) + " is out of range", range);
    return n;
  }
  bool boolean(const json::value& v, const std::string& ptr) const {
    if (!v.is_bool()) fail(ptr, "expected true or false");
    return v.get_bool();
  }
  // An endpoint path, or false to disable it. The docs path is also the directory of Swagger
  // UI's files, which its page names as `<docs>/swagger-ui.css`: a trailing '/' ('/' alone
  // included) would make that `//swagger-ui.css`, a URL of another host.
  std::string endpoint(const json::value& v, const std::string& ptr, const char* default_path,
                       bool is_docs = false) const {
    const std::string example = std::string("e.g. ") + default_path;
    if (v.is_bool() && !v.get_bool()) return {};
    if (!v.is_string()) fail(ptr, "expected a path, or false to disable the endpoint", example);
    std::string p = string(v, ptr);
    if (p.empty() || p.front() != '/')
      fail(ptr, "an endpoint path must start with '/'", "or false to disable it");
    for (const char c : p)
      if (c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ' || c == '\x7f')
        fail(ptr, "an endpoint path is a plain path: no query, fragment, spaces or controls",
             example);
    for (std::size_t start = 1;; ++start) {
      const std::size_t slash = std::min(p.find('/', start), p.size());
      const std::string_view segment = std::string_view(p).substr(start, slash - start);
      if (segment == "." || segment == "..")
        fail(ptr, "an endpoint path has no '.' or '..' segments", example);
      if (segment.empty() && slash < p.size())
        fail(ptr, "an endpoint path has no empty segments ('//')", example);
      if (slash == p.size()) break;
      start = slash;
    }
    if (is_docs && p.back() == '/')
      fail(ptr, "the docs path must not end with '/' (Swagger UI's files are served below it)",
           example);
    return p;
  }

  // The scalar at `ptr` as the file has it (what the user wrote), or `fallback`.
  std::string source_token(const std::string& ptr, const char* fallback) const {
    const auto loc = doc_.locate(ptr);
    const std::string& text = doc_.text();
    if (loc.line < 1 || loc.column < 1) return fallback;
    std::size_t at = 0;
    for (int line = 1; line < loc.line && at != std::string::npos; ++line) {
      at = text.find('\n', at);
      if (at != std::string::npos) ++at;
    }
    if (at == std::string::npos) return fallback;
    at += static_cast<std::size_t>(loc.column - 1);
    if (at >= text.size()) return fallback;
    const std::size_t end = std::min(text.find_first_of(" \t\r\n,]}#", at), text.size());
    return at < end ? text.substr(at, end - at) : std::string(fallback);
  }

 private:
  struct Abandoned {};
  const spec::Document& doc_;
  // Errors are found by the const readers the settings are read with; collecting them is not
  // part of the reader's observable state until finish().
  mutable std::vector<spec::Diagnostic> errors_;
};

}  // namespace

namespace {

std::vector<std::string> strings(const ConfigReader& r, const json::value& v,
                                 const std::string& ptr) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(r.string(v, ptr));
    return out;
  }
  if (!v.is_array()) r.fail(ptr, "expected a string or a list of strings");
  std::size_t i = 0;
  for (const auto& item : v.get_array())
    out.push_back(r.string(item, ptr + "/" + std::to_string(i++)));
  return out;
}

// Origins (`scheme://host[:port]` or "*"), each checked on its own so that an error points at it.
std::vector<std::string> origins(const ConfigReader& r, const json::value& v, const std::string& p,
                                 std::string_view key) {
  std::vector<std::string> items = strings(r, v, p);
  for (std::size_t i = 0; i < items.size(); ++i)
    if (const std::string why = dispatch::cors_origin_error(items[i]); !why.empty())
      r.fail(v.is_array() ? p + "/" + std::to_string(i) : p, why,
             "e.g. " + std::string(key) + ": [\"https://app.example.com\"] or \"*\"");
  return items;
}

std::string read_text_file(const ConfigReader& r, const std::string& path, const std::string& ptr) {
  std::ifstream in(path, std::ios::binary);
  if (!in) r.fail(ptr, "cannot read '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// jwks:/jwt:/propelauth: entries share their keys.
void read_jwt(const ConfigReader& r, const json::value& v, const std::string& ptr,
              security::JwtSchemeConfig& out) {
  r.each(v, ptr, [&](const std::string& k, const json::value& val, const std::string& p) {
    if (k == "jwks_url")
      out.jwks_url = r.string(val, p);
    else if (k == "discovery_url" || k == "openid_configuration_url")
      out.discovery_url = r.string(val, p);
    else if (k == "iss" || k == "issuer")
      out.issuer = r.string(val, p);
    else if (k == "aud" || k == "audience")
      out.audiences = strings(r, val, p);
    else if (k == "leeway_secs")
      out.leeway = std::chrono::seconds(r.integer(val, p, 0, 3600));
    else if (k == "cache_ttl_secs")
      out.cache_ttl = std::chrono::seconds(r.integer(val, p, 1, 86400 * 7));
    else if (k == "refetch_min_interval_secs")
      out.min_refetch_interval = std::chrono::seconds(r.integer(val, p, 0, 86400));
    else if (k == "algorithms")
      out.algorithms = strings(r, val, p);
    else if (k == "cookie" || k == "cookie_name")
      out.cookie = r.string(val, p);
    else if (k == "secret" || k == "secrets")
      for (auto& sec : strings(r, val, p)) out.secrets.push_back(std::move(sec));
    else if (k == "public_key" || k == "public_keys")
      for (auto& pem : strings(r, val, p)) out.public_keys.push_back(std::move(pem));
    else if (k == "public_key_file" || k == "public_key_files")
      for (auto& f : strings(r, val, p)) out.public_keys.push_back(read_text_file(r, f, p));
    else if (k == "auth_url")
      out.issuer = r.string(val, p);  // propelauth: the issuer; jwks below it
    else
      r.fail(p, "unknown setting '" + k + "'",
             "use jwks_url, discovery_url, iss, aud, leeway_secs, cache_ttl_secs, "
             "refetch_min_interval_secs, algorithms, "
             "cookie, secret(s), public_key(s), public_key_file(s)");
  });
}

void read_security(const ConfigReader& r, const json::value& v, const std::string& ptr,
                   security::SecurityConfig& sec) {
  r.each(v, ptr, [&](const std::string& k, const json::value& provider, const std::string& p) {
    if (k == "propelauth") {
      security::JwtSchemeConfig jc;
      read_jwt(r, provider, p, jc);
      if (jc.issuer.empty()) r.fail(p, "propelauth needs auth_url");
      if (jc.jwks_url.empty()) jc.jwks_url = jc.issuer + "/.well-known/jwks.json";
      sec.propelauth = std::move(jc);
      return;
    }
    if (k != "api_keys" && k != "jwks" && k != "jwt" && k != "basic" && k != "remote_api_keys" &&
        k != "mutual_tls")
      r.fail(p, "unknown security provider '" + k + "'",
             "use api_keys, remote_api_keys, jwks, jwt, basic, mutual_tls or propelauth (see "
             "docs/security.md)");
    r.each(
        provider, p,
        [&](const std::string& name, const json::value& scheme, const std::string& sp) {
          if (k == "jwks" || k == "jwt") {
            read_jwt(r, scheme, sp, sec.jwt[name]);
            return;
          }
          if (k == "remote_api_keys") {
            auto& o = sec.remote_api_keys[name];
            r.each(scheme, sp,
                   [&](const std::string& ek, const json::value& val, const std::string& ep) {
                     if (ek == "verify_url")
                       o.verify_url = r.string(val, ep);
                     else if (ek == "header_name")
                       o.forward_header = r.string(val, ep);
                     else if (ek == "timeout_ms")
                       o.timeout = std::chrono::milliseconds(r.integer(val, ep, 1, 60'000));
                     else if (ek == "cache_ttl_secs")
                       o.cache_ttl = std::chrono::seconds(r.integer(val, ep, 0, 86400));
                     else if (ek == "negative_cache_ttl_secs")
                       o.negative_cache_ttl = std::chrono::seconds(r.integer(val, ep, 0, 86400));
                     else if (ek == "max_entries")
                       o.max_entries = static_cast<std::size_t>(r.integer(val, ep, 1, 10'000'000));
                     else if (ek == "on_error") {
                       const std::string mode = r.string(val, ep);
                       if (mode != "deny" && mode != "unavailable")
                         r.fail(ep, "on_error is deny or unavailable");
                       o.unavailable_on_error = mode == "unavailable";
                     } else
                       r.fail(ep, "unknown remote_api_keys setting '" + ek + "'",
                              "use verify_url, header_name, timeout_ms, cache_ttl_secs, "
                              "negative_cache_ttl_secs, max_entries or on_error");
                   });
            if (o.verify_url.empty()) r.fail(sp, "remote_api_keys needs verify_url");
            return;
          }
          if (k == "mutual_tls") {
            auto& allowed = sec.mutual_tls[name];
            r.each(scheme, sp,
                   [&](const std::string& ek, const json::value& val, const std::string& ep) {
                     if (ek != "allow")
                       r.fail(ep, "unknown mutual_tls setting '" + ek + "'",
                              "use allow: the certificate subjects (\"CN=billing,O=Example\") "
                              "or subjectAltName entries accepted");
                     for (auto& a : strings(r, val, ep)) allowed.push_back(std::move(a));
                   });
            return;
          }
          if (k == "basic") {
            auto& users = sec.basic[name];
            r.each(scheme, sp,
                   [&](const std::string& ek, const json::value& val, const std::string& ep) {
                     if (ek != "users")
                       r.fail(ep, "unknown basic setting '" + ek + "'", "use users");
                     r.each(val, ep,
                            [&](const std::string& user, const json::value& password,
                                const std::string& up) { users[user] = r.string(password, up); });
                   });
            return;
          }
          auto& keys = sec.api_keys[name];
          r.each(scheme, sp,
                 [&](const std::string& ek, const json::value& val, const std::string& ep) {
                   if (ek == "key" || ek == "keys") {
                     for (auto& key : strings(r, val, ep)) keys.push_back(std::move(key));
                   } else if (ek == "header_name") {
                     // The spec's scheme names the header; read for compatibility.
                     (void)r.string(val, ep);
                   } else {
                     r.fail(ep, "unknown api_keys setting '" + ek + "'",
                            "use key, keys or header_name");
                   }
                 });
          for (const auto& k2 : keys)
            if (k2.empty()) r.fail(sp, "an API key must not be empty");
        });
  });
}

}  // namespace

std::optional<dispatch::ResponseValidation> parse_response_validation(std::string_view v) {
  if (v == "off") return dispatch::ResponseValidation::Off;
  if (v == "log") return dispatch::ResponseValidation::Log;
  if (v == "enforce") return dispatch::ResponseValidation::Enforce;
  return std::nullopt;
}

namespace {

// Edits (insertions, deletions, substitutions) between two short names.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "did you mean 'threads'?" for a misspelt server setting; the list otherwise.
std::string unknown_server_setting_hint(std::string_view key) {
  static constexpr std::string_view kSettings[] = {"host",
                                                   "port",
                                                   "threads",
                                                   "max_connections",
                                                   "max_body_bytes",
                                                   "inflate_bodies",
                                                   "max_inflated_body_bytes",
                                                   "max_request_line",
                                                   "max_header_bytes",
                                                   "max_headers",
                                                   "header_timeout_ms",
                                                   "body_timeout_ms",
                                                   "idle_timeout_ms",
                                                   "write_timeout_ms",
                                                   "drain_timeout_ms",
                                                   "drain_delay_ms",
                                                   "blocking_threads",
                                                   "blocking_queue",
                                                   "upload_memory_bytes",
                                                   "upload_max_parts",
                                                   "upload_temp_dir",
                                                   "websocket_max_message_bytes",
                                                   "websocket_idle_timeout_ms",
                                                   "websocket_origins",
                                                   "websocket_deflate",
                                                   "websocket_deflate_min_bytes"};
  std::string_view best;
  std::size_t best_distance = 3;  // further than two edits is not a misspelling
  for (const std::string_view name : kSettings)
    if (const std::size_t d = edit_distance(key, name); d < best_distance) {
      best = name;
      best_distance = d;
    }
  if (!best.empty()) return "did you mean '" + std::string(best) + "'?";
  std::string all = "the settings are ";
  for (const std::string_view name : kSettings) {
    if (name != kSettings[0]) all += ", ";
    all += name;
  }
  return all + " (docs/server.md)";
}

// The built-in endpoints, in the order the service matches them.
enum class Endpoint : std::size_t { Health, Metrics, Spec, Docs, Count };

// Where the endpoints section set each endpoint (empty: its default), for errors to point at.
struct Endpoints {
  std::array<std::string, static_cast<std::size_t>(Endpoint::Count)> pointer;
  void set(Endpoint e, const std::string& at) { pointer[static_cast<std::size_t>(e)] = at; }
};

// Paths two endpoints would both answer (one shadows the other), and docs without the spec its
// page loads, as errors at the settings that caused them.
void check_endpoints(const ConfigReader& r, const dispatch::ServiceOptions& o,
                     const Endpoints& configured, const std::string& section) {
  static constexpr const char* kNames[] = {"health", "metrics", "spec", "docs"};
  const std::string* const paths[] = {&o.health_path, &o.metrics_path, &o.spec_path, &o.docs_path};
  // What each endpoint answers, as the service matches it.
  const auto served = [&](std::size_t i) -> std::vector<std::string> {
    const std::string& p = *paths[i];
    if (p.empty()) return {};
    if (i == static_cast<std::size_t>(Endpoint::Spec)) return {p + ".json", p + ".yaml"};
    if (i == static_cast<std::size_t>(Endpoint::Docs)) return {p, p + "/", p + "/index.html"};
    return {p};
  };
  const auto where = [&](std::size_t i, std::size_t j) {
    if (!configured.pointer[j].empty()) return configured.pointer[j];
    return configured.pointer[i].empty() ? section : configured.pointer[i];
  };
  for (std::size_t j = 1; j < std::size(kNames); ++j)
    for (std::size_t i = 0; i < j; ++i) {
      std::string shared;
      for (const auto& a : served(i))
        for (const auto& b : served(j))
          if (a == b && shared.empty()) shared = a;
      if (!shared.empty())
        r.guard([&] {
          r.fail(where(i, j),
                 std::string(kNames[i]) + " and " + kNames[j] + " both serve " + shared,
                 "give each endpoint its own path, or false to disable one");
        });
    }
  if (!o.docs_path.empty() && o.spec_path.empty())
    r.guard([&] {
      r.fail(
          where(static_cast<std::size_t>(Endpoint::Docs), static_cast<std::size_t>(Endpoint::Spec)),
          "docs needs the spec endpoint: Swagger UI loads the spec from it",
          "give spec a path, or disable docs too (docs: false)");
    });
}

// `cert` or `key` of a certificate (the tls section's own, or an entry of its certificates)
// into `files`, its pointer into `at` (cert, key); false for any other setting.
bool read_certificate_file(const ConfigReader& r, const std::string& k, const json::value& v,
                           const std::string& p, http::CertificateFiles& files,
                           std::pair<std::string, std::string>& at) {
  if (k == "cert") {
    files.cert_chain_file = r.string(v, p);
    at.first = p;
  } else if (k == "key") {
    files.key_file = r.string(v, p);
    at.second = p;
  } else {
    return false;
  }
  return true;
}

// The tls section: the files are loaded here, so that a file that cannot serve is a startup
// error at its setting, not a failure of every handshake.
void read_tls(const ConfigReader& r, const json::value& section, const std::string& ptr,
              ServeSettings& settings) {
  http::TlsSettings tls;
  std::string ca_at, mode_at, crl_at;
  // The pointers of each certificate's cert and key (the section's own first, then each
  // entry of certificates), for errors.
  std::vector<std::pair<std::string, std::string>> files_at(1);
  http::CertificateFiles first;
  std::optional<http::ClientCertificates> mode;
  constexpr const char* kVersionHint = "use TLSv1.2 (the default) or TLSv1.3";
  r.each(section, ptr, [&](const std::string& k, const json::value& v, const std::string& p) {
    if (read_certificate_file(r, k, v, p, first, files_at[0])) return;  // cert, key
    if (k == "certificates") {
      // More certificates, chosen by the host name the client asks for (SNI).
      if (!v.is_array()) r.fail(p, "expected a list of {cert, key}");
      std::size_t i = 0;
      for (const auto& item : v.get_array()) {
        const std::string at = p + "/" + std::to_string(i++);
        http::CertificateFiles files;
        auto& item_at = files_at.emplace_back();
        r.each(item, at, [&](const std::string& ik, const json::value& iv, const std::string& ip) {
          if (!read_certificate_file(r, ik, iv, ip, files, item_at))
            r.fail(ip, "unknown certificates setting '" + ik + "'", "use cert and key");
        });
        if (item_at.first.empty() || item_at.second.empty())
          r.fail(at,
                 std::string("a certificate needs a ") + (item_at.first.empty() ? "cert" : "key"),
                 "each entry gives cert (a PEM certificate chain) and key (its PEM private key)");
        tls.more_certificates.push_back(std::move(files));
      }
    } else if (k == "client_crl") {
      tls.client_crl_file = r.string(v, p);
      crl_at = p;
    } else if (k == "client_ca") {
      tls.client_ca_file = r.string(v, p);
      ca_at = p;
    } else if (k == "client_certificates") {
      const std::string text = r.string(v, p);
      if (text == "optional")
        mode = http::ClientCertificates::Optional;
      else if (text == "required")
        mode = http::ClientCertificates::Required;
      else if (text == "off")
        mode = http::ClientCertificates::Off;
      else
        r.fail(p, "unknown client_certificates mode '" + text + "'",
               "use optional (the default with client_ca: mutualTLS operations answer 401 "
               "without one), required (no handshake without one) or off");
      mode_at = p;
    } else if (k == "min_version") {
      // Unquoted, 1.2 and 1.3 are YAML numbers.
      if (v.is_double() && (v.get_double() == 1.2 || v.get_double() == 1.3)) {
        if (v.get_double() == 1.3) tls.min_version = http::TlsVersion::Tls13;
        return;
      }
      const std::string text = v.is_string() ? r.string(v, p) : std::string();
      if (text == "TLSv1.2" || text == "1.2")
        tls.min_version = http::TlsVersion::Tls12;
      else if (text == "TLSv1.3" || text == "1.3")
        tls.min_version = http::TlsVersion::Tls13;
      else
        r.fail(p, "unknown TLS version" + (text.empty() ? std::string() : " '" + text + "'"),
               kVersionHint);
    } else {
      r.fail(p, "unknown tls setting '" + k + "'",
             "use cert, key, certificates, min_version, client_ca, client_certificates or "
             "client_crl");
    }
  });
  r.guard([&] {
    const auto& [cert_at, key_at] = files_at[0];
    if (cert_at.empty() || key_at.empty())
      r.fail(ptr, std::string("tls needs a ") + (cert_at.empty() ? "cert" : "key"),
             "give both: cert (the PEM certificate chain, server first) and key (its PEM private "
             "key)");
    tls.client_certificates = mode.value_or(ca_at.empty() ? http::ClientCertificates::Off
                                                          : http::ClientCertificates::Optional);
    if (tls.client_certificates != http::ClientCertificates::Off && ca_at.empty())
      r.fail(mode_at, "client certificates need client_ca",
             "client_ca is the PEM file of the CAs that issue the client certificates");
    tls.cert_chain_file = std::move(first.cert_chain_file);
    tls.key_file = std::move(first.key_file);
    if (!crl_at.empty() && tls.client_certificates == http::ClientCertificates::Off)
      r.fail(crl_at, "client_crl without client certificates",
             "client_crl lists revoked client certificates: give client_ca too");
    try {
      settings.server.tls = std::make_shared<http::TlsContext>(tls);
      settings.tls = tls;
    } catch (const http::TlsError& e) {
      const auto& at = files_at[e.certificate() < files_at.size() ? e.certificate() : 0];
      r.fail(e.file() == http::TlsError::File::PrivateKey  ? at.second
             : e.file() == http::TlsError::File::ClientCa  ? ca_at
             : e.file() == http::TlsError::File::ClientCrl ? crl_at
                                                           : at.first,
             e.what(),
             e.file() == http::TlsError::File::ClientCa
                 ? "client_ca is a PEM file of one or more CA certificates"
             : e.file() == http::TlsError::File::ClientCrl
                 ? "client_crl is a PEM file of the client CAs' revocation lists"
                 : "cert is the PEM certificate chain (the server's first, then intermediates), "
                   "key its unencrypted PEM private key");
    }
  });
}

void read_sections(const ConfigReader& r, const json::value& root, ServeSettings& s) {
  r.each(root, "", [&](const std::string& key, const json::value& section, const std::string& ptr) {
    if (key == "server") {
      r.each(section, ptr, [&](const std::string& k, const json::value& v, const std::string& p) {
        using ms = std::chrono::milliseconds;
        if (k == "host") {
          const std::string host = r.string(v, p);
          const auto address = listen_address(host);
          if (!address) r.fail(p, "'" + host + "' is not an IP address", kListenAddressHint);
          s.server.host = *address;
        } else if (k == "port")
          s.server.port = static_cast<std::uint16_t>(r.integer(v, p, 0, 65535));
        else if (k == "threads")
          s.server.threads = static_cast<unsigned>(r.integer(v, p, 0, 1024));
        else if (k == "max_body_bytes")
          s.server.max_body_bytes = static_cast<std::uint64_t>(r.integer(v, p, 0, INT64_MAX));
        else if (k == "inflate_bodies")
          s.service.inflate.enabled = r.boolean(v, p);
        else if (k == "max_inflated_body_bytes")
          s.service.inflate.max_bytes = static_cast<std::size_t>(r.integer(v, p, 0, INT64_MAX));
        else if (k == "max_connections")
          s.server.max_connections = static_cast<std::size_t>(r.integer(v, p, 1, 10'000'000));
        else if (k == "max_request_line")
          s.server.parser.max_request_line = static_cast<std::size_t>(r.integer(v, p, 64, 1 << 24));
        else if (k == "max_header_bytes")
          s.server.parser.max_header_bytes =
              static_cast<std::size_t>(r.integer(v, p, 256, 1 << 24));
        else if (k == "max_headers")
          s.server.parser.max_headers =
              static_cast<std::size_t>(r.integer(v, p, 1, http::kMaxHeaders));
        else if (k == "header_timeout_ms")
          s.server.header_timeout = ms(r.integer(v, p, 1, 3'600'000));
        else if (k == "body_timeout_ms")
          s.server.body_timeout = ms(r.integer(v, p, 1, 3'600'000));
        else if (k == "idle_timeout_ms")
          s.server.idle_timeout = ms(r.integer(v, p, 1, 3'600'000));
        else if (k == "write_timeout_ms")
          s.server.write_timeout = ms(r.integer(v, p, 1, 3'600'000));
        else if (k == "drain_timeout_ms")
          s.server.drain_timeout = ms(r.integer(v, p, 0, 3'600'000));
        else if (k == "drain_delay_ms")
          s.server.drain_delay = ms(r.integer(v, p, 0, 3'600'000));
        else if (k == "blocking_threads")
          s.service.blocking_threads = static_cast<unsigned>(r.integer(v, p, 1, 1024));
        else if (k == "blocking_queue")
          s.service.blocking_queue = static_cast<std::size_t>(r.integer(v, p, 0, 1'000'000));
        else if (k == "upload_memory_bytes")
          s.service.multipart_memory_limit =
              static_cast<std::size_t>(r.integer(v, p, 0, INT64_MAX));
        else if (k == "upload_max_parts")
          s.service.multipart.max_parts = static_cast<std::size_t>(r.integer(v, p, 1, 100'000));
        else if (k == "websocket_max_message_bytes")
          s.service.websocket.max_message_bytes =
              static_cast<std::uint64_t>(r.integer(v, p, 1, INT64_MAX));
        else if (k == "websocket_idle_timeout_ms")
          s.service.websocket.idle_timeout = ms(r.integer(v, p, 100, 3'600'000));
        else if (k == "websocket_origins")
          s.service.websocket.allow_origins = origins(r, v, p, "websocket_origins");
        else if (k == "websocket_deflate")
          s.service.websocket.deflate = r.boolean(v, p);
        else if (k == "websocket_deflate_min_bytes")
          s.service.websocket.deflate_min_bytes =
              static_cast<std::size_t>(r.integer(v, p, 0, INT64_MAX));
        else if (k == "upload_temp_dir") {
          // Checked now: a directory that cannot take the files fails each upload with a 500.
          std::string dir = r.string(v, p);
          if (const std::string why = dispatch::upload_dir_error(dir); !why.empty())
            r.fail(p, why,
                   "give an existing directory this user can write (default $TMPDIR or /tmp)");
          s.service.temp_dir = std::move(dir);
        } else
          r.fail(p, "unknown server setting '" + k + "'", unknown_server_setting_hint(k));
      });
    } else if (key == "endpoints") {
      Endpoints configured;
      r.each(section, ptr,
             [&](const std::string& k, const json::value& value, const std::string& p) {
               if (k == "health") {
                 s.service.health_path = r.endpoint(value, p, "/health");
                 configured.set(Endpoint::Health, p);
               } else if (k == "metrics") {
                 s.service.metrics_path = r.endpoint(value, p, "/metrics");
                 configured.set(Endpoint::Metrics, p);
               } else if (k == "spec") {
                 s.service.spec_path = r.endpoint(value, p, "/openapi");
                 configured.set(Endpoint::Spec, p);
               } else if (k == "docs") {
                 s.service.docs_path = r.endpoint(value, p, "/docs", true);
                 configured.set(Endpoint::Docs, p);
               } else if (k == "docs_title") {
                 s.service.docs_title = r.string(value, p);
               } else if (k == "swagger_ui_dir") {
                 // Asked for by name: not found is an error, not a fall back to another copy.
                 std::string dir = r.string(value, p);
                 if (const std::string why = swagger_ui_dir_error(dir); !why.empty())
                   r.fail(p, why, kSwaggerUiDirHint);
                 s.service.swagger_ui_dir = std::move(dir);
               } else {
                 r.fail(p, "unknown endpoint '" + k + "'",
                        "use health, metrics, spec, docs, docs_title or swagger_ui_dir");
               }
             });
      check_endpoints(r, s.service, configured, ptr);
    } else if (key == "validation") {
      r.each(section, ptr,
             [&](const std::string& k, const json::value& value, const std::string& p) {
               if (k == "requests") {
                 s.service.validate_requests = r.boolean(value, p);
               } else if (k == "format_assertion") {
                 s.service.format_assertion = r.boolean(value, p);
               } else if (k == "read_write_only") {
                 const std::string v = r.string(value, p);
                 if (v != "reject" && v != "accept")
                   r.fail(p, "read_write_only is reject or accept",
                          "reject refuses readOnly properties in requests and writeOnly ones in "
                          "responses; accept lets them through");
                 s.service.reject_read_write_only = v == "reject";
               } else if (k == "responses") {
                 const auto mode = parse_response_validation(r.string(value, p));
                 if (!mode) r.fail(p, "response validation is off, log or enforce");
                 s.service.response_validation = *mode;
               } else {
                 r.fail(p, "unknown validation setting '" + k + "'",
                        "use requests, responses, format_assertion or read_write_only");
               }
             });
    } else if (key == "log") {
      r.each(section, ptr,
             [&](const std::string& k, const json::value& value, const std::string& p) {
               if (k == "format") {
                 const std::string v = r.string(value, p);
                 if (v == "json")
                   s.service.log_format = observe::LogFormat::Json;
                 else if (v == "text")
                   s.service.log_format = observe::LogFormat::Text;
                 else
                   r.fail(p, "log format must be text or json");
               } else if (k == "access") {
                 s.service.access_log = r.boolean(value, p);
               } else {
                 r.fail(p, "unknown log setting '" + k + "'", "use format or access");
               }
             });
    } else if (key == "security") {
      read_security(r, section, ptr, s.service.security);
    } else if (key == "tls") {
      read_tls(r, section, ptr, s);
    } else if (key == "compression") {
      dispatch::CompressionOptions& c = s.service.compression;
      c.enabled = true;  // a compression section turns it on unless it says enabled: false
      r.each(section, ptr,
             [&](const std::string& k, const json::value& value, const std::string& p) {
               if (k == "enabled")
                 c.enabled = r.boolean(value, p);
               else if (k == "min_bytes")
                 c.min_bytes = static_cast<std::size_t>(r.integer(value, p, 0, INT64_MAX));
               else if (k == "level")
                 c.level = static_cast<int>(r.integer(value, p, 1, 9));
               else
                 r.fail(p, "unknown compression setting '" + k + "'",
                        "use enabled, min_bytes or level");
             });
    } else if (key == "cors") {
      dispatch::CorsOptions& c = s.service.cors;
      r.each(section, ptr,
             [&](const std::string& k, const json::value& value, const std::string& p) {
               // Each entry is checked on its own, so that an error points at it.
               if (k == "origins") {
                 c.allow_origins = origins(r, value, p, "origins");
               } else if (k == "headers" || k == "expose") {
                 std::vector<std::string> items = strings(r, value, p);
                 for (std::size_t i = 0; i < items.size(); ++i)
                   if (const std::string why = dispatch::cors_header_error(items[i]); !why.empty())
                     r.fail(value.is_array() ? p + "/" + std::to_string(i) : p, why,
                            "one header name per entry, e.g. [content-type, x-api-key]");
                 (k == "headers" ? c.allow_headers : c.expose_headers) = std::move(items);
               } else if (k == "credentials")
                 c.allow_credentials = r.boolean(value, p);
               else if (k == "max_age")
                 c.max_age_seconds = static_cast<unsigned>(r.integer(value, p, 0, 86'400));
               else
                 r.fail(p, "unknown CORS setting '" + k + "'",
                        "use origins, credentials, headers, expose or max_age");
             });
    } else {
      r.fail(ptr, "unknown section '" + key + "'",
             "use server, endpoints, validation, log, tls, compression, cors or security");
    }
  });
}

}  // namespace

void apply_config_file(const std::string& path, ServeSettings& s) {
  auto doc = spec::Document::load_file(path);
  ConfigReader r(*doc);
  r.guard([&] { read_sections(r, doc->root(), s); });
  r.finish();
}

}  // namespace brrt::cli
