#pragma once
// Internal: one connection's TLS session, run by OpenSSL directly on the connection's
// non-blocking socket. Each call does what the socket allows now and says what it waits for
// (readable, writable); the connection awaits that readiness with Asio and calls again. This
// keeps the connection's own structure (direct non-blocking writes, waits only when the
// kernel is full or empty) for TLS too: Asio's ssl::stream would put every read and write
// through composed async operations and memory BIOs, and hide the socket the connection
// watches for a client closing under a stream.
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "brrt/http/tls_context.hpp"

struct ssl_st;
struct bio_st;

namespace brrt::http::detail {

class TlsSession {
 public:
  enum class Status {
    Done,       // `bytes` moved (or the handshake finished)
    WantRead,   // call again once the socket is readable
    WantWrite,  // call again once the socket is writable
    Closed,     // the client ended the session (close_notify or end of stream)
    Failed,     // a protocol or socket error; the connection is over
  };
  struct Result {
    std::size_t bytes = 0;
    Status status = Status::Done;

    // Whether the call is to be made again once the socket is ready (wait()).
    bool waits() const noexcept {
      return status == Status::WantRead || status == Status::WantWrite;
    }
    boost::asio::socket_base::wait_type wait() const noexcept {
      return status == Status::WantRead ? boost::asio::socket_base::wait_read
                                        : boost::asio::socket_base::wait_write;
    }
    // As a socket call would report it: none when done, would_block while waiting, eof when
    // the client ended the session, connection_reset when it failed.
    boost::system::error_code error() const noexcept;
  };

  // Throws std::bad_alloc when OpenSSL cannot make the session. The socket's descriptor is
  // read at each call, not kept: once the socket is closed (a drain's force-close, a
  // WebSocket's end) every call fails instead of reaching a descriptor the kernel has since
  // given to another connection.
  TlsSession(const TlsContext& context, boost::asio::ip::tcp::socket& socket);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  Result handshake() noexcept;
  Result read(char* data, std::size_t size) noexcept;
  // A read from the ciphertext in the inbox alone: WantRead when it needs more, which the
  // caller reads into inbox_space() with its draining read (see below), never the socket.
  Result read_inbox(char* data, std::size_t size) noexcept;
  Result write(const char* data, std::size_t size) noexcept;
  // Sends close_notify if the socket takes it now; never waits.
  void close_notify() noexcept;

  // Decrypted bytes OpenSSL holds that a read would return without the socket.
  bool pending() const noexcept;

  // Ciphertext the connection read itself, taken by the session before the socket. The
  // connection's request loop and WebSocket reads read with the draining read
  // (draining_read.hpp: one recv per request or message, no failed recv, no epoll_ctl) into
  // inbox_space() and decrypt with read_inbox(). The other paths (handshake, streams) read()
  // from the socket.
  boost::asio::mutable_buffer inbox_space();
  void inbox_filled(std::size_t n) noexcept { in_end_ += n; }
  // Frees the inbox when it holds nothing (an idle connection keeps no buffer).
  void release_inbox() noexcept;
  // Bytes handed to the kernel, records and handshake included (for SIOCOUTQ arithmetic).
  std::uint64_t wire_bytes_written() const noexcept { return wire_written_; }
  ssl_st* native_handle() const noexcept { return ssl_; }
  // The handshake failed because the client spoke plain HTTP to this port.
  bool plain_http() const noexcept { return plain_http_; }

 private:
  Result finish(int ok, std::size_t bytes) noexcept;
  static int bio_write(bio_st* bio, const char* data, int size);
  static int bio_read(bio_st* bio, char* data, int size);
  static long bio_ctrl(bio_st* bio, int cmd, long num, void* ptr);

  ssl_st* ssl_ = nullptr;
  boost::asio::ip::tcp::socket& socket_;
  std::uint64_t wire_written_ = 0;
  bool plain_http_ = false;
  bool socket_reads_ = true;  // off during read_inbox
  std::vector<char> inbox_;
  std::size_t in_begin_ = 0, in_end_ = 0;
  bool failed_ = false;  // a fatal error: no close_notify after it
};

}  // namespace brrt::http::detail
