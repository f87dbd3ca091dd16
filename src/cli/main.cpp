// brrtrouter: a thin command layer over the brrt library.
#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli/command.hpp"

namespace brrt::cli {
std::vector<Command>& command_registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace brrt::cli

namespace {
void print_usage(std::FILE* out) {
  std::fprintf(out, "usage: brrtrouter COMMAND [ARGS...]\n\ncommands:\n");
  auto commands = brrt::cli::command_registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands)
    std::fprintf(out, "  %.*s\n", static_cast<int>(c.synopsis.size()), c.synopsis.data());
  std::fprintf(out, "\nRun 'brrtrouter COMMAND --help' for a command's options.\n");
}
}  // namespace

int main(int argc, char** argv) {
  using namespace brrt::cli;
  if (argc < 2) {
    print_usage(stderr);
    return kExitBadInput;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return kExitOk;
  }
  std::vector<std::string_view> args(argv + 2, argv + argc);
  for (const auto& c : command_registry())
    if (c.name == name) return c.run(args);
  std::fprintf(stderr, "brrtrouter: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return kExitBadInput;
}
