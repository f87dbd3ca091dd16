// libFuzzer target: a whole request through the pet store service in-process, as the
// server hands it over: head parsing, routing, security, parameter decoding of every style,
// JSON, urlencoded and multipart bodies, validation, the zero-code responses (examples and
// echo), response validation in enforce mode, CORS, gzip, conditional GETs and the access log.
// Checks that every request gets a status, that an error status carries a JSON problem body, and
// that nothing crashes or leaks (service_input.hpp).
#include <memory>

#include "brrt/spec/api.hpp"
#include "service_input.hpp"

namespace {

brrt::dispatch::Service& service() {
  static const std::unique_ptr<brrt::dispatch::Service> s =
      std::make_unique<brrt::dispatch::Service>(
          brrt::spec::load_api(BRRT_SOURCE_DIR "/examples/pet_store/openapi.yaml"),
          brrt::dispatch::HandlerTable(), brrt::fuzz::service_options(), 1);
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return brrt::fuzz::run_request(service(), data, size);
}
