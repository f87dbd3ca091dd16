#pragma once
// A response whose body is written while the handler runs (Server-Sent Events, long
// downloads): the connection implements it and hands it to async handlers through
// Response::stream(). The head goes out with `Transfer-Encoding: chunked` (HTTP/1.1) or
// without a length and with `Connection: close` (HTTP/1.0); each write is one chunk, sent at
// once; when the handler returns, the connection writes the last chunk and goes on with the
// next request of the connection.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string_view>

#include "brrt/core/owned_counter.hpp"

namespace brrt::http {

class Response;
namespace detail {
class TlsSession;  // src/http/tls_session.hpp
}

// What took a connection over after a protocol switch (RFC 9110 7.8: a WebSocket). The
// connection keeps the socket and waits for the handler to return; it tells the new protocol
// when the server drains, so that it can close in its own terms (a WebSocket's 1001).
class Upgraded {
 public:
  // The server started draining: end the protocol gracefully, soon. Called on the worker's
  // thread, possibly more than once.
  virtual void going_away() noexcept = 0;

 protected:
  ~Upgraded() = default;
};

// The connection's socket, lent for a protocol switch until the handler returns.
struct Takeover {
  boost::asio::ip::tcp::socket* socket = nullptr;  // null: refused (see take_over)
  std::string_view received;         // bytes the client sent after the request, to be read first
  std::string_view server_header;    // the `Server` field the connection's responses carry
  OwnedCounter* bytes_in = nullptr;  // the worker's transport counters
  OwnedCounter* bytes_out = nullptr;
  // HTTPS: the connection's TLS session, which the new protocol reads and writes through
  // (null for plain HTTP). The library's own: only its WebSocket layer uses it.
  detail::TlsSession* tls = nullptr;
};

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;

  // Sends `res`'s status line and headers (its body, if any, is dropped) and everything the
  // connection answered before it. False when there is no body to stream: a HEAD request
  // (the head is sent, as for GET), a client already gone, or a server draining. After
  // begin(), the connection writes nothing else for this request.
  virtual boost::asio::awaitable<bool> begin(Response& res) = 0;
  // Sends `data` as one chunk and waits until the kernel has taken it (the connection's
  // write timeout applies). False once the stream is over: the client left or stopped
  // reading, or the server is draining.
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
  // Waits `duration`, or less when the stream ends meanwhile (the client closes the
  // connection, the server starts draining). True when the whole duration passed.
  virtual boost::asio::awaitable<bool> wait(std::chrono::milliseconds duration) = 0;
  // Whether writes can still go out.
  virtual bool open() const noexcept = 0;

  // Lends the socket for a protocol switch: the responses answered before this one are
  // written, then the connection writes nothing more and, once the handler returns, closes
  // (no other request follows on it). The new protocol writes its own answer (the 101). Refused
  // (a null socket, and the connection answers `res` as usual) when the server is draining,
  // the client is gone, or the response already began. The connection's timeouts stop
  // applying; `upgraded` is told when a drain begins, and the drain's deadline closes the
  // socket.
  virtual boost::asio::awaitable<Takeover> take_over(Response& res, Upgraded& upgraded) = 0;
};

}  // namespace brrt::http
