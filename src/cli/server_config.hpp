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
};

// Applies `path` onto `settings`. Throws spec::SpecError with file, line and key.
void apply_config_file(const std::string& path, ServeSettings& settings);

// "off" | "log" | "enforce".
std::optional<dispatch::ResponseValidation> parse_response_validation(std::string_view v);

// Replaces ${VAR} / ${VAR:-default}; throws std::runtime_error naming an unset variable.
std::string substitute_env(std::string_view text);

}  // namespace brrt::cli
