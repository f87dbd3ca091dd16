// libFuzzer target: a whole request through the pet store served by its generated code
// (`brrtrouter generate`, docs/codegen.md) and its typed implementation
// (examples/pet_store/typed): what service.cpp checks, plus the generated decoding of every
// parameter and body into typed members (values validation lets through that a member cannot
// hold are a 400) and the generated writers of every answer, checked by response validation in
// enforce mode.
#include <memory>

#include "brrt/spec/api.hpp"
#include "service_input.hpp"
#include "typed/memory_pet_store.hpp"

namespace {

brrt::dispatch::Service& service() {
  static petstore::MemoryPetStore store;
  static const std::unique_ptr<brrt::dispatch::Service> s = [] {
    brrt::dispatch::HandlerTable table;
    petstore::register_handlers(table, store);
    return std::make_unique<brrt::dispatch::Service>(
        brrt::spec::load_api(BRRT_SOURCE_DIR "/examples/pet_store/openapi.yaml"), std::move(table),
        brrt::fuzz::service_options(), 1);
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return brrt::fuzz::run_request(service(), data, size);
}
