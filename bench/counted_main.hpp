#pragma once
// main() for a benchmark program whose cases bench/instructions.sh counts. With
// BRRT_BENCH_COUNTED set, each case is also registered as counted/NAME/iterations:1 and
// counted/NAME/iterations:1001, so that cachegrind's totals of the two runs differ by exactly
// 1000 operations, free of the program's setup (loading specs, compiling schemas).
// Instruction counts do not drift with the machine's load as times do.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

namespace brrt::bench {

using CountedCase = std::pair<const char*, void (*)(benchmark::State&)>;

inline int counted_main(int argc, char** argv, std::initializer_list<CountedCase> cases) {
  if (std::getenv("BRRT_BENCH_COUNTED") != nullptr)
    for (const auto& [name, fn] : cases)
      for (const int n : {1, 1001})
        benchmark::RegisterBenchmark((std::string("counted/") + name).c_str(), fn)->Iterations(n);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace brrt::bench

// {"BM_Name", BM_Name} for counted_main's list.
#define BRRT_COUNTED(fn)       \
  ::brrt::bench::CountedCase { \
#fn, fn                    \
  }
