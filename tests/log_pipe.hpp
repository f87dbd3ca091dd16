#pragma once
// A pipe for a service's access log (ServiceOptions::log_fd) in integration tests: the
// service writes into write_fd(); read_all(), after the server has stopped, closes that end
// and returns everything written.
#include <unistd.h>

#include <cstddef>
#include <string>

namespace brrt::test {

class LogPipe {
 public:
  LogPipe() {
    if (::pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~LogPipe() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  LogPipe(const LogPipe&) = delete;
  LogPipe& operator=(const LogPipe&) = delete;

  bool ok() const noexcept { return fds_[0] >= 0; }
  int write_fd() const noexcept { return fds_[1]; }

  // Everything written so far; the writing end is closed first, so this does not block.
  std::string read_all() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds_[0], buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<std::size_t>(n));
    return out;
  }

 private:
  int fds_[2];
};

}  // namespace brrt::test
