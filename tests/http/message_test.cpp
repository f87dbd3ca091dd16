// Header-value helpers of http/message.hpp: If-None-Match lists against an entity tag.
#include "brrt/http/message.hpp"

#include <gtest/gtest.h>

namespace {

using brrt::http::if_none_match;

TEST(IfNoneMatch, MatchesByWeakComparison) {
  const char* tag = R"("5bfe9126-1a70e7")";
  for (const char* yes :
       {R"("5bfe9126-1a70e7")", R"(W/"5bfe9126-1a70e7")", "*", " * ", R"("a", "5bfe9126-1a70e7")",
        R"("a",W/"5bfe9126-1a70e7" , "b")", R"(,, "5bfe9126-1a70e7",)"})
    EXPECT_TRUE(if_none_match(yes, tag)) << yes;
  // A weak tag of ours compares the same way.
  EXPECT_TRUE(if_none_match(R"("x")", R"(W/"x")"));
  for (const char* no : {"", R"("5bfe9126")", R"("5BFE9126-1A70E7")", "5bfe9126-1a70e7",
                         R"('5bfe9126-1a70e7')", R"("a", "b")", R"(w/"5bfe9126-1a70e7")"})
    EXPECT_FALSE(if_none_match(no, tag)) << no;
}

TEST(IfNoneMatch, TagsMayHoldCommas) {
  // etagc allows ',': the list is read tag by tag, not split at commas.
  EXPECT_TRUE(if_none_match(R"("a,b", "c")", R"("a,b")"));
  EXPECT_TRUE(if_none_match(R"("a,b", "c")", R"("c")"));
  EXPECT_FALSE(if_none_match(R"("a,b")", R"("a")"));
  EXPECT_FALSE(if_none_match(R"("a,b")", R"("b")"));
}

TEST(IfNoneMatch, AMalformedListMatchesNothingFromTheBadElementOn) {
  EXPECT_FALSE(if_none_match(R"("unterminated)", R"("unterminated")"));
  EXPECT_FALSE(if_none_match(R"(bare, "x")", R"("x")"));
  EXPECT_FALSE(if_none_match(R"("a"junk, "x")", R"("x")"));
  EXPECT_TRUE(if_none_match(R"("x", bare)", R"("x")"));  // found before the bad element
  EXPECT_FALSE(if_none_match("W/", R"("x")"));
}

TEST(IfNoneMatch, EveryFieldOfTheRequestCounts) {
  brrt::http::Request req;
  req.headers[req.header_count++] = {"Accept", "*/*"};
  req.headers[req.header_count++] = {"if-none-match", "\"a\""};
  req.headers[req.header_count++] = {"If-None-Match", "\"b\""};
  EXPECT_TRUE(req.not_modified("\"a\""));
  EXPECT_TRUE(req.not_modified("\"b\""));
  EXPECT_FALSE(req.not_modified("\"c\""));
  EXPECT_FALSE(brrt::http::Request().not_modified("\"a\""));
}

TEST(ResponseHeaders, SetReplacesTheFirstOrAdds) {
  brrt::http::Response res;
  res.add_header("ETag", "\"1\"");
  res.add_header("Vary", "Origin");
  res.set_header("etag", "W/\"1\"");
  EXPECT_EQ(res.header("ETag"), "W/\"1\"");
  EXPECT_EQ(res.header_count(), 2u);
  res.set_header("Cache-Control", "no-cache");
  EXPECT_EQ(res.header_count(), 3u);
  EXPECT_EQ(res.header("Cache-Control"), "no-cache");
}

}  // namespace
