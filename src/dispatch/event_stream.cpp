#include "brrt/dispatch/event_stream.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

#include "brrt/http/response_stream.hpp"

namespace brrt::dispatch {

namespace {

// Appends "<field>: <line>\n" for each line of `value` (SSE lines end at CRLF, CR or LF).
void append_lines(std::string& out, std::string_view field, std::string_view value) {
  while (true) {
    const std::size_t eol = value.find_first_of("\r\n");
    out += field;
    out += ": ";
    out += value.substr(0, eol);
    out += '\n';
    if (eol == std::string_view::npos) return;
    const std::size_t next =
        value[eol] == '\r' && eol + 1 < value.size() && value[eol + 1] == '\n' ? eol + 2 : eol + 1;
    value.remove_prefix(next);
  }
}

void check_single_line(std::string_view what, std::string_view value, bool nul_too) {
  if (value.find_first_of(nul_too ? std::string_view("\r\n\0", 3) : std::string_view("\r\n")) !=
      std::string_view::npos)
    throw std::invalid_argument(
        "event stream: an event's " + std::string(what) +
        (nul_too ? " must not hold CR, LF or NUL" : " must not hold CR or LF"));
}

}  // namespace

EventStream::EventStream(const http::Request& req, http::Response& res,
                         std::function<void(http::Response&)> before_head)
    : req_(req), res_(res), before_head_(std::move(before_head)) {}

std::optional<std::string_view> EventStream::last_event_id() const noexcept {
  return req_.header("Last-Event-ID");
}

boost::asio::awaitable<bool> EventStream::start() {
  if (started_) co_return open_;
  started_ = true;
  res_.set_content_type("text/event-stream");
  res_.set_header("Cache-Control", "no-cache");
  res_.set_header("X-Accel-Buffering", "no");
  if (before_head_) before_head_(res_);
  res_.body.clear();
  if (http::ResponseStream* s = res_.stream())
    open_ = co_await s->begin(res_);
  else
    open_ = req_.method != Method::Head;  // in-process: the events go to the body
  co_return open_;
}

boost::asio::awaitable<bool> EventStream::send(const Event& e) {
  check_single_line("event", e.event, false);
  check_single_line("id", e.id, true);
  text_.clear();
  if (!e.event.empty()) append_lines(text_, "event", e.event);
  if (!e.id.empty()) append_lines(text_, "id", e.id);
  if (e.retry.count() > 0) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, e.retry.count()).ptr;
    text_ += "retry: ";
    text_.append(digits, end);
    text_ += '\n';
  }
  append_lines(text_, "data", e.data);  // at least one line: an event without data is dropped
  text_ += '\n';
  co_return co_await emit();
}

boost::asio::awaitable<bool> EventStream::comment(std::string_view text) {
  text_.clear();
  append_lines(text_, "", text);  // ": text" per line
  co_return co_await emit();
}

boost::asio::awaitable<bool> EventStream::emit() {
  if (!co_await start()) co_return false;
  if (http::ResponseStream* s = res_.stream()) {
    open_ = co_await s->write(text_);
  } else {
    res_.body += text_;
  }
  co_return open_;
}

boost::asio::awaitable<bool> EventStream::wait(std::chrono::milliseconds duration) {
  if (!co_await start()) co_return false;  // a wait before the first event sends the head
  http::ResponseStream* s = res_.stream();
  // In-process the events are the body, complete at the first wait.
  open_ = s != nullptr && co_await s->wait(duration);
  co_return open_;
}

}  // namespace brrt::dispatch
