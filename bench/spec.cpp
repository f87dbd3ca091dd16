// Spec loading: parse + model + $ref checks + route compilation of real-world documents.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "brrt/router/api_routes.hpp"
#include "brrt/spec/api.hpp"

namespace {

void load_and_route(benchmark::State& state, const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) {
    state.SkipWithError((file.string() + " is absent").c_str());
    return;
  }
  std::size_t ops = 0;
  for (auto _ : state) {
    auto api = brrt::spec::load_api(file.string());
    auto table = brrt::router::compile_routes(*api);
    ops = api->operations().size();
    benchmark::DoNotOptimize(table);
  }
  state.counters["operations"] = static_cast<double>(ops);
}

void BM_LoadAndRoute_GitHub(benchmark::State& state) {
  load_and_route(
      state, std::filesystem::path(BRRT_SHARED_DIR) / "specs/realworld/github/api.github.com.json");
}
BENCHMARK(BM_LoadAndRoute_GitHub)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_LoadAndRoute_TrainTravel(benchmark::State& state) {
  load_and_route(state, std::filesystem::path(BRRT_SHARED_DIR) /
                            "specs/realworld/readme-oas-examples/3.1/train-travel.yaml");
}
BENCHMARK(BM_LoadAndRoute_TrainTravel)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
