// Route matching benchmarks: a small pet-store table and the GitHub REST API's ~1,100
// operations, with mixed hit / miss / wrong-method targets. Heap allocations during the
// timed loop are counted by replacing the global operator new.
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "brrt/router/route_table.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

// GCC cannot see that these replacements pair malloc with free and warns once inlined.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using brrt::Method;
using brrt::router::RouteTable;

struct Target {
  Method method;
  std::string path;
};

struct Corpus {
  RouteTable table;
  std::vector<Target> targets;
};

std::string fill(const std::string& tmpl, int seed) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      i = tmpl.find('}', i);
      out += "v" + std::to_string(seed);
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

// Every template filled (hits), plus one unknown path and one wrong method per 4 hits.
Corpus make_corpus(const std::vector<std::pair<Method, std::string>>& routes) {
  Corpus c;
  RouteTable::Builder b;
  for (std::uint32_t i = 0; i < routes.size(); ++i) b.add(routes[i].first, routes[i].second, i);
  c.table = b.build();
  std::mt19937 rng(42);
  for (std::size_t i = 0; i < routes.size(); ++i) {
    c.targets.push_back({routes[i].first, fill(routes[i].second, static_cast<int>(i))});
    if (i % 4 == 0) {
      c.targets.push_back({Method::Get, fill(routes[i].second, 1) + "/no/such/thing"});
      c.targets.push_back({Method::Trace, fill(routes[i].second, 2)});
    }
  }
  std::shuffle(c.targets.begin(), c.targets.end(), rng);
  return c;
}

const Corpus& pet_store() {
  static const Corpus c = make_corpus({
      {Method::Get, "/health"},
      {Method::Get, "/pets"},
      {Method::Post, "/pets"},
      {Method::Get, "/pets/{id}"},
      {Method::Get, "/users/{user_id}"},
      {Method::Delete, "/users/{user_id}"},
      {Method::Options, "/users/{user_id}"},
      {Method::Get, "/users/{user_id}/posts/{post_id}"},
      {Method::Get, "/items/{id}"},
      {Method::Put, "/items/{id}"},
      {Method::Get, "/events"},
      {Method::Get, "/download/{id}"},
      {Method::Post, "/form"},
      {Method::Post, "/upload"},
      {Method::Get, "/matrix/{coords}"},
      {Method::Get, "/labels/{color}"},
      {Method::Get, "/search"},
      {Method::Get, "/secure"},
      {Method::Post, "/webhooks"},
  });
  return c;
}

const Corpus* github() {
  static const Corpus* c = []() -> const Corpus* {
    const std::filesystem::path file =
        std::filesystem::path(BRRT_SHARED_DIR) / "specs/realworld/github/api.github.com.json";
    std::ifstream in(file);
    if (!in) return nullptr;
    std::stringstream ss;
    ss << in.rdbuf();
    const auto doc = boost::json::parse(ss.str());
    std::vector<std::pair<Method, std::string>> routes;
    for (const auto& kv : doc.at("paths").as_object())
      for (const auto& op : kv.value().as_object())
        if (auto m = brrt::parse_method_key(op.key()))
          routes.emplace_back(*m, std::string(kv.key()));
    return new Corpus(make_corpus(routes));
  }();
  return c;
}

void run_matches(benchmark::State& state, const Corpus& c) {
  std::size_t i = 0, found = 0;
  const std::uint64_t before = g_allocations.load();
  for (auto _ : state) {
    const Target& t = c.targets[i];
    const auto m = c.table.match(t.method, t.path);
    benchmark::DoNotOptimize(m);
    found += m.status == brrt::router::RouteMatch::Status::Found;
    if (++i == c.targets.size()) i = 0;
  }
  const std::uint64_t allocs = g_allocations.load() - before;
  state.counters["allocs/match"] =
      benchmark::Counter(static_cast<double>(allocs) / static_cast<double>(state.iterations()));
  state.counters["hit_ratio"] =
      benchmark::Counter(static_cast<double>(found) / static_cast<double>(state.iterations()));
  state.counters["routes"] = static_cast<double>(c.table.size());
}

void BM_Match_PetStore(benchmark::State& state) {
  run_matches(state, pet_store());
}
BENCHMARK(BM_Match_PetStore);

void BM_Match_GitHub(benchmark::State& state) {
  const Corpus* c = github();
  if (!c) {
    state.SkipWithError("../shared/specs/realworld/github is absent");
    return;
  }
  run_matches(state, *c);
}
BENCHMARK(BM_Match_GitHub);

void BM_Match_GitHub_Deep(benchmark::State& state) {
  // One long, parameter-heavy path, hit every time.
  const Corpus* c = github();
  if (!c) {
    state.SkipWithError("../shared/specs/realworld/github is absent");
    return;
  }
  const std::string path = "/repos/octo/hello/actions/runs/42/attempts/3/jobs";
  for (auto _ : state) benchmark::DoNotOptimize(c->table.match(Method::Get, path));
}
BENCHMARK(BM_Match_GitHub_Deep);

void BM_Build_GitHub(benchmark::State& state) {
  const Corpus* c = github();
  if (!c) {
    state.SkipWithError("../shared/specs/realworld/github is absent");
    return;
  }
  std::vector<std::pair<Method, std::string>> routes;
  for (std::uint32_t r = 0; r < c->table.size(); ++r)
    routes.emplace_back(Method::Get, c->table.path_template(r));
  for (auto _ : state) {
    RouteTable::Builder b;
    std::uint32_t id = 0;
    for (const auto& [m, p] : routes) {
      try {
        b.add(static_cast<Method>(id % 9), p, id);
      } catch (const brrt::router::RouteError&) {
      }
      ++id;
    }
    benchmark::DoNotOptimize(b.build());
  }
}
BENCHMARK(BM_Build_GitHub)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
