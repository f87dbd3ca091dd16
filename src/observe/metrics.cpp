#include "brrt/observe/metrics.hpp"

#include <cstdio>
#include <map>

namespace brrt::observe {

ThreadMetrics::ThreadMetrics(std::size_t ops) : operations(ops + 1) {}

Metrics::Metrics(std::vector<OperationLabel> operations, std::size_t threads)
    : labels_(std::move(operations)) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    threads_.push_back(std::make_unique<ThreadMetrics>(labels_.size()));
}

namespace {

// Adds `n` to the count of status `code` in the first slot holding it or free, else to
// other_status. Only the slot's owner thread claims slots, so a plain store is enough; the
// count is bumped after the code is visible.
void count_status(OperationStats& s, std::uint16_t code, std::uint64_t n) noexcept {
  for (std::size_t i = 0; i < OperationStats::kStatusSlots; ++i) {
    std::uint16_t c = s.status_code[i].load(std::memory_order_relaxed);
    if (c == 0) {
      s.status_code[i].store(code, std::memory_order_release);
      c = code;
    }
    if (c == code) {
      s.status_count[i].add(n);
      return;
    }
  }
  s.other_status.add(n);
}

}  // namespace

void Metrics::record(ThreadMetrics& slot, std::size_t operation, int status,
                     std::chrono::nanoseconds latency) noexcept {
  OperationStats& s = slot.operations[operation];
  count_status(s, static_cast<std::uint16_t>(status), 1);

  const double secs = std::chrono::duration<double>(latency).count();
  std::size_t b = 0;
  while (b < kLatencyBuckets.size() && secs > kLatencyBuckets[b]) ++b;
  s.latency_bucket[b].add();
  s.latency_sum_ns.add(static_cast<std::uint64_t>(latency.count()));
  s.latency_count.add();
}

