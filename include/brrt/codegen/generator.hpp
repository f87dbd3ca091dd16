#pragma once
// `brrtrouter generate`: typed C++ for a spec's operations, so that a service's handlers are
// written once, against types, and the routes, decoding and validation stay the spec's.
//
// For a spec it writes one header and one source (docs/codegen.md shows them):
//  - a struct per schema the operations use (components.schemas and inline objects), an
//    `enum class` per string enum, a struct holding a std::variant per oneOf/anyOf with a
//    discriminator; each with read_json (from the decoded request) and append_json (straight
//    to response text);
//  - per operation a `<Op>Request` (typed parameters and body, plus the RequestContext) and
//    a `<Op>Response` with one factory per response the spec declares (`ok(const Pet&)`);
//  - an abstract handler class with one pure virtual method per operation, and
//    `register_handlers(HandlerTable&, Handlers&)`, which decodes, calls and writes.
#include <string>
#include <vector>

#include "brrt/spec/api.hpp"

namespace brrt::codegen {

// How the generated methods run (handler_table.hpp): inline on the worker (plain), as
// coroutines on it (async), or on the service's thread pool (blocking). Operations that
// answer with text/event-stream are always stream handlers.
enum class HandlerKind { Plain, Async, Blocking };

struct GenerateOptions {
  std::string base_name = "api";  // files <base_name>.hpp and <base_name>.cpp
  std::string cpp_namespace;      // "petstore::api"; from the title when empty
  std::string class_name;         // the handler class; "<Title>Handlers" when empty
  HandlerKind kind = HandlerKind::Plain;
};

struct GeneratedFile {
  std::string name;  // file name, no directory
  std::string text;
};

// What the generated code does differently from what the spec may lead one to expect, and
// where: a schema that could not be given a C++ type of its own and is a boost::json::value
// (a oneOf without discriminator, a type list, a ref the generator cannot follow), an
// operation not registered because another has its handler name. The generated code still
// compiles and works; `generate --verbose` lists these.
struct Note {
  std::string location;  // the file (as the spec names it) and the JSON pointer
  std::string message;   // "boost::json::value: oneOf without a discriminator"
};

struct GeneratedCode {
  std::vector<GeneratedFile> files;  // header first
  std::vector<Note> notes;
};

// Throws std::invalid_argument for options that do not make C++ (a namespace that is not a
// nested identifier).
GeneratedCode generate(const spec::Api& api, const GenerateOptions& options);

}  // namespace brrt::codegen
