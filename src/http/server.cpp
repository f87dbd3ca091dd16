#include "brrt/http/server.hpp"

#include <fcntl.h>
#include <linux/sockios.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <cstring>
#include <ctime>
#include <unordered_set>

#include "brrt/core/raw_writer.hpp"
#include "brrt/http/response_stream.hpp"
#include "brrt/observe/access_log.hpp"
#include "http/client_certificate_reader.hpp"
#include "http/draining_read.hpp"
#include "http/tls_session.hpp"

namespace brrt::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> Handler::handle_async(std::size_t, const Request&, Response& res) {
  res.status = 500;
  co_return;
}

void Handler::rejected(std::size_t, const Request&, int) noexcept {}

std::string problem_json(int status, std::string_view detail) {
  std::string out = "{\"type\":\"about:blank\",\"title\":\"";
  out += reason_phrase(status);
  out += "\",\"status\":";
  out += std::to_string(status);
  out += ",\"detail\":\"";
  observe::append_json_escaped(out, detail);
  out += "\"}";
  return out;
}

class Connection;

struct Server::Worker {
  std::size_t index = 0;
  // Sockets are only touched by their worker thread, so the reactor needs no per-descriptor
  // lock; the scheduler keeps its lock (stop() and blocking handlers post to it).
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::unique_ptr<tcp::acceptor> acceptor;
  // A descriptor held in reserve for refusing connections at the open-file limit
  // (refuse_at_fd_limit); -1 when it could not be taken.
  int spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  WorkerStats stats;
  std::unordered_set<Connection*> connections;
  asio::steady_timer sweep_timer{io};
  asio::steady_timer drain_delay_timer{io};
  bool drain_started = false;  // the acceptor is closed and connections are being drained
  std::chrono::steady_clock::time_point drain_deadline{};
  bool drained = false;
  // Date header, formatted at most once per second.
  std::time_t date_second = 0;
  char date[40] = {};
  std::size_t date_len = 0;
  // Input buffers of connections that went idle, reused by the next one that wakes: an
  // idle keep-alive connection holds no buffer, and a busy worker allocates none.
  static constexpr std::size_t kBufferSize = 4096;
  static constexpr std::size_t kMaxSpareBuffers = 256;
  struct IoBlock {
    std::vector<char> in;
    Request req;  // 4 KiB of header slots: held only while a request is being read
  };
  std::vector<std::unique_ptr<IoBlock>> spare_buffers;

  ~Worker() {
    if (spare_fd >= 0) ::close(spare_fd);
  }

  // At the open-file limit a pending connection cannot be accepted, and the listening socket
  // stays readable: accepting again at once would spin the worker at full CPU while the client
  // hangs in the backlog. The spare descriptor is given up to accept that connection and close
  // it at once (the client sees its connection closed, and can retry or go elsewhere), then
  // taken again: libuv's answer to the same problem. False when there is no spare to give.
  bool refuse_at_fd_limit() {
    if (spare_fd < 0) {
      spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // freed since the last time?
      if (spare_fd < 0) return false;
    }
    ::close(spare_fd);
    const int fd =
        ::accept4(acceptor->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      stats.refused_fd_limit.add();
    }
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return true;
  }

  std::string_view http_date() {
    const std::time_t now = std::time(nullptr);
    if (now != date_second) {
      date_second = now;
      std::tm tm{};
      gmtime_r(&now, &tm);
      date_len = std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    }
    return {date, date_len};
  }
};

