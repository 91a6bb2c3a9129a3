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

#include <deque>
#include <map>

namespace goaround::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Origin {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

std::optional<Origin> parse_url(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https")) return std::nullopt;
  Origin origin;
  origin.tls = parsed->scheme() == "https";
  origin.host = std::string(parsed->host_address());
  origin.port = parsed->has_port() ? std::string(parsed->port()) : (origin.tls ? "443" : "80");
  origin.target = std::string(parsed->encoded_target());
  if (origin.target.empty()) origin.target = "/";
  return origin;
}

// One connection: plain or TLS, with the read buffer that belongs to it.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }

  void close() {
    boost::system::error_code ignored;
    auto& socket = lowest().socket();
    if (!socket.is_open()) return;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // Whether an idle connection still looks usable: nothing arrived while it sat idle (the peer's
  // FIN, a reset, or for plain HTTP an unsolicited answer such as a 408 before closing). For TLS
  // pending bytes may be a session ticket, so only end of stream or an error count there; a
  // close_notify that slips through fails the next exchange before any answer, which retries.
  bool looks_alive() {
    auto& socket = lowest().socket();
    if (!socket.is_open()) return false;
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return false;
    char byte = 0;
    const auto got = socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    boost::system::error_code ignored;
    socket.non_blocking(false, ignored);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
    if (ec) return false;  // eof, reset, ...
    return got > 0 && secure != nullptr;
  }
};

struct Outcome {
  HttpResponse response;
  bool got_some = false;   // some byte of an answer arrived
  bool timed_out = false;
  bool reusable = false;   // the answer allows another exchange on this connection
};

template <typename Stream>
asio::awaitable<Outcome> exchange(Stream& stream, beast::tcp_stream& lowest, beast::flat_buffer& buffer,
                                  const http::request<http::string_body>& request,
                                  std::chrono::milliseconds timeout) {
  Outcome out;
  boost::system::error_code ec;
  lowest.expires_after(timeout);
  co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.timed_out = ec == beast::error::timeout;
    out.response.error = "sending the request failed: " + ec.message();
    co_return out;
  }
  http::response_parser<http::string_body> parser;
  parser.skip(request.method() == http::verb::head);  // an answer to HEAD has headers only
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  out.got_some = parser.got_some();
  if (ec) {
    out.timed_out = ec == beast::error::timeout;
    out.response.error = out.timed_out ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                       : "reading the answer failed: " + ec.message();
    co_return out;
  }
  lowest.expires_never();
  out.reusable = parser.keep_alive() && buffer.size() == 0;
  auto response = parser.release();
  out.response.status = response.result_int();
  if (const auto it = response.find(http::field::retry_after); it != response.end())
    out.response.retry_after = std::string(it->value());
  for (const auto& field : response) out.response.headers.emplace_back(field.name_string(), field.value());
  out.response.body = std::move(response.body());
  co_return out;
}

}  // namespace

struct HttpPool::Impl {
  Options options;
  std::unique_ptr<asio::ssl::context> ssl;  // made on the first https connection
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;  // oldest first
  std::size_t opened = 0;

  explicit Impl(Options o) : options(o) {}
  ~Impl() { clear(); }

  void clear() {
    for (auto& [key, list] : idle)
      for (auto& connection : list) connection->close();
    idle.clear();
  }

  bool expired(const Connection& connection, Clock::time_point now) const {
    return now - connection.idle_since >= options.idle_limit;
  }

  // The most recently returned idle connection for `key` that is young and alive, or nothing.
  std::unique_ptr<Connection> take(const std::string& key) {
    const auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    const auto now = Clock::now();
    std::unique_ptr<Connection> found;
    while (!list.empty() && !found) {
      auto candidate = std::move(list.back());
      list.pop_back();
      if (!expired(*candidate, now) && candidate->looks_alive()) found = std::move(candidate);
      else candidate->close();
    }
    if (list.empty()) idle.erase(it);
    return found;
  }

  void give_back(const std::string& key, std::unique_ptr<Connection> connection) {
    if (options.max_idle_per_origin == 0) {
      connection->close();
      return;
    }
    const auto now = Clock::now();
    connection->idle_since = now;
    auto& list = idle[key];
    list.push_back(std::move(connection));
    while (!list.empty() && (list.size() > options.max_idle_per_origin || expired(*list.front(), now))) {
      list.front()->close();
      list.pop_front();
    }
  }

