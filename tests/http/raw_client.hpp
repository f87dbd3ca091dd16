#pragma once
// A blocking loopback client for integration tests: sends raw bytes, reads responses.
// Every read has a receive timeout, so a broken server fails a test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

namespace brrt::test {

// Connects `fd` to 127.0.0.1:`port` with a receive timeout (and a receive buffer size when
// `rcvbuf` > 0) and TCP_NODELAY; true when connected.
inline bool connect_loopback(int fd, std::uint16_t port, int timeout_ms, int rcvbuf = 0) {
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// The first whole response in `buf` (head + Content-Length body; no body after a 1xx or when
// `head_only`, the answer to a HEAD), taken out of it; nullopt while it is incomplete.
inline std::optional<std::string> take_response(std::string& buf, bool head_only = false) {
  const auto head_end = buf.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  std::string head = buf.substr(0, head_end);
  for (char& c : head)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  std::size_t length = 0;
  const auto cl = head.find("\r\ncontent-length: ");
  if (cl != std::string::npos) length = std::stoul(head.substr(cl + 18, 20));
  if (buf.rfind("HTTP/1.1 1", 0) == 0) head_only = true;
  const std::size_t total = head_end + 4 + (head_only ? 0 : length);
  if (buf.size() < total) return std::nullopt;
  std::string out = buf.substr(0, total);
  buf.erase(0, total);
  return out;
}

class RawClient {
 public:
  // `rcvbuf`: a receive buffer size to ask for (0: the kernel's, which grows to megabytes);
  // a small one makes a client that reads slowly hold the server's writes back.
  explicit RawClient(std::uint16_t port, int timeout_ms = 5000, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    connected_ = connect_loopback(fd_, port, timeout_ms, rcvbuf);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response (head + Content-Length body). Empty string on close/timeout.
  std::string read_response() {
    while (true) {
      if (auto out = take_response(buf_, no_body_next_)) {
        no_body_next_ = false;
        return std::move(*out);
      }
      if (!fill()) return {};
    }
  }

  // The next response will answer a HEAD request (no body bytes follow).
  void expect_head() { no_body_next_ = true; }

  // True when the server closed the connection (EOF, or a reset when it closed with our
  // bytes unread) before the timeout.
  bool closed_by_peer() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n > 0) buf_ += c;
    return false;
  }

  std::string& pending() { return buf_; }

  // Reads until pending() holds `needle`; false on close, error or timeout first.
  bool read_until(std::string_view needle) {
    while (buf_.find(needle) == std::string::npos)
      if (!fill()) return false;
    return true;
  }

  // One recv of at most `max` bytes, appended to pending(); false on close, error or timeout.
  bool read_some(std::size_t max) {
    std::string chunk(max, '\0');
    const ssize_t n = ::recv(fd_, chunk.data(), max, 0);
    if (n <= 0) return false;
    buf_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
  }

 private:
  bool fill() {
    char chunk[8192];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool no_body_next_ = false;
  std::string buf_;
};

inline std::string body_of(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

inline int status_of(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

}  // namespace brrt::test
