#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>

#include "goaround/chat/message.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/store/store.hpp"
#include "goaround/schedule/leadership.hpp"
#include "goaround/schedule/periodic.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::schedule {

// The service's metric for the status trend; nullopt when none is configured or it fails.
using MetricReader =
    std::function<boost::asio::awaitable<std::optional<double>>(const config::Service&)>;
// verify.query against prometheus.url.
MetricReader prometheus_metric(const config::Prometheus& prometheus);

// The go-around brief's "communicate on a schedule": every open incident gets a status update on its
// service's cadence. When one is due and nobody posted since the last, the commander is
// reminded first (with snooze buttons) and the bot posts its own after a grace period. The
// cadence lives in the store, so a restart keeps the clock; time comes from the injected Clock,
// so tests run in virtual time.
class StatusScheduler {
 public:
  // Posts only while `leadership` leads: on several replicas, one posts.
  StatusScheduler(config::Services services, store::Store& store, const Leadership& leadership,
                  const chat::Templates& templates, chat::Transport& transport,
                  const time::Clock& clock, MetricReader metric);

  // Posts what is due at clock.now(): reminders, then updates. Ticks missed while the bot was
  // down give one catch-up update, not one per missed interval.
  boost::asio::awaitable<void> tick();
  // Ticks every `period` until stop().
  boost::asio::awaitable<void> run(std::chrono::milliseconds period);
  void stop();

  // The commander's own update: posted in the same format; the next is due a full interval on.
  boost::asio::awaitable<void> human_update(const model::Incident& incident,
                                            const chat::Person& author, std::string text);
  // Pushes the next due time out; false when the incident has no running cadence.
  bool snooze(std::int64_t incident_id, std::chrono::minutes by, const chat::Person& who);

  // How long after a reminder the bot posts its own update.
  static std::chrono::seconds grace(std::chrono::seconds interval);

 private:
  model::Schedule start_cadence(const model::Incident& incident, std::optional<double> value);
  // `fence`: the bot's own update, posted only if claimed under it; null for a person's.
  boost::asio::awaitable<void> post_update(const model::Incident& incident, model::Schedule schedule,
                                           const chat::Person* author, const std::string& text,
                                           const store::Fence* fence);
  boost::asio::awaitable<void> post_reminder(const model::Incident& incident, model::Schedule schedule,
                                             const store::Fence& fence);

  config::Services services_;
  store::Store& store_;
  const Leadership& leadership_;
  const chat::Templates& templates_;
  chat::Transport& transport_;
  const time::Clock& clock_;
  MetricReader metric_;
  Periodic periodic_;
  bool ticking_ = false;
};

}  // namespace goaround::schedule
