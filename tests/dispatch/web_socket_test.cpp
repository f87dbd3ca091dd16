// WebSockets (HandlerTable::add_websocket, WebSocket) through the real server: the handshake
// goes through the pipeline (426, 400, 401 before any upgrade), messages go both ways (raw
// frames here, so that what the server writes is seen byte for byte, and a real client: Node's
// npm `ws`), limits close with their codes (1009, 1007), a drain closes with 1001, and other
// connections are served while sockets are open.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "beast_client.hpp"
#include "brrt/dispatch/web_socket.hpp"
#include "http/raw_client.hpp"
#include "node_client.hpp"
#include "running_service.hpp"
#include "tls_files.hpp"

namespace brrt {
namespace {

using namespace std::chrono_literals;
using dispatch::RequestContext;
using dispatch::WebSocket;
using dispatch::WebSocketMessage;
using test::RawClient;
using Awaitable = boost::asio::awaitable<void>;

const char* const kSpec = R"(openapi: 3.1.0
info: {title: ws test, version: '1'}
components:
  securitySchemes:
    Key: {type: apiKey, in: header, name: X-Key}
paths:
  /echo:
    get:
      operationId: echo
      parameters: [{name: room, in: query, schema: {type: integer}}]
      responses: {'101': {description: switching to a WebSocket}}
  /spec-echo:
    get:
      operationId: specEcho
      responses: {'101': {description: switching to a WebSocket}}
  /secure:
    get:
      operationId: secure
      security: [{Key: []}]
      responses: {'101': {description: switching}, '401': {description: no key}}
  /bye: {get: {operationId: bye, responses: {'101': {description: switching}}}}
  /refuse: {get: {operationId: refuse, responses: {'101': {description: switching}}}}
  /boom: {get: {operationId: boom, responses: {'101': {description: switching}}}}
  /plain: {get: {operationId: plain, responses: {'200': {description: ok}}}}
  /ticker: {get: {operationId: ticker, responses: {'101': {description: switching}}}}
)";

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 1.3's example key

// What the handlers tell the test: how each socket ended, as the handler's read() saw it.
struct Probe {
  std::mutex mutex;
  std::vector<std::pair<std::uint16_t, std::string>> ends;
  std::promise<void> ended;  // set by the first socket that ends
  bool ended_set = false;
  void record(const WebSocketMessage& m) {
    std::lock_guard lock(mutex);
    ends.emplace_back(m.close_code, std::string(m.close_reason));
    if (!ended_set) {
      ended_set = true;
      ended.set_value();
    }
  }
};

// Echoes every message; records the end.
Awaitable echo(Probe& probe, WebSocket& ws) {
  while (true) {
    const WebSocketMessage m = co_await ws.read();
    if (m.kind == WebSocketMessage::Kind::End) {
      probe.record(m);
      co_return;
    }
    bool sent = false;  // not `?:` over two co_awaits, which GCC 12 miscompiles
    if (m.kind == WebSocketMessage::Kind::Text)
      sent = co_await ws.send_text(m.data);
    else
      sent = co_await ws.send_binary(m.data);
    if (!sent) co_return;
  }
}

dispatch::HandlerTable handlers(Probe& probe) {
  dispatch::HandlerTable h;
  h.add_websocket("echo", [&probe](RequestContext&, WebSocket& ws) { return echo(probe, ws); });
  h.add_websocket("secure", [&probe](RequestContext&, WebSocket& ws) { return echo(probe, ws); });
  h.add_websocket("bye", [](RequestContext&, WebSocket& ws) -> Awaitable {
    ws.response().add_header("X-Greeting", "hello");  // goes out with the 101
    co_await ws.send_text("bye");
    co_await ws.close(4000, "done here");
  });
  h.add_websocket("refuse", [](RequestContext&, WebSocket& ws) -> Awaitable {
    dispatch::problem(ws.response(), 403, "not in this room");
    co_return;
  });
  h.add_websocket("boom", [](RequestContext& ctx, WebSocket& ws) -> Awaitable {
    if (ctx.http.query == "late") co_await ws.accept();
    throw std::runtime_error("handler failed");
  });
  h.add("plain", [](RequestContext&, http::Response& res) { res.body = "plain"; });
  // Only sends: a tick every 5 ms (at most 2,000, 10 s) until a send fails, and only then
  // reads, to learn how the socket ended.
  h.add_websocket("ticker", [&probe](RequestContext&, WebSocket& ws) -> Awaitable {
    const auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer pace(executor);
    for (int i = 0; i < 2000; ++i) {
      const bool sent = co_await ws.send_text("tick");
      if (!sent) break;
      pace.expires_after(5ms);
      co_await pace.async_wait(boost::asio::use_awaitable);
    }
    while (true) {
      const WebSocketMessage m = co_await ws.read();
      if (m.kind == WebSocketMessage::Kind::End) {
        probe.record(m);
        co_return;
      }
    }
  });
  return h;
}

dispatch::ServiceOptions options_with_key(std::uint64_t max_message = 1024 * 1024) {
  dispatch::ServiceOptions o;
  o.security.api_keys["Key"] = {"k-1"};
  o.websocket.max_message_bytes = max_message;
  return o;
}

struct WsServer {
  Probe probe;
  Running srv;
  explicit WsServer(dispatch::ServiceOptions o = options_with_key(), unsigned threads = 1,
                    http::ServerConfig cfg = {})
      : srv(spec::load_api_from_text(kSpec, "ws.yaml"), handlers(probe), std::move(o), threads,
            std::move(cfg)) {}
  std::uint16_t port() const { return srv.port(); }
};

std::string handshake(std::string_view target, std::string_view extra = {}) {
  return "GET " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
         kKey + "\r\n" + std::string(extra) + "\r\n";
}

// A client frame (masked, as RFC 6455 5.3 requires of clients), final unless `fin` is false.
std::string frame(unsigned opcode, std::string_view payload, bool fin = true) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | opcode);
  if (payload.size() < 126) {
    out += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xff);
  }
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out += static_cast<char>(payload[i] ^ mask[i % 4]);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  payload += reason;
  return frame(0x8, payload);
}

