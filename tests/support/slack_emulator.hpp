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

// A loopback stand-in for Slack: the Web API methods the bot calls under /api/, the
// response_url endpoint (POST /response/<id>: recorded as method "response_url", answered
// "ok"), and the Socket Mode websocket that apps.connections.open hands out (it sends hello on
// connect). The HTTP side honours keep-alive; api_connections() counts its TCP connections.
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
// - a slow ack (Slack redelivers after its deadline): slow_ack_next();
// - Slack closing idle HTTP keep-alive connections: drop_api_connections();
// - a keep-alive connection closed just as the next request arrives: drop_next_api_request().
class SlackEmulator {
 public:
  using Clock = std::chrono::steady_clock;
  struct Call {
    std::string method;  // "response_url" for POST /response/<id>
    std::string authorization;
    boost::json::value body;
    std::string target;  // the HTTP request target, e.g. "/api/chat.postMessage"
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
  // "http://127.0.0.1:PORT/response/<id>": a response_url as Slack puts in a payload (an id
  // starting "expired" answers 404 expired_url, as one past its 30 minutes).
  std::string response_url(const std::string& id) const;
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
  // Closes every HTTP connection that carried an /api/ or /response/ request (FIN, as Slack
  // does with idle keep-alive connections); returns when they are closed. Returns how many.
  int drop_api_connections();
  // The next /api/ or /response/ request that arrives on an already used keep-alive connection
  // is neither answered nor recorded: the connection is closed instead (a server closing an
  // idle connection as the request crosses it).
  void drop_next_api_request();

  // apps.connections.open hands out `other`'s websocket from now on: the links are served on
  // its thread, the Web API and response_urls on this one (for benchmarks, where answering the
  // bot's calls must not delay reading its acks).
  void hand_out_links_of(const SlackEmulator& other);

  // Envelope ids whose ack slow_ack_next() ignored, in arrival order.
  std::vector<std::string> ignored_acks() const;

  // When each envelope's ack arrived, by envelope id (for latency measurements); an ignored
  // ack is not in here.
  std::map<std::string, std::chrono::steady_clock::time_point> ack_times() const;
  std::vector<Call> calls() const;
  std::vector<boost::json::value> frames() const;  // what the bot sent on the websocket (acks)
  int connections() const;
  // TCP connections that carried at least one /api/ or /response/ request (keep-alive reuse
  // shows as fewer connections than calls).
  int api_connections() const;
  std::vector<Connection> connection_log() const;

 private:
  boost::json::value localized(const boost::json::value& envelope) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace goaround::testing
