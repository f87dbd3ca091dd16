// The one translation unit that includes Boost.Beast's WebSocket implementation: the rest of
// the server (server.cpp's request loop, service.cpp) sees only web_socket.hpp.
#include "brrt/dispatch/web_socket.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "brrt/core/utf8.hpp"
#include "brrt/http/response_stream.hpp"
#include "brrt/http/server.hpp"
#include "http/draining_read.hpp"
#include "http/tls_session.hpp"

namespace brrt::dispatch {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// The connection's socket (lent, not owned), read after the bytes the client had already sent
// behind the handshake: they were in the connection's input buffer, and RFC 6455 4.1 asks a
// client to wait for the 101 but a fast one may not. Over HTTPS, reads and writes go through
// the connection's TLS session (TlsIo below).
class PrefixedSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using next_layer_type = tcp::socket;

  PrefixedSocket(tcp::socket& socket, std::string_view received, http::detail::TlsSession* tls)
      : socket_(&socket), tls_(tls), pending_(received) {}

  executor_type get_executor() noexcept { return socket_->get_executor(); }
  next_layer_type& next_layer() noexcept { return *socket_; }
  const next_layer_type& next_layer() const noexcept { return *socket_; }
  http::detail::TlsSession* tls() const noexcept { return tls_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (tls_ && pending_.empty()) {
      const asio::mutable_buffer b = first_buffer<asio::mutable_buffer>(buffers);
      return async_tls_io(static_cast<char*>(b.data()), b.size(), false,
                          std::forward<Token>(token));
    }
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (pending_.empty()) return socket_->async_read_some(b, std::move(handler));
          const std::size_t n = asio::buffer_copy(b, asio::buffer(pending_));
          pending_.erase(0, n);
          // Completed as a read would: later, on the handler's executor.
          asio::post(socket_->get_executor(), asio::append(std::move(handler), error_code{}, n));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (!tls_) return socket_->async_write_some(buffers, std::forward<Token>(token));
    // A frame is a header and a payload buffer: a small frame goes out as one TLS record,
    // copied together (a record per buffer would double the records and their 22-byte
    // overhead); a large one is written a buffer at a time.
    constexpr std::size_t kJoin = 16 * 1024;
    const std::size_t total = asio::buffer_size(buffers);
    if (std::distance(asio::buffer_sequence_begin(buffers), asio::buffer_sequence_end(buffers)) >
            1 &&
        total <= kJoin) {
      joined_.resize(total);
      asio::buffer_copy(asio::buffer(joined_), buffers);
      return async_tls_io(joined_.data(), joined_.size(), true, std::forward<Token>(token));
    }
    const asio::const_buffer b = first_buffer<asio::const_buffer>(buffers);
    return async_tls_io(const_cast<char*>(static_cast<const char*>(b.data())), b.size(), true,
                        std::forward<Token>(token));
  }

 private:
  template <class Buffer, class Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it)
      if (Buffer(*it).size() > 0) return Buffer(*it);
    return Buffer();
  }

  // One TLS read or write as an Asio operation: the session is called, and when it needs the
  // socket readable or writable the socket is awaited and the session called again. A call
  // that completes at once completes through a post, as an operation must. A read that needs
  // more ciphertext reads it into the session's inbox with the draining read, as the request
  // loop does (draining_read.hpp): one recv per message, where OpenSSL's own reads took two
  // (a record's header, then its body) after a failed speculative one, and an async_wait
  // re-armed epoll with an epoll_ctl per message.
  struct TlsIo {
    http::detail::TlsSession* tls;
    tcp::socket* socket;
    char* data;
    std::size_t size;
    bool write;
    bool waited = false;
    bool finished = false;
    bool filling = false;  // a read into the inbox is what completed
    error_code result{};
    std::size_t bytes = 0;

    template <class Self>
    void operator()(Self& self, error_code ec = {}, std::size_t filled = 0) {
      if (finished) return self.complete(result, bytes);
      if (ec) return self.complete(ec, 0);
      if (filling) {
        tls->inbox_filled(filled);
        filling = false;
      }
      if (size == 0) {
        result = {};
      } else {
        const auto r = write ? tls->write(data, size) : tls->read_inbox(data, size);
        if (r.status == http::detail::TlsSession::Status::WantRead && !write) {
          waited = filling = true;
          return socket->async_read_some(http::detail::DrainingBuffer{tls->inbox_space()},
                                         std::move(self));
        }
        if (r.waits()) {
          waited = true;
          return socket->async_wait(r.wait(), std::move(self));
        }
        bytes = r.bytes;
        result = r.error();
      }
      if (waited) return self.complete(result, bytes);
      finished = true;
      asio::post(socket->get_executor(), std::move(self));
    }
  };
  template <class Token>
  auto async_tls_io(char* data, std::size_t size, bool write, Token&& token) {
    return asio::async_compose<Token, void(error_code, std::size_t)>(
        TlsIo{tls_, socket_, data, size, write}, token, *socket_);
  }

  tcp::socket* socket_;
  http::detail::TlsSession* tls_;
  std::string pending_;
  std::string joined_;  // a TLS write's buffers joined (async_write_some)
};

