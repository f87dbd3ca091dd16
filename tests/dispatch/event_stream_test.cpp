// Server-Sent Events from stream handlers (HandlerTable::add_stream, EventStream) through the
// real server: raw sockets see the framing (chunked, HTTP/1.0 until close, HEAD, the last
// chunk, keep-alive after it), a real EventSource client (Node, npm `eventsource`) sees the
// events and reconnects with Last-Event-ID, and streams end when the client leaves or the
// server drains.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "brrt/dispatch/event_stream.hpp"
#include "http/raw_client.hpp"
#include "node_client.hpp"
#include "running_service.hpp"

namespace brrt {
namespace {

using namespace std::chrono_literals;
using dispatch::Event;
using dispatch::EventStream;
using dispatch::RequestContext;
using test::RawClient;
using Awaitable = boost::asio::awaitable<void>;

const char* const kSpec = R"(openapi: 3.1.0
info: {title: sse test, version: '1'}
paths:
  /events:
    get:
      operationId: events
      responses:
        '200': {description: events, content: {text/event-stream: {schema: {type: string}}}}
  /gated: {get: {operationId: gated, responses: {'200': {description: events}}}}
  /forever: {get: {operationId: forever, responses: {'200': {description: events}}}}
  /bad: {get: {operationId: bad, responses: {'200': {description: events}}}}
  /refuse: {get: {operationId: refuse, responses: {'200': {description: events}}}}
  /plain: {get: {operationId: plain, responses: {'200': {description: ok}}}}
)";

// What the handlers share with the test.
struct Probe {
  std::atomic<bool> release{false};  // /gated sends its second event once set
  std::promise<bool> forever_ended;  // /forever's last wait() result, when its loop ends
  std::atomic<bool> head_started{true};
};

dispatch::HandlerTable handlers(Probe& probe) {
  dispatch::HandlerTable h;
  // Two events per connection, numbered on from the Last-Event-ID a reconnecting client sends.
  h.add_stream("events", [](RequestContext&, EventStream& s) -> Awaitable {
    int next = 1;
    if (const auto last = s.last_event_id()) next = std::stoi(std::string(*last)) + 1;
    for (int i = 0; i < 2; ++i, ++next) {
      const std::string id = std::to_string(next);
      const std::string data = "{\"id\":" + id + "}";
      if (!co_await s.send({.data = data, .event = "petAdopted", .id = id, .retry = 20ms}))
        co_return;
    }
  });
  h.add_stream("gated", [&probe](RequestContext&, EventStream& s) -> Awaitable {
    if (!co_await s.send({.data = "first"})) co_return;
    for (int i = 0; i < 2000 && !probe.release; ++i)  // bounded: 10 s at most
      if (!co_await s.wait(5ms)) co_return;
    co_await s.send({.data = "second\nline two"});
  });
  h.add_stream("forever", [&probe](RequestContext&, EventStream& s) -> Awaitable {
    probe.head_started = co_await s.start();
    bool ok = probe.head_started.load();
    if (ok) ok = co_await s.comment("hello");
    while (ok) ok = co_await s.wait(60s);
    probe.forever_ended.set_value(ok);
  });
  h.add_stream("bad", [](RequestContext& ctx, EventStream& s) -> Awaitable {
    if (ctx.http.query == "late" && !co_await s.send({.data = "fine"})) co_return;
    co_await s.send({.data = "x", .id = "1\n2"});
  });
  h.add_stream("refuse", [](RequestContext&, EventStream& s) -> Awaitable {
    dispatch::problem(s.response(), 404, "no such feed");
    co_return;
  });
  h.add("plain", [](RequestContext&, http::Response& res) { res.body = "plain"; });
  return h;
}

struct SseServer {
  Probe probe;
  Running srv;
  explicit SseServer(dispatch::ServiceOptions o = {})
      : srv(spec::load_api_from_text(kSpec, "sse.yaml"), handlers(probe), std::move(o)) {}
  std::uint16_t port() const { return srv.port(); }
};

TEST(EventStream, EventsGoOutAsTheyAreSentThenTheLastChunkAndTheConnectionStaysOpen) {
  SseServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /gated HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The head and the first event arrive while the handler still waits for the second.
  ASSERT_TRUE(c.read_until("data: first\n\n\r\n"));
  const std::string head = c.pending().substr(0, c.pending().find("\r\n\r\n") + 2);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nContent-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nCache-Control: no-cache\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(c.pending().find("second"), std::string::npos);
  s.probe.release = true;
  // Each event is one chunk; a line break in data makes two data lines.
  const std::string second = "data: second\ndata: line two\n\n";
  char size[8];
  std::snprintf(size, sizeof size, "%zx", second.size());
  ASSERT_TRUE(c.read_until(std::string(size) + "\r\n" + second + "\r\n0\r\n\r\n"));
  // Keep-alive: the next request on the connection is answered.
  c.pending().clear();
  ASSERT_TRUE(c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(test::body_of(c.read_response()), "plain");
}

TEST(EventStream, Http10ClientsGetTheStreamUntilClose) {
  SseServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.0\r\n\r\n"));
  while (c.read_some(4096)) {
  }
  const std::string& all = c.pending();
  EXPECT_EQ(all.find("Transfer-Encoding"), std::string::npos) << all;
  EXPECT_NE(all.find("\r\nConnection: close\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("\r\n\r\nevent: petAdopted\nid: 1\nretry: 20\ndata: {\"id\":1}\n\nevent: "
                     "petAdopted\nid: 2\nretry: 20\ndata: {\"id\":2}\n\n"),
            std::string::npos)
      << all;
}

TEST(EventStream, HeadGetsTheHeadAndTheHandlerNoStream) {
  SseServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("HEAD /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_NE(c.pending().find("Content-Type: text/event-stream"), std::string::npos);
  auto ended = s.probe.forever_ended.get_future();
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(s.probe.head_started);
  // Nothing follows the head, and the connection takes the next request.
  ASSERT_TRUE(c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"));
  c.pending().erase(0, c.pending().find("\r\n\r\n") + 4);
  EXPECT_EQ(test::body_of(c.read_response()), "plain");
}

TEST(EventStream, AClientThatLeavesEndsTheWaitAtOnce) {
  // Also when it had pipelined more than the input buffer holds (4 KiB): the close is behind
  // those bytes, which are read aside to see it.
  for (const std::size_t pad : {std::size_t{0}, std::size_t{20000}}) {
    SseServer s;
    auto ended = s.probe.forever_ended.get_future();
    {
      RawClient c(s.port());
      ASSERT_TRUE(c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
      ASSERT_TRUE(c.read_until(": hello\n"));
      ASSERT_TRUE(
          c.send("GET /plain HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(pad, 'p') + "\r\n\r\n"));
    }  // closed while the handler waits 60 s
    ASSERT_EQ(ended.wait_for(10s), std::future_status::ready) << pad;
    EXPECT_FALSE(ended.get());
  }
}

// A request pipelined behind a stream, larger than the input buffer, is answered after it.
TEST(EventStream, ALargeRequestPipelinedBehindAStreamIsAnsweredAfterIt) {
  SseServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /gated HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("data: first\n\n\r\n"));
  ASSERT_TRUE(
      c.send("GET /plain HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(20000, 'p') + "\r\n\r\n"));
  // The server reads it while the stream waits (nothing else would make it read).
  for (int i = 0; i < 500 && s.srv.server->transport().bytes_in < 20000; ++i)
    std::this_thread::sleep_for(10ms);
  s.probe.release = true;
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n"));
  c.pending().erase(0, c.pending().find("\r\n0\r\n\r\n") + 7);
  EXPECT_EQ(test::body_of(c.read_response()), "plain");
}

TEST(EventStream, DrainEndsStreamsWithTheirLastChunk) {
  auto s = std::make_unique<SseServer>();
  auto ended = s->probe.forever_ended.get_future();
  RawClient c(s->port());
  ASSERT_TRUE(c.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until(": hello\n"));
  s->srv.server->stop();
  ASSERT_EQ(ended.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(ended.get());
  // Ended by the handler returning, not cut off at the drain deadline: the last chunk came.
  EXPECT_TRUE(c.read_until("\r\n0\r\n\r\n"));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(EventStream, BadFieldsFailBeforeTheHeadAsA500AndCutTheBodyAfterIt) {
  SseServer s;
  {
    RawClient c(s.port());
    ASSERT_TRUE(c.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string r = c.read_response();
    EXPECT_EQ(test::status_of(r), 500) << r;
    EXPECT_NE(r.find("application/problem+json"), std::string::npos) << r;
  }
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /bad?late HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("data: fine\n\n\r\n"));
  EXPECT_TRUE(c.closed_by_peer());  // without the last chunk: the client knows it is cut
  EXPECT_EQ(c.pending().find("0\r\n\r\n"), std::string::npos) << c.pending();
}

TEST(EventStream, AHandlerThatDoesNotStartAnswersNormally) {
  SseServer s;
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /refuse HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string r = c.read_response();
  EXPECT_EQ(test::status_of(r), 404) << r;
  EXPECT_NE(r.find("no such feed"), std::string::npos) << r;
}

TEST(EventStream, CorsHeadersGoOutWithTheHead) {
  dispatch::ServiceOptions o;
  o.cors.allow_origins = {"https://app.example"};
  SseServer s(o);
  RawClient c(s.port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_NE(c.pending().find("Access-Control-Allow-Origin: https://app.example\r\n"),
            std::string::npos)
      << c.pending();
}

// An event-stream operation without a handler streams its example's events and stays open
// (as a real feed between events) until the server drains.
TEST(EventStream, WithoutAHandlerTheExampleIsStreamed) {
  const char* const spec = R"(openapi: 3.1.0
info: {title: sse example, version: '1'}
paths:
  /events:
    get:
      operationId: streamEvents
      responses:
        '200':
          description: events
          content:
            text/event-stream:
              schema: {type: string}
              example: "event: petAdopted\ndata: {\"id\":1}\n\n: a comment\nid: 7\nretry: 1500\ndata: a\ndata: b\n\n"
  /json:
    get:
      operationId: jsonEvents
      responses:
        '200':
          description: events
          content:
            text/event-stream:
              example: {a: 1}
)";
  auto srv = std::make_unique<Running>(spec::load_api_from_text(spec, "sse-example.yaml"),
                                       dispatch::HandlerTable{});
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("id: 7\nretry: 1500\ndata: a\ndata: b\n\n\r\n"));
  EXPECT_NE(c.pending().find("Transfer-Encoding: chunked"), std::string::npos) << c.pending();
  EXPECT_NE(c.pending().find("event: petAdopted\ndata: {\"id\":1}\n\n"), std::string::npos)
      << c.pending();
  EXPECT_EQ(c.pending().find("0\r\n\r\n"), std::string::npos);  // still open
  // An example that is no event-stream text (here JSON) is one event of that text.
  RawClient j(srv->port());
  ASSERT_TRUE(j.send("GET /json HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(j.read_until("data: {\"a\":1}\n\n\r\n")) << j.pending();
  srv->server->stop();
  EXPECT_TRUE(c.read_until("\r\n0\r\n\r\n"));  // ended by the drain, with its last chunk
}

// The access log's bytes of a stream are the event bytes it wrote (the body it kept is empty).
TEST(EventStream, TheAccessLogCountsTheStreamedBytes) {
  Probe probe;
  LoggedRunning srv(spec::load_api_from_text(kSpec, "sse.yaml"), handlers(probe));
  ASSERT_TRUE(srv.ok());
  {
    RawClient c(srv.port());
    ASSERT_TRUE(c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n"));
  }
  const auto lines = srv.stop_and_read_log();
  ASSERT_EQ(lines.size(), 1u);
  const std::string one = "event: petAdopted\nid: 1\nretry: 20\ndata: {\"id\":1}\n\n";
  EXPECT_EQ(lines[0].at("bytes"), 2 * one.size());  // ids 1 and 2: two events of one size
}

// Without a connection the events are the body, and the first wait() ends the stream.
TEST(EventStream, InProcessTheEventsAreTheBody) {
  http::Request req;
  req.method = Method::Get;
  http::Response res;
  bool waited = true;
  boost::asio::io_context io;
  boost::asio::co_spawn(
      io,
      [&]() -> Awaitable {
        EventStream s(req, res);
        co_await s.send({.data = "a\r\nb\rc", .event = "t"});
        co_await s.comment("two\nlines");
        co_await s.send({.data = ""});
        waited = co_await s.wait(1s);
      },
      boost::asio::detached);
  io.run();
  EXPECT_FALSE(waited);
  EXPECT_EQ(res.content_type(), "text/event-stream");
  EXPECT_EQ(res.body, "event: t\ndata: a\ndata: b\ndata: c\n\n: two\n: lines\ndata: \n\n");
}

TEST(EventStream, ARealEventSourceReceivesEventsAndResumesFromLastEventId) {
  if (!test::have_node()) GTEST_SKIP() << "node is not installed";
  SseServer s;
  const auto run = test::run_node("tests/dispatch/sse_client.mjs",
                                  "http://127.0.0.1:" + std::to_string(s.port()) + "/events 4");
  ASSERT_EQ(run.status, 0) << run.out;
  const std::string& out = run.out;
  // Two events per connection: the client reconnected once, sending Last-Event-ID: 2, and the
  // handler went on from 3.
  EXPECT_EQ(
      out,
      "{\"type\":\"petAdopted\",\"data\":\"{\\\"id\\\":1}\",\"lastEventId\":\"1\",\"opened\":1}\n"
      "{\"type\":\"petAdopted\",\"data\":\"{\\\"id\\\":2}\",\"lastEventId\":\"2\",\"opened\":1}\n"
      "{\"type\":\"petAdopted\",\"data\":\"{\\\"id\\\":3}\",\"lastEventId\":\"3\",\"opened\":2}\n"
      "{\"type\":\"petAdopted\",\"data\":\"{\\\"id\\\":4}\",\"lastEventId\":\"4\",\"opened\":2}\n");
}

}  // namespace
}  // namespace brrt
