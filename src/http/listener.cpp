#include "goaround/http/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "goaround/core/deploys.hpp"
#include "goaround/http/deployment_body.hpp"
#include "goaround/metrics/metrics.hpp"

namespace goaround::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

Response reply(unsigned version, bool keep_alive, bhttp::status status, std::string body,
               std::string content_type = "application/json") {
  Response response{status, version};
  response.set(bhttp::field::server, "goaround");
  response.set(bhttp::field::content_type, content_type);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::string error_json(std::string_view why) { return json::serialize(json::object{{"error", why}}); }

// Tokens compared in constant time, so timing tells nothing about how much of a guess is right.
bool same_secret(std::string_view given, const std::string& expected) {
  if (given.size() != expected.size()) {
    CRYPTO_memcmp(expected.data(), expected.data(), expected.size());
    return false;
  }
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace

Routes::Routes(core::Engine& engine, config::Secret token, std::function<std::optional<std::string>()> not_ready)
    : engine_(engine), token_(std::move(token)), not_ready_(std::move(not_ready)) {}

bool Routes::authorized(const Request& request) const {
  const auto& token = token_;
  const std::string_view header = request[bhttp::field::authorization];
  // RFC 7235: the scheme is case-insensitive and one or more spaces part it from the token.
  constexpr std::string_view scheme = "bearer";
  if (token.empty() || header.size() <= scheme.size() || header[scheme.size()] != ' ' ||
      !boost::beast::iequals(header.substr(0, scheme.size()), scheme))
    return false;
  auto credentials = header.substr(scheme.size());
  credentials.remove_prefix(std::min(credentials.find_first_not_of(' '), credentials.size()));
  return same_secret(credentials, token.reveal());
}

namespace {
// The media type of a Content-Type value (RFC 9110 §8.3: type "/" subtype, then ";"
// parameters), compared case-insensitively; "application/jsonfoo" is another type.
bool is_json(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  return boost::beast::iequals(media, "application/json");
}
}  // namespace

Response Routes::register_deployment(const Request& request) {
  const auto v = request.version();
  const auto keep = request.keep_alive();
  if (!authorized(request)) {
    auto r = reply(v, keep, bhttp::status::unauthorized,
                   error_json(token_.empty() ? "registration is off: http.token is not set"
                                                             : "a valid bearer token is required"));
    r.set(bhttp::field::www_authenticate, "Bearer");
    return r;
  }
  if (!is_json(request[bhttp::field::content_type]))
    return reply(v, keep, bhttp::status::unsupported_media_type, error_json("send Content-Type: application/json"));
  const auto registration = register_body(engine_, request.body());
  using Outcome = core::Registration::Outcome;
  switch (registration.outcome) {
    case Outcome::registered:
      return reply(v, keep, bhttp::status::created,
                   json::serialize(json::object{{"id", registration.deployment}, {"message", registration.message}}));
    case Outcome::invalid: return reply(v, keep, bhttp::status::bad_request, error_json(registration.message));
    case Outcome::unknown_service: return reply(v, keep, bhttp::status::not_found, error_json(registration.message));
    case Outcome::frozen: return reply(v, keep, bhttp::status::locked, error_json(registration.message));
    case Outcome::rejected: return reply(v, keep, bhttp::status::conflict, error_json(registration.message));
  }
  return reply(v, keep, bhttp::status::internal_server_error, error_json("unexpected outcome"));
}

Response Routes::health(const Request& request) {
  return reply(request.version(), request.keep_alive(), bhttp::status::ok, "ok\n", "text/plain");
}

Response Routes::readiness(const Request& request) {
  const auto why = not_ready_();
  return why ? reply(request.version(), request.keep_alive(), bhttp::status::service_unavailable, *why + "\n",
                     "text/plain")
             : reply(request.version(), request.keep_alive(), bhttp::status::ok, "ready\n", "text/plain");
}

Response Routes::metrics(const Request& request) {
  return reply(request.version(), request.keep_alive(), bhttp::status::ok, metrics::process_metrics().render(),
               "text/plain; version=0.0.4; charset=utf-8");
}

const Routes::Route Routes::routes_[] = {
    {"/v1/deployments", bhttp::verb::post, &Routes::register_deployment},
    {"/healthz", bhttp::verb::get, &Routes::health},
    {"/readyz", bhttp::verb::get, &Routes::readiness},
    {"/metrics", bhttp::verb::get, &Routes::metrics},
};

Response Routes::answer(const Request& request) {
  const auto v = request.version();
  const auto keep = request.keep_alive();
  // The request target in origin form (RFC 9112 §3.2.1): a path, then an optional query.
  const auto target = boost::urls::parse_origin_form(request.target());
  const Route* found = nullptr;
  if (target)
    for (const auto& route : routes_)
      if (target->path() == route.path) found = &route;
  Response response;
  if (!target) {
    response = reply(v, keep, bhttp::status::bad_request, error_json("the request target is not a path"));
  } else if (!found) {
    std::string known;
    for (const auto& route : routes_)
      known += (known.empty() ? "" : ", ") + std::string(bhttp::to_string(route.method)) + " " + std::string(route.path);
    response = reply(v, keep, bhttp::status::not_found, error_json("no such route; try " + known));
  } else if (request.method() != found->method) {
    response = reply(v, keep, bhttp::status::method_not_allowed,
                     error_json("use " + std::string(bhttp::to_string(found->method))));
    response.set(bhttp::field::allow, bhttp::to_string(found->method));
  } else {
    response = (this->*found->handle)(request);
  }
  metrics::process_metrics().http_requests.inc(
      {found ? std::string(found->path) : "other", std::to_string(response.result_int())});
  return response;
}

Listener::Listener(asio::any_io_executor executor, Routes& routes, std::size_t max_connections)
    : routes_(routes), acceptor_(executor), pause_(executor), max_connections_(max_connections) {}

void Listener::listen(const std::string& host, unsigned short port) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  spdlog::info("http: listening on {}:{}", host, this->port());
}

unsigned short Listener::port() const { return acceptor_.local_endpoint().port(); }

asio::awaitable<void> Listener::run() {
  auto backoff = 10ms;
  std::uint64_t failures = 0;  // in a row; logged at the first and then every 100th
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) break;
      // Out of descriptors (EMFILE) or memory: accepting again at once would fail again at once
      // and spin; wait, longer each time, and let connections close.
      if (failures++ % 100 == 0)
        spdlog::warn("http: accept failed: {} ({} in a row); retrying in {} ms", ec.message(), failures,
                     backoff.count());
      pause_.expires_after(backoff);
      co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1s);
      continue;
    }
    failures = 0;
    backoff = 10ms;
    if (open_.size() >= max_connections_) {
      // Over the cap: a short answer, written without waiting, and the connection closes.
      static const std::string busy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
          "Connection: close\r\nContent-Length: 44\r\n\r\n{\"error\":\"too many connections; try again\"}\n";
      socket.non_blocking(true, ec);
      socket.write_some(asio::buffer(busy), ec);
      socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);  // a FIN after the answer, not a reset
      socket.close(ec);
      metrics::process_metrics().http_requests.inc({"over_capacity", "503"});
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), asio::detached);
  }
}

void Listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  pause_.cancel();
  for (auto* socket : open_) socket->close(ignored);
}

asio::awaitable<void> Listener::serve(asio::ip::tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  open_.insert(&stream.socket());
  beast::flat_buffer buffer;
  for (bool keep_alive = true; keep_alive;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(body_limit);
    stream.expires_after(10s);
    boost::system::error_code ec;
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::bad_descriptor)
      break;
    Response response;
    if (ec) {
      // Whatever arrived could not be a request we answer: say so, and hang up.
      const auto status = ec == bhttp::error::body_limit     ? bhttp::status::payload_too_large
                          : ec == bhttp::error::header_limit ? bhttp::status::request_header_fields_too_large
                                                             : bhttp::status::bad_request;
      response = reply(11, false, status, error_json("malformed request: " + ec.message()));
      metrics::process_metrics().http_requests.inc({"malformed", std::to_string(response.result_int())});
    } else {
      try {
        response = routes_.answer(parser.get());
      } catch (const std::exception& e) {
        spdlog::error("http: {} {}: {}", std::string(parser.get().method_string()),
                      std::string(parser.get().target()), e.what());
        response = reply(parser.get().version(), false, bhttp::status::internal_server_error, error_json("internal error"));
      }
    }
    keep_alive = response.keep_alive();
    co_await bhttp::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  open_.erase(&stream.socket());
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace goaround::http
