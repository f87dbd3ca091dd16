#include "http/tls_session.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace brrt::http::detail {

namespace {

// The session's socket BIO is ours, not OpenSSL's socket BIO: that one writes with write(2),
// which raises SIGPIPE when the client has gone (killing a process that did not ignore it),
// where send(2) takes MSG_NOSIGNAL, as Asio's own writes do. It also counts the bytes the
// kernel took, which the connection's write timeout compares with SIOCOUTQ.
BIO_METHOD* socket_method(int (*write)(BIO*, const char*, int), int (*read)(BIO*, char*, int),
                          long (*ctrl)(BIO*, int, long, void*)) {
  static BIO_METHOD* const method = [&] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "brrt socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, write);
    BIO_meth_set_read(m, read);
    BIO_meth_set_ctrl(m, ctrl);
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

bool would_block(int e) {
  return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

}  // namespace

int TlsSession::bio_write(BIO* bio, const char* data, int size) {
  auto* self = static_cast<TlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const ssize_t n =
      ::send(self->socket_.native_handle(), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n >= 0) {
    self->wire_written_ += static_cast<std::uint64_t>(n);
    return static_cast<int>(n);
  }
  if (would_block(errno)) BIO_set_retry_write(bio);
  return -1;
}

int TlsSession::bio_read(BIO* bio, char* data, int size) {
  auto* self = static_cast<TlsSession*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self->in_begin_ < self->in_end_) {
    const std::size_t n = std::min(static_cast<std::size_t>(size), self->in_end_ - self->in_begin_);
    std::memcpy(data, self->inbox_.data() + self->in_begin_, n);
    self->in_begin_ += n;
    if (self->in_begin_ == self->in_end_) self->in_begin_ = self->in_end_ = 0;
    return static_cast<int>(n);
  }
  if (!self->socket_reads_) {
    BIO_set_retry_read(bio);
    return -1;
  }
  const ssize_t n = ::recv(self->socket_.native_handle(), data, static_cast<std::size_t>(size), 0);
  if (n >= 0) return static_cast<int>(n);  // 0: the client closed its side
  if (would_block(errno)) BIO_set_retry_read(bio);
  return -1;
}

long TlsSession::bio_ctrl(BIO*, int cmd, long, void*) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // writes go straight to the kernel: nothing to flush
}

TlsSession::TlsSession(const TlsContext& context, boost::asio::ip::tcp::socket& socket)
    : socket_(socket) {
  BIO_METHOD* method = socket_method(&bio_write, &bio_read, &bio_ctrl);
  if (method == nullptr) throw std::bad_alloc();
  ssl_ = SSL_new(context.native_handle());
  if (ssl_ == nullptr) throw std::bad_alloc();
  BIO* bio = BIO_new(method);
  if (bio == nullptr) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: the session owns it
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
}

boost::system::error_code TlsSession::Result::error() const noexcept {
  namespace error = boost::asio::error;
  switch (status) {
    case Status::Done:
      return {};
    case Status::WantRead:
    case Status::WantWrite:
      return error::would_block;
    case Status::Closed:
      return error::eof;
    case Status::Failed:
      break;
  }
  return error::connection_reset;
}

TlsSession::Result TlsSession::finish(int ok, std::size_t bytes) noexcept {
  if (ok > 0) return {bytes, Status::Done};
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, ok)) {
    case SSL_ERROR_WANT_READ:
      return {0, Status::WantRead};
    case SSL_ERROR_WANT_WRITE:
      return {0, Status::WantWrite};
    case SSL_ERROR_ZERO_RETURN:
      return {0, Status::Closed};
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      failed_ = true;
      return {0, saved_errno == 0 ? Status::Closed : Status::Failed};  // 0: end of stream
    default: {
      failed_ = true;
      const unsigned long e = ERR_peek_error();
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_HTTP_REQUEST)
        plain_http_ = true;
      ERR_clear_error();
      return {0, Status::Failed};
    }
  }
}

TlsSession::Result TlsSession::handshake() noexcept {
  ERR_clear_error();
  errno = 0;
  return finish(SSL_do_handshake(ssl_), 0);
}

TlsSession::Result TlsSession::read(char* data, std::size_t size) noexcept {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ok = SSL_read_ex(ssl_, data, size, &n);
  return finish(ok, n);
}

TlsSession::Result TlsSession::read_inbox(char* data, std::size_t size) noexcept {
  socket_reads_ = false;
  const Result r = read(data, size);
  socket_reads_ = true;
  return r;
}

TlsSession::Result TlsSession::write(const char* data, std::size_t size) noexcept {
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int ok = SSL_write_ex(ssl_, data, size, &n);
  return finish(ok, n);
}

void TlsSession::close_notify() noexcept {
  // After a fatal error OpenSSL must not be asked to shut down (SSL_shutdown(3)).
  if (failed_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TlsSession::pending() const noexcept {
  return SSL_pending(ssl_) > 0;
}

boost::asio::mutable_buffer TlsSession::inbox_space() {
  // A record is up to 16 KiB and some; a part of one is fine (the session asks for the rest).
  constexpr std::size_t kInbox = 8 * 1024;
  if (inbox_.size() < kInbox) inbox_.resize(kInbox);
  if (in_begin_ > 0 && in_end_ == inbox_.size()) {  // only when full: the rest moves down
    std::memmove(inbox_.data(), inbox_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  return boost::asio::buffer(inbox_.data() + in_end_, inbox_.size() - in_end_);
}

void TlsSession::release_inbox() noexcept {
  if (in_begin_ == in_end_) std::vector<char>().swap(inbox_);
}

}  // namespace brrt::http::detail
