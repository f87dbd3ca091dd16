// W3C Trace Context: which traceparent headers are continued, which start a new trace, and the
// ids this server makes (tests of the header format from the specification's examples).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "brrt/observe/trace_context.hpp"

using namespace brrt::observe;

namespace {

const std::string kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kParent = "00f067aa0ba902b7";

bool lower_hex(std::string_view s, std::size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string_view::npos &&
         s.find_first_not_of('0') != std::string_view::npos;
}

TEST(TraceContext, ContinuesAValidTraceparentWithANewSpan) {
  TraceIdGenerator ids;
  const TraceContext t = TraceContext::from_header("00-" + kTrace + "-" + kParent + "-01", ids);
  EXPECT_TRUE(t.has_parent);
  EXPECT_EQ(t.trace(), kTrace);
  EXPECT_EQ(t.parent(), kParent);
  EXPECT_EQ(t.flags, 1);
  EXPECT_TRUE(lower_hex(t.span(), 16));
  EXPECT_NE(t.span(), kParent);
  // Downstream calls carry the same trace with this span as their parent, flags kept.
  EXPECT_EQ(t.traceparent(), "00-" + kTrace + "-" + std::string(t.span()) + "-01");
}

TEST(TraceContext, StartsANewTraceWithoutOrWithAMalformedHeader) {
  const std::string good = "00-" + kTrace + "-" + kParent + "-01";
  ASSERT_TRUE(valid_traceparent(good));
  const std::string bad[] = {
      "",
      "00-" + kTrace + "-" + kParent,                            // no flags
      "00-" + kTrace + "-" + kParent + "-01-",                   // version 00 has nothing after
      "00-" + kTrace + "-" + kParent + "-0",                     // short flags
      "ff-" + kTrace + "-" + kParent + "-01",                    // version ff is invalid
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kParent + "-01",  // uppercase
      "00-00000000000000000000000000000000-" + kParent + "-01",  // all-zero trace id
      "00-" + kTrace + "-0000000000000000-01",                   // all-zero parent id
      "00_" + kTrace + "-" + kParent + "-01",                    // wrong separator
      "0g-" + kTrace + "-" + kParent + "-01",                    // not hex
      "01-" + kTrace + "-" + kParent + "-01x",                   // later version: '-' next
  };
  TraceIdGenerator ids;
  std::set<std::string> traces;
  for (const std::string& h : bad) {
    SCOPED_TRACE(h);
    EXPECT_FALSE(valid_traceparent(h));
    const TraceContext t = TraceContext::from_header(h, ids);
    EXPECT_FALSE(t.has_parent);
    EXPECT_TRUE(t.parent().empty());
    EXPECT_EQ(t.flags, 0);
    EXPECT_TRUE(lower_hex(t.trace(), 32));
    EXPECT_TRUE(lower_hex(t.span(), 16));
    traces.insert(std::string(t.trace()));
  }
  EXPECT_EQ(traces.size(), std::size(bad));  // every new trace has its own id
  const TraceContext none = TraceContext::from_header(std::nullopt, ids);
  EXPECT_FALSE(none.has_parent);
  EXPECT_TRUE(lower_hex(none.trace(), 32));
}

TEST(TraceContext, LaterVersionsAreReadAsVersion00) {
  TraceIdGenerator ids;
  const TraceContext t =
      TraceContext::from_header("cc-" + kTrace + "-" + kParent + "-09-what-the-future-adds", ids);
  EXPECT_TRUE(t.has_parent);
  EXPECT_EQ(t.trace(), kTrace);
  EXPECT_EQ(t.flags, 9);
  EXPECT_TRUE(valid_traceparent("cc-" + kTrace + "-" + kParent + "-00"));
}

TEST(TraceContext, GeneratorsMakeDistinctNonZeroIds) {
  TraceIdGenerator a, b;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next(), y = b.next();
    EXPECT_NE(x, 0u);
    EXPECT_NE(y, 0u);
    seen.insert(x);
    seen.insert(y);
  }
  EXPECT_EQ(seen.size(), 2000u);  // two generators seeded apart do not repeat each other
}

}  // namespace
