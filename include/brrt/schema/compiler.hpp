#pragma once
// Compiles JSON Schemas into a Program.
//
//   schema::Compiler c({.dialect = schema::Dialect::Oas30});
//   c.add_document("file:///api.json", api_json);               // kept by copy
//   auto pet = c.compile("file:///api.json", "/components/schemas/Pet");
//   schema::Program program = c.build();                        // share between threads
//   program.is_valid(pet, body);
//
// A schema is addressed as "the value at JSON pointer P of the document with base URI U".
// `$ref`s resolve against U and every `$id` on the way; documents not added up front are
// asked from the resolver (never from the network). Compile errors throw CompileError.
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "brrt/schema/compile_error.hpp"
#include "brrt/schema/dialect.hpp"
#include "brrt/schema/program.hpp"
#include "brrt/schema/schema_id.hpp"

namespace brrt::schema {

// Returns the document for an absolute URI without fragment, or nullptr when unknown. The
// value must stay alive until the call returns (the compiler keeps a copy).
using DocumentResolver = std::function<const boost::json::value*(std::string_view absolute_uri)>;

struct Limits {
  std::size_t max_schema_depth = 256;  // nesting of subschemas inside one schema (compile time)
  std::size_t max_depth = 256;  // evaluation depth: instance nesting plus $ref hops (run time)
};

struct CompileOptions {
  Dialect dialect = Dialect::Draft2020_12;  // for schemas without a `$schema`
  bool format_assertion = false;            // `format` is an annotation unless set
  Limits limits{};
  DocumentResolver resolver{};  // consulted after the registry; may be empty
  // Compiled for a Direction, a property marked for the other side that is present fails
  // (keyword readOnly or writeOnly); when false it is accepted, and only `required` changes.
  bool reject_other_side_properties = true;
};

// The side of an API a schema is compiled for. OpenAPI's readOnly / writeOnly: a property
// whose schema is marked readOnly is sent only in responses, writeOnly only in requests, so a
// `required` naming it binds on that side only. Compiled for Request, the properties (directly
// under `properties`, their schema or the end of its $ref chain) marked readOnly are left out
// of `required` and, present, fail with keyword "readOnly" (unless
// CompileOptions::reject_other_side_properties is off); for Response, likewise those marked
// writeOnly. Neither is plain JSON Schema.
enum class Direction : std::uint8_t { Neither, Request, Response };

class Compiler {
 public:
  explicit Compiler(CompileOptions options = {});
  ~Compiler();
  Compiler(Compiler&&) noexcept;
  Compiler& operator=(Compiler&&) noexcept;

  // Registers a document under an absolute URI (its `$id`s register further URIs). The
  // JSON Schema 2020-12 and draft-07 meta-schemas are pre-registered.
  void add_document(std::string_view uri, const boost::json::value& document);

  // Compiles the schema at `pointer` ("" for the root) of the document registered (or
  // resolvable) as `uri`. `uri` may carry the pointer or an anchor as its fragment instead.
  // With a direction, only the subschemas from which such a property is reachable are
  // compiled a second time for it; the others are shared with the plain compilation.
  SchemaId compile(std::string_view uri, std::string_view pointer = {},
                   Direction direction = Direction::Neither);

  // Compiles a standalone schema document (registered under `uri`, or a generated one).
  SchemaId compile_document(const boost::json::value& schema, std::string_view uri = {});

  // Everything compiled so far as an immutable Program; the Compiler may go on compiling.
  Program build() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brrt::schema
