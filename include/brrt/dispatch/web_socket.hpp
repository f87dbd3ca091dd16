#pragma once
// WebSockets (RFC 6455) from a websocket handler (HandlerTable::add_websocket). The handshake
// request goes through the whole pipeline first (routing, security, parameters, middleware);
// the connection's socket is then taken over and the 101 goes out with the handler's first
// accept(), read() or send (Boost.Beast does the framing, in src/dispatch/web_socket.cpp only).
//
//   h.add_websocket("chat", [](RequestContext& ctx, WebSocket& ws) -> boost::asio::awaitable<void>
//   {
//     while (true) {
//       const WebSocketMessage m = co_await ws.read();
//       if (m.kind == WebSocketMessage::Kind::End) co_return;  // m.close_code says why
//       if (!co_await ws.send_text(m.data)) co_return;
//     }
//   });
//
// When the handler returns, a socket still open is closed with 1000 (1011 when it threw).
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

// The server's limits for WebSockets (ServiceOptions::websocket; the serve config's
// `websocket_max_message_bytes` and `websocket_idle_timeout_ms`).
struct WebSocketOptions {
  // A message (all of its frames) larger than this closes the socket with 1009.
  std::uint64_t max_message_bytes = 1024 * 1024;
  // Nothing received for half of this: a ping is sent; nothing for all of it: the socket is
  // closed (the peer is gone). The socket is read whether or not the handler reads, so this
  // holds for a handler that only sends too.
  std::chrono::milliseconds idle_timeout{60'000};
  // How long the 101 may take to be written, and a peer to answer a close.
  std::chrono::milliseconds close_timeout{5'000};
  // permessage-deflate (RFC 7692): when on, a client that offers it gets it, and messages go
  // compressed both ways (Beast's own deflate, no zlib; 32 KB windows, context kept between
  // messages). Off by default: each such socket holds a compressor and a decompressor (about
  // 170 KB), and compressing messages that mix a secret with text a client chose lets the
  // client learn the secret from the lengths (CRIME). max_message_bytes counts a message after
  // decompression, so a small compressed frame cannot inflate past it.
  bool deflate = false;
  // With deflate: messages shorter than this are sent uncompressed (deflating a few bytes
  // costs more than it saves).
  std::size_t deflate_min_bytes = 64;
  // Which browser pages may open the sockets (cross-site WebSocket hijacking: browsers apply
  // no CORS to WebSockets but send the page's `Origin`). A handshake without `Origin` (not a
  // browser) is let through; one from the server's own origin (the Origin's host and port are
  // the request's Host) too; any other Origin must be listed here exactly
  // ("https://app.example.com"; "*" lets every origin in), else it is a 403.
  std::vector<std::string> allow_origins;
};

// One message read, or the end of the socket.
struct WebSocketMessage {
  enum class Kind : std::uint8_t { Text, Binary, End };
  Kind kind = Kind::End;
  // Text (valid UTF-8: Beast closes with 1007 otherwise) or Binary payload; valid until the
  // next read().
  std::string_view data{};
  // End: the close code that ended the socket. The peer's when the peer closed first (1005 when
  // its close frame had no code), brrtrouter's when it closed (1000 or the handler's code,
  // 1001 for a drain, 1002 for a protocol error, 1007 for invalid UTF-8, 1009 for a message
  // over the limit, 1011 for a handler that threw), 1006 when the connection ended without a
  // close frame (the peer vanished, timed out, or the upgrade failed).
  std::uint16_t close_code = 0;
  std::string_view close_reason{};  // valid as long as the WebSocket
};

// Whether a request to a WebSocket endpoint is an opening handshake brrtrouter upgrades (RFC
// 6455 4.2.1): status 0 when it is; 426 when it is no upgrade to a WebSocket (not a GET, HTTP/1.0,
// no `Upgrade: websocket` or no `Connection: Upgrade`); 400 when it is a malformed one (a body,
// a Sec-WebSocket-Version other than 13, a Sec-WebSocket-Key that is not 16 bytes in base64,
// either sent twice); 403 when its Origin may not open sockets (options.allow_origins).
// `detail` says which, for the problem body.
struct HandshakeCheck {
  int status = 0;
  std::string_view detail{};
};
HandshakeCheck check_handshake(const http::Request& req,
                               const WebSocketOptions& options = {}) noexcept;

class WebSocket {
 public:
  WebSocket(const http::Request& req, http::Response& res, const WebSocketOptions& options);
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // The response of the upgrade: headers set on it before accept() go out with the 101 (e.g.
  // Sec-WebSocket-Protocol). A handler that sets another status (a 403 problem, say) and
  // returns without accepting answers with this response as it is, and no upgrade happens.
  http::Response& response() noexcept;

  // Takes the connection over and sends the 101. False when no message can follow: the
  // server is draining (the request is answered 503), the client left, or the request is
  // served in-process (no connection: answered 500). read() and the sends call it first.
  boost::asio::awaitable<bool> accept();
  // The next message, or the end (the peer closed, the connection ended, the server closed it).
  // Messages are read off the socket as they come (so that pings are answered and a close is
  // seen in a handler that only sends) and wait here in order; once the unread ones hold
  // max_message_bytes the socket is not read further until one is taken.
  boost::asio::awaitable<WebSocketMessage> read();
  // Send one message; false once the socket is closed or closing (the handler should return).
  boost::asio::awaitable<bool> send_text(std::string_view text);
  boost::asio::awaitable<bool> send_binary(std::string_view bytes);
  // Sends a close frame and waits for the peer's (or the close timeout). `code` must be one an
  // endpoint may send (1000-1003, 1007-1011, 3000-4999) and `reason` UTF-8 of at most 123
  // bytes: std::invalid_argument otherwise. Closing a socket already closing waits for that
  // close.
  boost::asio::awaitable<void> close(std::uint16_t code = 1000, std::string_view reason = {});
  // Whether messages can still be sent and read (accepted, and no close begun or seen).
  bool open() const noexcept;

 private:
  friend class Service;
  // Called by the service after the handler returned: a socket still open is closed (1000, or
  // 1011 when the handler failed), a close in flight is waited for, so that nothing uses the
  // connection's socket once the request ends. An unaccepted upgrade whose status was left at
  // 101 is accepted and closed.
  boost::asio::awaitable<void> finish(bool handler_failed);
  boost::asio::awaitable<bool> send_message(std::string_view data, bool text);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brrt::dispatch
