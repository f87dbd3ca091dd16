#pragma once
// Internal: a socket read that, like tokio's, treats a short read as "the socket is drained"
// and waits for epoll instead of trying the next read speculatively.
//
// Why: a keep-alive client sends its next request only after it has our response, so the
// read Asio starts right after the response almost always fails with EAGAIN, and on this
// project's (virtualised) machines a failed recv costs as much as a useful one, ~1.1 us,
// about 7% of a whole request. Asio tries every read speculatively until a read reports
// "exhausted", which its stream read only does at end of stream; its other way to wait,
// async_wait, re-arms epoll with an epoll_ctl per wait, which costs the same syscall.
// hyper (tokio) makes one recv per request; brrtrouter measured 1.5-2.0 without this.
//
// How: Asio builds a read's reactor operation from reactive_socket_recv_op_base<Buffers>;
// it is specialised here for DrainingBuffer, a one-buffer sequence type of ours, to report
// "done_and_exhausted" when recv returned less than asked. The epoll reactor then clears
// the descriptor's speculative flag (under its lock, at the recv), so the next read is
// queued without a syscall and performed when epoll reports new data; data arriving in
// between raises a new edge-triggered event, which sets the flag again, so nothing is lost.
// This is the reactor's own mechanism, used with a different verdict; the specialisation
// mirrors Boost 1.81's and is only enabled for that version and the epoll reactor
// (elsewhere DrainingBuffer is an ordinary buffer and reads stay speculative).
#include <boost/asio/buffer.hpp>
#include <boost/version.hpp>

namespace brrt::http::detail {

// One mutable buffer, as a MutableBufferSequence of its own type.
struct DrainingBuffer {
  boost::asio::mutable_buffer buffer;

  const boost::asio::mutable_buffer* begin() const noexcept { return &buffer; }
  const boost::asio::mutable_buffer* end() const noexcept { return &buffer + 1; }
};

}  // namespace brrt::http::detail

#if BOOST_VERSION == 108100 && defined(__linux__) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && !defined(BOOST_ASIO_DISABLE_EPOLL)
#define BRRT_DRAINING_READ 1
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/socket_base.hpp>

namespace boost::asio::detail {

template <>
class reactive_socket_recv_op_base<brrt::http::detail::DrainingBuffer> : public reactor_op {
 public:
  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state,
                               const brrt::http::detail::DrainingBuffer& buffers,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        state_(state),
        buffer_(buffers.buffer),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    if (!socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(), o->flags_,
                                        (o->state_ & socket_ops::stream_oriented) != 0, o->ec_,
                                        o->bytes_transferred_))
      return not_done;  // EAGAIN: stays queued until epoll reports data
    // Fewer bytes than asked (end of stream and errors included): the receive queue is empty.
    return o->bytes_transferred_ < o->buffer_.size() ? done_and_exhausted : done;
  }

 private:
  socket_type socket_;
  socket_ops::state_type state_;
  boost::asio::mutable_buffer buffer_;
  socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail
#endif
