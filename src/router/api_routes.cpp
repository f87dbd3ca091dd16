#include "brrt/router/api_routes.hpp"

namespace brrt::router {

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
      d.hint =
          "path templates under one method must be distinguishable by their literal "
          "segments; rename or merge the operations";
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
