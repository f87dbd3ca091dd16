// bench-server: the shared benchmark workload (../shared/bench/README.md) served by
// brrtrouter's public API. The spec (bench-api.yaml) drives routing, parameter decoding,
// validation and API-key security; the handlers below only produce the bodies, the way
// an application built on brrtrouter would.
//
//   bench-server [--spec FILE] [--host H] [--port N] [--threads N] [--access-log]
#include <pthread.h>
#include <signal.h>

#include <boost/json/string.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/observe/access_log.hpp"
#include "brrt/spec/api.hpp"

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

// Pet N: {"id":N,"name":"pet-N","tag":TAG}
void append_pet(std::string& out, std::int64_t id, std::string_view tag) {
  out += "{\"id\":";
  append_int(out, id);
  out += ",\"name\":\"pet-";
  append_int(out, id);
  out += "\",\"tag\":";
  append_string(out, tag);
  out += '}';
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

brrt::dispatch::HandlerTable handlers() {
  brrt::dispatch::HandlerTable h;
  h.add("getHealth", [](RequestContext&, Response& res) {
    json_body(res, 200);
    res.body = "{\"status\":\"ok\"}";
  });
  h.add("getPet", [](RequestContext& ctx, Response& res) {
    const std::int64_t id = *ctx.int_param("petId");  // required and validated by the spec
    if (id > 1'000'000) return error(res, 404, "pet not found");
    json_body(res, 200);
    append_pet(res.body, id, "dog");
  });
  h.add("listPets", [](RequestContext& ctx, Response& res) {
    const std::int64_t limit = ctx.int_param("limit").value_or(10);
    const std::string_view tag = ctx.string_param("tag").value_or("dog");
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
      append_pet(res.body, i, "dog");
    }
    res.body += ']';
  });
  return h;
}

int usage() {
  std::fprintf(stderr,
               "usage: bench-server [--spec FILE] [--host H] [--port N] [--threads N] "
               "[--access-log]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string spec_path = BRRT_SHARED_DIR "/bench/bench-api.yaml";
  brrt::http::ServerConfig cfg;
  cfg.port = 8080;
  bool access_log = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--access-log") {
      access_log = true;
    } else if (a == "--spec" && (v = value())) {
      spec_path = v;
    } else if (a == "--host" && (v = value())) {
      cfg.host = v;
    } else if (a == "--port" && (v = value())) {
      cfg.port = static_cast<std::uint16_t>(std::atoi(v));
    } else if (a == "--threads" && (v = value())) {
      cfg.threads = static_cast<unsigned>(std::atoi(v));
    } else {
      return usage();
    }
  }
  std::shared_ptr<const brrt::spec::Api> api;
  try {
    api = brrt::spec::load_api(spec_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-server: %s\n", e.what());
    return 1;
  }
  if (!cfg.threads) cfg.threads = std::max(1u, std::thread::hardware_concurrency());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  brrt::dispatch::ServiceOptions options;
  options.security.api_keys["ApiKeyAuth"] = {"test123"};
  options.access_log = access_log;
  brrt::dispatch::Service service(api, handlers(), options, cfg.threads);
  brrt::http::Server server(cfg, service);
  service.attach(&server);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-server: cannot listen on %s:%u: %s\n", cfg.host.c_str(), cfg.port,
                 e.what());
    return 1;
  }
  std::fprintf(stderr, "bench-server: serving %s on http://%s:%u with %u thread(s)\n",
               spec_path.c_str(), cfg.host.c_str(), server.port(), cfg.threads);
  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  server.wait();
  return 0;
}
