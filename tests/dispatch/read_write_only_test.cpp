// OpenAPI readOnly / writeOnly through the whole request path: one schema serves as a POST's
// request body and as its 201 response, and a `required` property marked readOnly binds only
// in the response, one marked writeOnly only in the request (the probe's repro: the request
// was refused with "missing required property 'id'", the enforced response with a 500 for
// the missing 'password').
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/request_parser.hpp"
#include "brrt/spec/api.hpp"

namespace brrt {
namespace {

// The same API in both OpenAPI versions: readOnly / writeOnly mean the same in each.
std::string user_api(std::string_view version) {
  std::ifstream in(std::string(BRRT_SOURCE_DIR) +
                   "/tests/dispatch/specs/users_read_write_only.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string spec = text.str();
  const std::size_t at = spec.find("openapi: 3.1.0");
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) spec.replace(at, 14, "openapi: " + std::string(version));
  return spec;
}

// A Service whose createUser handler answers 201 with `reply`, responses enforced.
struct UserService {
  std::string reply;
  std::unique_ptr<dispatch::Service> service;

  explicit UserService(std::string_view version, bool reject_read_write_only = true) {
    dispatch::HandlerTable handlers;
    handlers.add("createUser", [this](dispatch::RequestContext&, http::Response& res) {
      res.status = 201;
      res.set_content_type("application/json");
      res.body = reply;
    });
    dispatch::ServiceOptions options;
    options.response_validation = dispatch::ResponseValidation::Enforce;
    options.access_log = false;
    options.reject_read_write_only = reject_read_write_only;
    service = std::make_unique<dispatch::Service>(
        spec::load_api_from_text(user_api(version), "users_read_write_only.yaml"),
        std::move(handlers), options, 1);
  }

  // POSTs `body` to /users in-process; returns the response.
  http::Response post(std::string_view body) {
    const std::string bytes =
        "POST /users HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    http::Request req;
    const http::HeadResult head = http::parse_request_head(bytes, req, http::ParserLimits{});
    req.body = std::string_view(bytes).substr(head.head_size, head.content_length);
    http::Response res;
    EXPECT_TRUE(service->handle(0, req, res));
    return res;
  }
};

class ReadWriteOnly : public testing::TestWithParam<std::string_view> {};

TEST_P(ReadWriteOnly, ReadOnlyIsNotRequiredInRequestsNorWriteOnlyInResponses) {
  UserService users(GetParam());
  users.reply = R"({"id":1,"name":"bob"})";
  const http::Response created = users.post(R"({"name":"bob","password":"x"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body, R"({"id":1,"name":"bob"})");
}

TEST_P(ReadWriteOnly, TheOtherRequiredPropertiesStillBind) {
  UserService users(GetParam());
  users.reply = R"({"id":1,"name":"bob"})";
  // writeOnly password is required in the request.
  const http::Response no_password = users.post(R"({"name":"bob"})");
  EXPECT_EQ(no_password.status, 400) << no_password.body;
  EXPECT_NE(no_password.body.find("missing required property 'password'"), std::string::npos)
      << no_password.body;
  const http::Response no_name = users.post(R"({"password":"x"})");
  EXPECT_EQ(no_name.status, 400) << no_name.body;
  // readOnly id is required in the response: without it the enforced response is a 500.
  users.reply = R"({"name":"bob"})";
  const http::Response no_id = users.post(R"({"name":"bob","password":"x"})");
  EXPECT_EQ(no_id.status, 500) << no_id.body;
}

// Sent on the wrong side, a marked property is a violation: a client's readOnly id is a 400
// naming it, a handler's leaked writeOnly password an enforced 500. Accepting them (the
// config's read_write_only: accept) lets both through.
TEST_P(ReadWriteOnly, APropertyOfTheOtherSideIsAViolation) {
  UserService users(GetParam());
  users.reply = R"({"id":1,"name":"bob"})";
  const http::Response with_id = users.post(R"({"id":9,"name":"bob","password":"x"})");
  EXPECT_EQ(with_id.status, 400) << with_id.body;
  EXPECT_EQ(with_id.content_type(), "application/problem+json");
  EXPECT_NE(with_id.body.find(R"("pointer":"/id")"), std::string::npos) << with_id.body;
  EXPECT_NE(with_id.body.find(R"("keyword":"readOnly")"), std::string::npos) << with_id.body;
  EXPECT_NE(with_id.body.find("is read-only: sent in responses, not in requests"),
            std::string::npos)
      << with_id.body;
  users.reply = R"({"id":1,"name":"bob","password":"x"})";
  const http::Response leaked = users.post(R"({"name":"bob","password":"x"})");
  EXPECT_EQ(leaked.status, 500) << leaked.body;
  EXPECT_EQ(leaked.body.find("\"x\""), std::string::npos) << leaked.body;

  UserService lenient(GetParam(), false);
  lenient.reply = R"({"id":1,"name":"bob","password":"x"})";
  const http::Response accepted = lenient.post(R"({"id":9,"name":"bob","password":"x"})");
  EXPECT_EQ(accepted.status, 201) << accepted.body;
}

INSTANTIATE_TEST_SUITE_P(OpenApiVersions, ReadWriteOnly, testing::Values("3.0.3", "3.1.0"),
                         [](const testing::TestParamInfo<std::string_view>& info) {
                           return info.param == "3.0.3" ? std::string("Oas303")
                                                        : std::string("Oas310");
                         });

}  // namespace
}  // namespace brrt
