// brrtrouter serve [SPEC]: serve an OpenAPI document (the pet store when none is given).
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <boost/system/system_error.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "brrt/dispatch/service.hpp"
#include "brrt/http/server.hpp"
#include "brrt/router/api_routes.hpp"
#include "cli/command.hpp"
#include "cli/server_config.hpp"
#include "cli/spec_arg.hpp"

namespace brrt::cli {

extern const char* const kPetStoreSpec;  // generated from examples/pet_store/openapi.yaml

namespace {

constexpr const char* kUsage =
    "usage: brrtrouter serve [SPEC] [--port N] [--host H] [--threads N] [--config FILE]\n"
    "                        [--base-path P] [--log-format text|json] [--no-access-log]\n"
    "                        [--swagger-ui DIR] [--response-validation off|log|enforce]\n"
    "                        [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
    "                        [--verbose]\n"
    "Serves SPEC (the built-in pet store when omitted): every operation is routed,\n"
    "its parameters and body decoded, and answered by the spec's example (or an echo of\n"
    "the decoded request). Built in: /health, /metrics, /openapi.yaml, /openapi.json and\n"
    "Swagger UI at /docs. With --tls-cert and --tls-key (PEM files), HTTPS; with\n"
    "--tls-client-ca (the PEM CAs of client certificates) too, clients are asked for a\n"
    "certificate, which mutualTLS security schemes require. The flags replace the config\n"
    "file's tls files and keep its other tls settings.\n"
    "SIGHUP reloads SPEC (in-flight requests finish on the old one; a spec that does not\n"
    "load is reported and the running one stays) and the TLS files, alike. SIGINT/SIGTERM\n"
    "drain in-flight requests, then exit 0; a second one during the drain stops at once\n"
    "(exit 128 + the signal's number).\n";

bool parse_uint(std::string_view s, unsigned long max, unsigned long& out) {
  if (s.empty() || s.size() > 9) return false;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

// The service's warnings (one per security scheme without a provider, and the Swagger UI
// assets': each distinct already).
void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::fprintf(stderr, "brrtrouter: warning: %s\n", w.c_str());
}

// The open-file limit bounds the connections a server can hold (one descriptor each). Many
// systems set a soft limit of 1024 under a far higher hard one, for the sake of programs that
// use select(); a server on epoll has no such reason, so the soft limit is raised to the hard
// one (as Go's runtime does at startup). A limit still below max_connections is reported:
// connections beyond it are refused (accepted and closed at once), not queued.
void raise_open_file_limit(std::size_t max_connections) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  // Descriptors beyond the connections': the listening sockets, epoll, the log, spec reloads.
  constexpr rlim_t kReserve = 64;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < max_connections + kReserve)
    std::fprintf(stderr,
                 "brrtrouter: warning: the open-file limit (%llu) is below max_connections "
                 "(%zu): connections beyond it are refused; raise it (ulimit -n, systemd's "
                 "LimitNOFILE=) or lower server.max_connections\n",
                 static_cast<unsigned long long>(lim.rlim_cur), max_connections);
}

// SIGHUP: the spec file is read and compiled again and swapped in between requests (requests
// in flight finish on the old one). A spec that does not load or compile is reported as at
// startup, file, line and pointer, and the running one stays.
void reload_spec(const std::string& spec_path, const spec::LoadOptions& load,
                 dispatch::Service& service) {
  if (spec_path.empty()) {
    std::fprintf(stderr,
                 "brrtrouter: SIGHUP received; the built-in pet store has no file to reload\n");
    return;
  }
  std::fprintf(stderr, "brrtrouter: SIGHUP received, reloading %s\n", spec_path.c_str());
  int code = kExitOk;
  const std::shared_ptr<const spec::Api> api = load_spec_arg(spec_path, load, code);
  if (api) {
    try {
      service.reload(api);
      print_warnings(service.warnings());
      std::fprintf(stderr, "brrtrouter: reloaded \"%s\" (%zu operations) from %s\n",
                   api->info().title.c_str(), api->operations().size(), spec_path.c_str());
      return;
    } catch (const spec::SpecError& e) {
      print_diagnostics(e.diagnostics());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: error: %s\n", spec_path.c_str(), e.what());
    }
  }
  std::fprintf(stderr, "brrtrouter: reload failed; still serving the previous spec\n");
}

// SIGHUP with HTTPS: the certificate and key are read again (a renewal), for connections from
// now on; files that do not load are reported and the running ones stay.
void reload_tls(const ServeSettings& settings, http::Server& server) {
  if (!settings.tls) return;
  try {
    server.set_tls(std::make_shared<http::TlsContext>(*settings.tls));
    std::fprintf(stderr, "brrtrouter: reloaded the certificate %s and its key\n",
                 settings.tls->cert_chain_file.c_str());
  } catch (const http::TlsError& e) {
    std::fprintf(stderr,
                 "brrtrouter: error: %s\nbrrtrouter: certificate reload failed; still serving "
                 "the previous one\n",
                 e.what());
  }
}

