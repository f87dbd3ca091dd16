// The whole request pipeline in-process, per bench scenario (../shared/bench/README.md):
// HTTP head parsing, routing, security, parameter and body decoding, validation, the
// handler and the response body, without the kernel. The load harness measures the same
// scenarios over loopback TCP, where about two thirds of a core goes to the kernel and a
// few percent of difference drowns in run-to-run noise; this shows brrtrouter's own cost
// per request, stable enough to compare before and after a change.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/request_parser.hpp"
#include "brrt/spec/api.hpp"
#include "counted_main.hpp"
#include "server/handlers.hpp"
#include "server/typed_handlers.hpp"

namespace {

using namespace brrt;

struct Bench {
  std::unique_ptr<dispatch::Service> service;
  std::string error;
};

Bench make_bench(dispatch::HandlerTable (*handlers)()) {
  Bench out;
  try {
    dispatch::ServiceOptions options;
    options.security.api_keys["ApiKeyAuth"] = {"test123"};
    options.access_log = false;
    out.service = std::make_unique<dispatch::Service>(
        spec::load_api(BRRT_SHARED_DIR "/bench/bench-api.yaml"), handlers(), options, 1);
  } catch (const std::exception& e) {
    out.error = std::string("bench-api.yaml unavailable (../shared absent?): ") + e.what();
  }
  return out;
}

// Hand-written handlers (server/handlers.cpp), or the typed ones on generated code
// (server/typed_handlers.cpp, docs/codegen.md).
Bench& bench(bool typed) {
  static Bench hand = make_bench(&bench::bench_handlers);
#ifdef BRRT_TYPED_BENCH
  static Bench generated = make_bench(&bench::typed_bench_handlers);
  if (typed) return generated;
#else
  static Bench generated{nullptr, "the typed handlers need ../shared/bench/bench-api.yaml"};
  if (typed) return generated;
#endif
  return hand;
}

// The bytes wrk sends for a scenario (wrk.format: the request line, Host, the script's
// headers, Content-Length when there is a body).
std::string wire(std::string_view method, std::string_view target, std::string_view header = {},
                 std::string_view body = {}) {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
  r += "Host: 127.0.0.1:8080\r\n";
  if (!header.empty()) r += std::string(header) + "\r\n";
  if (!body.empty()) {
    r += "Content-Type: application/json\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  r += "\r\n";
  r += body;
  return r;
}

void run(benchmark::State& state, const std::string& bytes, int expected_status,
         bool typed = false) {
  Bench& b = bench(typed);
  if (!b.error.empty()) {
    state.SkipWithError(b.error.c_str());
    return;
  }
  const http::ParserLimits limits;
  http::Request req;
  http::Response res;
  auto once = [&] {
    // One Request reused, as the server reuses a connection's (the parser sets every field
    // a request reads; constructing one clears 4 KiB of header slots).
    const http::HeadResult head = http::parse_request_head(bytes, req, limits);
    req.body = std::string_view(bytes).substr(head.head_size, head.content_length);
    res.reset();
    return b.service->handle(0, req, res);
  };
  if (!once() || res.status != expected_status) {
    state.SkipWithError(
        ("unexpected response " + std::to_string(res.status) + ": " + res.body).c_str());
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(once());
}

// The harness's bodies (run-target.sh VALID_BODY / INVALID_BODY).
constexpr std::string_view kValidBody = R"({"name":"rex","tag":"dog","age":3})";
constexpr std::string_view kInvalidBody = R"({"name":"rex","tag":"dog","age":-1})";

void BM_Health(benchmark::State& s) {
  run(s, wire("GET", "/health"), 200);
}
void BM_PetById(benchmark::State& s) {
  run(s, wire("GET", "/pets/123457"), 200);
}
void BM_ListPets(benchmark::State& s) {
  run(s, wire("GET", "/pets?limit=10"), 200);
}
void BM_CreatePet(benchmark::State& s) {
  run(s, wire("POST", "/pets", {}, kValidBody), 201);
}
void BM_CreatePetInvalid(benchmark::State& s) {
  run(s, wire("POST", "/pets", {}, kInvalidBody), 400);
}
void BM_UserPost(benchmark::State& s) {
  run(s, wire("GET", "/users/u1/posts/7"), 200);
}
void BM_SecurePets(benchmark::State& s) {
  run(s, wire("GET", "/secure/pets", "X-API-Key: test123"), 200);
}
// The same scenarios answered by typed handlers on generated code.
void BM_PetById_Typed(benchmark::State& s) {
  run(s, wire("GET", "/pets/123457"), 200, true);
}
void BM_ListPets_Typed(benchmark::State& s) {
  run(s, wire("GET", "/pets?limit=10"), 200, true);
}
void BM_CreatePet_Typed(benchmark::State& s) {
  run(s, wire("POST", "/pets", {}, kValidBody), 201, true);
}
void BM_UserPost_Typed(benchmark::State& s) {
  run(s, wire("GET", "/users/u1/posts/7"), 200, true);
}

}  // namespace

BENCHMARK(BM_Health);
BENCHMARK(BM_PetById);
BENCHMARK(BM_ListPets);
BENCHMARK(BM_CreatePet);
BENCHMARK(BM_CreatePetInvalid);
BENCHMARK(BM_UserPost);
BENCHMARK(BM_SecurePets);
BENCHMARK(BM_PetById_Typed);
BENCHMARK(BM_ListPets_Typed);
BENCHMARK(BM_CreatePet_Typed);
BENCHMARK(BM_UserPost_Typed);

// The cases bench/instructions.sh counts (counted_main.hpp).
int main(int argc, char** argv) {
  return brrt::bench::counted_main(argc, argv,
                                   {
                                       BRRT_COUNTED(BM_Health),
                                       BRRT_COUNTED(BM_PetById),
                                       BRRT_COUNTED(BM_ListPets),
                                       BRRT_COUNTED(BM_CreatePet),
                                       BRRT_COUNTED(BM_CreatePetInvalid),
                                       BRRT_COUNTED(BM_UserPost),
                                       BRRT_COUNTED(BM_SecurePets),
                                       BRRT_COUNTED(BM_PetById_Typed),
                                       BRRT_COUNTED(BM_ListPets_Typed),
                                       BRRT_COUNTED(BM_CreatePet_Typed),
                                       BRRT_COUNTED(BM_UserPost_Typed),
                                   });
}
