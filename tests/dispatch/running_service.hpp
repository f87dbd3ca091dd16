#pragma once
// One http::Server running a dispatch::Service on an ephemeral loopback port, for the
// dispatcher's integration tests; stopped (drained) when the test ends.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/spec/api.hpp"

namespace brrt {
namespace {

std::string source(const std::string& rel) {
  return std::string(BRRT_SOURCE_DIR) + "/" + rel;
}

// One server + service for a test (access log off, Swagger UI from node_modules).
class Running {
 public:
  Running(std::shared_ptr<const spec::Api> api, dispatch::HandlerTable handlers,
          dispatch::ServiceOptions options = {}, unsigned threads = 1) {
    options.access_log = false;
    options.swagger_ui_dir = source("node_modules/swagger-ui-dist");
    service = std::make_unique<dispatch::Service>(std::move(api), std::move(handlers),
                                                  std::move(options), threads);
    http::ServerConfig cfg;
    cfg.port = 0;
    cfg.threads = threads;
    cfg.drain_timeout = std::chrono::milliseconds(2000);
    server = std::make_unique<http::Server>(cfg, *service);
    service->attach(server.get());
    server->start();
  }
  ~Running() {
    server->stop();
    server->wait();
  }
  std::uint16_t port() const { return server->port(); }

  std::unique_ptr<dispatch::Service> service;
  std::unique_ptr<http::Server> server;
};

}  // namespace
}  // namespace brrt