int run_serve(std::span<const std::string_view> args) {
  std::string spec_path, config_path;
  std::optional<unsigned long> port, threads;
  std::optional<std::string> host, log_format, swagger_ui, response_validation, tls_cert, tls_key,
      tls_client_ca;
  bool no_access_log = false;
  spec::LoadOptions load;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view name) -> std::optional<std::string_view> {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "brrtrouter serve: %.*s needs a value\n%s",
                     static_cast<int>(name.size()), name.data(), kUsage);
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return kExitOk;
    } else if (a == "--verbose" || a == "-v") {
      enable_verbose(load);
    } else if (a == "--no-access-log") {
      no_access_log = true;
    } else if (a == "--port" || a == "--threads") {
      auto v = value(a);
      unsigned long n = 0;
      if (!v) return kExitBadInput;
      if (!parse_uint(*v, a == "--port" ? 65535 : 1024, n)) {
        std::fprintf(stderr, "brrtrouter serve: %.*s expects a number, got '%.*s'\n",
                     static_cast<int>(a.size()), a.data(), static_cast<int>(v->size()), v->data());
        return kExitBadInput;
      }
      (a == "--port" ? port : threads) = n;
    } else if (a == "--host" || a == "--config" || a == "--base-path" || a == "--log-format" ||
               a == "--swagger-ui" || a == "--response-validation" || a == "--tls-cert" ||
               a == "--tls-key" || a == "--tls-client-ca") {
      auto v = value(a);
      if (!v) return kExitBadInput;
      if (a == "--host")
        host = std::string(*v);
      else if (a == "--config")
        config_path = std::string(*v);
      else if (a == "--base-path")
        load.base_path = std::string(*v);
      else if (a == "--swagger-ui")
        swagger_ui = std::string(*v);
      else if (a == "--response-validation")
        response_validation = std::string(*v);
      else if (a == "--tls-cert")
        tls_cert = std::string(*v);
      else if (a == "--tls-key")
        tls_key = std::string(*v);
      else if (a == "--tls-client-ca")
        tls_client_ca = std::string(*v);
      else
        log_format = std::string(*v);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "brrtrouter serve: unknown option '%.*s'\n%s",
                   static_cast<int>(a.size()), a.data(), kUsage);
      return kExitBadInput;
    } else if (spec_path.empty()) {
      spec_path = std::string(a);
    } else {
      std::fprintf(stderr, "brrtrouter serve: one SPEC only\n%s", kUsage);
      return kExitBadInput;
    }
  }

  ServeSettings settings;
  if (!config_path.empty()) {
    try {
      apply_config_file(config_path, settings);
    } catch (const spec::SpecError& e) {
      for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.to_string().c_str());
      return kExitBadInput;
    }
  }
  if (port) settings.server.port = static_cast<std::uint16_t>(*port);
  if (threads) settings.server.threads = static_cast<unsigned>(*threads);
  if (host) {
    const auto address = listen_address(*host);
    if (!address) {
      std::fprintf(stderr, "brrtrouter serve: --host '%s' is not an IP address\n  hint: %s\n",
                   host->c_str(), kListenAddressHint);
      return kExitBadInput;
    }
    settings.server.host = *address;
  }
  if (swagger_ui) {
    // Asked for by name: not found is an error, not a fall back to another copy.
    if (const std::string why = swagger_ui_dir_error(*swagger_ui); !why.empty()) {
      std::fprintf(stderr, "brrtrouter serve: --swagger-ui: %s\n  hint: %s\n", why.c_str(),
                   kSwaggerUiDirHint);
      return kExitBadInput;
    }
    settings.service.swagger_ui_dir = *swagger_ui;
  }
  if (tls_cert || tls_key || tls_client_ca) {
    if (!tls_cert != !tls_key || (tls_client_ca && !tls_cert && !settings.tls)) {
      const char* missing = !tls_cert ? "--tls-cert" : "--tls-key";
      std::fprintf(stderr, "brrtrouter serve: %s needs %s too\n",
                   tls_cert  ? "--tls-cert"
                   : tls_key ? "--tls-key"
                             : "--tls-client-ca",
                   missing);
      return kExitBadInput;
    }
    http::TlsSettings tls = settings.tls.value_or(http::TlsSettings{});
    if (tls_cert) {
      tls.cert_chain_file = *tls_cert;
      tls.key_file = *tls_key;
    }
    if (tls_client_ca) {
      tls.client_ca_file = *tls_client_ca;
      if (tls.client_certificates == http::ClientCertificates::Off)
        tls.client_certificates = http::ClientCertificates::Optional;
    }
    try {
      settings.server.tls = std::make_shared<http::TlsContext>(tls);
      settings.tls = tls;
    } catch (const http::TlsError& e) {
      const char* flag = e.file() == http::TlsError::File::PrivateKey  ? "--tls-key"
                         : e.file() == http::TlsError::File::ClientCa  ? "--tls-client-ca"
                         : e.file() == http::TlsError::File::ClientCrl ? "tls.client_crl"
                                                                       : "--tls-cert";
      std::fprintf(stderr, "brrtrouter serve: %s: %s\n", flag, e.what());
      return kExitBadInput;
    }
  }
  settings.service.security.client_certificates =
      settings.tls && settings.tls->client_certificates != http::ClientCertificates::Off;
  if (no_access_log) settings.service.access_log = false;
  if (response_validation) {
    const auto mode = parse_response_validation(*response_validation);
    if (!mode) {
      std::fprintf(stderr, "brrtrouter serve: --response-validation is off, log or enforce\n");
      return kExitBadInput;
    }
    settings.service.response_validation = *mode;
  }
  if (log_format) {
    if (*log_format == "json")
      settings.service.log_format = observe::LogFormat::Json;
    else if (*log_format == "text")
      settings.service.log_format = observe::LogFormat::Text;
    else {
      std::fprintf(stderr, "brrtrouter serve: --log-format is text or json\n");
      return kExitBadInput;
    }
  }

  std::shared_ptr<const spec::Api> api;
  if (spec_path.empty()) {
    try {
      api = spec::load_api_from_text(kPetStoreSpec, "examples/pet_store/openapi.yaml", load);
    } catch (const spec::SpecError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return kExitFailed;
    }
  } else {
    int code = kExitOk;
    api = load_spec_arg(spec_path, load, code);
    if (!api) return code;
  }
  for (const auto& w : api->warnings())
    if (load.verbose) std::fprintf(stderr, "%s\n", w.to_string().c_str());

  // Signals are taken by sigwait below, never by a worker thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const unsigned workers = settings.server.threads
                               ? settings.server.threads
                               : std::max(1u, std::thread::hardware_concurrency());
  settings.server.threads = workers;
  std::unique_ptr<dispatch::Service> service;
  try {
    service = std::make_unique<dispatch::Service>(api, dispatch::HandlerTable{}, settings.service,
                                                  workers);
  } catch (const spec::SpecError& e) {
    print_diagnostics(e.diagnostics());
    return kExitFailed;
  }
  print_warnings(service->warnings());
  raise_open_file_limit(settings.server.max_connections);
  http::Server server(settings.server, *service);
  service->attach(&server);
  try {
    server.start();
  } catch (const std::exception& e) {
    // A system error by its code's message alone: what() appends Boost's source location.
    const auto* sys = dynamic_cast<const boost::system::system_error*>(&e);
    std::fprintf(stderr, "brrtrouter serve: cannot listen on %s: %s\n",
                 host_port(settings.server.host, settings.server.port).c_str(),
                 sys ? sys->code().message().c_str() : e.what());
    return kExitFailed;
  }
  std::fprintf(
      stderr,
      "brrtrouter: serving \"%s\" (%zu operations) on %s://%s with %u worker%s; "
      "docs at %s\n",
      api->info().title.c_str(), api->operations().size(), settings.server.tls ? "https" : "http",
      host_port(settings.server.host, server.port()).c_str(), workers, workers == 1 ? "" : "s",
      settings.service.docs_path.empty() ? "(disabled)" : settings.service.docs_path.c_str());
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    reload_tls(settings, server);
    reload_spec(spec_path, load, *service);
  }
  std::fprintf(stderr, "brrtrouter: %s received, draining (send it again to stop at once)\n",
               signal_name(sig));
  // A second SIGINT/SIGTERM during the drain stops at once, as a user pressing Ctrl-C twice
  // expects: the drain can last drain_timeout_ms. The thread waits for it while this one waits
  // for the drain; SIGHUP is no longer acted on. Detached: when the drain ends first, the
  // process exits with the thread still waiting.
  std::thread([signals] {
    int again = 0;
    while (sigwait(&signals, &again) == 0 && again == SIGHUP) {
    }
    std::fprintf(stderr,
                 "brrtrouter: %s received again, stopping now (requests in flight are cut)\n",
                 signal_name(again));
    // No drain and no destructors: the workers are still running. Exit status as for a
    // process killed by the signal, for scripts to tell a forced stop from a clean one.
    std::_Exit(128 + again);
  }).detach();
  server.stop();
  server.wait();
  std::fprintf(stderr, "brrtrouter: stopped\n");
  return kExitOk;
}

const CommandRegistration registration{
    {"serve", "serve [SPEC] [--port N]        Serve a spec (the pet store when omitted)",
     &run_serve}};

}  // namespace
}  // namespace brrt::cli
