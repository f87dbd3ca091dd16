// bench-server: the shared benchmark workload (../shared/bench/README.md) served by
// brrtrouter's public API. The spec (bench-api.yaml) drives routing, parameter decoding,
// validation and API-key security; the handlers (bench/server/handlers.cpp) only produce the
// bodies, the way an application built on brrtrouter would.
//
//   bench-server [--spec FILE] [--host H] [--port N] [--threads N] [--access-log] [--typed]
//
// --typed: the handlers written against code generated from the spec (typed_handlers.cpp).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/spec/api.hpp"
#include "server/handlers.hpp"
#include "server/typed_handlers.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: bench-server [--spec FILE] [--host H] [--port N] [--threads N] "
               "[--access-log] [--typed] [--tls-cert FILE --tls-key FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string spec_path = BRRT_SHARED_DIR "/bench/bench-api.yaml";
  brrt::http::ServerConfig cfg;
  cfg.port = 8080;
  bool access_log = false;
  bool typed = false;
  const char* tls_cert = nullptr;
  const char* tls_key = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--access-log") {
      access_log = true;
    } else if (a == "--typed") {
      typed = true;
    } else if (a == "--spec" && (v = value())) {
      spec_path = v;
    } else if (a == "--host" && (v = value())) {
      cfg.host = v;
    } else if (a == "--port" && (v = value())) {
      cfg.port = static_cast<std::uint16_t>(std::atoi(v));
    } else if (a == "--threads" && (v = value())) {
      cfg.threads = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--tls-cert" && (v = value())) {
      tls_cert = v;
    } else if (a == "--tls-key" && (v = value())) {
      tls_key = v;
    } else {
      return usage();
    }
  }
  if ((tls_cert == nullptr) != (tls_key == nullptr)) return usage();
  if (tls_cert) {
    try {
      cfg.tls = std::make_shared<brrt::http::TlsContext>(tls_cert, tls_key);
    } catch (const brrt::http::TlsError& e) {
      std::fprintf(stderr, "bench-server: %s\n", e.what());
      return 2;
    }
  }
  std::shared_ptr<const brrt::spec::Api> api;
  try {
    api = brrt::spec::load_api(spec_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-server: %s\n", e.what());
    return 1;
  }
  if (!cfg.threads) cfg.threads = std::max(1u, std::thread::hardware_concurrency());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  brrt::dispatch::ServiceOptions options;
  options.security.api_keys["ApiKeyAuth"] = {"test123"};
  options.access_log = access_log;
#ifdef BRRT_TYPED_BENCH
  auto handlers = typed ? brrt::bench::typed_bench_handlers() : brrt::bench::bench_handlers();
#else
  if (typed) {
    std::fprintf(stderr,
                 "bench-server: --typed needs ../shared/bench/bench-api.yaml at build time\n");
    return 2;
  }
  auto handlers = brrt::bench::bench_handlers();
#endif
  brrt::dispatch::Service service(api, std::move(handlers), options, cfg.threads);
  brrt::http::Server server(cfg, service);
  service.attach(&server);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-server: cannot listen on %s:%u: %s\n", cfg.host.c_str(), cfg.port,
                 e.what());
    return 1;
  }
  std::fprintf(stderr, "bench-server: serving %s on %s://%s:%u with %u thread(s)\n",
               spec_path.c_str(), cfg.tls ? "https" : "http", cfg.host.c_str(), server.port(),
               cfg.threads);
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  server.wait();
  return 0;
}
