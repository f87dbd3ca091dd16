#include "brrt/router/api_routes.hpp"

#include <string>
#include <string_view>

namespace brrt::router {

namespace {

// A hint for each kind of RouteError (their texts are route_table.cpp's).
std::string route_hint(std::string_view what) {
  // "path template '/a/{}': empty parameter name '{}'": the reason follows the template (which
  // may hold anything); the other errors ("GET /a is defined twice") name two operations.
  const bool template_error = what.starts_with("path template '");
  const std::size_t sep = what.rfind("': ");
  if (!template_error || sep == std::string_view::npos) {
    if (what.ends_with(" is defined twice"))
      return "keep one operation per method and path (QUERY is spelled query, "
             "x-brrtrouter-query in 3.1 documents, or QUERY under additionalOperations in 3.2: "
             "use one of them)";
    return "path templates under one method must be distinguishable by their literal "
           "segments; rename or merge the operations";
  }
  const std::string_view why = what.substr(sep + 3);
  auto has = [&](std::string_view s) { return why.find(s) != std::string_view::npos; };
  if (has("unbalanced '{'") || has("unbalanced '}'") || has("nested '{'"))
    return "write each path parameter as {name}, with its braces paired and not nested";
  if (has("empty parameter name"))
    return "name the parameter between the braces, {id}, and declare it with in: path";
  if (has("two parameters with nothing between them"))
    return "put a literal between the two parameters ('{a}-{b}', '{a}.{b}') or make them one";
  if (has("' appears twice")) return "give each path parameter of a template its own name";
  if (has("more than ")) return "use fewer path parameters in one template";
  return "write the path as '/' followed by segments, parameters as {name}";
}

}  // namespace

RouteTable compile_routes(const spec::Api& api) {
  RouteTable::Builder builder(api.base_path());
  std::vector<spec::Diagnostic> errors;
  for (const spec::Operation& op : api.operations()) {
    try {
      builder.add(op.method, op.path, static_cast<std::uint32_t>(op.index));
    } catch (const RouteError& e) {
      spec::Diagnostic d;
      d.file = op.document ? op.document->path() : std::string();
      d.pointer = op.pointer;
      if (op.document) {
        const auto loc = op.document->locate(op.pointer);
        d.line = loc.line;
        d.column = loc.column;
      }
      d.message = std::string(method_name(op.method)) + " " + op.path + ": " + e.what();
      d.hint = route_hint(e.what());
      errors.push_back(std::move(d));
    }
  }
  if (!errors.empty()) throw spec::SpecError(std::move(errors));
  return builder.build();
}

bool decoded_params(const RouteTable& table, const RouteMatch& match,
                    std::vector<std::pair<std::string, std::string>>& out) {
  const auto& names = table.param_names(match.route);
  for (std::size_t i = 0; i < match.param_count && i < names.size(); ++i) {
    std::string value;
    if (!percent_decode(match.params[i], value)) return false;
    out.emplace_back(names[i], std::move(value));
  }
  return true;
}

}  // namespace brrt::router
