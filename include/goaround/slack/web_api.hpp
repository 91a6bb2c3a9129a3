#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>

#include "goaround/config/config.hpp"
#include "goaround/net/http_client.hpp"

namespace goaround::slack {

struct ApiReply {
  bool ok = false;
  std::string error;  // Slack's error code, or why there was no answer
  boost::json::object body;
};

// The Slack Web API: JSON POSTs to <api_url><method> with a bearer token. HTTP 429 waits
// Retry-After and tries again; 5xx and network errors back off and try again; `ok:false` is
// returned, and logged without the token. Requests go over persistent HTTP/1.1 connections
// (an HttpPool, made on the first call's executor): the object must live on one io_context
// thread and be destroyed before that io_context.
class WebApi {
 public:
  WebApi(std::string api_url, config::Secret bot_token);

  boost::asio::awaitable<ApiReply> call(const std::string& method, boost::json::object args);
  // apps.connections.open takes the app-level token instead.
  boost::asio::awaitable<ApiReply> call_with(const config::Secret& token, const std::string& method,
                                             boost::json::object args);
  // Posts a message to an interaction's response_url (JSON, no token), over the same pool.
  // Slack answers a plain "ok" (or a JSON object with `ok`); ok:false carries Slack's error.
  boost::asio::awaitable<ApiReply> respond(const std::string& response_url, boost::json::object message);

  // The connections behind the calls (for diagnostics and tests).
  net::HttpPool& pool() { return pool_; }

 private:
  // One exchange with retries: 429 waits Retry-After, 5xx and network errors back off, an
  // answer is returned (`plain_ok`: a non-JSON 2xx counts as ok, as a response_url answers).
  boost::asio::awaitable<ApiReply> send(net::HttpRequest request, const std::string& label, int attempts,
                                        bool plain_ok);

  std::string api_url_;
  config::Secret bot_token_;
  net::HttpPool pool_;
};

}  // namespace goaround::slack