// A frame the server sent (unmasked).
struct ServerFrame {
  unsigned opcode = 0;
  std::string payload;
  bool compressed = false;  // RSV1: a permessage-deflate message
  std::uint16_t close_code() const {
    return payload.size() < 2
               ? 0
               : static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                            static_cast<unsigned char>(payload[1]));
  }
};

// Reads the next server frame out of the client's pending bytes; nullopt on close or timeout.
std::optional<ServerFrame> read_frame(RawClient& c) {
  while (true) {
    const std::string& p = c.pending();
    if (p.size() >= 2) {
      const unsigned char b1 = static_cast<unsigned char>(p[1]);
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7f;
      if (length == 126) {
        header = 4;
        if (p.size() >= 4)
          length = (static_cast<unsigned char>(p[2]) << 8) | static_cast<unsigned char>(p[3]);
      } else if (length == 127) {
        header = 10;
        if (p.size() >= 10) {
          length = 0;
          for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(p[i]);
        }
      }
      if (p.size() >= header && p.size() >= header + length) {
        ServerFrame f{static_cast<unsigned char>(p[0]) & 0x0fu,
                      p.substr(header, static_cast<std::size_t>(length)),
                      (static_cast<unsigned char>(p[0]) & 0x40u) != 0};
        c.pending().erase(0, header + static_cast<std::size_t>(length));
        return f;
      }
    }
    if (!c.read_some(65536)) return std::nullopt;
  }
}

// Sends the handshake and reads the 101's head; the frames that follow stay pending.
std::string upgrade(RawClient& c, std::string_view target, std::string_view extra = {}) {
  if (!c.send(handshake(target, extra)) || !c.read_until("\r\n\r\n")) return {};
  const std::size_t end = c.pending().find("\r\n\r\n") + 4;
  std::string head = c.pending().substr(0, end);
  c.pending().erase(0, end);
  return head;
}

// The first frame that is no ping (a server pings a quiet client).
std::optional<ServerFrame> next_data_frame(RawClient& c) {
  while (true) {
    auto f = read_frame(c);
    if (!f || f->opcode != 0x9) return f;
  }
}

