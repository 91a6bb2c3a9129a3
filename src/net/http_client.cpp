#include "goaround/net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>

namespace goaround::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

template <typename Stream>
asio::awaitable<HttpResponse> exchange(Stream& stream, beast::tcp_stream& lowest,
                                       const http::request<http::string_body>& request,
                                       std::chrono::milliseconds timeout) {
  HttpResponse out;
  boost::system::error_code ec;
  lowest.expires_after(timeout);
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "sending the request failed: " + ec.message();
    co_return out;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  co_await http::async_read(stream, buffer, response, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                            : "reading the answer failed: " + ec.message();
    co_return out;
  }
  out.status = response.result_int();
  if (const auto it = response.find(http::field::retry_after); it != response.end())
    out.retry_after = std::string(it->value());
  out.body = std::move(response.body());
  co_return out;
}

}  // namespace

asio::awaitable<HttpResponse> http_request(HttpRequest spec) {
  const auto& url = spec.url;
  const auto timeout = spec.timeout;
  HttpResponse out;
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https")) {
    out.error = "`" + url + "` is not an http(s) URL";
    co_return out;
  }
  const bool tls = parsed->scheme() == "https";
  const std::string host(parsed->host_address());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_target());
  if (target.empty()) target = "/";

  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  const auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "cannot resolve " + host + ": " + ec.message();
    co_return out;
  }
  http::request<http::string_body> request{spec.method == "POST" ? http::verb::post : http::verb::get,
                                           target, 11};
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "goaround");
  for (const auto& [name, value] : spec.headers) request.set(name, value);
  if (spec.method == "POST") {
    request.body() = spec.body;
    request.prepare_payload();
  }

  if (!tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.error = "cannot connect to " + host + ":" + port + ": " + ec.message();
      co_return out;
    }
    out = co_await exchange(stream, stream, request, timeout);
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    co_return out;
  }

  asio::ssl::context ssl(asio::ssl::context::tls_client);
  ssl.set_default_verify_paths();
  ssl.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(executor, ssl);
  // SNI: many hosts refuse the handshake without it; and the certificate must name the host.
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    out.error = "cannot set the TLS server name";
    co_return out;
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = "cannot connect securely to " + host + ":" + port + ": " + ec.message();
    co_return out;
  }
  co_return co_await exchange(stream, beast::get_lowest_layer(stream), request, timeout);
}

}  // namespace goaround::net
