#include "brrt/spec/diagnostic.hpp"

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

SpecError::SpecError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summarize(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace brrt::spec