TEST(WebSocket, TheHandshakeIsAnsweredWith101AndTextAndBinaryMessagesEcho) {
  WsServer s;
  RawClient c(s.port());
  const std::string head = upgrade(c, "/echo?room=3");
  ASSERT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << head;
  // RFC 6455 1.3: the accept value for the example key.
  EXPECT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos)
      << head;
  EXPECT_NE(head.find("Server: brrtrouter\r\n"), std::string::npos) << head;
  ASSERT_TRUE(c.send(frame(0x1, "héllo")));
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x1u);
  EXPECT_EQ(f->payload, "héllo");
  const std::string binary("\x00\xff\x01 bytes", 9);
  ASSERT_TRUE(c.send(frame(0x2, binary)));
  f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x2u);
  EXPECT_EQ(f->payload, binary);
  // A fragmented message is one message; a large one (64 KiB, 8-byte length) comes back whole.
  ASSERT_TRUE(c.send(frame(0x1, "par", false) + frame(0x0, "ts")));
  f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "parts");
  const std::string large(70000, 'x');
  ASSERT_TRUE(c.send(frame(0x2, large)));
  f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload.size(), large.size());
}

TEST(WebSocket, AnOperationWithoutAHandlerThatAnswers101Echoes) {
  WsServer s;
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/spec-echo").rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(c.send(frame(0x1, "ping me")));
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "ping me");
  ASSERT_TRUE(c.send(close_frame(1000)));
  f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1000);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(WebSocket, AFrameSentRightBehindTheHandshakeIsRead) {
  WsServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(handshake("/echo") + frame(0x1, "early")));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  c.pending().erase(0, c.pending().find("\r\n\r\n") + 4);
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "early");
}

TEST(WebSocket, RequestsThatAreNoHandshakeGet426OrA400) {
  WsServer s;
  test::BeastClient c(s.port());
  auto r = c.get("/echo");
  EXPECT_EQ(r.status, 426) << r.body;
  EXPECT_EQ(r.header("Upgrade"), "websocket");
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_NE(r.body.find("\"status\":426"), std::string::npos) << r.body;
  r = c.get("/spec-echo", {{"Upgrade", "h2c"}, {"Connection", "Upgrade"}});
  EXPECT_EQ(r.status, 426);
  // The connection stays usable after a refusal.
  r = c.get("/echo", {{"Upgrade", "websocket"},
                      {"Connection", "keep-alive, Upgrade"},
                      {"Sec-WebSocket-Version", "8"},
                      {"Sec-WebSocket-Key", kKey}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.header("Sec-WebSocket-Version"), "13");
  for (const char* key : {"short", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25j!Q=="}) {
    r = c.get("/echo", {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Version", "13"},
                        {"Sec-WebSocket-Key", key}});
    EXPECT_EQ(r.status, 400) << key;
    EXPECT_NE(r.body.find("Sec-WebSocket-Key"), std::string::npos) << r.body;
  }
  // Parameters are checked as for any request (before the handshake).
  r = c.get("/echo?room=abc");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(c.get("/plain").body, "plain");
  // HTTP/1.0 cannot upgrade (RFC 9110 7.8).
  RawClient raw(s.port());
  ASSERT_TRUE(
      raw.send("GET /echo HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
               std::string(kKey) + "\r\n\r\n"));
  EXPECT_EQ(test::status_of(raw.read_response()), 426);
}

TEST(WebSocket, AuthIsCheckedBeforeTheUpgrade) {
  WsServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(handshake("/secure")));
  const std::string r = c.read_response();
  EXPECT_EQ(test::status_of(r), 401) << r;
  EXPECT_NE(r.find("WWW-Authenticate"), std::string::npos) << r;
  ASSERT_TRUE(c.send(handshake("/secure", "X-Key: wrong\r\n")));
  EXPECT_EQ(test::status_of(c.read_response()), 401);
  // With the key, the same handshake is upgraded.
  RawClient ok(s.port());
  EXPECT_EQ(upgrade(ok, "/secure", "X-Key: k-1\r\n").rfind("HTTP/1.1 101 ", 0), 0u);
}

TEST(WebSocket, AHandlerThatClosesSendsItsCodeAndItsHeadersWentWithThe101) {
  WsServer s;
  RawClient c(s.port());
  const std::string head = upgrade(c, "/bye");
  EXPECT_NE(head.find("X-Greeting: hello\r\n"), std::string::npos) << head;
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "bye");
  f = read_frame(c);
  ASSERT_TRUE(f);
  ASSERT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 4000);
  EXPECT_EQ(f->payload.substr(2), "done here");
  ASSERT_TRUE(c.send(close_frame(4000)));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(WebSocket, AHandlerThatRefusesAnswersItsResponse) {
  WsServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send(handshake("/refuse")));
  const std::string r = c.read_response();
  EXPECT_EQ(test::status_of(r), 403) << r;
  EXPECT_NE(r.find("not in this room"), std::string::npos) << r;
}