// The TCP end of a WebSocket once the close frames were exchanged (found by Beast through
// argument-dependent lookup). Beast's own for sockets reads until the client closes its side,
// with no time limit once the close handshake is done: a client that keeps its connection open
// would hold the request forever. RFC 6455 7.1.1 has the server close the connection first, so
// it does, at once: its close frame has gone out, and nothing more is expected (over TLS, a
// close_notify first, if the socket takes it now).
void close_connection(PrefixedSocket& s) {
  if (s.tls()) s.tls()->close_notify();
  error_code ignored;
  s.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
  s.next_layer().close(ignored);
}
template <class Handler>
void async_teardown(beast::role_type, PrefixedSocket& s, Handler&& handler) {
  close_connection(s);
  asio::post(s.get_executor(), asio::append(std::forward<Handler>(handler), error_code{}));
}
[[maybe_unused]] void teardown(beast::role_type, PrefixedSocket& s, error_code& ec) {
  close_connection(s);
  ec = {};
}

// The header fields Beast writes for the handshake: a handler's copy would contradict them.
bool handshake_field(std::string_view name) {
  for (const std::string_view f : {"Upgrade", "Connection", "Sec-WebSocket-Accept",
                                   "Content-Length", "Transfer-Encoding", "Server"})
    if (http::iequals(name, f)) return true;
  return false;
}

// RFC 6455 7.4.1 and 7.4.2: the codes an endpoint may put in a close frame.
bool sendable_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

void set_problem(http::Response& res, int status, std::string_view detail) {
  res.status = status;
  res.set_content_type("application/problem+json");
  res.body = http::problem_json(status, detail);
}

// Whether some field named `name` holds `token` in its comma-separated list.
bool has_token(const http::Request& req, std::string_view name, std::string_view token) {
  for (std::size_t i = 0; i < req.header_count; ++i)
    if (http::iequals(req.headers[i].name, name) &&
        !http::for_each_list_item(req.headers[i].value, [&](std::string_view item) {
          return !http::iequals(item, token);
        }))
      return true;
  return false;
}

// The only value of the field `name`; empty when it is absent, `twice` set when it is repeated.
std::string_view single_field(const http::Request& req, std::string_view name, bool& twice) {
  std::string_view value;
  bool seen = false;
  for (std::size_t i = 0; i < req.header_count; ++i)
    if (http::iequals(req.headers[i].name, name)) {
      twice = twice || seen;
      seen = true;
      value = http::trim_ows(req.headers[i].value);
    }
  return value;
}

// 16 bytes in base64 (RFC 6455 4.1): 22 characters of the alphabet and "==".
bool websocket_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (const char c : key.substr(0, 22))
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/'))
      return false;
  return true;
}

// Whether the page the handshake comes from may open the socket (WebSocketOptions::allow_origins).
bool origin_allowed(const http::Request& req, const WebSocketOptions& options) noexcept {
  bool twice = false;
  const std::string_view origin = single_field(req, "Origin", twice);
  if (twice) return false;
  if (origin.empty()) return true;  // not a browser: nothing to protect against
  for (const std::string& allowed : options.allow_origins)
    if (allowed == "*" || http::iequals(allowed, origin)) return true;
  // The server's own origin: "scheme://host[:port]" whose authority is the Host ("null", the
  // origin of sandboxed and file pages, has none).
  const std::size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::string_view host = single_field(req, "Host", twice);
  return !twice && !host.empty() && http::iequals(origin.substr(scheme + 3), host);
}

}  // namespace

