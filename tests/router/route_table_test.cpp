#include "brrt/router/route_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace brrt::router {
namespace {

using Status = RouteMatch::Status;

std::vector<std::string> params_of(const RouteMatch& m) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < m.param_count; ++i) out.emplace_back(m.params[i]);
  return out;
}

RouteTable pets() {
  return RouteTable::Builder()
      .add(Method::Get, "/pets", 0)
      .add(Method::Post, "/pets", 1)
      .add(Method::Get, "/pets/{petId}", 2)
      .add(Method::Delete, "/pets/{id}", 3)
      .add(Method::Get, "/pets/mine", 4)
      .add(Method::Get, "/pets/{petId}/photos/{photoId}", 5)
      .add(Method::Get, "/pets/mine/photos/latest", 6)
      .add(Method::Get, "/files/{name}.{ext}", 7)
      .add(Method::Get, "/files/{name}.json", 8)
      .add(Method::Get, "/", 9)
      .add(Method::Get, "/v{major}/status", 10)
      .add(Method::Head, "/users/{id}", 11)
      .add(Method::Get, "/users/{id}", 12)
      .build();
}

TEST(RouteTable, MatchesLiteralAndParameters) {
  auto t = pets();
  auto m = t.match(Method::Get, "/pets");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 0u);
  EXPECT_EQ(m.param_count, 0);
  m = t.match(Method::Get, "/pets/42");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 2u);
  EXPECT_EQ(params_of(m), std::vector<std::string>{"42"});
  EXPECT_EQ(t.param_names(2), std::vector<std::string>{"petId"});
  EXPECT_EQ(t.param_names(3), std::vector<std::string>{"id"});
  m = t.match(Method::Get, "/pets/7/photos/9");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 5u);
  EXPECT_EQ(params_of(m), (std::vector<std::string>{"7", "9"}));
  EXPECT_EQ(t.match(Method::Get, "/").route, 9u);
  EXPECT_EQ(t.size(), 13u);
  EXPECT_EQ(t.path_template(5), "/pets/{petId}/photos/{photoId}");
}

TEST(RouteTable, ConcreteSegmentsWinOverTemplates) {
  auto t = pets();
  auto m = t.match(Method::Get, "/pets/mine");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 4u);
  m = t.match(Method::Get, "/pets/mine/photos/latest");
  EXPECT_EQ(m.route, 6u);
}

TEST(RouteTable, BacktracksFromLiteralToParameter) {
  auto t = pets();
  // /pets/mine exists but /pets/mine/photos/{photoId} does not: the parameter branch must
  // still be found.
  auto m = t.match(Method::Get, "/pets/mine/photos/3");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 5u);
  EXPECT_EQ(params_of(m), (std::vector<std::string>{"mine", "3"}));
  // DELETE /pets/mine: the literal node has only GET, the parameter node has DELETE.
  m = t.match(Method::Delete, "/pets/mine");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 3u);
}

TEST(RouteTable, PartialSegmentParameters) {
  auto t = pets();
  auto m = t.match(Method::Get, "/files/report.pdf");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 7u);
  EXPECT_EQ(params_of(m), (std::vector<std::string>{"report", "pdf"}));
  // The more literal pattern wins.
  m = t.match(Method::Get, "/files/report.json");
  EXPECT_EQ(m.route, 8u);
  EXPECT_EQ(params_of(m), std::vector<std::string>{"report"});
  // Leftmost split for repeated separators.
  m = t.match(Method::Get, "/files/a.tar.gz");
  EXPECT_EQ(m.route, 7u);
  EXPECT_EQ(params_of(m), (std::vector<std::string>{"a", "tar.gz"}));
  // Parameters are never empty.
  EXPECT_EQ(t.match(Method::Get, "/files/.pdf").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "/files/report.").status, Status::NotFound);
  m = t.match(Method::Get, "/v2/status");
  EXPECT_EQ(m.route, 10u);
  EXPECT_EQ(params_of(m), std::vector<std::string>{"2"});
  EXPECT_EQ(t.match(Method::Get, "/v/status").status, Status::NotFound);
}