TEST(WebSocket, AHandlerThatThrowsIsA500BeforeTheUpgradeAnd1011After) {
  WsServer s;
  {
    RawClient c(s.port());
    ASSERT_TRUE(c.send(handshake("/boom")));
    EXPECT_EQ(test::status_of(c.read_response()), 500);
  }
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/boom?late").rfind("HTTP/1.1 101 ", 0), 0u);
  auto f = next_data_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1011);
}

TEST(WebSocket, APeerThatClosesEndsTheHandlersRead) {
  WsServer s;
  auto ended = s.probe.ended.get_future();
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(c.send(close_frame(4001, "leaving")));
  auto f = read_frame(c);  // the server answers the close with its own
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 4001);
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0), (std::pair<std::uint16_t, std::string>{4001, "leaving"}));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(WebSocket, APeerThatVanishesEndsTheReadWith1006) {
  WsServer s;
  auto ended = s.probe.ended.get_future();
  {
    RawClient c(s.port());
    ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  }  // closed without a close frame
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0).first, 1006);
}

TEST(WebSocket, AMessageOverTheLimitClosesWith1009) {
  WsServer s(options_with_key(1000));
  auto ended = s.probe.ended.get_future();
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(c.send(frame(0x2, std::string(1000, 'a'))));  // at the limit: fine
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload.size(), 1000u);
  // Over it across fragments too: the message counts, not the frame.
  ASSERT_TRUE(c.send(frame(0x2, std::string(600, 'a'), false) + frame(0x0, std::string(600, 'b'))));
  f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1009);
  ASSERT_TRUE(c.send(close_frame(1009)));
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0).first, 1009);
}

TEST(WebSocket, InvalidUtf8InATextMessageClosesWith1007) {
  WsServer s;
  auto ended = s.probe.ended.get_future();
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  ASSERT_TRUE(c.send(frame(0x1, "ok \xc3\x28")));
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1007);
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0).first, 1007);
}

TEST(WebSocket, AProtocolViolationClosesWith1002) {
  WsServer s;
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  // An unmasked client frame (RFC 6455 5.1).
  ASSERT_TRUE(c.send(std::string("\x81\x02hi", 4)));
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1002);
}

TEST(WebSocket, AQuietPeerIsPingedThenClosedWhenItDoesNotAnswer) {
  dispatch::ServiceOptions o = options_with_key();
  o.websocket.idle_timeout = 300ms;
  WsServer s(std::move(o));
  auto ended = s.probe.ended.get_future();
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  const auto start = std::chrono::steady_clock::now();
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x9u);  // a ping after half the idle timeout
  // No pong: the socket is closed after the rest of it (well before the client's 5 s timeout).
  EXPECT_TRUE(c.closed_by_peer() || !read_frame(c));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0).first, 1006);
}

TEST(WebSocket, APeerThatAnswersPingsStaysOpen) {
  dispatch::ServiceOptions o = options_with_key();
  o.websocket.idle_timeout = 300ms;
  WsServer s(std::move(o));
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  for (int i = 0; i < 4; ++i) {  // four pings: 600 ms, twice the idle timeout
    auto f = read_frame(c);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->opcode, 0x9u);
    ASSERT_TRUE(c.send(frame(0xA, f->payload)));
  }
  ASSERT_TRUE(c.send(frame(0x1, "still here")));
  auto f = next_data_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "still here");
}

// A handler that never reads still has its socket read: a ping is answered, a message the
// client sends waits for a read that may never come, and the client's close is seen (the
// handler's next send fails, and its read then gives the messages and the close code).
TEST(WebSocket, AHandlerThatOnlySendsSeesPingsAndTheClose) {
  WsServer s;
  auto ended = s.probe.ended.get_future();
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/ticker").rfind("HTTP/1.1 101 ", 0), 0u);
  auto f = read_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "tick");
  ASSERT_TRUE(c.send(frame(0x9, "are you there") + frame(0x1, "never read")));
  // The answers come between ticks, long before the handler's 2,000 ticks end (when a read of
  // the handler's own would have seen them at last).
  int ticks = 0;
  do {
    f = read_frame(c);
    ASSERT_TRUE(f);
  } while (f->opcode == 0x1 && ++ticks < 1000);
  EXPECT_EQ(f->opcode, 0xAu) << ticks << " ticks and no pong";
  EXPECT_EQ(f->payload, "are you there");
  ASSERT_TRUE(c.send(close_frame(4002, "enough")));
  ticks = 0;
  do {
    f = read_frame(c);
    ASSERT_TRUE(f);
  } while (f->opcode == 0x1 && ++ticks < 1000);
  EXPECT_EQ(f->opcode, 0x8u) << ticks << " ticks and no close";
  EXPECT_EQ(f->close_code(), 4002);
  EXPECT_TRUE(c.closed_by_peer());
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s.probe.ends.at(0), (std::pair<std::uint16_t, std::string>{4002, "enough"}));
}

