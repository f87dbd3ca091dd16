#pragma once
// A synchronous Boost.Beast HTTP/1.1 client for integration tests: one keep-alive
// connection to a loopback port, with a socket receive timeout so that a broken server
// fails a test instead of hanging it.
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace brrt::test {

namespace bhttp = boost::beast::http;

struct Reply {
  int status = 0;
  std::string body;
  bhttp::fields headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

class BeastClient {
 public:
  explicit BeastClient(std::uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  Reply request(bhttp::verb method, const std::string& target, std::string body = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    // Inserted, not set: a name given twice is sent on two field lines (Host replaces the
    // default one).
    for (auto& [k, v] : headers)
      if (boost::beast::iequals(k, "host"))
        req.set(k, v);
      else
        req.insert(k, v);
    if (!body.empty() || method == bhttp::verb::post || method == bhttp::verb::put) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    bhttp::write(socket_, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == bhttp::verb::head) parser.skip(true);
    bhttp::read(socket_, buffer_, parser);
    auto res = parser.release();
    Reply r;
    r.status = static_cast<int>(res.result_int());
    r.body = std::move(res.body());
    r.headers = std::move(res.base());
    return r;
  }

  Reply get(const std::string& target,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    return request(bhttp::verb::get, target, {}, std::move(headers));
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace brrt::test
