#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "goaround/config/config.hpp"
#include "goaround/core/engine.hpp"
#include "goaround/schedule/leadership.hpp"
#include "goaround/schedule/periodic.hpp"
#include "goaround/time/clock.hpp"
#include "goaround/verify/verify.hpp"

namespace goaround::triggers {

// One trigger's condition across polls ("roll back or fix forward?"): breached when the value crosses the
// threshold, firing once it has stayed breached for the trigger's `for`. It fires once per
// breach; a value back on the good side, or a failed query, starts the hold again. With a
// `counts_from` (the deploy an auto-rollback would undo), the hold counts only from then: a
// breach that began before the deploy must hold its full `for` after it, and fires anew for it.
class Condition {
 public:
  explicit Condition(const config::Trigger& trigger) : trigger_(trigger) {}
  struct Step {
    bool breached = false;
    bool fires = false;  // the hold was reached at this observation
    std::chrono::milliseconds held{0};
  };
  Step observe(double value, time::TimePoint at, std::optional<time::TimePoint> counts_from = std::nullopt);
  void lost();  // the query failed or was empty: nothing is known to hold
  bool breached() const { return since_.has_value(); }
  bool fired() const { return fired_; }

 private:
  const config::Trigger& trigger_;
  std::optional<time::TimePoint> since_;
  bool fired_ = false;
  time::TimePoint fired_from_{};  // where the hold that fired was counted from
};

// Evaluates PromQL against prometheus.url; injectable for tests.
using Query = std::function<boost::asio::awaitable<verify::QueryValue>(const std::string& promql)>;
Query prometheus_query(const config::Prometheus& prometheus);

// Polls every service's triggers and acts by severity: auto_rollback starts the go-around
// (inside the watch window after a registered deployment, outside the cooldown; still
// announced, verified, refused while frozen or running), page_and_suggest posts "unstable
// approach" with Go around / Hold, log_only writes the timeline. It also asks the channel
// about incidents left open with a trigger firing and no go-around, and reminds a service's
// channel when its drill is due (practice_every).
class Monitor {
 public:
  // Reads what it needs from `store`; everything it records or says goes through `engine`.
  Monitor(core::Engine& engine, store::Store& store, const time::Clock& clock, Query query);

  boost::asio::awaitable<void> tick();
  // Evaluates every `period` while `leadership` leads: on several replicas, one polls.
  boost::asio::awaitable<void> run(std::chrono::milliseconds period, const schedule::Leadership& leadership);
  void stop();

 private:
  struct Watched {
    const config::Service* service;
    const config::Trigger* trigger;
    Condition condition;
    std::string broken;  // the query's last error, reported once per outage
  };
  boost::asio::awaitable<void> evaluate(Watched& w);
  boost::asio::awaitable<void> fire(Watched& w, double value, std::chrono::milliseconds held);
  boost::asio::awaitable<void> prompt_open_incidents();
  // A service whose practice_every has passed since its last drill (or that never had one)
  // gets one reminder in its channel, with a "Run a drill" button.
  boost::asio::awaitable<void> remind_practice();
  model::events::Trigger facts(const Watched& w, double value, std::chrono::milliseconds held) const;
  // When the last registered deploy was, if it is still inside the service's watch window.
  std::optional<time::TimePoint> watch_window_start(const config::Service& service) const;
  std::optional<std::string> cooldown_until(const config::Service& service) const;

  core::Engine& engine_;
  store::Store& store_;
  const time::Clock& clock_;
  Query query_;
  std::vector<Watched> watched_;
  schedule::Periodic periodic_;
};

}  // namespace goaround::triggers