// A client that sends faster than its handler reads is held back (by TCP) once the unread
// messages reach max_message_bytes, and every message still arrives, in order.
TEST(WebSocket, MessagesWaitForASlowReaderInOrder) {
  WsServer s(options_with_key(1000));
  RawClient c(s.port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  std::string burst;
  for (int i = 0; i < 200; ++i) burst += frame(0x1, std::to_string(i) + std::string(90, '.'));
  ASSERT_TRUE(c.send(burst));  // 20 KB unread at once: twenty times the limit
  for (int i = 0; i < 200; ++i) {
    auto f = next_data_frame(c);
    ASSERT_TRUE(f) << i;
    ASSERT_EQ(f->payload, std::to_string(i) + std::string(90, '.'));
  }
}

TEST(WebSocket, ADrainClosesOpenSocketsWith1001) {
  auto s = std::make_unique<WsServer>();
  auto ended = s->probe.ended.get_future();
  RawClient c(s->port());
  ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
  s->srv.server->stop();
  auto f = next_data_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x8u);
  EXPECT_EQ(f->close_code(), 1001);
  ASSERT_TRUE(c.send(close_frame(1001)));
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(s->probe.ends.at(0).first, 1001);
  EXPECT_TRUE(c.closed_by_peer());
  // The drain ends once the socket closed, well before its 2 s deadline.
  const auto start = std::chrono::steady_clock::now();
  s->srv.server->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(WebSocket, ManySocketsAtOnceAndOtherRequestsServedMeanwhile) {
  WsServer s(options_with_key(), 2);
  constexpr int kSockets = 64;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < kSockets; ++i) {
    clients.push_back(std::make_unique<RawClient>(s.port()));
    ASSERT_EQ(upgrade(*clients.back(), "/echo").rfind("HTTP/1.1 101 ", 0), 0u) << i;
  }
  // While every socket is open, plain requests are answered.
  test::BeastClient http(s.port());
  EXPECT_EQ(http.get("/plain").body, "plain");
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < kSockets; ++i) {
      const std::string text = "m" + std::to_string(i) + "." + std::to_string(round);
      ASSERT_TRUE(clients[i]->send(frame(0x1, text)));
      auto f = read_frame(*clients[i]);
      ASSERT_TRUE(f) << i;
      EXPECT_EQ(f->payload, text);
    }
  EXPECT_EQ(http.get("/plain").body, "plain");
  EXPECT_GE(s.srv.server->transport().open_connections, static_cast<std::uint64_t>(kSockets));
}

// The upgrade is one request in the access log and the metrics: status 101, for the whole
// session, with the bytes of the messages sent.
TEST(WebSocket, TheAccessLogAndMetricsSeeTheUpgradeAs101) {
  Probe probe;
  LoggedRunning srv(spec::load_api_from_text(kSpec, "ws.yaml"), handlers(probe));
  ASSERT_TRUE(srv.ok());
  {
    RawClient c(srv.port());
    ASSERT_EQ(upgrade(c, "/echo").rfind("HTTP/1.1 101 ", 0), 0u);
    ASSERT_TRUE(c.send(frame(0x1, "12345")));
    ASSERT_TRUE(read_frame(c));
    ASSERT_TRUE(c.send(close_frame(1000)));
    ASSERT_TRUE(read_frame(c));
    EXPECT_TRUE(c.closed_by_peer());
    // The session is recorded when the request ends on the server, just after the connection
    // closed: the metrics are asked until they show it (a bounded number of times).
    test::BeastClient http(srv.port());
    const std::string_view line = "operation=\"echo\",method=\"GET\",status=\"101\"} 1";
    std::string metrics;
    for (int i = 0; i < 1000 && metrics.find(line) == std::string::npos; ++i)
      metrics = http.get("/metrics").body;
    EXPECT_NE(metrics.find(line), std::string::npos) << metrics;
  }
  const auto lines = srv.stop_and_read_log();
  const auto session = std::find_if(lines.begin(), lines.end(),
                                    [](const auto& l) { return l.at("operation") == "echo"; });
  ASSERT_NE(session, lines.end());
  EXPECT_EQ(session->at("status"), 101);
  EXPECT_EQ(session->at("bytes"), 5);
}