// The lazy backtracking search partial segments were matched with, as the reference: each
// parameter non-empty, tried at every occurrence of the literal after it, shortest first.
bool reference_match(const std::vector<std::string>& parts, std::size_t k, std::string_view seg,
                     std::vector<std::string>& out) {
  if (k == parts.size()) return seg.empty();
  if (parts[k] != "{}") {
    if (seg.substr(0, parts[k].size()) != parts[k]) return false;
    return reference_match(parts, k + 1, seg.substr(parts[k].size()), out);
  }
  if (k + 1 == parts.size()) {
    if (seg.empty()) return false;
    out.emplace_back(seg);
    return true;
  }
  const std::string next = parts[k + 1] == "{}" ? "" : parts[k + 1];
  for (std::size_t at = seg.find(next, 1); at != std::string_view::npos;
       at = seg.find(next, at + 1)) {
    out.emplace_back(seg.substr(0, at));
    if (reference_match(parts, k + 1, seg.substr(at), out)) return true;
    out.pop_back();
  }
  return false;
}

// Partial segments match as the lazy search does, on every small segment over the pattern's
// alphabet, without its search: a long segment of delimiters is linear work (it was polynomial:
// 4,000 dashes against "{a}-{b}-{c}.json" took 50 s).
TEST(RouteTable, PartialSegmentsMatchAsTheLazySearchWithoutItsCost) {
  const std::vector<std::vector<std::string>> patterns = {
      {"{}", "-", "{}", "-", "{}", ".json"},
      {"{}", ".", "{}"},
      {"v", "{}", "-", "{}"},
      {"{}", "-", "{}", "-", "{}", "-", "{}", "-"},
      {"a", "{}", ".", "{}", ".b"}};
  for (const auto& parts : patterns) {
    std::string tmpl = "/x/";
    for (const auto& p : parts) tmpl += p == "{}" ? "{p" + std::to_string(tmpl.size()) + "}" : p;
    const auto table = RouteTable::Builder().add(Method::Get, tmpl, 0).build();
    // Every segment of up to 7 characters over "a-.jsonvb", where the pattern can match.
    const std::string alphabet = "a-.jsonvb";
    std::vector<std::string> segs = {""};
    for (int len = 1; len <= 6; ++len)
      for (std::size_t i = segs.size(); i-- > 0;)
        if (segs[i].size() == static_cast<std::size_t>(len - 1))
          for (const char c : alphabet) segs.push_back(segs[i] + c);
    for (const auto& seg : segs) {
      std::vector<std::string> expected;
      const bool found = reference_match(parts, 0, seg, expected);
      const std::string path = "/x/" + seg;  // the match's views point into it
      const auto m = table.match(Method::Get, path);
      ASSERT_EQ(m.status == Status::Found, found) << tmpl << " " << seg;
      if (found) {
        EXPECT_EQ(params_of(m), expected) << tmpl << " " << seg;
      }
    }
  }
  const auto dates = RouteTable::Builder()
                         .add(Method::Get, "/dates/{a}-{b}-{c}.json", 0)
                         .add(Method::Get, "/y/{a}-{b}-{c}-{d}-", 1)
                         .build();
  std::string hostile;
  for (int i = 0; i < 800; ++i) hostile += ".json";
  EXPECT_EQ(dates.match(Method::Get, "/dates/" + std::string(4000, '-') + hostile + "x").status,
            Status::NotFound);
  EXPECT_EQ(dates.match(Method::Get, "/y/" + std::string(20000, '-') + "x").status,
            Status::NotFound);
  const std::string nine = "/y/" + std::string(9, '-');
  const auto m = dates.match(Method::Get, nine);
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(params_of(m), (std::vector<std::string>{"-", "-", "-", "--"}));
}

TEST(RouteTable, NotFoundAndMethodNotAllowed) {
  auto t = pets();
  EXPECT_EQ(t.match(Method::Get, "/nope").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "/pets/1/2").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "pets").status, Status::NotFound);
  auto m = t.match(Method::Put, "/pets");
  ASSERT_EQ(m.status, Status::MethodNotAllowed);
  EXPECT_EQ(m.allow, method_bit(Method::Get) | method_bit(Method::Head) | method_bit(Method::Post));
  // The union over every node the path reaches: GET (param), DELETE (param), GET (literal).
  m = t.match(Method::Post, "/pets/mine");
  ASSERT_EQ(m.status, Status::MethodNotAllowed);
  EXPECT_EQ(m.allow,
            method_bit(Method::Get) | method_bit(Method::Head) | method_bit(Method::Delete));
  EXPECT_EQ(m.param_count, 0);
}

