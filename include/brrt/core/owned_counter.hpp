#pragma once
// A counter written by exactly one thread and read by any.
//
// std::atomic only so that a scraping thread may read it without a data race: the owner
// updates it with a relaxed load + store (a plain add on x86, no locked read-modify-write,
// no cache-line ping-pong between workers), so hot paths pay nothing for metrics.
#include <atomic>
#include <cstdint>

namespace brrt {

class OwnedCounter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

}  // namespace brrt
