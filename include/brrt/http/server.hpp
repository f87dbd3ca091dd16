#pragma once
// HTTP/1.1 server: one io_context per worker thread, each with its own SO_REUSEPORT
// acceptor, so a connection is accepted, parsed, handled and answered on one thread with
// no hand-off and no locks. Keep-alive, pipelining (responses in order, written in one
// batch), Content-Length and chunked bodies, 100-continue, limits with their statuses,
// timeouts enforced by a per-worker sweeper (no timer per request), graceful drain.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "brrt/core/owned_counter.hpp"
#include "brrt/http/message.hpp"
#include "brrt/http/request_parser.hpp"
#include "brrt/http/tls_context.hpp"

namespace brrt::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;                         // 0 = an ephemeral port (see Server::port())
  unsigned threads = 0;                              // 0 = one per hardware core
  ParserLimits parser;                               // 414 / 431
  std::uint64_t max_body_bytes = 1024 * 1024;        // 413
  std::chrono::milliseconds header_timeout{10'000};  // first byte to end of head: 408
  std::chrono::milliseconds body_timeout{30'000};    // reading the body: 408
  std::chrono::milliseconds idle_timeout{60'000};    // between keep-alive requests: close
  std::chrono::milliseconds write_timeout{30'000};   // a client not reading: close
  std::chrono::milliseconds drain_timeout{10'000};   // graceful stop deadline
  // After stop(), how long to go on accepting and answering (health 503, each response
  // closing its connection) before the port closes and the drain starts; 0: at once.
  std::chrono::milliseconds drain_delay{0};
  std::size_t max_connections = 10'000;  // beyond: accepted then closed
  std::string server_header = "brrtrouter";
  // HTTPS on this port when set (every connection starts with a TLS handshake, which the
  // header timeout covers); plain HTTP otherwise.
  std::shared_ptr<const TlsContext> tls;
};

// What the server calls for each complete request.
class Handler {
 public:
  virtual ~Handler() = default;
  // Handles `req` on worker `worker` synchronously (no coroutine frame). Returns false to
  // be called through `handle_async` instead (for handlers that must await).
  virtual bool handle(std::size_t worker, const Request& req, Response& res) noexcept = 0;
  virtual boost::asio::awaitable<void> handle_async(std::size_t worker, const Request& req,
                                                    Response& res);
  // A request the HTTP layer answered itself, never handed to handle(): malformed (400),
  // too slow (408), too large (413, 414, 431), not implemented (501, 505). For metrics and
  // access logs. `req` holds the request line when it had been parsed, else an empty method
  // and target; `remote` is always set. Does nothing by default.
  virtual void rejected(std::size_t worker, const Request& req, int status) noexcept;
};

// Per-worker transport counters (written by the worker, summed by readers).
struct WorkerStats {
  OwnedCounter open_connections;
  OwnedCounter parked_connections;  // idle long enough to hold no buffer
  OwnedCounter accepted_connections;
  OwnedCounter refused_max_connections;  // accepted and closed at once: max_connections open
  OwnedCounter refused_fd_limit;         // the same at the process's open-file limit
  OwnedCounter requests;
  OwnedCounter bytes_in;
  OwnedCounter bytes_out;
  OwnedCounter tls_handshake_failures;  // HTTPS: handshakes that failed or timed out
};

struct TransportSnapshot {
  std::uint64_t open_connections = 0;
  std::uint64_t parked_connections = 0;
  std::uint64_t accepted_connections = 0;
  std::uint64_t refused_max_connections = 0;
  std::uint64_t refused_fd_limit = 0;
  std::uint64_t requests = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t tls_handshake_failures = 0;
};

class Server {
 public:
  Server(ServerConfig config, Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every worker's acceptor (throws boost::system::system_error) and starts the
  // worker threads.
  void start();
  // The bound port (useful with port 0).
  std::uint16_t port() const noexcept { return port_; }
  std::size_t workers() const noexcept { return workers_.size(); }
  // Graceful stop: after the drain delay (config; 0 by default) stop accepting, close idle
  // connections, let in-flight requests finish (their responses carry `Connection: close`),
  // force-close what is left after the drain timeout. Called again during the drain delay,
  // starts the drain at once. Thread-safe; returns at once.
  void stop();
  // Blocks until every worker has finished.
  void wait();
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
  TransportSnapshot transport() const noexcept;
  // Replaces the certificate and key for connections accepted from now on (a renewal);
  // connections already open keep the session they have. Thread-safe. A server started
  // without TLS stays plain: this is for one started with it.
  void set_tls(std::shared_ptr<const TlsContext> tls);
  const ServerConfig& config() const noexcept { return config_; }

  struct Worker;

 private:
  bool drain_pass(Worker& w);
  void start_drain(Worker& w);
  ServerConfig config_;
  Handler& handler_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> draining_{false};
  std::atomic<std::shared_ptr<const TlsContext>> tls_;  // read once per TLS connection
  std::atomic<std::size_t> open_connections_{0};        // touched per connection, not per request
  std::uint16_t port_ = 0;
  friend class Connection;
};

// RFC 9457 problem details body for `status` with `detail`.
std::string problem_json(int status, std::string_view detail);

}  // namespace brrt::http
