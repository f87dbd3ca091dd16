#include "brrt/spec/diagnostic.hpp"

#include <set>
#include <tuple>

namespace brrt::spec {

std::string Diagnostic::to_string() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  out += message;
  if (!pointer.empty()) out += " (at " + pointer + ")";
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}

namespace {
std::string summarize(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.to_string();
  }
  return out.empty() ? std::string("invalid OpenAPI document") : out;
}
}  // namespace

std::vector<Diagnostic> unique_diagnostics(std::vector<Diagnostic> diagnostics) {
  std::set<std::tuple<Diagnostic::Severity, std::string, int, int, std::string, std::string>> seen;
  std::vector<Diagnostic> out;
  out.reserve(diagnostics.size());
  for (auto& d : diagnostics)
    if (seen.emplace(d.severity, d.file, d.line, d.column, d.pointer, d.message).second)
      out.push_back(std::move(d));
  return out;
}

SpecError::SpecError(std::vector<Diagnostic> diagnostics)
    : SpecError(unique_diagnostics(std::move(diagnostics)), 0) {}

SpecError::SpecError(std::vector<Diagnostic> unique, int)
    : std::runtime_error(summarize(unique)), diagnostics_(std::move(unique)) {}

}  // namespace brrt::spec
