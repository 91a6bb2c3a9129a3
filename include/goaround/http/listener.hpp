#pragma once
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "goaround/core/engine.hpp"

namespace goaround::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

// The routes, without sockets: POST /v1/deployments (CI's registration, bearer token),
// GET /healthz, GET /readyz, GET /metrics.
class Routes {
 public:
  // `not_ready`: why the bot cannot serve yet (Slack down, database not writable), or nullopt.
  // `token`: the bearer token registrations must carry (empty: registration is off).
  Routes(core::Engine& engine, config::Secret token, std::function<std::optional<std::string>()> not_ready);
  Response answer(const Request& request);

 private:
  // One entry of the route table: a path, the one method it answers, and how.
  struct Route {
    std::string_view path;
    boost::beast::http::verb method;
    Response (Routes::*handle)(const Request&);
  };
  static const Route routes_[];

  Response register_deployment(const Request& request);
  Response health(const Request& request);
  Response readiness(const Request& request);
  Response metrics(const Request& request);
  bool authorized(const Request& request) const;

  core::Engine& engine_;
  config::Secret token_;
  std::function<std::optional<std::string>()> not_ready_;
};

// An HTTP/1.1 listener on the loop: bounded header (8 KiB) and body (64 KiB), a read deadline,
// keep-alive, and a 400 for anything it cannot parse. One coroutine per connection, at most
// `max_connections` at once (503 beyond); a failing accept (EMFILE) backs off instead of spinning.
class Listener {
 public:
  Listener(boost::asio::any_io_executor executor, Routes& routes, std::size_t max_connections = 256);
  // Binds host:port (port 0: any free one); throws std::system_error when it cannot.
  void listen(const std::string& host, unsigned short port);
  unsigned short port() const;
  boost::asio::awaitable<void> run();
  // Stops accepting and closes the connections still open.
  void stop();

  static constexpr std::size_t header_limit = 8 * 1024;
  static constexpr std::size_t body_limit = 64 * 1024;

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  Routes& routes_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;  // between failed accepts; stop() cuts it short
  std::size_t max_connections_;
  std::set<boost::asio::ip::tcp::socket*> open_;
};

}  // namespace goaround::http