TEST(RouteTable, HeadFallsBackToGetUnlessDefined) {
  auto t = pets();
  auto m = t.match(Method::Head, "/pets/5");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 2u);
  m = t.match(Method::Head, "/users/5");
  EXPECT_EQ(m.route, 11u);
  m = t.match(Method::Get, "/users/5");
  EXPECT_EQ(m.route, 12u);
}

TEST(RouteTable, TrailingSlashIsStrict) {
  auto t = pets();
  EXPECT_EQ(t.match(Method::Get, "/pets/").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "//").status, Status::NotFound);
  auto s = RouteTable::Builder().add(Method::Get, "/dir/", 0).build();
  EXPECT_EQ(s.match(Method::Get, "/dir/").status, Status::Found);
  EXPECT_EQ(s.match(Method::Get, "/dir").status, Status::NotFound);
}

TEST(RouteTable, PercentEncoding) {
  auto t = pets();
  // %2F inside a value never splits the segment; values stay raw.
  auto m = t.match(Method::Get, "/pets/a%2Fb");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 2u);
  EXPECT_EQ(params_of(m), std::vector<std::string>{"a%2Fb"});
  // Encoded unreserved characters in literal segments are equivalent.
  m = t.match(Method::Get, "/pet%73/min%65");
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(m.route, 4u);
  // A malformed escape cannot equal a literal; it can still be a parameter value.
  m = t.match(Method::Get, "/pets/%zz");
  EXPECT_EQ(m.route, 2u);
  EXPECT_EQ(t.match(Method::Get, "/pet%7").status, Status::NotFound);
  std::string out;
  EXPECT_TRUE(percent_decode("a%2Fb%20c+d", out));
  EXPECT_EQ(out, "a/b c+d");
  out.clear();
  EXPECT_FALSE(percent_decode("bad%2", out));
  out.clear();
  EXPECT_FALSE(percent_decode("bad%g0", out));
  out.clear();
  EXPECT_FALSE(percent_decode("%", out));
}

TEST(RouteTable, BasePath) {
  auto t = RouteTable::Builder("/api/v1/")
               .add(Method::Get, "/pets/{id}", 0)
               .add(Method::Get, "/", 1)
               .build();
  EXPECT_EQ(t.match(Method::Get, "/api/v1/pets/3").status, Status::Found);
  EXPECT_EQ(t.match(Method::Get, "/pets/3").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "/api/v1x/pets/3").status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "/api/v1").route, 1u);
  EXPECT_EQ(t.match(Method::Get, "/api/v1/").route, 1u);
}

TEST(RouteTable, RejectsMalformedTemplates) {
  for (const char* bad :
       {"pets", "/pets/{id", "/pets/id}", "/pets/{}", "/a/{x}{y}", "/a/{x}/b/{x}", "/a/{{x}}"}) {
    EXPECT_THROW(RouteTable::Builder().add(Method::Get, bad, 0), RouteError) << bad;
  }
  std::string many = "";
  for (std::size_t i = 0; i <= kMaxPathParams; ++i) many += "/{p" + std::to_string(i) + "}";
  EXPECT_THROW(RouteTable::Builder().add(Method::Get, many, 0), RouteError);
}

