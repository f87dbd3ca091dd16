#pragma once
// Server-Sent Events (WHATWG HTML, "Server-sent events"; the `text/event-stream` format) from
// a stream handler (HandlerTable::add_stream). The head goes out with the first event (or
// start()), each event is written and sent at once, and the handler learns from send() and
// wait() when to stop: the client left, stopped reading, or the server is draining.
//
//   h.add_stream("streamEvents", [](RequestContext& ctx, EventStream& events)
//                                    -> boost::asio::awaitable<void> {
//     for (int i = 0; co_await events.send({.data = "{\"id\":1}", .event = "petAdopted"}); ++i)
//       if (!co_await events.wait(std::chrono::seconds(15))) break;
//   });
//
// Served without a connection (Service::handle_async called in-process, tests), the events
// are collected into the response's body instead, and the first wait() ends the stream.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "brrt/http/message.hpp"

namespace brrt::dispatch {

struct Event {
  std::string_view data{};             // one "data:" line per line of it (CRLF, CR or LF)
  std::string_view event{};            // the event type; "" for the client's default ("message")
  std::string_view id{};               // becomes the client's Last-Event-ID when it reconnects
  std::chrono::milliseconds retry{0};  // the client's reconnection delay; 0: not sent
};

class EventStream {
 public:
  // `before_head` runs once, just before the head is sent (the service adds CORS headers).
  EventStream(const http::Request& req, http::Response& res,
              std::function<void(http::Response&)> before_head = {});
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // The response whose head the stream sends: set its status or headers before the first
  // event. A handler that returns without starting the stream answers with this response as
  // it is (a 404 problem, say).
  http::Response& response() noexcept { return res_; }
  // The Last-Event-ID request header: the id of the last event a reconnecting client saw.
  std::optional<std::string_view> last_event_id() const noexcept;

  // Sends the head: the response's status (200 unless set) and headers, with
  // `Content-Type: text/event-stream`, `Cache-Control: no-cache` and `X-Accel-Buffering: no`
  // (proxies pass events on at once). False when no event can follow (a HEAD request, a
  // client gone, a server draining). send() and comment() call it first.
  boost::asio::awaitable<bool> start();
  // Writes one event. Throws std::invalid_argument for an `event` or `id` holding CR or LF (or
  // NUL, for `id`): they would end the field early and inject others. False once the stream is
  // over; the handler should return.
  boost::asio::awaitable<bool> send(const Event& e);
  // A comment line (": text"), which clients ignore: sent every few seconds it keeps proxies
  // and load balancers from closing a quiet stream, and finds a client that has gone.
  boost::asio::awaitable<bool> comment(std::string_view text = {});
  // Waits `duration`; false (early) when the stream ends meanwhile.
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds duration);

  bool started() const noexcept { return started_; }
  bool open() const noexcept { return open_; }

 private:
  boost::asio::awaitable<bool> emit();  // writes text_

  const http::Request& req_;
  http::Response& res_;
  std::function<void(http::Response&)> before_head_;
  std::string text_;  // the event being written
  bool started_ = false;
  bool open_ = true;
};

}  // namespace brrt::dispatch
