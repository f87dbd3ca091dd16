#include "brrt/dispatch/spec_validators.hpp"

#include "brrt/dispatch/media_type.hpp"
#include "brrt/http/message.hpp"
#include "brrt/schema/compile_error.hpp"
#include "brrt/schema/compiler.hpp"
#include "brrt/spec/diagnostic.hpp"
#include "brrt/spec/document.hpp"

namespace brrt::dispatch {

namespace {

schema::Dialect dialect_of(spec::SchemaDialect d) {
  switch (d) {
    case spec::SchemaDialect::Oas30:
      return schema::Dialect::Oas30;
    case spec::SchemaDialect::Draft7:
      return schema::Dialect::Draft7;
    default:
      return schema::Dialect::Draft2020_12;
  }
}

const MediaSchema* find_media(const std::vector<MediaSchema>& content, std::string_view essence) {
  // An exact media type wins over a range.
  for (const auto& m : content)
    if (http::iequals(m.media_type, essence)) return &m;
  for (const auto& m : content)
    if (media_matches(m.media_type, essence)) return &m;
  return nullptr;
}

}  // namespace

SpecValidators::SpecValidators(const spec::Api& api, bool format_assertion,
                               bool reject_read_write_only) {
  schema::CompileOptions options;
  options.dialect = dialect_of(api.dialect());
  options.format_assertion = format_assertion;
  options.reject_other_side_properties = reject_read_write_only;
  schema::Compiler compiler(options);
  for (const auto& [uri, doc] : api.documents().all()) compiler.add_document(uri, doc->root());

  std::vector<spec::Diagnostic> errors;
  // Requests and responses are compiled each for their side (readOnly properties are not
  // required in requests and refused there, writeOnly ones likewise in responses); a schema
  // that reaches no such property compiles once for both.
  auto compile = [&](const spec::SchemaRef& ref, schema::Direction side) -> schema::SchemaId {
    if (!ref || !ref.document) return {};
    try {
      return compiler.compile(ref.document->uri(), ref.pointer, side);
    } catch (const schema::CompileError& e) {
      spec::Diagnostic d;
      d.file = ref.document->path();
      const spec::Document* where = api.documents().find(e.uri());
      if (where) d.file = where->path();
      d.pointer = e.pointer().empty() ? ref.pointer : e.pointer();
      const auto loc = (where ? where : ref.document)->locate(d.pointer);
      d.line = loc.line;
      d.column = loc.column;
      d.message = "schema does not compile: " + e.detail();
      d.hint = e.hint().empty() ? "fix the schema, or the $ref it names" : e.hint();
      errors.push_back(std::move(d));
      return {};
    }
  };

  for (const auto& op : api.operations()) {
    OperationSchemas s;
    for (const auto& p : op.parameters)
      s.params.push_back(compile(p.schema, schema::Direction::Request));
    if (op.request_body)
      for (const auto& m : op.request_body->content)
        s.bodies.push_back({m.content_type, compile(m.schema, schema::Direction::Request)});
    for (const auto& r : op.responses) {
      ResponseSchemas rs{r.status, {}, {}};
      for (const auto& m : r.content)
        rs.content.push_back({m.content_type, compile(m.schema, schema::Direction::Response)});
      for (const auto& h : r.headers) {
        if (http::iequals(h.name, "Content-Type")) continue;
        auto p = std::make_unique<spec::Parameter>();
        static_cast<spec::Located&>(*p) = h;
        p->name = h.name;
        p->in = spec::ParamIn::Header;
        p->required = h.required;
        p->style = spec::ParamStyle::Simple;
        p->explode = false;
        p->schema = h.schema;
        ResponseHeader rh{compile(h.schema, schema::Direction::Response), nullptr, nullptr};
        rh.decoder = std::make_unique<ParamDecoder>(*p, &api.documents(),
                                                    "response header '" + h.name + "'");
        rh.parameter = std::move(p);
        rs.headers.push_back(std::move(rh));
      }
      s.responses.push_back(std::move(rs));
    }
    ops_.push_back(std::move(s));
  }
  if (!errors.empty()) throw spec::SpecError(std::move(errors));
  program_ = compiler.build();
}

const MediaSchema* SpecValidators::body_media(std::size_t op,
                                              std::string_view media_essence) const noexcept {
  return find_media(ops_[op].bodies, media_essence);
}

schema::SchemaId SpecValidators::body_schema(const ResponseSchemas& response,
                                             std::string_view media_essence) noexcept {
  const MediaSchema* m = find_media(response.content, media_essence);
  return m ? m->id : schema::SchemaId{};
}

const ResponseSchemas* SpecValidators::response(std::size_t op, int status) const noexcept {
  const auto& responses = ops_[op].responses;
  char exact[4] = {static_cast<char>('0' + status / 100 % 10),
                   static_cast<char>('0' + status / 10 % 10), static_cast<char>('0' + status % 10),
                   0};
  const std::string_view code(exact, 3);
  const char range[4] = {exact[0], 'X', 'X', 0};
  for (std::string_view want : {code, std::string_view(range, 3), std::string_view("default")})
    for (const auto& r : responses)
      if (r.status == want || (want.size() == 3 && http::iequals(r.status, want))) return &r;
  return nullptr;
}

}  // namespace brrt::dispatch