HandshakeCheck check_handshake(const http::Request& req, const WebSocketOptions& options) noexcept {
  if (req.method != Method::Get || req.version_minor == 0 ||
      !has_token(req, "Upgrade", "websocket") || !has_token(req, "Connection", "upgrade"))
    return {426,
            "this is a WebSocket endpoint: send a GET (HTTP/1.1) with 'Upgrade: websocket' and "
            "'Connection: Upgrade'"};
  if (!req.body.empty() || req.chunked) return {400, "a WebSocket handshake has no body"};
  bool twice = false;
  if (single_field(req, "Sec-WebSocket-Version", twice) != "13" || twice)
    return {400, "the WebSocket handshake needs 'Sec-WebSocket-Version: 13'"};
  if (!websocket_key(single_field(req, "Sec-WebSocket-Key", twice)) || twice)
    return {400, "the WebSocket handshake needs one Sec-WebSocket-Key of 16 bytes in base64"};
  if (!origin_allowed(req, options))
    return {403,
            "pages of this Origin may not open this WebSocket: it is not the server's own origin "
            "nor one the server allows (websocket_origins)"};
  return {};
}

struct WebSocket::Impl final : http::Upgraded {
  Impl(const http::Request& rq, http::Response& rs, const WebSocketOptions& o)
      : req(rq), res(rs), options(o) {}

  // Runs on the worker's thread (the connection's drain pass).
  void going_away() noexcept override {
    if (going) return;
    going = true;
    if (state == State::Open && !close_in_flight) start_close(1001, "server shutting down");
    // Still accepting: accept() closes once the 101 is out.
  }

  bool is_open() const noexcept {
    return state == State::Open && !close_in_flight && sent_code == 0;
  }

  // A close begun without a coroutine (a drain has none to run it in): its completion wakes
  // whoever waits for it (close(), finish()).
  void start_close(std::uint16_t code, std::string_view why) {
    close_in_flight = true;
    sent_code = code;
    sent_reason = why;
    websocket::close_reason reason;
    reason.code = code;
    reason.reason.assign(why.data(), why.size());
    ws->async_close(reason, [this](error_code) {
      close_in_flight = false;
      if (state == State::Open) {
        state = State::Ended;
        end_code = sent_code;
        end_reason = sent_reason;
      }
      wake->cancel();
    });
  }

  // Records why the socket ended, from the error that ended a read or a write.
  void end(error_code ec) {
    if (state == State::Ended) return;
    state = State::Ended;
    if (ec == websocket::error::closed) {
      if (sent_code != 0) {  // our close, answered
        end_code = sent_code;
        end_reason = sent_reason;
      } else {
        const websocket::close_reason& r = ws->reason();
        end_code = r.code == websocket::close_code::none ? 1005 : r.code;
        end_reason.assign(r.reason.data(), r.reason.size());
      }
    } else if (ec == websocket::error::message_too_big) {
      end_code = 1009;
    } else if (ec == websocket::error::bad_frame_payload) {
      end_code = 1007;
    } else if (ec == websocket::condition::protocol_violation) {
      end_code = 1002;
    } else if (sent_code != 0) {
      end_code = sent_code;  // we closed; the peer did not answer in kind
      end_reason = sent_reason;
    } else {
      end_code = 1006;  // no close frame: reset, timeout, end of stream
    }
  }

  WebSocketMessage ended() const {
    return {
        .kind = WebSocketMessage::Kind::End, .close_code = end_code, .close_reason = end_reason};
  }

  // Reads the socket from the 101 to its end, whether or not the handler reads: Beast answers
  // pings, sees the peer's close and keeps its idle timeout only while a read is pending, so a
  // handler that only sends would otherwise miss all three. Messages wait in `queue` for
  // read(); once they hold max_message_bytes the pump stops reading until the handler takes
  // one (the peer is held back by TCP, not buffered without bound).
  asio::awaitable<void> pump() {
    try {
      while (true) {
        while (queued_bytes >= options.max_message_bytes && state == State::Open && !stop_pump)
          co_await wake->async_wait(kNoThrow);
        if (stop_pump || state != State::Open) break;
        beast::flat_buffer incoming = std::move(spare);
        incoming.consume(incoming.size());
        auto [ec, n] = co_await ws->async_read(incoming, kNoThrow);
        if (ec) {
          end(ec);
          break;
        }
        bytes_in->add(n);
        queued_bytes += incoming.size();
        queue.push_back({std::move(incoming), ws->got_text()});
        wake->cancel();
      }
    } catch (const std::exception&) {        // out of memory queueing: the socket ends
      if (is_open()) start_close(1011, {});  // one close at a time: not over one in flight
    }
    pump_running = false;
    wake->cancel();
  }

