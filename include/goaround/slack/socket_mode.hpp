#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "goaround/config/config.hpp"
#include "goaround/slack/web_api.hpp"
#include "goaround/slack/envelope_ledger.hpp"

namespace goaround::slack {

// What the ack of an envelope says, decided on the ack path (e.g. a form's errors, which
// Slack shows only when they come in the ack); `work`: hand the envelope on afterwards.
struct AckCheck {
  boost::json::object payload;
  bool work = true;
};

// What one text frame from Slack is, read without any I/O (the fuzzers drive this directly).
struct Frame {
  enum class Kind { not_json, hello, disconnect, envelope, other };
  Kind kind = Kind::not_json;
  std::string disconnect_reason;    // disconnect: warning, refresh_requested, link_disabled, …
  store::EnvelopeIds ids;    // envelope: its id, its event id (if any), its type
  bool accepts_response_payload = false;
  boost::json::object message;      // the whole frame, for the handler
};
Frame read_frame(std::string_view text);
// The ack of an envelope: its id, and the check's payload when the envelope accepts one.
std::string ack_for(const Frame& envelope, const AckCheck& decision);

struct SocketModeOptions {
  // A link that brings no frame and no pong for this long is dead: after half of it without a
  // frame a ping goes out, and when the other half passes too the link is dropped and replaced.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(15)};
  // Where envelopes are worked on; unset: the client's own executor. Given another thread's
  // executor, the ack path (read, record, ack) never waits behind a handler's work.
  std::optional<boost::asio::any_io_executor> work_executor;
  // Runs on the ack path, before the ack: it must be quick and share no state with the work.
  std::function<AckCheck(const boost::json::object& envelope)> check;
};

// Socket Mode: apps.connections.open, then the websocket it names (wss with SNI and
// certificate checks; plain ws only to a loopback host). Each envelope is acked at once (the
// repeat check is in memory), then its id is recorded durably by the ledger, and only then is
// it handed on: the ack waits for neither the disk nor the work; one seen before is acked and
// dropped. On `warning`/`refresh_requested` the replacement connects before the old one goes;
// on `link_disabled` it stops; a dead or closed link reconnects with backoff and jitter.
class SocketModeClient {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(boost::json::object envelope)>;
  using Options = SocketModeOptions;

  SocketModeClient(boost::asio::any_io_executor executor, WebApi& api, config::Secret app_token,
                   EnvelopeLedger& ledger, Handler handler, Options options = {});

  // Keeps connected until stop() or link_disabled; true when Slack disabled the link. It
  // returns only once nothing of the client is running any more (no reconnect waiting).
  boost::asio::awaitable<bool> run();
  void stop();
  // A link Slack has greeted (hello) is open: envelopes can arrive (for /readyz).
  bool connected() const { return greeted_ > 0; }

 private:
  enum class Ended { closed, replaced, link_disabled, stopped };
  // Starts a keep_connected() loop; run() waits for every loop to end.
  void spawn_loop();
  void finish_if_done();
  boost::asio::awaitable<void> keep_connected();
  boost::asio::awaitable<Ended> serve(const std::string& url);
  template <typename Stream>
  boost::asio::awaitable<Ended> read_loop(Stream& ws);
  // What a frame asks for: the ack to send (none for hello and disconnect), and the envelope
  // to record and hand on once the ack is out (none for a repeat or an answer in the ack).
  struct Taken {
    std::optional<std::string> ack;
    store::EnvelopeIds ids;
    std::optional<boost::json::object> work;
  };
  // `greeted` is set by Slack's hello.
  Taken take(const std::string& frame, Ended& ended, bool& replace, bool& greeted);
  // After the ack went out: record the ids, then the work, if any, on the work executor.
  void hand_on(Taken taken);
  static std::optional<std::string> ack_only(const std::string& frame) noexcept;

  boost::asio::any_io_executor executor_;
  WebApi& api_;
  config::Secret app_token_;
  EnvelopeLedger& ledger_;
  Handler handler_;
  Options options_;
  bool stopped_ = false;
  bool link_disabled_ = false;
  int live_ = 0;   // connections being served
  int loops_ = 0;  // keep_connected() loops running
  std::atomic<int> greeted_ = 0;  // open links that have had Slack's hello (read by /readyz)
  std::set<boost::asio::steady_timer*> pauses_;  // reconnect waits, cut short by stop()
  std::map<int, std::function<void()>> closers_;  // one per open connection
  int next_connection_ = 0;
  std::optional<boost::asio::steady_timer> finished_;
};

}  // namespace goaround::slack
