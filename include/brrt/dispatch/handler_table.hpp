#pragma once
// The application's code for a spec: handlers by name (an operationId or the operation's
// `x-handler`) and a middleware chain. Three kinds of handler, chosen per operation:
//  - plain: runs inline on the connection's worker thread (the fast path: no coroutine
//    frame, no hand-off, the request's JSON lives in the worker's arena);
//  - async: a coroutine on the worker's io_context, free to co_await timers and sockets
//    (other connections on the worker keep being served meanwhile);
//  - blocking: runs on the service's bounded thread pool, for code that blocks (files,
//    synchronous clients); when the pool's queue is full the request gets 503;
//  - stream: a coroutine like async that answers with Server-Sent Events (event_stream.hpp),
//    written to the client as they are sent;
//  - websocket: a coroutine that takes the connection over once the handshake request passed
//    the pipeline, and exchanges WebSocket messages (web_socket.hpp).
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/dispatch/request_context.hpp"
#include "brrt/http/message.hpp"

namespace brrt::dispatch {

using HandlerFn = std::function<void(RequestContext&, http::Response&)>;
using AsyncHandlerFn =
    std::function<boost::asio::awaitable<void>(RequestContext&, http::Response&)>;
class EventStream;
using StreamHandlerFn = std::function<boost::asio::awaitable<void>(RequestContext&, EventStream&)>;
class WebSocket;
using WebSocketHandlerFn = std::function<boost::asio::awaitable<void>(RequestContext&, WebSocket&)>;

// Runs around every routed operation's handler (and the spec's example/echo answer),
// after security and validation. `before` returns false to answer without the handler
// (it has filled the response); `after` sees every response the chain produced.
struct Middleware {
  std::string name;
  std::function<bool(RequestContext&, http::Response&)> before;
  std::function<void(const RequestContext&, http::Response&)> after;
};

class HandlerTable {
 public:
  enum class Kind : std::uint8_t { Plain, Async, Blocking, Stream, WebSocket };
  struct Entry {
    Kind kind = Kind::Plain;
    HandlerFn fn;                  // Plain and Blocking
    AsyncHandlerFn async;          // Async
    StreamHandlerFn stream;        // Stream
    WebSocketHandlerFn websocket;  // WebSocket
  };

  HandlerTable& add(std::string name, HandlerFn fn);
  HandlerTable& add_async(std::string name, AsyncHandlerFn fn);
  HandlerTable& add_blocking(std::string name, HandlerFn fn);
  HandlerTable& add_stream(std::string name, StreamHandlerFn fn);
  // The operation is a WebSocket endpoint: a request without a valid handshake is refused
  // (426, or 400 for a malformed one); one that passes security, parameters and middleware
  // is upgraded and handed to `fn`.
  HandlerTable& add_websocket(std::string name, WebSocketHandlerFn fn);
  // Appends to the chain: `before`s run in order, `after`s in reverse order.
  HandlerTable& use(Middleware m);

  const Entry* find(std::string_view name) const noexcept;
  std::vector<std::string> names() const;
  const std::vector<Middleware>& middleware() const noexcept { return middleware_; }
  bool has_blocking() const noexcept;

 private:
  std::map<std::string, Entry, std::less<>> handlers_;
  std::vector<Middleware> middleware_;
};

}  // namespace brrt::dispatch
