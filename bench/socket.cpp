// What a syscall on the read path costs on this machine: a non-blocking recv on a loopback
// TCP socket with nothing to read (EAGAIN) and one that reads a waiting byte. On virtualised
// cores the two cost about the same, which is why the server avoids the failing one
// (src/http/draining_read.hpp, docs/PERFORMANCE.md).
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// A connected loopback pair; `server` is non-blocking.
struct LoopbackPair {
  int listener = -1, client = -1, server = -1;

  LoopbackPair() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return;
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    server = ::accept(listener, nullptr, nullptr);
    if (server >= 0) ::fcntl(server, F_SETFL, O_NONBLOCK);
  }
  ~LoopbackPair() {
    for (int fd : {listener, client, server})
      if (fd >= 0) ::close(fd);
  }
  bool ok() const { return server >= 0; }
};

void BM_RecvEmptySocket(benchmark::State& state) {
  LoopbackPair p;
  if (!p.ok()) return state.SkipWithError("no loopback socket pair");
  char buf[2048];
  for (auto _ : state) benchmark::DoNotOptimize(::recv(p.server, buf, sizeof buf, 0));
}

// send one byte, then recv it: the useful read plus the send that feeds it.
void BM_SendThenRecvOneByte(benchmark::State& state) {
  LoopbackPair p;
  if (!p.ok()) return state.SkipWithError("no loopback socket pair");
  char buf[2048];
  for (auto _ : state) {
    if (::send(p.client, "x", 1, 0) != 1) return state.SkipWithError("send failed");
    while (::recv(p.server, buf, sizeof buf, 0) != 1) {
    }
  }
}

}  // namespace

BENCHMARK(BM_RecvEmptySocket);
BENCHMARK(BM_SendThenRecvOneByte);

BENCHMARK_MAIN();
