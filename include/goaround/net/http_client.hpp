#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace goaround::net {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;             // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
};

struct HttpResponse {
  std::optional<int> status;  // set when the server answered
  std::string body;
  std::optional<std::string> retry_after;  // the Retry-After header, if any
  std::string error;  // why there is no answer: refused, timed out, bad URL, TLS
};

// One HTTP/1.1 exchange over a fresh connection: plain for http, TLS with SNI and certificate
// verification against the system CAs for https. Never throws for network trouble.
boost::asio::awaitable<HttpResponse> http_request(HttpRequest request);

}  // namespace goaround::net
