#pragma once
// One http::Server running a dispatch::Service on an ephemeral loopback port, for the
// dispatcher's integration tests; stopped (drained) when the test ends.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <vector>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/spec/api.hpp"
#include "log_pipe.hpp"

namespace brrt {
namespace {

std::string source(const std::string& rel) {
  return std::string(BRRT_SOURCE_DIR) + "/" + rel;
}

// One server + service for a test (access log off unless `keep_access_log`, Swagger UI from
// node_modules); `cfg` for the server's limits (its port and threads are set here).
class Running {
 public:
  Running(std::shared_ptr<const spec::Api> api, dispatch::HandlerTable handlers,
          dispatch::ServiceOptions options = {}, unsigned threads = 1, http::ServerConfig cfg = {},
          bool keep_access_log = false) {
    options.access_log = options.access_log && keep_access_log;
    options.swagger_ui_dir = source("node_modules/swagger-ui-dist");
    service = std::make_unique<dispatch::Service>(std::move(api), std::move(handlers),
                                                  std::move(options), threads);
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
  void stop() {
    server->stop();
    server->wait();
  }

  std::unique_ptr<dispatch::Service> service;
  std::unique_ptr<http::Server> server;
};

// A Running whose JSON access log goes to a pipe, read once the server has stopped.
class LoggedRunning {
 public:
  LoggedRunning(std::shared_ptr<const spec::Api> api, dispatch::HandlerTable handlers,
                http::ServerConfig cfg = {}) {
    dispatch::ServiceOptions o;
    o.access_log = true;
    o.log_format = observe::LogFormat::Json;
    o.log_fd = pipe_.write_fd();
    run_ = std::make_unique<Running>(std::move(api), std::move(handlers), std::move(o), 1,
                                     std::move(cfg), true);
  }
  bool ok() const noexcept { return pipe_.ok(); }
  std::uint16_t port() const { return run_->port(); }
  // Stops the server (a drain) and returns its log lines, each parsed.
  std::vector<boost::json::object> stop_and_read_log() {
    run_->stop();
    const std::string log = pipe_.read_all();
    std::vector<boost::json::object> lines;
    for (std::size_t at = 0, nl; (nl = log.find('\n', at)) != std::string::npos; at = nl + 1)
      lines.push_back(boost::json::parse(log.substr(at, nl - at)).as_object());
    return lines;
  }

 private:
  test::LogPipe pipe_;  // before run_: the service writes into it until run_ is gone
  std::unique_ptr<Running> run_;
};

}  // namespace
}  // namespace brrt
