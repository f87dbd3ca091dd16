#include "brrt/spec/meta_schema.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "brrt/schema/compile_error.hpp"
#include "brrt/schema/compiler.hpp"
#include "brrt/spec/document.hpp"

namespace brrt::spec {

namespace fs = std::filesystem;

namespace {

bool has_schemas(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "v3.0" / "schema.yaml", ec) &&
         fs::exists(dir / "v3.1" / "schema-base.yaml", ec);
}

boost::json::value read_schema(const fs::path& path) {
  return Document::load_file(path.string())->root();
}

// Rewrites the draft-04 spelling of exclusive bounds (`minimum` + `exclusiveMinimum: true`)
// into draft-07's (`exclusiveMinimum: <number>`), everywhere in the schema.
void draft4_to_draft7(boost::json::value& v) {
  if (auto* a = v.if_array()) {
    for (auto& e : *a) draft4_to_draft7(e);
    return;
  }
  auto* o = v.if_object();
  if (!o) return;
  for (const auto& [flag, bound] :
       {std::pair{"exclusiveMinimum", "minimum"}, std::pair{"exclusiveMaximum", "maximum"}}) {
    auto it = o->find(flag);
    if (it == o->end() || !it->value().is_bool()) continue;
    const bool exclusive = it->value().get_bool();
    o->erase(flag);
    if (exclusive)
      if (auto b = o->find(bound); b != o->end()) {
        (*o)[flag] = b->value();
        o->erase(bound);
      }
  }
  for (auto& kv : *o) draft4_to_draft7(kv.value());
}

}  // namespace

std::string find_meta_schema_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("BRRT_OPENAPI_SCHEMAS"); env && *env)
    candidates.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / "../share/brrtrouter/openapi-schemas");
#ifdef BRRT_DEFAULT_SHARED_DIR
  candidates.push_back(fs::path(BRRT_DEFAULT_SHARED_DIR) / "conformance/openapi-spec/schemas");
#endif
  for (const auto& c : candidates)
    if (has_schemas(c)) return fs::weakly_canonical(c, ec).string();
  return {};
}

std::vector<Diagnostic> check_meta_schema(const Api& api, const std::string& dir,
                                          std::size_t max_errors, std::size_t* not_listed) {
  return check_meta_schema(api.root(), dir, max_errors, not_listed);
}

std::vector<Diagnostic> check_meta_schema(const Document& doc, const std::string& dir,
                                          std::size_t max_errors, std::size_t* not_listed) {
  if (not_listed) *not_listed = 0;
  const auto* top = doc.root().if_object();
  const auto* version = top ? top->if_contains("openapi") : nullptr;
  if (!version || !version->is_string()) return {};  // the loader says what is wrong
  const std::string_view v = version->get_string();
  auto is = [&](std::string_view p) {
    return v.starts_with(p) && (v.size() == p.size() || v[p.size()] == '.');
  };
  const bool v30 = is("3.0");
  if (!v30 && !is("3.1")) return {};  // no meta-schema (3.2)
  schema::CompileOptions options;
  // The 3.0 meta-schema is written in draft-04; the keywords it uses mean the same in
  // draft-07 once its `id` is spelled `$id`.
  options.dialect = v30 ? schema::Dialect::Draft7 : schema::Dialect::Draft2020_12;
  schema::Compiler compiler(options);
  schema::SchemaId id;
  try {
    if (v30) {
      boost::json::value meta = read_schema(fs::path(dir) / "v3.0" / "schema.yaml");
      auto& o = meta.as_object();
      o.erase("$schema");
      if (auto it = o.find("id"); it != o.end()) {
        o["$id"] = it->value();
        o.erase("id");
      }
      draft4_to_draft7(meta);
      id = compiler.compile_document(meta, "https://spec.openapis.org/oas/3.0/schema");
    } else {
      for (const char* name : {"meta.yaml", "dialect.yaml", "schema.yaml", "schema-base.yaml"}) {
        const fs::path p = fs::path(dir) / "v3.1" / name;
        compiler.add_document(file_uri(p.string()), read_schema(p));
      }
      id = compiler.compile(file_uri((fs::path(dir) / "v3.1" / "schema-base.yaml").string()));
    }
  } catch (const schema::CompileError& e) {
    throw std::runtime_error("the OpenAPI meta-schema in " + dir +
                             " does not compile: " + e.what());
  } catch (const SpecError& e) {
    throw std::runtime_error("cannot read the OpenAPI meta-schema in " + dir + ": " +
                             e.diagnostics().front().to_string());
  }
  const schema::Program program = compiler.build();
  std::vector<Diagnostic> out;
  std::vector<schema::ValidationError> errors;
  // More are collected than listed: one violation is often reported several times (once per
  // branch of the meta-schema that rejects it), and the ones not listed are counted.
  const std::size_t collect = std::max<std::size_t>(1000, max_errors * 10);
  if (program.validate(id, doc.root(), errors, collect)) return out;
  for (const auto& e : errors) {
    Diagnostic d;
    d.file = doc.path();
    d.pointer = std::string(e.instance_location());
    const auto loc = doc.locate(e.instance_location());
    d.line = loc.line;
    d.column = loc.column;
    d.message = std::string("the OpenAPI ") + (v30 ? "3.0" : "3.1") + " meta-schema rejects this: ";
    d.message += e.message();
    if (!e.keyword().empty()) ((d.message += " (keyword ") += e.keyword()) += ")";
    d.hint = "see the OpenAPI specification for this object's fields";
    out.push_back(std::move(d));
  }
  out = unique_diagnostics(std::move(out));
  if (out.size() > max_errors) {
    if (not_listed) *not_listed = out.size() - max_errors;
    out.resize(max_errors);
  }
  return out;
}

}  // namespace brrt::spec
