#pragma once
// Sub-command registry of the `brrtrouter` CLI. Each command lives in its own
// cmd_<name>.cpp and registers itself with a static `CommandRegistration`, so adding a
// command touches no shared file.
#include <span>
#include <string_view>
#include <vector>

namespace brrt::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the input was understood and is invalid / rejected
inline constexpr int kExitBadInput = 2;  // usage error, unreadable file, malformed argument

struct Command {
  std::string_view name;
  std::string_view synopsis;  // one line: "check SPEC  Load a spec and report every error"
  int (*run)(std::span<const std::string_view> args);  // args after the command name
};

std::vector<Command>& command_registry();

struct CommandRegistration {
  explicit CommandRegistration(Command c) { command_registry().push_back(c); }
};

}  // namespace brrt::cli
