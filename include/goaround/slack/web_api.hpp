#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>

#include "goaround/config/config.hpp"

namespace goaround::slack {

struct ApiReply {
  bool ok = false;
  std::string error;  // Slack's error code, or why there was no answer
  boost::json::object body;
};

// The Slack Web API: JSON POSTs to <api_url><method> with a bearer token. HTTP 429 waits
// Retry-After and tries again; 5xx and network errors back off and try again; `ok:false` is
// returned, and logged without the token.
class WebApi {
 public:
  WebApi(std::string api_url, config::Secret bot_token);

  boost::asio::awaitable<ApiReply> call(const std::string& method, boost::json::object args);
  // apps.connections.open takes the app-level token instead.
  boost::asio::awaitable<ApiReply> call_with(const config::Secret& token, const std::string& method,
                                             boost::json::object args);

 private:
  std::string api_url_;
  config::Secret bot_token_;
};

}  // namespace goaround::slack
