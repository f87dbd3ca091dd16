#include "server/handlers.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "brrt/dispatch/service.hpp"
#include "brrt/observe/access_log.hpp"

namespace brrt::bench {

namespace {

using brrt::dispatch::RequestContext;
using brrt::http::Response;

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  brrt::observe::append_json_escaped(out, s);
  out += '"';
}

// Pet N: {"id":N,"name":"pet-N","tag":TAG}, TAG given as a JSON string (quoted and escaped
// once per response, not once per pet). The body grows once per pet and the pieces are copied
// in: six appends per pet were most of a listPets response's cost.
void append_pet(std::string& out, std::int64_t id, std::string_view quoted_tag) {
  char digits[24];
  const std::string_view n(digits, std::to_chars(digits, digits + sizeof digits, id).ptr);
  const std::string_view parts[] = {
      "{\"id\":", n, ",\"name\":\"pet-", n, "\",\"tag\":", quoted_tag, "}"};
  std::size_t size = 0;
  for (const std::string_view p : parts) size += p.size();
  const std::size_t at = out.size();
  out.resize(at + size);
  char* w = out.data() + at;
  for (const std::string_view p : parts) {
    std::memcpy(w, p.data(), p.size());
    w += p.size();
  }
}

void json_body(Response& res, int status) {
  res.status = status;
  res.set_content_type("application/json");
}

void error(Response& res, int status, std::string_view message) {
  json_body(res, status);
  res.body = "{\"code\":";
  append_int(res.body, status);
  res.body += ",\"message\":";
  append_string(res.body, message);
  res.body += '}';
}

}  // namespace

dispatch::HandlerTable bench_handlers() {
  dispatch::HandlerTable h;
  h.add("getHealth", [](RequestContext&, Response& res) {
    json_body(res, 200);
    res.body = "{\"status\":\"ok\"}";
  });
  h.add("getPet", [](RequestContext& ctx, Response& res) {
    const std::int64_t id = *ctx.int_param("petId");  // required and validated by the spec
    if (id > 1'000'000) return error(res, 404, "pet not found");
    json_body(res, 200);
    append_pet(res.body, id, "\"dog\"");
  });
  h.add("listPets", [](RequestContext& ctx, Response& res) {
    const std::int64_t limit = ctx.int_param("limit").value_or(10);
    std::string tag;
    append_string(tag, ctx.string_param("tag").value_or("dog"));
    json_body(res, 200);
    res.body = '[';
    for (std::int64_t i = 1; i <= limit; ++i) {
      if (i > 1) res.body += ',';
      append_pet(res.body, i, tag);
    }
    res.body += ']';
  });
  h.add("createPet", [](RequestContext& ctx, Response& res) {
    const auto& pet = ctx.body.as_object();  // validated against NewPet
    json_body(res, 201);
    res.body = "{\"id\":42,\"name\":";
    append_string(res.body, pet.at("name").as_string());
    if (const auto* tag = pet.if_contains("tag")) {
      res.body += ",\"tag\":";
      append_string(res.body, tag->as_string());
    }
    res.body += '}';
  });
  h.add("getUserPost", [](RequestContext& ctx, Response& res) {
    json_body(res, 200);
    res.body = "{\"userId\":";
    append_string(res.body, *ctx.string_param("userId"));
    res.body += ",\"postId\":";
    append_int(res.body, *ctx.int_param("postId"));
    res.body += ",\"title\":\"hello\"}";
  });
  h.add("listSecurePets", [](RequestContext&, Response& res) {
    json_body(res, 200);
    res.body = '[';
    for (int i = 1; i <= 3; ++i) {
      if (i > 1) res.body += ',';
      append_pet(res.body, i, "\"dog\"");
    }
    res.body += ']';
  });
  return h;
}

}  // namespace brrt::bench
