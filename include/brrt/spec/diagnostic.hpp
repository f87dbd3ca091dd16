#pragma once
// Load-time errors and warnings with a precise source location.
#include <stdexcept>
#include <string>
#include <vector>

namespace brrt::spec {

struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  std::string file;     // path as given by the user (or the resolved relative file)
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string pointer;  // JSON pointer inside `file`, e.g. "/paths/~1pets/get"
  std::string message;  // what is wrong, and what was expected
  std::string hint;     // how to fix it (may be empty)

  // "file:line:col: error: message (at /json/pointer)\n  hint: ..."
  std::string to_string() const;
};

// `diagnostics` without repeats (same severity, file, position, pointer and message; one
// schema used by several operations fails to compile once per use), first ones kept, in order.
std::vector<Diagnostic> unique_diagnostics(std::vector<Diagnostic> diagnostics);

// Thrown by the loader; carries every error found (not only the first), each once.
class SpecError : public std::runtime_error {
 public:
  explicit SpecError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  SpecError(std::vector<Diagnostic> unique, int);
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace brrt::spec