  // Opens a connection to `origin` on `executor`; on failure returns nothing and says why.
  asio::awaitable<std::unique_ptr<Connection>> open(asio::any_io_executor executor, Origin origin,
                                                    std::chrono::milliseconds timeout, std::string* error) {
    boost::system::error_code ec;
    tcp::resolver resolver(executor);
    const auto endpoints =
        co_await resolver.async_resolve(origin.host, origin.port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      *error = "cannot resolve " + origin.host + ": " + ec.message();
      co_return nullptr;
    }
    auto connection = std::make_unique<Connection>();
    if (!origin.tls) {
      connection->plain = std::make_unique<beast::tcp_stream>(executor);
      auto& stream = *connection->plain;
      stream.expires_after(timeout);
      co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        *error = "cannot connect to " + origin.host + ":" + origin.port + ": " + ec.message();
        co_return nullptr;
      }
    } else {
      if (!ssl) {
        ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        ssl->set_default_verify_paths();
        if (!options.ca_file.empty()) {
          ssl->load_verify_file(options.ca_file, ec);
          if (ec) {
            *error = "cannot read the CA file " + options.ca_file + ": " + ec.message();
            ssl.reset();
            co_return nullptr;
          }
        }
        ssl->set_verify_mode(asio::ssl::verify_peer);
      }
      connection->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *ssl);
      auto& stream = *connection->secure;
      // SNI: many hosts refuse the handshake without it; and the certificate must name the host.
      if (!SSL_set_tlsext_host_name(stream.native_handle(), origin.host.c_str())) {
        *error = "cannot set the TLS server name";
        co_return nullptr;
      }
      stream.set_verify_callback(asio::ssl::host_name_verification(origin.host));
      beast::get_lowest_layer(stream).expires_after(timeout);
      co_await beast::get_lowest_layer(stream).async_connect(endpoints,
                                                             asio::redirect_error(asio::use_awaitable, ec));
      if (!ec)
        co_await stream.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        *error = "cannot connect securely to " + origin.host + ":" + origin.port + ": " + ec.message();
        co_return nullptr;
      }
    }
    connection->lowest().expires_never();
    boost::system::error_code ignored;
    connection->lowest().socket().set_option(tcp::no_delay(true), ignored);
    ++opened;
    co_return connection;
  }
};

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (boost::beast::iequals(key, name)) return value;
  return std::nullopt;
}

HttpPool::HttpPool() : HttpPool(Options{}) {}
HttpPool::HttpPool(Options options) : impl_(std::make_unique<Impl>(options)) {}
HttpPool::~HttpPool() = default;
HttpPool::HttpPool(HttpPool&&) noexcept = default;
HttpPool& HttpPool::operator=(HttpPool&&) noexcept = default;

void HttpPool::clear() { impl_->clear(); }

std::size_t HttpPool::idle() const {
  std::size_t count = 0;
  for (const auto& [key, list] : impl_->idle) count += list.size();
  return count;
}

std::size_t HttpPool::opened() const { return impl_->opened; }

asio::awaitable<HttpResponse> HttpPool::request(HttpRequest spec) {
  HttpResponse out;
  const auto origin = parse_url(spec.url);
  if (!origin) {
    out.error = "`" + spec.url + "` is not an http(s) URL";
    co_return out;
  }
  const auto key = origin->key();
  const auto verb = http::string_to_verb(spec.method);
  if (verb == http::verb::unknown) {
    out.error = "`" + spec.method + "` is not an HTTP method";
    co_return out;
  }
  http::request<http::string_body> request{verb, origin->target, 11};
  request.set(http::field::host, origin->host);
  request.set(http::field::user_agent, "goaround");
  for (const auto& [name, value] : spec.headers) request.set(name, value);
  if (verb != http::verb::get && verb != http::verb::head) {
    request.body() = spec.body;
    request.prepare_payload();
  }

  const auto executor = co_await asio::this_coro::executor;
  for (int attempt = 1;; ++attempt) {
    // The retry always gets a fresh connection.
    auto connection = attempt == 1 ? impl_->take(key) : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) {
      connection = co_await impl_->open(executor, *origin, spec.timeout, &out.error);
      if (!connection) co_return out;
    }
    Outcome got;
    if (connection->plain)
      got = co_await exchange(*connection->plain, *connection->plain, connection->buffer, request, spec.timeout);
    else
      got = co_await exchange(*connection->secure, connection->lowest(), connection->buffer, request,
                              spec.timeout);
    if (got.response.status) {
      if (got.reusable) impl_->give_back(key, std::move(connection));
      else connection->close();
      co_return std::move(got.response);
    }
    connection->close();
    // A reused connection that failed before any byte of an answer was most likely closed by
    // the server while idle: once more on a fresh one. Anything else is the answer.
    if (!reused || got.got_some || got.timed_out || attempt > 1) co_return std::move(got.response);
  }
}

asio::awaitable<HttpResponse> http_request(HttpRequest spec) {
  HttpPool one_shot(HttpPool::Options{0, std::chrono::milliseconds(0)});
  co_return co_await one_shot.request(std::move(spec));
}

}  // namespace goaround::net
