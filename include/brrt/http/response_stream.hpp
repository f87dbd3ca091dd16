#pragma once
// A response whose body is written while the handler runs (Server-Sent Events, long
// downloads): the connection implements it and hands it to async handlers through
// Response::stream(). The head goes out with `Transfer-Encoding: chunked` (HTTP/1.1) or
// without a length and with `Connection: close` (HTTP/1.0); each write is one chunk, sent at
// once; when the handler returns, the connection writes the last chunk and goes on with the
// next request of the connection.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string_view>

namespace brrt::http {

class Response;

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
};

}  // namespace brrt::http