  enum class State : std::uint8_t { New, Accepting, Open, Ended };
  const http::Request& req;
  http::Response& res;
  const WebSocketOptions& options;
  State state = State::New;
  bool going = false;            // the server drains
  bool close_in_flight = false;  // start_close's close has not completed
  std::uint16_t sent_code = 0;   // the close frame we sent, if any
  std::string sent_reason;
  std::uint16_t end_code = 1006;
  std::string end_reason;
  std::optional<websocket::stream<PrefixedSocket>> ws;
  // Cancelled to wake the coroutines that wait for an accept or a close to complete.
  std::optional<asio::steady_timer> wake;
  // The pump's messages not yet read, and their payload bytes.
  struct Queued {
    beast::flat_buffer data;
    bool text = false;
  };
  std::deque<Queued> queue;
  std::size_t queued_bytes = 0;
  bool pump_running = false;
  bool stop_pump = false;      // finish(): the request ends
  beast::flat_buffer current;  // the message read() returned last
  beast::flat_buffer spare;    // the one before: the pump reads into it next (no allocation)
  OwnedCounter* bytes_in = nullptr;
  OwnedCounter* bytes_out = nullptr;
};

WebSocket::WebSocket(const http::Request& req, http::Response& res, const WebSocketOptions& options)
    : impl_(std::make_unique<Impl>(req, res, options)) {
  res.status = 101;
}

WebSocket::~WebSocket() = default;

http::Response& WebSocket::response() noexcept {
  return impl_->res;
}

bool WebSocket::open() const noexcept {
  return impl_->is_open();
}

boost::asio::awaitable<bool> WebSocket::accept() {
  Impl& s = *impl_;
  if (!s.wake) {
    const auto executor = co_await asio::this_coro::executor;
    s.wake.emplace(executor);
    s.wake->expires_at(asio::steady_timer::time_point::max());
  }
  // A reader and a writer started together: the second waits for the first's accept.
  while (s.state == Impl::State::Accepting) co_await s.wake->async_wait(kNoThrow);
  if (s.state != Impl::State::New) co_return s.is_open();
  s.state = Impl::State::Accepting;
  http::ResponseStream* stream = s.res.stream();
  http::Takeover t;
  if (stream) t = co_await stream->take_over(s.res, s);
  if (!t.socket) {
    s.state = Impl::State::Ended;
    s.wake->cancel();
    if (!stream)  // in-process: no connection to switch
      set_problem(s.res, 500, "a WebSocket needs a connection to take over");
    else
      set_problem(s.res, 503, "the server is shutting down");
    co_return false;
  }
  s.bytes_in = t.bytes_in;
  s.bytes_out = t.bytes_out;
  s.ws.emplace(*t.socket, t.received, t.tls);
  websocket::stream<PrefixedSocket>& ws = *s.ws;
  ws.read_message_max(s.options.max_message_bytes);
  ws.auto_fragment(false);  // a message is one frame, written as it is (a server masks nothing)
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = s.options.close_timeout;
  timeouts.idle_timeout = s.options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  if (s.options.deflate) {
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    deflate.msg_size_threshold = s.options.deflate_min_bytes;
    ws.set_option(deflate);
  }
  ws.set_option(websocket::stream_base::decorator(
      [&res = s.res, server = std::string(t.server_header)](websocket::response_type& r) {
        r.set(beast::http::field::server, server);
        for (std::size_t i = 0; i < res.header_count(); ++i)
          if (!handshake_field(res.header_name(i)))
            r.insert(res.header_name(i), res.header_value(i));
      }));
  // The request as Beast reads a handshake; brrtrouter's checks (Service) have passed it.
  beast::http::request<beast::http::empty_body> handshake;
  handshake.method(beast::http::verb::get);
  handshake.target(s.req.target);
  handshake.version(11);
  for (std::size_t i = 0; i < s.req.header_count; ++i)
    handshake.insert(s.req.headers[i].name, s.req.headers[i].value);
  auto [ec] = co_await ws.async_accept(handshake, kNoThrow);
  if (ec) {
    if (ec == websocket::condition::handshake_failed) s.res.status = 400;  // Beast answered
    s.end(ec);
    s.wake->cancel();
    co_return false;
  }
  s.state = Impl::State::Open;
  s.pump_running = true;
  const auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, s.pump(), [](std::exception_ptr) {});
  s.wake->cancel();
  if (s.going) s.start_close(1001, "server shutting down");  // the drain began meanwhile
  co_return s.is_open();
}

