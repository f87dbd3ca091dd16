#pragma once
// Loading the SPEC argument of a command, with diagnostics printed the same way by every
// command that takes one.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/spec/api.hpp"

namespace brrt::cli {

// Turns on the loader's phase log (`--verbose`), printed to stderr.
void enable_verbose(spec::LoadOptions& options);

// Whether `path` names a file; when not, says so on stderr ("cannot read the file (does it
// exist?)", or that it is a directory) and sets `exit_code` to 2.
bool check_spec_file(const std::string& path, int& exit_code);

// Prints each diagnostic once (in order) to stderr.
void print_diagnostics(const std::vector<spec::Diagnostic>& diagnostics);

// Loads `path`; on failure prints every diagnostic to stderr and returns nullptr with
// `exit_code` set (1 for an invalid spec, 2 for an unreadable file).
std::shared_ptr<const spec::Api> load_spec_arg(const std::string& path,
                                               const spec::LoadOptions& options, int& exit_code);

// "brrtrouter <command>: <option> needs a value" on stderr, then the usage.
void option_needs_value(std::string_view command, std::string_view option, const char* usage);

}  // namespace brrt::cli
