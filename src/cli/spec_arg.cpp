#include "cli/spec_arg.hpp"

#include <cstdio>
#include <filesystem>

#include "cli/command.hpp"

namespace brrt::cli {

namespace {
void log_to_stderr(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}
}  // namespace

void enable_verbose(spec::LoadOptions& options) {
  options.verbose = true;
  options.log = &log_to_stderr;
}

bool check_spec_file(const std::string& path, int& exit_code) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return true;
  if (std::filesystem::is_directory(path, ec))
    std::fprintf(stderr, "%s: error: cannot read the file: it is a directory\n", path.c_str());
  else
    std::fprintf(stderr, "%s: error: cannot read the file (does it exist?)\n", path.c_str());
  exit_code = kExitBadInput;
  return false;
}

void print_diagnostics(const std::vector<spec::Diagnostic>& diagnostics) {
  for (const auto& d : spec::unique_diagnostics(diagnostics))
    std::fprintf(stderr, "%s\n", d.to_string().c_str());
}

std::shared_ptr<const spec::Api> load_spec_arg(const std::string& path,
                                               const spec::LoadOptions& options, int& exit_code) {
  if (!check_spec_file(path, exit_code)) return nullptr;
  try {
    return spec::load_api(path, options);
  } catch (const spec::SpecError& e) {
    print_diagnostics(e.diagnostics());
    exit_code = kExitFailed;
    return nullptr;
  }
}

void option_needs_value(std::string_view command, std::string_view option, const char* usage) {
  std::fprintf(stderr, "brrtrouter %.*s: %.*s needs a value\n%s", static_cast<int>(command.size()),
               command.data(), static_cast<int>(option.size()), option.data(), usage);
}

}  // namespace brrt::cli