// A valid opening handshake, its four fields in headers[0..3].
http::Request handshake_request() {
  http::Request req;
  req.method = Method::Get;
  req.headers[0] = {"Upgrade", "WebSocket"};
  req.headers[1] = {"Connection", "keep-alive, upgrade"};
  req.headers[2] = {"Sec-WebSocket-Version", "13"};
  req.headers[3] = {"Sec-WebSocket-Key", kKey};
  req.header_count = 4;
  return req;
}

TEST(WebSocket, CheckHandshake) {
  http::Request req = handshake_request();
  EXPECT_EQ(dispatch::check_handshake(req).status, 0);
  req.headers[4] = {"Sec-WebSocket-Key", kKey};  // twice
  req.header_count = 5;
  EXPECT_EQ(dispatch::check_handshake(req).status, 400);
  req.header_count = 4;
  req.body = "x";
  EXPECT_EQ(dispatch::check_handshake(req).status, 400);
  req.body = {};
  req.method = Method::Head;
  EXPECT_EQ(dispatch::check_handshake(req).status, 426);
  req.method = Method::Get;
  req.headers[1] = {"Connection", "keep-alive"};
  EXPECT_EQ(dispatch::check_handshake(req).status, 426);
}

// Cross-site WebSocket hijacking: a browser page's Origin must be the server's own (its
// authority is the Host) or one of allow_origins; requests without Origin are no browser's.
TEST(WebSocket, CheckHandshakeOrigins) {
  http::Request req = handshake_request();
  req.headers[4] = {"Host", "api.example.com:8443"};
  req.header_count = 5;
  dispatch::WebSocketOptions listed;
  listed.allow_origins = {"https://app.example.com"};
  dispatch::WebSocketOptions any;
  any.allow_origins = {"*"};
  const auto status = [&](std::string_view origin, const dispatch::WebSocketOptions& o) {
    req.headers[5] = {"Origin", origin};
    req.header_count = 6;
    return dispatch::check_handshake(req, o).status;
  };
  EXPECT_EQ(status("https://API.example.com:8443", {}), 0);  // the server's own origin
  EXPECT_EQ(status("https://api.example.com", {}), 403);     // another port: another origin
  EXPECT_EQ(status("https://evil.example", {}), 403);
  EXPECT_EQ(status("null", {}), 403);  // a sandboxed or file page
  EXPECT_EQ(status("https://app.example.com", {}), 403);
  EXPECT_EQ(status("https://app.example.com", listed), 0);
  EXPECT_EQ(status("https://evil.example", listed), 403);
  EXPECT_EQ(status("https://evil.example", any), 0);
  EXPECT_EQ(status("null", any), 0);
  req.headers[6] = {"Origin", "https://api.example.com:8443"};  // two Origins: refused
  req.header_count = 7;
  EXPECT_EQ(dispatch::check_handshake(req, {}).status, 403);
  req.header_count = 5;  // no Origin: not a browser
  EXPECT_EQ(dispatch::check_handshake(req, {}).status, 0);
}

// What tests/dispatch/ws_client.mjs and ws_deflate_client.mjs print against WsServer (4096-byte
// messages; the second with deflate), over ws:// and wss:// alike.
constexpr const char* kWsClientTranscript =
    "echo text: héllo\n"
    "echo binary: 0,255,7\n"
    "spec echo: from the spec\n"
    "too big: 1009\n"
    "bye: bye, then 4000 done here\n"
    "ticker: tick, pong hi, closed 4003\n"
    "foreign origin: 403\n"
    "own origin: upgraded\n"
    "no upgrade: 426\n"
    "secure without key: 401\n";
