#pragma once
// Compiles an `spec::Api`'s operations into a RouteTable. Route id = operation index.
#include "brrt/router/route_table.hpp"
#include "brrt/spec/api.hpp"

namespace brrt::router {

// Throws spec::SpecError naming every path item whose template is malformed or
// ambiguous (file, line, JSON pointer of the path item, and a hint).
RouteTable compile_routes(const spec::Api& api);

// Percent-decoded parameters of a match, as (name, value) pairs; false when a value has a
// malformed escape. Allocates: for tools and tests, not the request path.
bool decoded_params(const RouteTable& table, const RouteMatch& match,
                    std::vector<std::pair<std::string, std::string>>& out);

}  // namespace brrt::router
