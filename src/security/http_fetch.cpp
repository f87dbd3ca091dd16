#include "brrt/security/http_fetch.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace brrt::security {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

FetchResult http_fetch(const std::string& method, const std::string& url,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::chrono::milliseconds timeout) {
  FetchResult out;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    out.error = "invalid URL";
    return out;
  }
  const std::string scheme(parsed->scheme());
  const bool tls = scheme == "https";
  if (!tls && scheme != "http") {
    out.error = "only http and https URLs are supported";
    return out;
  }
  const std::string host(parsed->encoded_host());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "brrtrouter");
  req.set(bhttp::field::accept, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.prepare_payload();

  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream tcp(io);
    tcp.expires_after(timeout);
    // Blocking calls with a deadline: run the async operations on a private io_context.
    beast::error_code ec;
    auto results = resolver.resolve(host, port, ec);
    if (ec) {
      out.error = "cannot resolve " + host + ": " + ec.message();
      return out;
    }
    bool done = false;
    tcp.async_connect(results, [&](beast::error_code e, auto) {
      ec = e;
      done = true;
    });
    io.run();
    io.restart();
    if (!done || ec) {
      out.error = ec == beast::error::timeout ? "timeout" : "cannot connect: " + ec.message();
      return out;
    }
    auto run_exchange = [&](auto& stream) {
      bool finished = false;
      FetchResult r;
      beast::flat_buffer buffer;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(4 * 1024 * 1024);  // a JWKS or verifier answer is small
      bhttp::async_write(stream, req, [&](beast::error_code e, std::size_t) {
        if (e) {
          r.error = e == beast::error::timeout ? "timeout" : e.message();
          finished = true;
          return;
        }
        bhttp::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) {
          if (e2)
            r.error = e2 == beast::error::timeout ? "timeout" : e2.message();
          else {
            r.status = static_cast<int>(parser.get().result_int());
            r.body = std::move(parser.get().body());
          }
          finished = true;
        });
      });
      io.run();
      io.restart();
      if (!finished && r.error.empty()) r.error = "timeout";
      return r;
    };
    if (!tls) return run_exchange(tcp);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(host));
    stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    io.run();
    io.restart();
    if (ec) {
      out.error = "TLS handshake failed: " + ec.message();
      return out;
    }
    return run_exchange(stream);
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
}

}  // namespace brrt::security
