#pragma once
// The YAML config file of `brrtrouter serve --config FILE`: server limits, built-in
// endpoints, logging and security keys. `${VAR}` and `${VAR:-default}` are replaced from
// the environment. Unknown keys and wrong types are errors naming the key and its line.
#include <optional>
#include <string>
#include <string_view>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"

namespace brrt::cli {

struct ServeSettings {
  http::ServerConfig server;
  dispatch::ServiceOptions service;
  // What server.tls was loaded from, to load again on SIGHUP (a renewed certificate).
  std::optional<http::TlsSettings> tls;
};

// Applies `path` onto `settings`. Throws spec::SpecError with file, line and key.
void apply_config_file(const std::string& path, ServeSettings& settings);

// "off" | "log" | "enforce".
std::optional<dispatch::ResponseValidation> parse_response_validation(std::string_view v);

// Replaces ${VAR} / ${VAR:-default}; throws std::runtime_error naming an unset variable.
std::string substitute_env(std::string_view text);

// The address to listen on for `host` (server.host or --host): an IP literal as written, and
// `localhost` as 127.0.0.1; nullopt for anything else, since names are not resolved.
std::optional<std::string> listen_address(std::string_view host);
inline constexpr const char* kListenAddressHint =
    "an IP address is expected, e.g. 0.0.0.0 (every interface), 127.0.0.1, :: or ::1; "
    "the one name taken is localhost (as 127.0.0.1)";

// What is wrong with a directory given for upload temp files (empty when it can be written).
std::string temp_dir_error(const std::string& dir);

// What is wrong with a directory given for Swagger UI's files (empty when it has them).
std::string swagger_ui_dir_error(const std::string& dir);
inline constexpr const char* kSwaggerUiDirHint =
    "the directory of the swagger-ui-dist package (scripts/setup.sh installs it in "
    "node_modules/swagger-ui-dist)";

// "host:port", with an IPv6 address in brackets as URLs write it (http://[::1]:8080).
std::string host_port(std::string_view host, unsigned port);

}  // namespace brrt::cli