void Metrics::carry_over(const Metrics& previous) {
  if (threads_.empty()) return;
  auto key = [](const std::vector<OperationLabel>& labels, std::size_t i) {
    return i == labels.size() ? std::pair<std::string_view, int>{"", -1}
                              : std::pair<std::string_view, int>{
                                    labels[i].operation_id, static_cast<int>(labels[i].method)};
  };
  std::map<std::pair<std::string_view, int>, std::size_t> before;  // reload path: maps are fine
  for (std::size_t j = 0; j <= previous.labels_.size(); ++j)
    before.emplace(key(previous.labels_, j), j);
  ThreadMetrics& into = *threads_[0];
  for (std::size_t i = 0; i <= labels_.size(); ++i) {
    const auto found = before.find(key(labels_, i));
    if (found == before.end()) continue;
    OperationStats& to = into.operations[i];
    for (const auto& t : previous.threads_) {
      const OperationStats& from = t->operations[found->second];
      for (std::size_t k = 0; k < OperationStats::kStatusSlots; ++k) {
        const auto code = from.status_code[k].load(std::memory_order_acquire);
        if (code == 0) break;
        count_status(to, code, from.status_count[k].get());
      }
      to.other_status.add(from.other_status.get());
      for (std::size_t b = 0; b < to.latency_bucket.size(); ++b)
        to.latency_bucket[b].add(from.latency_bucket[b].get());
      to.latency_sum_ns.add(from.latency_sum_ns.get());
      to.latency_count.add(from.latency_count.get());
    }
  }
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

namespace {

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

void append_double(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.9g", v);
  out.append(buf, static_cast<std::size_t>(n));
}

void append_labels(std::string& out, std::string_view op, std::string_view method) {
  out += "{operation=\"";
  append_label_value(out, op);
  out += "\",method=\"";
  out += method;
  out += '"';
}

}  // namespace

std::string Metrics::render(const TransportTotals& transport, std::string_view extra) const {
  std::string out;
  out.reserve(4096);
  const std::size_t ops = labels_.size() + 1;

  auto label_of = [&](std::size_t i) -> std::pair<std::string_view, std::string_view> {
    if (i == labels_.size()) return {"", ""};
    return {labels_[i].operation_id, method_name(labels_[i].method)};
  };

  out +=
      "# HELP brrt_requests_total Requests answered, by operation, method and status.\n"
      "# TYPE brrt_requests_total counter\n";
  for (std::size_t i = 0; i < ops; ++i) {
    std::map<int, std::uint64_t> by_status;  // scrape path: allocation is fine here
    std::uint64_t other = 0;
    for (const auto& t : threads_) {
      const OperationStats& s = t->operations[i];
      for (std::size_t k = 0; k < OperationStats::kStatusSlots; ++k) {
        const auto code = s.status_code[k].load(std::memory_order_acquire);
        if (code == 0) break;
        by_status[code] += s.status_count[k].get();
      }
      other += s.other_status.get();
    }
    if (other) by_status[0] += other;
    auto [op, method] = label_of(i);
    for (const auto& [code, n] : by_status) {
      if (n == 0) continue;
      out += "brrt_requests_total";
      append_labels(out, i == labels_.size() ? std::string_view("(unmatched)") : op, method);
      out += ",status=\"";
      if (code == 0)
        out += "other";
      else
        append_u64(out, static_cast<std::uint64_t>(code));
      out += "\"} ";
      append_u64(out, n);
      out += '\n';
    }
  }

  out +=
      "# HELP brrt_request_duration_seconds Time from a complete request to its response.\n"
      "# TYPE brrt_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < ops; ++i) {
    std::array<std::uint64_t, kLatencyBuckets.size() + 1> buckets{};
    std::uint64_t sum_ns = 0, count = 0;
    for (const auto& t : threads_) {
      const OperationStats& s = t->operations[i];
      for (std::size_t b = 0; b < buckets.size(); ++b) buckets[b] += s.latency_bucket[b].get();
      sum_ns += s.latency_sum_ns.get();
      count += s.latency_count.get();
    }
    if (count == 0) continue;
    auto [op, method] = label_of(i);
    const std::string_view name = i == labels_.size() ? std::string_view("(unmatched)") : op;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < buckets.size(); ++b) {
      cumulative += buckets[b];
      out += "brrt_request_duration_seconds_bucket";
      append_labels(out, name, method);
      out += ",le=\"";
      if (b < kLatencyBuckets.size())
        append_double(out, kLatencyBuckets[b]);
      else
        out += "+Inf";
      out += "\"} ";
      append_u64(out, cumulative);
      out += '\n';
    }
    out += "brrt_request_duration_seconds_sum";
    append_labels(out, name, method);
    out += "} ";
    append_double(out, static_cast<double>(sum_ns) / 1e9);
    out += '\n';
    out += "brrt_request_duration_seconds_count";
    append_labels(out, name, method);
    out += "} ";
    append_u64(out, count);
    out += '\n';
  }

  std::uint64_t in_flight = 0;
  for (const auto& t : threads_) in_flight += t->in_flight.get();
  out +=
      "# HELP brrt_requests_in_flight Requests being handled now.\n"
      "# TYPE brrt_requests_in_flight gauge\n"
      "brrt_requests_in_flight ";
  append_u64(out, in_flight);
  out +=
      "\n# HELP brrt_open_connections Client connections open now.\n"
      "# TYPE brrt_open_connections gauge\n"
      "brrt_open_connections ";
  append_u64(out, transport.open_connections);
  out +=
      "\n# HELP brrt_connections_accepted_total Client connections accepted.\n"
      "# TYPE brrt_connections_accepted_total counter\n"
      "brrt_connections_accepted_total ";
  append_u64(out, transport.accepted_connections);
  out +=
      "\n# HELP brrt_connections_refused_total Client connections closed as soon as accepted: "
      "max_connections were open, or the process was at its open-file limit.\n"
      "# TYPE brrt_connections_refused_total counter\n"
      "brrt_connections_refused_total{reason=\"max_connections\"} ";
  append_u64(out, transport.refused_max_connections);
  out += "\nbrrt_connections_refused_total{reason=\"fd_limit\"} ";
  append_u64(out, transport.refused_fd_limit);
  out +=
      "\n# HELP brrt_received_bytes_total Bytes read from clients.\n"
      "# TYPE brrt_received_bytes_total counter\n"
      "brrt_received_bytes_total ";
  append_u64(out, transport.bytes_in);
  out +=
      "\n# HELP brrt_sent_bytes_total Bytes written to clients.\n"
      "# TYPE brrt_sent_bytes_total counter\n"
      "brrt_sent_bytes_total ";
  append_u64(out, transport.bytes_out);
  out +=
      "\n# HELP brrt_tls_handshake_failures_total TLS handshakes that failed or timed out "
      "(HTTPS).\n"
      "# TYPE brrt_tls_handshake_failures_total counter\n"
      "brrt_tls_handshake_failures_total ";
  append_u64(out, transport.tls_handshake_failures);
  out += '\n';
  out += extra;
  return out;
}

}  // namespace brrt::observe
