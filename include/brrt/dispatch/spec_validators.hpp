#pragma once
// Every schema a spec uses on the request path, compiled once into one schema::Program:
// parameter schemas (validated after style decoding), request body schemas by media type,
// and response body schemas by status and media type (for response validation). Request
// schemas are compiled for requests and response schemas for responses (schema::Direction:
// readOnly properties are not required in requests and, unless reject_read_write_only is off,
// refused there; likewise writeOnly ones in responses). Built
// with the snapshot it belongs to and immutable afterwards, so workers share it with no
// lock.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/dispatch/param_decoder.hpp"
#include "brrt/schema/program.hpp"
#include "brrt/schema/schema_id.hpp"
#include "brrt/schema/validation_error.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::dispatch {

struct MediaSchema {
  std::string media_type;  // as declared: "application/json", "application/*"
  schema::SchemaId id;     // invalid: the media type declares no schema (anything goes)
};

// A header a response declares (Content-Type aside, which OpenAPI ignores): decoded from its
// text as a header parameter is (style simple), then checked against its schema.
struct ResponseHeader {
  schema::SchemaId id;  // invalid: no schema
  // The header as a Parameter Object (its name, whether it is required), which the decoder
  // points into.
  std::unique_ptr<const spec::Parameter> parameter;
  std::unique_ptr<const ParamDecoder> decoder;
};

struct ResponseSchemas {
  std::string status;                // "200", "2XX", "default"
  std::vector<MediaSchema> content;  // in declaration order
  std::vector<ResponseHeader> headers;
};

struct OperationSchemas {
  std::vector<schema::SchemaId> params;  // parallel to Operation::parameters (invalid: none)
  std::vector<MediaSchema> bodies;       // request body content, in declaration order
  std::vector<ResponseSchemas> responses;
};

class SpecValidators {
 public:
  // Throws spec::SpecError (file, line, pointer) when a schema does not compile.
  explicit SpecValidators(const spec::Api& api, bool format_assertion = false,
                          bool reject_read_write_only = true);

  const schema::Program& program() const noexcept { return program_; }
  const OperationSchemas& operation(std::size_t index) const noexcept { return ops_[index]; }

  // The request body media type that a content type essence ("application/json") matches:
  // the one declared with that name, else the first range ("application/*", "*/*") that
  // covers it; nullptr when the operation accepts no such body (415).
  const MediaSchema* body_media(std::size_t op, std::string_view media_essence) const noexcept;
  // The response the spec declares for `status` (exact code, then "2XX", then "default");
  // nullptr when none.
  const ResponseSchemas* response(std::size_t op, int status) const noexcept;
  // The schema of that response's body of a media type, matched as body_media matches;
  // invalid when the response declares none.
  static schema::SchemaId body_schema(const ResponseSchemas& response,
                                      std::string_view media_essence) noexcept;

 private:
  schema::Program program_;
  std::vector<OperationSchemas> ops_;
};

}  // namespace brrt::dispatch
