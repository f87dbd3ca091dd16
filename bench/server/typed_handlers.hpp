#pragma once
// The bench API's handlers written against the code `brrtrouter generate` makes from
// bench-api.yaml (docs/codegen.md): typed requests in, typed bodies out, the same bodies as
// bench_handlers(). bench-dispatch measures both; `bench-server --typed` serves these.
#include "brrt/dispatch/handler_table.hpp"

namespace brrt::bench {

dispatch::HandlerTable typed_bench_handlers();

}  // namespace brrt::bench
