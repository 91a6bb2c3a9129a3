#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "goaround/config/config.hpp"
#include "goaround/slack/web_api.hpp"
#include "goaround/store/store.hpp"

namespace goaround::slack {

// Socket Mode: apps.connections.open, then the websocket it names (wss with SNI and
// certificate checks; plain ws only to a loopback host). Each envelope is recorded, acked,
// and only then handed on, so the ack never waits for work; one seen before is acked and
// dropped. On `warning`/`refresh_requested` the replacement connects before the old one goes;
// on `link_disabled` it stops; a dead or closed link reconnects with backoff and jitter.
class SocketModeClient {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(boost::json::object envelope)>;

  SocketModeClient(boost::asio::any_io_executor executor, WebApi& api, config::Secret app_token,
                   store::Store& store, Handler handler);

  // Keeps connected until stop() or link_disabled; true when Slack disabled the link.
  boost::asio::awaitable<bool> run();
  void stop();

 private:
  enum class Ended { closed, replaced, link_disabled, stopped };
  boost::asio::awaitable<void> keep_connected();
  boost::asio::awaitable<Ended> serve(const std::string& url);
  template <typename Stream>
  boost::asio::awaitable<Ended> read_loop(Stream& ws);
  // The ack to send for a frame, or nothing; also hands the envelope on when it is new.
  std::optional<std::string> take(const std::string& frame, Ended& ended, bool& replace);

  boost::asio::any_io_executor executor_;
  WebApi& api_;
  config::Secret app_token_;
  store::Store& store_;
  Handler handler_;
  bool stopped_ = false;
  bool link_disabled_ = false;
  int live_ = 0;  // connections being served
  std::map<int, std::function<void()>> closers_;  // one per open connection
  int next_connection_ = 0;
  std::optional<boost::asio::steady_timer> finished_;
};

}  // namespace goaround::slack