constexpr const char* kWsDeflateClientTranscript =
    "extensions: permessage-deflate\n"
    "echo text: same\n"
    "echo binary: same\n"
    "echo short: short\n"
    "too big once inflated: 1009\n"
    "extensions without the offer: ''\n"
    "echo plain: plain\n";

TEST(WebSocket, ARealWsClientExchangesMessagesAndSeesTheCloseCodes) {
  if (!test::have_node()) GTEST_SKIP() << "node is not installed";
  WsServer s(options_with_key(4096));
  const auto run =
      test::run_node("tests/dispatch/ws_client.mjs", "ws://127.0.0.1:" + std::to_string(s.port()));
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out, kWsClientTranscript);
}

// The same two real clients over TLS (wss://): the socket a WebSocket takes over from an HTTPS
// connection reads and writes through the connection's TLS session.
TEST(WebSocket, RealWsClientsOverTls) {
  if (!test::have_node()) GTEST_SKIP() << "node is not installed";
  const std::string dir = ::testing::TempDir() + "brrt_wss_" + std::to_string(::getpid());
  const test::TlsFiles files = test::make_tls_files(dir);
  ::setenv("NODE_EXTRA_CA_CERTS", files.cert.c_str(), 1);  // the clients trust it
  http::ServerConfig cfg;
  cfg.tls = std::make_shared<http::TlsContext>(files.cert, files.key);
  {
    WsServer s(options_with_key(4096), 1, cfg);
    const auto run = test::run_node("tests/dispatch/ws_client.mjs",
                                    "wss://localhost:" + std::to_string(s.port()));
    ASSERT_EQ(run.status, 0) << run.out;
    EXPECT_EQ(run.out, kWsClientTranscript);
  }
  {
    dispatch::ServiceOptions o = options_with_key(4096);
    o.websocket.deflate = true;
    WsServer s(std::move(o), 1, cfg);
    const auto run = test::run_node("tests/dispatch/ws_deflate_client.mjs",
                                    "wss://localhost:" + std::to_string(s.port()));
    ASSERT_EQ(run.status, 0) << run.out;
    EXPECT_EQ(run.out, kWsDeflateClientTranscript);
  }
  ::unsetenv("NODE_EXTRA_CA_CERTS");
  std::filesystem::remove_all(dir);
}

// permessage-deflate is negotiated only when the server enables it; then what the server sends
// is compressed (RSV1 set, fewer bytes than the message) unless it is under deflate_min_bytes.
TEST(WebSocket, DeflateIsNegotiatedOnlyWhenEnabledAndCompressesTheEchoes) {
  const std::string offer =
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
  const std::string message(300, 'a');
  {
    WsServer plain;
    RawClient c(plain.port());
    const std::string head = upgrade(c, "/echo", offer);
    ASSERT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
    EXPECT_EQ(head.find("permessage-deflate"), std::string::npos) << head;
    ASSERT_TRUE(c.send(frame(0x1, message)));
    const auto f = next_data_frame(c);
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->compressed);
    EXPECT_EQ(f->payload, message);
  }
  dispatch::ServiceOptions o = options_with_key();
  o.websocket.deflate = true;
  WsServer s(std::move(o));
  RawClient c(s.port());
  const std::string head = upgrade(c, "/echo", offer);
  ASSERT_EQ(head.rfind("HTTP/1.1 101 ", 0), 0u) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Extensions: permessage-deflate"), std::string::npos) << head;
  // A client may still send a message uncompressed (RSV1 clear); the echo comes compressed.
  ASSERT_TRUE(c.send(frame(0x1, message)));
  auto f = next_data_frame(c);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 0x1u);
  EXPECT_TRUE(f->compressed);
  EXPECT_LT(f->payload.size(), 50u);
  ASSERT_TRUE(c.send(frame(0x1, "short")));  // under deflate_min_bytes (64): sent as it is
  f = next_data_frame(c);
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->compressed);
  EXPECT_EQ(f->payload, "short");
}

TEST(WebSocket, ARealWsClientExchangesCompressedMessages) {
  if (!test::have_node()) GTEST_SKIP() << "node is not installed";
  dispatch::ServiceOptions o = options_with_key(4096);
  o.websocket.deflate = true;
  WsServer s(std::move(o));
  const auto run = test::run_node("tests/dispatch/ws_deflate_client.mjs",
                                  "ws://127.0.0.1:" + std::to_string(s.port()));
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out, kWsDeflateClientTranscript);
}

}  // namespace
}  // namespace brrt
