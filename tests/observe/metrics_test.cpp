#include "brrt/observe/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace brrt::observe {
namespace {

using namespace std::chrono_literals;

Metrics two_ops(std::size_t threads) {
  return Metrics({{"getPet", Method::Get}, {"createPet", Method::Post}}, threads);
}

TEST(Metrics, CountsByOperationMethodAndStatus) {
  auto m = two_ops(1);
  Metrics::record(m.thread(0), 0, 200, 100us);
  Metrics::record(m.thread(0), 0, 200, 100us);
  Metrics::record(m.thread(0), 0, 404, 100us);
  Metrics::record(m.thread(0), 1, 201, 100us);
  Metrics::record(m.thread(0), m.unmatched_index(), 404, 100us);
  const std::string text = m.render({});
  EXPECT_NE(
      text.find("brrt_requests_total{operation=\"getPet\",method=\"GET\",status=\"200\"} 2\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("brrt_requests_total{operation=\"getPet\",method=\"GET\",status=\"404\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("brrt_requests_total{operation=\"createPet\",method=\"POST\",status=\"201\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("brrt_requests_total{operation=\"(unmatched)\",method=\"\",status=\"404\"} 1"),
      std::string::npos);
}

TEST(Metrics, HistogramIsCumulativeWithSumAndCount) {
  auto m = two_ops(1);
  Metrics::record(m.thread(0), 0, 200, 40us);  // <= 50us bucket
  Metrics::record(m.thread(0), 0, 200, 2ms);   // <= 2.5ms bucket
  Metrics::record(m.thread(0), 0, 200, 10s);   // +Inf only
  const std::string text = m.render({});
  const std::string p =
      "brrt_request_duration_seconds_bucket{operation=\"getPet\",method=\"GET\",le=";
  EXPECT_NE(text.find(p + "\"5e-05\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find(p + "\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find(p + "\"0.0025\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find(p + "\"5\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find(p + "\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(
      text.find("brrt_request_duration_seconds_count{operation=\"getPet\",method=\"GET\"} 3\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("brrt_request_duration_seconds_sum{operation=\"getPet\",method=\"GET\"} 10.00204"),
      std::string::npos);
}

TEST(Metrics, SumsThreadSlotsAtScrape) {
  auto m = two_ops(2);
  std::thread a([&] {
    for (int i = 0; i < 1000; ++i) Metrics::record(m.thread(0), 1, 201, 1us);
  });
  std::thread b([&] {
    for (int i = 0; i < 500; ++i) Metrics::record(m.thread(1), 1, 201, 1us);
  });
  a.join();
  b.join();
  EXPECT_NE(m.render({}).find("status=\"201\"} 1500\n"), std::string::npos);
}

TEST(Metrics, MoreStatusesThanSlotsGoToOther) {
  auto m = two_ops(1);
  for (int code = 200; code < 200 + static_cast<int>(OperationStats::kStatusSlots) + 3; ++code)
    Metrics::record(m.thread(0), 0, code, 1us);
  EXPECT_NE(m.render({}).find("status=\"other\"} 3\n"), std::string::npos);
}

TEST(Metrics, TransportTotalsAndInFlight) {
  auto m = two_ops(1);
  m.thread(0).in_flight.add(2);
  const std::string text = m.render({.open_connections = 7,
                                     .accepted_connections = 9,
                                     .bytes_in = 100,
                                     .bytes_out = 200,
                                     .tls_handshake_failures = 3});
  EXPECT_NE(text.find("brrt_requests_in_flight 2\n"), std::string::npos);
  EXPECT_NE(text.find("brrt_open_connections 7\n"), std::string::npos);
  EXPECT_NE(text.find("brrt_connections_accepted_total 9\n"), std::string::npos);
  EXPECT_NE(text.find("brrt_received_bytes_total 100\n"), std::string::npos);
  EXPECT_NE(text.find("brrt_sent_bytes_total 200\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE brrt_tls_handshake_failures_total counter\n"
                      "brrt_tls_handshake_failures_total 3\n"),
            std::string::npos);
}

// A reload's new metrics start from the old totals where the operation and method are the
// same; rows only the old spec had are dropped, new rows start at zero.
TEST(Metrics, CarryOverKeepsCountersMonotonicAcrossASwap) {
  auto old = two_ops(2);
  Metrics::record(old.thread(0), 0, 200, 100us);
  Metrics::record(old.thread(1), 0, 200, 2ms);
  Metrics::record(old.thread(1), 0, 404, 100us);
  Metrics::record(old.thread(0), 1, 201, 100us);
  Metrics::record(old.thread(1), old.unmatched_index(), 404, 100us);
  // createPet is gone, getPet stays (another index), listPets is new, and getPet by POST is
  // another row.
  Metrics next({{"listPets", Method::Get}, {"getPet", Method::Post}, {"getPet", Method::Get}}, 2);
  next.carry_over(old);
  Metrics::record(next.thread(1), 2, 200, 100us);
  const std::string text = next.render({});
  for (const char* line : {
           "brrt_requests_total{operation=\"getPet\",method=\"GET\",status=\"200\"} 3",
           "brrt_requests_total{operation=\"getPet\",method=\"GET\",status=\"404\"} 1",
           "brrt_requests_total{operation=\"(unmatched)\",method=\"\",status=\"404\"} 1",
           "brrt_request_duration_seconds_count{operation=\"getPet\",method=\"GET\"} 4",
           "brrt_request_duration_seconds_bucket{operation=\"getPet\",method=\"GET\",le=\"0.0025\"}"
           " 4",
           "brrt_request_duration_seconds_bucket{operation=\"getPet\",method=\"GET\",le=\"0.001\"} "
           "3",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  EXPECT_EQ(text.find("createPet"), std::string::npos) << text;
  EXPECT_EQ(text.find("operation=\"getPet\",method=\"POST\""), std::string::npos) << text;
  EXPECT_EQ(text.find("operation=\"listPets\""), std::string::npos) << text;
}

TEST(Metrics, EscapesLabelValues) {
  std::string out;
  append_label_value(out, "a\"b\\c\nd");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace brrt::observe