namespace {

bool bodyless_status(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace

// One client connection; lives in its own coroutine on its worker's thread. It is also the
// ResponseStream of its responses: a streamed body is written by the handler's coroutine
// through the same socket and output buffer, in order with the responses before it.
class Connection final : public ResponseStream {
 public:
  // Streaming: a handler is writing a streamed body (no deadline between its writes; the
  // write timeout applies while one waits, as Writing). Upgraded: the socket is lent to
  // another protocol (take_over) until the handler returns; no deadline of ours applies.
  enum class Phase { Idle, Head, Body, Handling, Writing, Streaming, Upgraded };

  Connection(Server& server, Server::Worker& worker, tcp::socket socket)
      : server_(server), worker_(worker), socket_(std::move(socket)) {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);  // flush() writes directly first (see there)
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
    res_.attach_stream(this);  // kept across Response::reset
  }

  Phase phase() const noexcept { return phase_; }
  Clock::time_point deadline() const noexcept { return deadline_; }

  // Called by the sweeper (same thread): the current wait took too long. A response write
  // is only given up when the client has taken nothing since the last look: a client reading
  // slowly wakes our writes seconds apart (the kernel reports a full socket writable only
  // once a third of its send buffer has drained) while it acknowledges bytes all along.
  void expire(Clock::time_point now) {
    if (phase_ == Phase::Writing) {
      const std::int64_t taken = bytes_taken();
      if (taken > taken_mark_) {
        taken_mark_ = taken;
        deadline_ = now + server_.config_.write_timeout;
        return;
      }
    }
    timed_out_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
  // Called by the sweeper for a connection idle across a whole tick: its pending read is
  // cancelled and replaced by a wait for readability that holds no buffer. (Waiting that
  // way for every request would cost an epoll_ctl each time; parking only long-idle
  // connections costs it once per idle period.)
  bool parkable(Clock::time_point now, Clock::duration after) const noexcept {
    return phase_ == Phase::Idle && reading_ && !park_ && now - idle_since_ >= after;
  }
  void park() {
    park_ = true;
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
  // Called on drain for a connection waiting between requests.
  void close_idle() {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
  void force_close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }
  // Called on drain for a connection streaming a body: the handler's next write or wait
  // returns false (a wait in progress returns at once), and the body ends.
  void end_stream() {
    stream_open_ = false;
    stream_timer_.cancel();
  }
  // Called on drain for a connection lent to another protocol: it closes in its own terms.
  void going_away() {
    if (upgraded_) upgraded_->going_away();
  }

  asio::awaitable<void> run();

  // ResponseStream (response_stream.hpp).
  asio::awaitable<bool> begin(Response& res) override {
    if (streamed_ || &res != &res_ || phase_ != Phase::Handling) co_return false;
    const Request& req = io_->req;
    const bool head = req.method == Method::Head;
    stream_chunked_ = req.version_minor != 0;
    if (stream_chunked_)
      serialize<Framing::Chunked>(req, res, head);
    else
      serialize<Framing::UntilClose>(req, res, head);
    res.mark_streamed();
    streamed_ = true;
    stream_body_ = !head && !bodyless_status(res.status);  // 204 and 304 have none
    stream_open_ = stream_body_ && !server_.draining();
    stream_broken_ = false;
    if (!co_await flush_stream()) co_return false;
    co_return stream_open_;
  }

  asio::awaitable<bool> write(std::string_view data) override {
    if (!stream_open_ || server_.draining()) {
      stream_open_ = false;
      co_return false;
    }
    if (data.empty()) co_return true;  // an empty chunk would end the body
    res_.add_streamed_bytes(data.size());
    if (stream_chunked_) {
      char size[20];
      const auto end = std::to_chars(size, size + sizeof size, data.size(), 16).ptr;
      out_.append(size, end);
      out_ += "\r\n";
      out_ += data;
      out_ += "\r\n";
    } else {
      out_ += data;
    }
    co_return co_await flush_stream();
  }

  asio::awaitable<bool> wait(std::chrono::milliseconds duration) override {
    using namespace asio::experimental::awaitable_operators;
    if (!stream_open_) co_return false;
    stream_timer_.expires_after(duration);
    // The client's closing makes the socket readable: watched with the timer, so a stream
    // whose client left ends at once rather than at its next write. The bytes the client sends
    // meanwhile (a pipelined request) must be read to see a close behind them: they go to the
    // input buffer while it has room without moving (the request's views point into it), then
    // aside, and are answered after the stream; a client sending more than a request's head
    // and body limits meanwhile is cut off.
    while (stream_open_) {
      auto r = co_await (stream_timer_.async_wait(kNoThrow) ||
                         socket_.async_wait(tcp::socket::wait_read, kNoThrow));
      if (r.index() == 0) co_return !std::get<0>(std::get<0>(r)) && stream_open_;
      if (std::get<0>(std::get<1>(r))) break;  // the socket failed
      auto& in = io_->in;
      boost::system::error_code ec;
      // TLS may hold decrypted bytes past one read's room: read until it holds none, since
      // the socket will not tell of them.
      do {
        std::size_t n = 0;
        if (end_ < in.size()) {
          n = read_now(in.data() + end_, in.size() - end_, ec);
          end_ += n;
        } else {
          char chunk[4096];
          n = read_now(chunk, sizeof chunk, ec);
          stream_overflow_.append(chunk, n);
        }
        if (ec) break;
        worker_.stats.bytes_in.add(n);
      } while (tls_ && tls_->pending());
      if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
      if (ec) break;  // end of stream: the client closed its side
      const ServerConfig& cfg = server_.config_;
      if (stream_overflow_.size() > cfg.parser.max_header_bytes + cfg.max_body_bytes) break;
    }
    stream_open_ = false;
    stream_broken_ = true;
    co_return false;
  }

  bool open() const noexcept override { return stream_open_; }

  asio::awaitable<Takeover> take_over(Response& res, Upgraded& upgraded) override {
    if (streamed_ || &res != &res_ || phase_ != Phase::Handling || server_.draining())
      co_return Takeover{};
    // Where the request ends in the input: its head is read again (the loop keeps its size in
    // a local; an upgrade is rare, the request loop pays nothing for it). A chunked body's
    // length is not known here: such a request is not upgraded.
    const Request& req = io_->req;
    if (req.chunked) co_return Takeover{};
    const std::size_t request_size = [&] {
      Request scratch;
      const HeadResult head = parse_request_head({io_->in.data() + begin_, end_ - begin_}, scratch,
                                                 server_.config_.parser);
      return head.head_size + static_cast<std::size_t>(head.content_length);
    }();
    // The answers to the requests before this one go first, in order.
    const bool flushed = co_await flush();
    if (!flushed || timed_out_) co_return Takeover{};
    res.mark_streamed();
    streamed_ = true;
    upgraded_ = &upgraded;
    phase_ = Phase::Upgraded;
    deadline_ = Clock::time_point::max();
    const std::size_t after = std::min(begin_ + request_size, end_);
    co_return Takeover{&socket_,
                       {io_->in.data() + after, end_ - after},
                       server_.config_.server_header,
                       &worker_.stats.bytes_in,
                       &worker_.stats.bytes_out,
                       tls_.get()};
  }

 private:
  void set_phase(Phase p, std::chrono::milliseconds timeout) {
    phase_ = p;
    const auto now = Clock::now();
    deadline_ = now + timeout;
    if (p == Phase::Idle) idle_since_ = now;
  }
  // Back to waiting between requests, as if the bytes since had not come: the idle deadline
  // still runs from the end of the last request.
  void resume_idle(std::chrono::milliseconds timeout) {
    phase_ = Phase::Idle;
    deadline_ = idle_since_ + timeout;
  }

  // How the body's end is told: its length (a complete response), the last chunk, or the
  // connection's closing (a streamed body to an HTTP/1.0 client).
  enum class Framing { Length, Chunked, UntilClose };

  // Appends the serialized response to out_: the head written through a raw cursor into room
  // made for it (a dozen short pieces; appending each to the string cost a capacity check, a
  // call and often a strlen), then the body in one copy.
  // The framing is a template argument: the complete responses of the request loop pay
  // nothing for the streamed ones.
  template <Framing framing = Framing::Length>
  void serialize(const Request& req, Response& res, bool head_request) {
    const bool closing = !req.keep_alive || res.closes_connection() || server_.draining() ||
                         framing == Framing::UntilClose;
    if (closing) close_after_ = true;
    const bool has_body = !bodyless_status(res.status);
    const std::string_view reason = reason_phrase(res.status);
    const std::string_view server = server_.config_.server_header;
    const std::string_view date = worker_.http_date();
    const std::string_view type = res.content_type();
    // The fixed words below (status line, field names, CRLFs, Connection) are under 128 bytes,
    // the two numbers under 24 each.
    std::size_t room = 176 + reason.size() + server.size() + date.size() + type.size();
    for (std::size_t i = 0; i < res.header_count(); ++i)
      room += res.header_name(i).size() + res.header_value(i).size() + 4;
    const std::size_t old = out_.size();
    out_.resize(old + room);
    RawWriter out{out_.data() + old};
    out.literal("HTTP/1.1 ");
    out.number(static_cast<std::uint64_t>(res.status));
    out.literal(" ");
    out.raw(reason);
    out.literal("\r\nServer: ");
    out.raw(server);
    out.literal("\r\nDate: ");
    out.raw(date);
    out.literal("\r\n");
    if (!type.empty()) {
      out.literal("Content-Type: ");
      out.raw(type);
      out.literal("\r\n");
    }
    for (std::size_t i = 0; i < res.header_count(); ++i) {
      out.raw(res.header_name(i));
      out.literal(": ");
      out.raw(res.header_value(i));
      out.literal("\r\n");
    }
    if constexpr (framing == Framing::Length) {
      if (has_body) {
        out.literal("Content-Length: ");
        out.number(res.body.size());
        out.literal("\r\n");
      }
    } else if constexpr (framing == Framing::Chunked) {
      if (has_body) out.literal("Transfer-Encoding: chunked\r\n");
    }
    if (closing)
      out.literal("Connection: close\r\n");
    else if (req.version_minor == 0)
      out.literal("Connection: keep-alive\r\n");
    out.literal("\r\n");
    out_.resize(static_cast<std::size_t>(out.w - out_.data()));
    if constexpr (framing == Framing::Length)
      if (!head_request && has_body) out_ += res.body;
  }

  // Writes what a stream has put in out_; the phase stays Streaming between writes.
  asio::awaitable<bool> flush_stream() {
    const bool ok = co_await flush();
    phase_ = Phase::Streaming;
    deadline_ = Clock::time_point::max();
    if (!ok) {
      stream_open_ = false;
      stream_broken_ = true;
    }
    co_return ok;
  }

  // After a streamed response's handler: the last chunk, then on with the connection. False
  // when the connection is broken.
  asio::awaitable<bool> end_streamed_response() {
    stream_open_ = false;
    if (stream_broken_) co_return false;
    if (stream_body_ && stream_chunked_) {
      out_ += "0\r\n\r\n";
      co_return co_await flush();
    }
    co_return true;
  }

  // An error found by the HTTP layer: answer and close (the stream can't be trusted), and tell
  // the handler (metrics, access log). `parsed` is the request whose head was read, if it was:
  // the input's Request slot otherwise holds a previous request's views, not this one's.
  void fail(int status, std::string_view detail, const Request* parsed = nullptr) {
    Request req;
    req.remote = remote_;
    if (parsed) {
      req.method = parsed->method;
      req.method_text = parsed->method_text;
      req.target = parsed->target;
      req.path = parsed->path;
      req.query = parsed->query;
      req.version_minor = parsed->version_minor;
    }
    server_.handler_.rejected(worker_.index, req, status);
    req.keep_alive = false;
    res_.reset();
    res_.status = status;
    res_.set_content_type("application/problem+json");
    res_.body = problem_json(status, detail);
    serialize(req, res_, false);
    close_after_ = true;
  }

  // Of the bytes written by the current flush, those the client has acknowledged (what was
  // written less what the kernel still holds, SIOCOUTQ): grows as the client reads, whether
  // or not one of our writes completes. One ioctl; only asked when a write must wait.
  std::int64_t bytes_taken() noexcept {
    int queued = 0;
    if (::ioctl(socket_.native_handle(), SIOCOUTQ, &queued) != 0) return INT64_MIN;
    // Under TLS the kernel holds records, not our bytes: count what the session gave it (a
    // running total; only its growth between looks matters).
    if (tls_) return static_cast<std::int64_t>(tls_->wire_bytes_written()) - queued;
    return static_cast<std::int64_t>(flushed_) - queued;
  }

  asio::awaitable<bool> flush() {
    if (out_.empty()) co_return true;
    // Responses almost always fit the socket's send buffer: write them directly and wait
    // (async) only for what did not fit. An async_write that completes at once still
    // posts its completion, and the reactor polls epoll before running it: a handler and
    // an epoll_wait per request that a direct send does without.
    boost::system::error_code ec;
    std::size_t n = write_now(out_.data(), out_.size(), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      n = 0;
    }
    if (!ec && n < out_.size()) {
      // The rest goes as the client reads. write_timeout is for a client that stops reading,
      // not for a slow one: it is the longest the client may take nothing (a response that
      // took longer than the timeout as a whole was cut off). Each write that sends
      // something moves the deadline; at the deadline, expire() looks at what the client
      // acknowledged. Only this path pays for it: a clock read per write, an ioctl per look.
      const auto timeout = server_.config_.write_timeout;
      set_phase(Phase::Writing, timeout);
      flushed_ = n;
      taken_mark_ = bytes_taken();
      while (n < out_.size()) {
        auto [wec, m] = tls_ ? co_await tls_write_some(out_.data() + n, out_.size() - n)
                             : co_await socket_.async_write_some(
                                   asio::buffer(out_.data() + n, out_.size() - n), kNoThrow);
        n += m;
        flushed_ = n;
        if (wec || timed_out_) {  // the sweeper's verdict stands even if this write went out
          ec = wec ? wec : asio::error::timed_out;
          break;
        }
        deadline_ = Clock::now() + timeout;
      }
    }
    worker_.stats.bytes_out.add(n);
    out_.clear();
    co_return !ec;
  }

  // The socket's I/O now, without waiting: plain, or through the TLS session. A TLS call
  // that needs the socket to become readable or writable reports would_block.
  std::size_t read_now(char* data, std::size_t size, boost::system::error_code& ec) {
    if (!tls_) return socket_.read_some(asio::buffer(data, size), ec);
    const auto r = tls_->read(data, size);
    ec = r.error();
    return r.bytes;
  }
  std::size_t write_now(const char* data, std::size_t size, boost::system::error_code& ec) {
    if (!tls_) [[likely]]
      return socket_.write_some(asio::buffer(data, size), ec);
    const auto r = tls_->write(data, size);
    ec = r.error();
    return r.bytes;
  }
  // A TLS call (`call()` returns the session's Result) made again each time the socket becomes
  // as ready as the session asks, until it is done or fails: the handshake, and a write (which
  // may need to read a handshake message first), as async_write_some does for a plain socket.
  // Cancelling the socket (timeouts, drain) ends the wait with operation_aborted.
  template <class Call>
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_until_done(Call call) {
    while (true) {
      const detail::TlsSession::Result r = call();
      if (!r.waits()) co_return std::tuple{r.error(), r.bytes};
      auto [ec] = co_await socket_.async_wait(r.wait(), kNoThrow);
      if (ec) co_return std::tuple{ec, std::size_t{0}};
    }
  }
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_write_some(
      const char* data, std::size_t size) {
    return tls_until_done([this, data, size] { return tls_->write(data, size); });
  }
  // The request loop's TLS read: the session's ciphertext comes through the draining read
  // (tls_session.hpp, inbox_space), one recv per request as for plain HTTP, where the
  // session's own socket reads would try a recv that fails first and wait with an epoll_ctl.
  asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_read_input(
      char* data, std::size_t size) {
    using Status = detail::TlsSession::Status;
    while (true) {
      const auto r = tls_->read_inbox(data, size);
      if (r.status == Status::WantWrite) {
        auto [ec] = co_await socket_.async_wait(tcp::socket::wait_write, kNoThrow);
        if (ec) co_return std::tuple{ec, std::size_t{0}};
        continue;
      }
      if (r.status != Status::WantRead) co_return std::tuple{r.error(), r.bytes};
      auto [ec, n] =
          co_await socket_.async_read_some(detail::DrainingBuffer{tls_->inbox_space()}, kNoThrow);
      if (ec) co_return std::tuple{ec, std::size_t{0}};
      tls_->inbox_filled(n);
    }
  }

  // The TLS handshake, within the header timeout (a client that connects and stalls is
  // closed by the sweeper like one stalling in its head). False when it failed: a client that
  // spoke plain HTTP is told so in plain HTTP before the connection closes.
  asio::awaitable<bool> tls_handshake() {
    const ServerConfig& cfg = server_.config_;
    // The session holds its own reference to the context: a renewal replacing it meanwhile
    // changes nothing for this connection.
    const std::shared_ptr<const TlsContext> context = server_.tls_.load(std::memory_order_acquire);
    tls_ = std::make_unique<detail::TlsSession>(*context, socket_);
    set_phase(Phase::Head, cfg.header_timeout);
    const auto [failed, none] = co_await tls_until_done([this] { return tls_->handshake(); });
    if (!failed) {
      if (context->client_certificates() != ClientCertificates::Off)
        client_certificate_ = detail::read_client_certificate(tls_->native_handle());
      co_return true;
    }
    if (tls_->plain_http()) {
      boost::system::error_code ec;
      fail(400, "this port speaks HTTPS: the request was sent as plain HTTP");
      // Past the session: written to the socket as it is, then the client's unread request
      // is read off, so that closing does not reset the connection before it reads the 400.
      const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
      worker_.stats.bytes_out.add(n);
      out_.clear();
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      char discard[4096];
      for (int reads = 0; reads < 16 && socket_.read_some(asio::buffer(discard), ec) > 0;
           ++reads) {  // bounded: a client sending on and on does not hold the worker
      }
    }
    co_return false;
  }

  // Gives the input buffer (and oversized output capacity) back while the connection
  // waits for its next request; only called with nothing buffered.
  void release_buffers() {
    if (io_ && io_->in.capacity() == Server::Worker::kBufferSize &&
        worker_.spare_buffers.size() < Server::Worker::kMaxSpareBuffers)
      worker_.spare_buffers.push_back(std::move(io_));
    io_.reset();
    begin_ = end_ = 0;
    constexpr std::size_t kKeep = 64 * 1024;  // after a large response, don't hold it
    if (out_.capacity() > kKeep) std::string().swap(out_);
    if (res_.body.capacity() > kKeep) std::string().swap(res_.body);
    if (chunked_body_.capacity() > kKeep) std::string().swap(chunked_body_);
  }
  void acquire_buffer() {
    if (io_) return;
    if (!worker_.spare_buffers.empty()) {
      io_ = std::move(worker_.spare_buffers.back());
      worker_.spare_buffers.pop_back();
    } else {
      io_ = std::make_unique<Server::Worker::IoBlock>();
      io_->in.resize(Server::Worker::kBufferSize);
    }
  }

  // Makes room for at least `want` more bytes at the end of the buffer.
  void reserve_tail(std::size_t want) {
    acquire_buffer();
    auto& in_ = io_->in;
    if (begin_ > 0 && (end_ == begin_ || in_.size() - end_ < want)) {
      std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (in_.size() - end_ < want) in_.resize(std::max(in_.size() * 2, end_ + want));
  }

  Server& server_;
  Server::Worker& worker_;
  tcp::socket socket_;
  std::unique_ptr<detail::TlsSession> tls_;                      // HTTPS: the session over socket_
  std::unique_ptr<const ClientCertificate> client_certificate_;  // mutual TLS: the client's
  std::string remote_;
  std::unique_ptr<Server::Worker::IoBlock> io_;  // input buffer + request: pooled
  std::size_t begin_ = 0, end_ = 0;              // unconsumed bytes are in_[begin_, end_)
  std::string out_;
  std::string chunked_body_;
  Response res_;
  Phase phase_ = Phase::Idle;
  Clock::time_point deadline_ = Clock::now();
  Clock::time_point idle_since_ = Clock::now();
  std::size_t flushed_ = 0;      // bytes of out_ written, while a flush waits (bytes_taken)
  std::int64_t taken_mark_ = 0;  // bytes_taken() when the write deadline was last moved by it
  bool timed_out_ = false;
  bool close_after_ = false;
  bool reading_ = false;  // a read with the input buffer is pending
  bool park_ = false;     // the sweeper asked to wait without the buffer
  // A streamed body (ResponseStream): chunked or until close, whether it has a body at all
  // (not for HEAD), whether writes may go on, whether the socket failed under it.
  asio::steady_timer stream_timer_{worker_.io};
  bool streamed_ = false;  // begin() sent the current response's head
  bool stream_chunked_ = true;
  bool stream_body_ = false;
  bool stream_open_ = false;
  bool stream_broken_ = false;
  std::string stream_overflow_;   // input read during a stream that the buffer had no room for
  Upgraded* upgraded_ = nullptr;  // the protocol the socket is lent to (take_over)
};

asio::awaitable<void> Connection::run() {
  const ServerConfig& cfg = server_.config_;
  Handler& handler = server_.handler_;
  if (cfg.tls) [[unlikely]] {
    if (!co_await tls_handshake()) {
      worker_.stats.tls_handshake_failures.add();
      boost::system::error_code ec;
      socket_.close(ec);
      co_return;
    }
  }
  set_phase(Phase::Idle, cfg.idle_timeout);
  ChunkedDecoder chunked;
  std::size_t chunk_pos = 0;  // input bytes of the body already fed to `chunked`
  bool continue_sent = false;

  while (true) {
    // Answer every complete request already buffered (pipelining), then write once.
    while (begin_ < end_ && !close_after_) {
      Request& req_ = io_->req;
      const std::string_view buf(io_->in.data() + begin_, end_ - begin_);
      HeadResult head = parse_request_head(buf, req_, cfg.parser);
      if (head.state == HeadResult::State::Error) {
        fail(head.error.status, head.error.message);
        break;
      }
      if (head.state == HeadResult::State::Incomplete) {
        // Empty lines before a request (a CRLF after a body) are dropped, not buffered; with
        // nothing else here the connection is still idle: no header deadline for them.
        begin_ += head.head_size;
        if (begin_ < end_) {
          if (phase_ != Phase::Head) set_phase(Phase::Head, cfg.header_timeout);
        } else if (phase_ == Phase::Head) {
          resume_idle(cfg.idle_timeout);  // a CR seen alone was the start of an empty line
        }
        break;
      }
      std::string_view body;
      std::size_t request_size = head.head_size;
      if (head.chunked) {
        if (phase_ != Phase::Body) {
          set_phase(Phase::Body, cfg.body_timeout);
          chunked.reset();
          chunked_body_.clear();
          chunk_pos = 0;
        }
        auto step =
            chunked.feed(buf.substr(head.head_size + chunk_pos), chunked_body_, cfg.max_body_bytes);
        chunk_pos += step.consumed;
        if (step.state == ChunkedDecoder::State::Error) {
          fail(step.error.status, step.error.message, &req_);
          break;
        }
        if (step.state == ChunkedDecoder::State::Incomplete) {
          if (head.expect_continue && !continue_sent) {
            out_ += "HTTP/1.1 100 Continue\r\n\r\n";
            continue_sent = true;
          }
          break;
        }
        body = chunked_body_;
        request_size = head.head_size + chunk_pos;
      } else if (head.content_length > 0) {
        if (head.content_length > cfg.max_body_bytes) {
          fail(413, "request body exceeds " + std::to_string(cfg.max_body_bytes) + " bytes", &req_);
          break;
        }
        const std::uint64_t need = head.head_size + head.content_length;
        if (buf.size() < need) {
          if (phase_ != Phase::Body) set_phase(Phase::Body, cfg.body_timeout);
          if (head.expect_continue && !continue_sent) {
            out_ += "HTTP/1.1 100 Continue\r\n\r\n";
            continue_sent = true;
          }
          // Room for what has come, not for what is declared: a client announcing
          // max_body_bytes and sending nothing would otherwise cost that much per
          // connection. The buffer doubles as the body arrives (reserve_tail).
          constexpr std::uint64_t kBodyStep = 64 * 1024;
          reserve_tail(static_cast<std::size_t>(std::min(need - buf.size(), kBodyStep)));
          break;
        }
        body = buf.substr(head.head_size, static_cast<std::size_t>(head.content_length));
        request_size = static_cast<std::size_t>(need);
      }
      req_.body = body;
      req_.remote = remote_;
      req_.secure = tls_ != nullptr;
      req_.client_certificate = client_certificate_.get();
      phase_ = Phase::Handling;
      res_.reset();
      worker_.stats.requests.add();
      if (!handler.handle(worker_.index, req_, res_)) {
        try {
          co_await handler.handle_async(worker_.index, req_, res_);
        } catch (...) {
          res_.reset();
          res_.status = 500;
          res_.set_content_type("application/problem+json");
          res_.body = problem_json(500, "the handler failed");
        }
      }
      if (streamed_) [[unlikely]] {
        streamed_ = false;
        // After a protocol switch the socket carried the other protocol to its end: no HTTP
        // request follows on it.
        if (upgraded_) co_return;
        // A handler that failed after its stream began has had its response replaced (reset,
        // then a 500): the body is cut off, closed without the last chunk, which tells the
        // client the response is incomplete.
        if (!res_.streamed() || !co_await end_streamed_response()) co_return;
      } else {
        serialize(req_, res_, req_.method == Method::Head);
      }
      begin_ += request_size;
      if (!stream_overflow_.empty()) [[unlikely]] {
        // Input a stream had to set aside follows what is buffered; the views of the request
        // that streamed are no longer used, so the buffer may move now.
        reserve_tail(stream_overflow_.size());
        std::memcpy(io_->in.data() + end_, stream_overflow_.data(), stream_overflow_.size());
        end_ += stream_overflow_.size();
        std::string().swap(stream_overflow_);
      }
      continue_sent = false;
      set_phase(Phase::Idle, cfg.idle_timeout);
      if (out_.size() > 256 * 1024 && !co_await flush()) co_return;
    }
    if (begin_ == end_) begin_ = end_ = 0;
    if (!co_await flush()) co_return;
    if (close_after_) break;
    if (phase_ == Phase::Idle && worker_.drain_started) break;

    if (phase_ == Phase::Writing) set_phase(Phase::Idle, cfg.idle_timeout);
    if (park_ && begin_ == end_ && !(tls_ && tls_->pending())) {
      // Long idle: wait for readability without holding a buffer.
      release_buffers();
      if (tls_) tls_->release_inbox();
      worker_.stats.parked_connections.add();
      auto [wec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
      worker_.stats.parked_connections.sub();
      park_ = false;
      if (wec) break;
    }
    reserve_tail(2048);
    reading_ = true;
    std::tuple<boost::system::error_code, std::size_t> got;
    if (!tls_) [[likely]]
      got = co_await socket_.async_read_some(
          detail::DrainingBuffer{asio::buffer(io_->in.data() + end_, io_->in.size() - end_)},
          kNoThrow);
    else
      got = co_await tls_read_input(io_->in.data() + end_, io_->in.size() - end_);
    auto [ec, n] = got;
    reading_ = false;
    if (ec == asio::error::operation_aborted && park_ && !timed_out_ && !server_.draining())
      continue;  // parked by the sweeper: nothing was read
    if (ec) {
      if (timed_out_ && (phase_ == Phase::Head || phase_ == Phase::Body)) {
        // A body that was late had its head read; it is read again here, as the buffer may
        // have moved since (the views of the last read would point into the old one).
        const bool head_read =
            phase_ == Phase::Body &&
            parse_request_head({io_->in.data() + begin_, end_ - begin_}, io_->req, cfg.parser)
                    .state == HeadResult::State::Complete;
        fail(408, "the request was not received in time", head_read ? &io_->req : nullptr);
        (void)co_await flush();
      }
      break;
    }
    worker_.stats.bytes_in.add(n);
    end_ += n;  // the loop above moves to Head (the deadline runs from here) unless it is all
                // empty lines
  }
  if (tls_) tls_->close_notify();
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

namespace {

asio::awaitable<void> serve_connection(Server& server, Server::Worker& worker,
                                       std::atomic<std::size_t>& open, tcp::socket socket) {
  Connection conn(server, worker, std::move(socket));
  worker.connections.insert(&conn);
  worker.stats.open_connections.add();
  try {
    co_await conn.run();
  } catch (...) {
  }
  worker.connections.erase(&conn);
  worker.stats.open_connections.sub();
  open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

// Closes idle connections (and everything once the deadline passed). True when the worker
// has no connection left.
bool Server::drain_pass(Worker& w) {
  const auto now = Clock::now();
  if (w.drain_deadline == Clock::time_point{}) w.drain_deadline = now + config_.drain_timeout;
  std::vector<Connection*> close;
  for (Connection* c : w.connections) {
    if (c->phase() == Connection::Phase::Idle || now >= w.drain_deadline)
      close.push_back(c);
    else if (c->phase() == Connection::Phase::Streaming)
      c->end_stream();
    else if (c->phase() == Connection::Phase::Upgraded)
      c->going_away();
  }
  for (Connection* c : close) {
    if (now >= w.drain_deadline)
      c->force_close();
    else
      c->close_idle();
  }
  w.drained = w.connections.empty();
  return w.drained;
}

Server::Server(ServerConfig config, Handler& handler)
    : config_(std::move(config)), handler_(handler), tls_(config_.tls) {
  unsigned n =
      config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->index = i;
  }
}

void Server::set_tls(std::shared_ptr<const TlsContext> tls) {
  if (config_.tls && tls) tls_.store(std::move(tls), std::memory_order_release);
}

Server::~Server() {
  stop();
  wait();
}

void Server::start() {
  const auto address = asio::ip::make_address(config_.host);
  std::uint16_t port = config_.port;
  if (port != 0) {
    // SO_REUSEPORT lets this process's workers share the port, but it would as well let a
    // second brrtrouter (same user) bind it and take half of the connections. A socket
    // without it cannot bind a port anyone listens on: bound and closed first, it makes a
    // port in use an error, as it is for any server.
    tcp::acceptor probe(workers_.front()->io);
    const tcp::endpoint ep(address, port);
    probe.open(ep.protocol());
    probe.set_option(tcp::acceptor::reuse_address(true));  // TIME_WAIT leftovers are fine
    boost::system::error_code ec;
    probe.bind(ep, ec);
    if (ec) throw boost::system::system_error(ec, "bind");
  }
  for (auto& w : workers_) {
    auto acceptor = std::make_unique<tcp::acceptor>(w->io);
    const tcp::endpoint ep(address, port);
    acceptor->open(ep.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    const int one = 1;
    if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      throw boost::system::system_error(errno, boost::system::system_category(), "SO_REUSEPORT");
    acceptor->bind(ep);
    acceptor->listen(asio::socket_base::max_listen_connections);
    port = acceptor->local_endpoint().port();  // an ephemeral port is shared by the rest
    w->acceptor = std::move(acceptor);
  }
  port_ = port;

  for (auto& wp : workers_) {
    Worker& w = *wp;
    // Acceptor loop.
    asio::co_spawn(
        w.io,
        [this, &w]() -> asio::awaitable<void> {
          asio::steady_timer backoff(w.io);
          while (true) {
            auto [ec, socket] = co_await w.acceptor->async_accept(kNoThrow);
            if (ec) {
              // Closed when the drain starts (after the drain delay, accepting goes on).
              if (ec == asio::error::operation_aborted || !w.acceptor->is_open()) co_return;
              const bool fd_limit = ec == asio::error::no_descriptors || ec.value() == ENFILE;
              if (fd_limit && w.refuse_at_fd_limit()) continue;
              // Out of memory or buffer space (or descriptors, with no spare to give) persists
              // for a while: accepting again after a pause, not at once, keeps the worker
              // serving what it has. Other errors belong to the one connection (accept(2):
              // network errors pending on it) and the next is accepted at once.
              if (fd_limit || ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
                backoff.expires_after(std::chrono::milliseconds(10));
                co_await backoff.async_wait(kNoThrow);
              }
              continue;
            }
            if (open_connections_.fetch_add(1, std::memory_order_relaxed) >=
                config_.max_connections) {
              open_connections_.fetch_sub(1, std::memory_order_relaxed);
              w.stats.refused_max_connections.add();
              boost::system::error_code ignored;
              socket.close(ignored);
              continue;
            }
            w.stats.accepted_connections.add();
            asio::co_spawn(w.io, serve_connection(*this, w, open_connections_, std::move(socket)),
                           asio::detached);
          }
        },
        asio::detached);
    // Sweeper: enforces timeouts without a timer per request, and drives the drain.
    asio::co_spawn(
        w.io,
        [this, &w]() -> asio::awaitable<void> {
          const auto shortest = std::min({config_.header_timeout, config_.body_timeout,
                                          config_.idle_timeout, config_.write_timeout});
          const auto tick = std::clamp<std::chrono::milliseconds>(
              shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(1000));
          while (!w.drained) {
            w.sweep_timer.expires_after(draining() ? std::min(tick, std::chrono::milliseconds(20))
                                                   : tick);
            co_await w.sweep_timer.async_wait(kNoThrow);
            if (w.drain_started && drain_pass(w)) co_return;
            const auto now = Clock::now();
            std::vector<Connection*> expired;
            for (Connection* c : w.connections)
              if (c->phase() != Connection::Phase::Handling && now >= c->deadline())
                expired.push_back(c);
            for (Connection* c : expired) c->expire(now);
            std::size_t parked = 0;
            for (Connection* c : w.connections)
              if (c->parkable(now, tick)) {
                c->park();
                ++parked;
              }
            // Freed buffers sit in the middle of the heap; give their pages back when a
            // sweep parked many connections at once (rare: after a burst went idle).
            if (parked >= 256) ::malloc_trim(0);
          }
        },
        asio::detached);
  }
  for (auto& wp : workers_) threads_.emplace_back([&w = *wp] { w.io.run(); });
}

void Server::stop() {
  if (draining_.exchange(true)) {
    // Called again (a second SIGTERM): the drain starts now, whatever is left of the delay.
    for (auto& wp : workers_) asio::post(wp->io, [this, &w = *wp] { start_drain(w); });
    return;
  }
  // From here /health answers 503 and responses close their connections. With a drain delay
  // the server goes on accepting and answering for that long, so that load balancers see the
  // 503 and stop sending traffic before the port closes (a probe refused at once tells them
  // nothing about requests already on their way).
  for (auto& wp : workers_) {
    Worker& w = *wp;
    asio::post(w.io, [this, &w] {
      if (config_.drain_delay.count() <= 0) return start_drain(w);
      w.drain_delay_timer.expires_after(config_.drain_delay);
      w.drain_delay_timer.async_wait([this, &w](boost::system::error_code) { start_drain(w); });
    });
  }
}

void Server::start_drain(Worker& w) {
  if (w.drain_started) return;
  w.drain_started = true;
  w.drain_delay_timer.cancel();  // a second stop() cut the delay short
  boost::system::error_code ec;
  if (w.acceptor) w.acceptor->close(ec);
  drain_pass(w);
  w.sweep_timer.cancel();  // the sweeper goes on draining at a short tick
}

void Server::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

TransportSnapshot Server::transport() const noexcept {
  TransportSnapshot s;
  for (const auto& w : workers_) {
    s.open_connections += w->stats.open_connections.get();
    s.parked_connections += w->stats.parked_connections.get();
    s.accepted_connections += w->stats.accepted_connections.get();
    s.refused_max_connections += w->stats.refused_max_connections.get();
    s.refused_fd_limit += w->stats.refused_fd_limit.get();
    s.requests += w->stats.requests.get();
    s.bytes_in += w->stats.bytes_in.get();
    s.bytes_out += w->stats.bytes_out.get();
    s.tls_handshake_failures += w->stats.tls_handshake_failures.get();
  }
  return s;
}

}  // namespace brrt::http