TEST(RouteTable, RejectsDuplicatesAndAmbiguity) {
  RouteTable::Builder b;
  b.add(Method::Get, "/a/{x}", 0);
  try {
    b.add(Method::Get, "/a/{y}", 1);
    FAIL() << "ambiguity not detected";
  } catch (const RouteError& e) {
    EXPECT_NE(std::string(e.what()).find("ambiguous with GET /a/{x}"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(b.add(Method::Get, "/a/{x}", 2), RouteError);
  // Same shape under another method is fine.
  EXPECT_NO_THROW(b.add(Method::Delete, "/a/{y}", 3));
  b.add(Method::Get, "/f/{a}.json", 4);
  EXPECT_THROW(b.add(Method::Get, "/f/{b}.json", 5), RouteError);
  EXPECT_NO_THROW(b.add(Method::Get, "/f/{b}.xml", 6));
  auto t = b.build();
  auto m = t.match(Method::Delete, "/a/1");
  EXPECT_EQ(m.route, 3u);
  EXPECT_EQ(t.param_names(3), std::vector<std::string>{"y"});
}

TEST(RouteTable, HostilePathsDoNotCrash) {
  auto t = pets();
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "/pets";
  EXPECT_EQ(t.match(Method::Get, deep).status, Status::NotFound);
  std::string slashes(100000, '/');
  EXPECT_EQ(t.match(Method::Get, slashes).status, Status::NotFound);
  EXPECT_EQ(t.match(Method::Get, "/../pets").status, Status::NotFound);
  std::string dots = "/files/" + std::string(5000, '.') + "x";
  EXPECT_EQ(t.match(Method::Get, dots).status, Status::Found);
  std::string nul("/pets/\0x", 8);
  EXPECT_EQ(t.match(Method::Get, nul).route, 2u);
}

TEST(RouteTable, MaximumParameters) {
  std::string tmpl, path;
  std::vector<std::string> want;
  for (std::size_t i = 0; i < kMaxPathParams; ++i) {
    tmpl += "/{p" + std::to_string(i) + "}";
    path += "/v" + std::to_string(i);
    want.push_back("v" + std::to_string(i));
  }
  auto t = RouteTable::Builder().add(Method::Get, tmpl, 0).build();
  auto m = t.match(Method::Get, path);
  ASSERT_EQ(m.status, Status::Found);
  EXPECT_EQ(params_of(m), want);
}

TEST(RouteTable, EmptyTableAndMoves) {
  RouteTable empty;
  EXPECT_EQ(empty.match(Method::Get, "/").status, Status::NotFound);
  RouteTable moved = pets();
  RouteTable other = std::move(moved);
  EXPECT_EQ(other.match(Method::Get, "/pets").route, 0u);
}

}  // namespace
}  // namespace brrt::router

#include "brrt/router/api_routes.hpp"

namespace brrt::router {
namespace {

// compile_routes' diagnostics, each with the hint for its kind of error.
std::vector<spec::Diagnostic> route_errors(const std::string& paths) {
  const auto api = spec::load_api_from_text(
      "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n" + paths, "t.yaml");
  try {
    (void)compile_routes(*api);
  } catch (const spec::SpecError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected route errors for\n" << paths;
  return {};
}

// Every route error had the hint for ambiguous templates ("rename or merge"), even a '{'
// without its '}'.
TEST(ApiRoutes, EachKindOfRouteErrorHasItsOwnHint) {
  const auto errors = route_errors(R"(  /y/{a:
    get: {operationId: unbalanced, responses: {'200': {description: ok}}}
  /x/{}:
    get: {operationId: empty, responses: {'200': {description: ok}}}
  /w/{a}{b}:
    get: {operationId: adjacent, responses: {'200': {description: ok}}}
  /t/{id}/{id}:
    get: {operationId: twice, responses: {'200': {description: ok}}}
  /a/{x}:
    get: {operationId: ax, responses: {'200': {description: ok}}}
  /a/{y}:
    get: {operationId: ay, responses: {'200': {description: ok}}}
  /q:
    x-brrtrouter-query: {operationId: q1, responses: {'200': {description: ok}}}
    query: {operationId: q2, responses: {'200': {description: ok}}}
)");
  ASSERT_EQ(errors.size(), 6u);
  auto expect = [&](std::size_t i, std::string_view message, std::string_view hint) {
    EXPECT_NE(errors[i].message.find(message), std::string::npos) << errors[i].to_string();
    EXPECT_NE(errors[i].hint.find(hint), std::string::npos) << errors[i].to_string();
  };
  expect(0, "unbalanced '{'", "with its braces paired");
  expect(1, "empty parameter name '{}'", "name the parameter between the braces");
  expect(2, "two parameters with nothing between them", "put a literal between the two");
  expect(3, "parameter 'id' appears twice", "its own name");
  expect(4, "GET /a/{y} is ambiguous with GET /a/{x}", "rename or merge the operations");
  expect(5, "QUERY /q is defined twice", "keep one operation per method and path");
}

}  // namespace
}  // namespace brrt::router
