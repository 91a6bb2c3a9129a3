#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace goaround::net {

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PATCH…: the body goes with all but GET and HEAD
  std::string url;             // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

struct HttpResponse {
  std::optional<int> status;  // set when the server answered
  std::string body;
  std::optional<std::string> retry_after;  // the Retry-After header, if any
  std::vector<std::pair<std::string, std::string>> headers;  // every header, as received
  // The first header of that name (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
  std::string error;  // why there is no answer: refused, timed out, bad URL, TLS
};

// Persistent HTTP/1.1 connections, kept per origin (scheme, host, port): a request takes an
// idle connection (or opens one: plain for http, TLS with SNI and certificate verification
// against the system CAs for https) and gives it back when the answer allows keep-alive.
// Idle connections older than `idle_limit` are closed instead of reused (Slack closes idle
// connections itself after about a minute). A reused connection that fails before any byte of
// the answer arrived (the server had closed it) is retried once on a fresh connection.
//
// Meant for one io_context thread: no locks. Several coroutines may call request() at once;
// each exchange has a connection to itself. New connections use the caller's executor. The pool
// must outlive the requests in flight and must be destroyed before its io_context. Never throws
// for network trouble.
class HttpPool {
 public:
  struct Options {
    std::size_t max_idle_per_origin = 4;  // 0: close every connection after its exchange
    std::chrono::milliseconds idle_limit{std::chrono::seconds(50)};
    std::string ca_file;  // https: trusted besides the system CAs (a registry's own CA)
  };

  HttpPool();
  explicit HttpPool(Options options);
  ~HttpPool();
  HttpPool(HttpPool&&) noexcept;
  HttpPool& operator=(HttpPool&&) noexcept;
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  boost::asio::awaitable<HttpResponse> request(HttpRequest request);

  // Closes every idle connection.
  void clear();
  // Idle connections held now, over all origins.
  std::size_t idle() const;
  // Connections opened (TCP connected, and for https handshaken) since the pool was made.
  std::size_t opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One HTTP/1.1 exchange over a fresh connection, closed afterwards (a pool that keeps nothing).
boost::asio::awaitable<HttpResponse> http_request(HttpRequest request);

}  // namespace goaround::net