// Every co_await below is a statement of its own, its result in a local: GCC 12 resumes the
// wrong point of a frame after `if (!co_await f()) co_return ...;` followed by
// `co_return co_await g();` (seen as SIGILL on the first send).
boost::asio::awaitable<WebSocketMessage> WebSocket::read() {
  Impl& s = *impl_;
  co_await accept();
  // Messages the pump read before the end come first.
  while (s.queue.empty() && s.pump_running) co_await s.wake->async_wait(kNoThrow);
  if (s.queue.empty()) co_return s.ended();
  s.spare = std::move(s.current);
  s.current = std::move(s.queue.front().data);
  const bool text = s.queue.front().text;
  s.queue.pop_front();
  s.queued_bytes -= s.current.size();
  s.wake->cancel();  // a pump held back by a full queue goes on
  const auto bytes = s.current.cdata();
  co_return WebSocketMessage{
      .kind = text ? WebSocketMessage::Kind::Text : WebSocketMessage::Kind::Binary,
      .data = {static_cast<const char*>(bytes.data()), bytes.size()}};
}

boost::asio::awaitable<bool> WebSocket::send_text(std::string_view text) {
  const bool sent = co_await send_message(text, true);
  co_return sent;
}

boost::asio::awaitable<bool> WebSocket::send_binary(std::string_view bytes) {
  const bool sent = co_await send_message(bytes, false);
  co_return sent;
}

boost::asio::awaitable<bool> WebSocket::send_message(std::string_view data, bool text) {
  Impl& s = *impl_;
  const bool open = co_await accept();
  if (!open) co_return false;
  s.ws->text(text);
  auto [ec, n] = co_await s.ws->async_write(asio::buffer(data.data(), data.size()), kNoThrow);
  if (ec) {
    s.end(ec);
    co_return false;
  }
  s.bytes_out->add(n);
  s.res.add_streamed_bytes(n);
  co_return true;
}

boost::asio::awaitable<void> WebSocket::close(std::uint16_t code, std::string_view reason) {
  if (!sendable_close_code(code))
    throw std::invalid_argument("WebSocket close code " + std::to_string(code) +
                                " may not be sent (1000-1003, 1007-1011, 3000-4999)");
  if (reason.size() > 123 || !is_valid_utf8(reason))
    throw std::invalid_argument("a WebSocket close reason is UTF-8 of at most 123 bytes");
  Impl& s = *impl_;
  co_await accept();
  if (s.state != Impl::State::Open) co_return;
  if (s.is_open()) s.start_close(code, reason);
  while (s.close_in_flight) co_await s.wake->async_wait(kNoThrow);
}

boost::asio::awaitable<void> WebSocket::finish(bool handler_failed) {
  Impl& s = *impl_;
  if (s.state == Impl::State::New) {
    // Refused (another status), or failed before the upgrade (a 500): answered over HTTP.
    if (s.res.status != 101 || handler_failed) co_return;
    co_await accept();
  }
  if (!s.ws) co_return;  // never took the socket
  if (s.is_open()) s.start_close(handler_failed ? 1011 : 1000, {});
  while (s.close_in_flight) co_await s.wake->async_wait(kNoThrow);
  // Nothing may touch the socket once the request ends (the connection closes it): whatever
  // Beast still has going (an idle ping) is cancelled, and its completions run before this
  // coroutine resumes.
  error_code ignored;
  s.ws->next_layer().next_layer().cancel(ignored);
  s.stop_pump = true;
  s.wake->cancel();
  while (s.pump_running) co_await s.wake->async_wait(kNoThrow);
  const auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
}

}  // namespace brrt::dispatch
