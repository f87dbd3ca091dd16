#pragma once
// The bench API's handlers (../shared/bench/README.md): they only build the bodies the
// harness checks; the spec does routing, decoding, validation and security. Shared by
// bench-server (served over HTTP) and bench-dispatch (the same pipeline in-process).
#include "brrt/dispatch/handler_table.hpp"

namespace brrt::bench {

dispatch::HandlerTable bench_handlers();

}  // namespace brrt::bench
