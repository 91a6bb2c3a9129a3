#pragma once
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace goaround::testing {

// A loopback stand-in for Slack: the Web API methods the bot calls under /api/, and the
// Socket Mode websocket that apps.connections.open hands out (it sends hello on connect).
// It records every call and every frame the bot sends, and lets a test deliver envelopes.
class SlackEmulator {
 public:
  struct Call {
    std::string method;
    std::string authorization;
    boost::json::value body;
  };

  SlackEmulator();
  ~SlackEmulator();

  std::string api_url() const;  // "http://127.0.0.1:PORT/api/"
  // Delivers an envelope on the most recent connection; false when none is open.
  bool deliver(const boost::json::value& envelope);
  // Waits until `ready` holds for the calls (or frames) so far, up to `limit`.
  bool wait_for_call(const std::function<bool(const std::vector<Call>&)>& ready,
                     std::chrono::milliseconds limit = std::chrono::seconds(20));
  bool wait_for_frame(const std::function<bool(const std::vector<boost::json::value>&)>& ready,
                      std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Waits until the bot holds at least `count` websocket connections (counting every one made).
  bool wait_for_connections(int count, std::chrono::milliseconds limit = std::chrono::seconds(20));
  // The next call of `method` is answered 429 with Retry-After: `seconds`.
  void rate_limit_next(const std::string& method, int seconds);
  // usergroups.users.list answers these members for `group`.
  void set_group(const std::string& group, std::vector<std::string> members);
  // Sends a raw text frame (for malformed input).
  bool deliver_text(const std::string& frame);
  // When each envelope's ack arrived, by envelope id (for latency measurements).
  std::map<std::string, std::chrono::steady_clock::time_point> ack_times() const;
  std::vector<Call> calls() const;
  std::vector<boost::json::value> frames() const;  // what the bot sent on the websocket (acks)
  int connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace goaround::testing
