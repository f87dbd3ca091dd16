#pragma once
// Request metrics kept per worker thread and summed at scrape time.
//
// Each worker thread owns one `ThreadMetrics` slot and is its only writer. Counters are
// std::atomic only so that the scraping thread may read them without a data race: the
// owner updates them with relaxed load + store (a plain add on x86, no locked RMW, no
// shared cache line between workers), so the hot path pays nothing for the scrape.
#include "brrt/core/method.hpp"
#include "brrt/core/owned_counter.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace brrt::observe {

// Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
inline constexpr std::array<double, 14> kLatencyBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0};

using brrt::OwnedCounter;

// Per-operation, per-thread request statistics.
struct OperationStats {
  // Status codes seen, claimed on first use by the owner thread; a code beyond the slots
  // is counted under `other_status`.
  static constexpr std::size_t kStatusSlots = 12;
  std::array<std::atomic<std::uint16_t>, kStatusSlots> status_code{};
  std::array<OwnedCounter, kStatusSlots> status_count{};
  OwnedCounter other_status;
  std::array<OwnedCounter, kLatencyBuckets.size() + 1> latency_bucket{};  // last = +Inf
  OwnedCounter latency_sum_ns;
  OwnedCounter latency_count;
};

struct alignas(64) ThreadMetrics {
  explicit ThreadMetrics(std::size_t operations);
  std::vector<OperationStats> operations;  // index = spec operation index; last = unmatched
  OwnedCounter in_flight;
};

// Labels of one operation row in the exposition.
struct OperationLabel {
  std::string operation_id;
  Method method = Method::Get;
};

// Gauges and counters owned by other layers (connections, bytes), summed over threads
// by the caller and passed to `render`.
struct TransportTotals {
  std::uint64_t open_connections = 0;
  std::uint64_t accepted_connections = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t tls_handshake_failures = 0;
  std::uint64_t refused_max_connections = 0;  // closed at once: max_connections were open
  std::uint64_t refused_fd_limit = 0;         // closed at once: the open-file limit
};

class Metrics {
 public:
  // One slot per worker thread; `operations` labels index the spec's operations.
  Metrics(std::vector<OperationLabel> operations, std::size_t threads);

  ThreadMetrics& thread(std::size_t worker) noexcept { return *threads_[worker]; }
  std::size_t unmatched_index() const noexcept { return labels_.size(); }

  // Records one finished request on `worker`'s slot. `operation` may be unmatched_index().
  static void record(ThreadMetrics& slot, std::size_t operation, int status,
                     std::chrono::nanoseconds latency) noexcept;

  // Starts these counters (not yet counting: no worker records into them) from `previous`'s
  // totals, row by row where both have the same operation and method, so that swapping in a
  // new spec's metrics does not reset counters Prometheus takes as monotonic. `previous`
  // may still be counting (requests finishing on the old spec): it is only read.
  void carry_over(const Metrics& previous);

  // Prometheus text exposition format 0.0.4.
  std::string render(const TransportTotals& transport, std::string_view extra = {}) const;

 private:
  std::vector<OperationLabel> labels_;
  std::vector<std::unique_ptr<ThreadMetrics>> threads_;
};

// Escapes a Prometheus label value (backslash, double quote, newline).
void append_label_value(std::string& out, std::string_view value);

}  // namespace brrt::observe
