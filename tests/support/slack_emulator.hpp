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
//
// Faults it injects:
// - `disconnect` messages (refresh_requested, warning, link_disabled): deliver the fixture as an
//   envelope; close_connection_after() then closes that connection as Slack does after a warning;
// - a malformed frame: deliver_text();
// - a duplicate envelope: deliver() the same one again (set retry_attempt as Slack would);
// - HTTP 429 with Retry-After: rate_limit_next();
// - a dropped TCP connection (no close frame): drop_connection();
// - a dead link (TCP open, no pongs, no frames): freeze_connection();
// - a slow ack (Slack redelivers after its deadline): slow_ack_next().
class SlackEmulator {
 public:
  using Clock = std::chrono::steady_clock;
  struct Call {
    std::string method;
    std::string authorization;
    boost::json::value body;
  };
  // One websocket connection the bot made, numbered from 0 in the order they were accepted.
  struct Connection {
    int id = 0;
    Clock::time_point opened;                 // hello sent
    std::optional<Clock::time_point> closed;  // the link ended (either side; not for a frozen one)
    std::optional<Clock::time_point> frozen;  // freeze_connection() made it a dead link
  };

  SlackEmulator();
  ~SlackEmulator();

  std::string api_url() const;  // "http://127.0.0.1:PORT/api/"
  // Delivers an envelope on the most recent live connection (open, not frozen); false when none.
  bool deliver(const boost::json::value& envelope);
  // Delivers on connection `id` (see connection_log()); false when it is not live.
  bool deliver_on(int id, const boost::json::value& envelope);
  // Waits until `ready` holds for the calls (or frames) so far, up to `limit`.
  bool wait_for_call(const std::function<bool(const std::vector<Call>&)>& ready,
                     std::chrono::milliseconds limit = std::chrono::seconds(20));
  bool wait_for_frame(const std::function<bool(const std::vector<boost::json::value>&)>& ready,
                      std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Waits until the bot holds at least `count` websocket connections (counting every one made).
  bool wait_for_connections(int count, std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Waits until connection `id` has ended.
  bool wait_for_closed(int id, std::chrono::milliseconds limit = std::chrono::seconds(20));
  // The next call of `method` is answered 429 with Retry-After: `seconds`.
  void rate_limit_next(const std::string& method, int seconds);
  // usergroups.users.list answers these members for `group`.
  void set_group(const std::string& group, std::vector<std::string> members);
  // Sends a raw text frame (for malformed input).
  bool deliver_text(const std::string& frame);

  // Closes the most recent live connection abruptly: a TCP reset, no websocket close frame,
  // as when a load balancer or NAT drops the link mid-session. Returns its id, or nothing.
  std::optional<int> drop_connection();
  // Closes connection `id` with a websocket close frame (1001 going away) after `delay`, as
  // Slack does some seconds after `disconnect` / `warning`.
  bool close_connection_after(int id, std::chrono::milliseconds delay);
  // Makes the most recent live connection a dead link: the TCP connection stays open, but the
  // emulator stops reading it (so the bot's pings go unanswered) and sends nothing more.
  // Returns its id, or nothing.
  std::optional<int> freeze_connection();
  // The next envelope given to deliver() gets a slow ack: its first ack is ignored (as if it
  // arrived after Slack's 3 s deadline) and `deadline` after the delivery the envelope is
  // delivered again with retry_attempt 1 and retry_reason "timeout", on the most recent live
  // connection. The redelivery keeps the envelope_id, or with `new_envelope_id` (as for
  // events_api, where the event_id is what stays) gets envelope_id "<id>-retry1".
  void slow_ack_next(std::chrono::milliseconds deadline, bool new_envelope_id = false);
  // Envelope ids whose ack slow_ack_next() ignored, in arrival order.
  std::vector<std::string> ignored_acks() const;

  // When each envelope's ack arrived, by envelope id (for latency measurements); an ignored
  // ack is not in here.
  std::map<std::string, std::chrono::steady_clock::time_point> ack_times() const;
  std::vector<Call> calls() const;
  std::vector<boost::json::value> frames() const;  // what the bot sent on the websocket (acks)
  int connections() const;
  std::vector<Connection> connection_log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace goaround::testing
