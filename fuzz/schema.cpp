// libFuzzer target: the JSON Schema compiler and validator on hostile input. The input is
// split at the first NUL byte into a schema and an instance (both JSON; without a NUL the
// input is both). A schema that compiles must validate any instance without crashing,
// agreeing between is_valid and validate (errors collected), for each dialect, compiled plain
// and for requests and responses (readOnly/writeOnly). The instance's bytes are also parsed
// into a schema::Document for the program (whatever they are); when that parse succeeds, the
// Document must get the verdict and the number of errors the boost::json::value gets.
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "brrt/schema/compiler.hpp"
#include "brrt/schema/document.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace brrt::schema;
  namespace json = boost::json;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = in.find('\0');
  const std::string_view schema_text = in.substr(0, nul);
  const std::string_view instance_text = nul == std::string_view::npos ? in : in.substr(nul + 1);
  json::parse_options po;
  po.max_depth = 64;
  boost::system::error_code ec;
  const json::value schema = json::parse(schema_text, ec, {}, po);
  if (ec) return 0;
  const json::value instance = json::parse(instance_text, ec, {}, po);
  const bool instance_parsed = !ec;
  for (const Dialect dialect : {Dialect::Draft2020_12, Dialect::Draft7, Dialect::Oas30}) {
    CompileOptions options;
    options.dialect = dialect;
    options.format_assertion = (size & 1) != 0;
    try {
      Compiler compiler(options);
      const SchemaId id = compiler.compile_document(schema, "file:///fuzz.json");
      // Compiled for each side too (readOnly/writeOnly: the search for the properties a
      // `required` names, through $refs and allOfs, must end on any schema).
      const SchemaId request = compiler.compile("file:///fuzz.json", "", Direction::Request);
      const SchemaId response = compiler.compile("file:///fuzz.json", "", Direction::Response);
      const Program program = compiler.build();
      Document doc;
      std::string why;
      // Refused where the value is not: a key twice, a number beyond a double (Boost.JSON
      // reads an infinity); accepted only where it is.
      const bool doc_parsed = doc.parse(program, instance_text, why, 64);
      check(!doc_parsed || instance_parsed);
      if (!instance_parsed) continue;
      for (const SchemaId s : {id, request, response}) {
        const bool valid = program.is_valid(s, instance);
        ValidationErrors errors;
        check(program.validate(s, instance, errors, 8) == valid);
        check(valid == (errors.size() == 0));
        if (!doc_parsed) continue;
        check(program.is_valid(s, doc) == valid);
        ValidationErrors doc_errors;
        check(program.validate(s, doc, doc_errors, 8) == valid);
        check(doc_errors.size() == errors.size());
      }
    } catch (const CompileError&) {
      // A schema the compiler rejects, with its location: the expected outcome for most.
    }
  }
  return 0;
}
