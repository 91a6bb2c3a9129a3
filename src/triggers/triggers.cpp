#include "goaround/triggers/triggers.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/model/buttons.hpp"
#include "goaround/metrics/metrics.hpp"

namespace goaround::triggers {
namespace json = boost::json;
namespace asio = boost::asio;

Condition::Step Condition::observe(double value, time::TimePoint at, std::optional<time::TimePoint> counts_from) {
  const bool breached = trigger_.comparison == config::Comparison::greater_than ? value > trigger_.threshold
                                                                               : value < trigger_.threshold;
  if (!breached) {
    lost();
    return {};
  }
  if (!since_) since_ = at;
  const auto from = counts_from && *counts_from > *since_ ? *counts_from : *since_;
  if (fired_ && fired_from_ != from) fired_ = false;  // a deploy since it fired: its own hold
  const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(at - from);
  const bool fires = !fired_ && held >= trigger_.hold;
  if (fires) {
    fired_ = true;
    fired_from_ = from;
  }
  return {true, fires, held};
}

void Condition::lost() {
  since_.reset();
  fired_ = false;
}

Query prometheus_query(const config::Prometheus& prometheus) {
  return [url = prometheus.url](const std::string& promql) -> asio::awaitable<verify::QueryValue> {
    if (url.empty()) co_return verify::QueryValue{std::nullopt, "prometheus.url is not configured"};
    co_return co_await verify::prometheus_query(url, promql, std::chrono::seconds(5));
  };
}

namespace {

// Under a suggestion or a prompt: the person decides.
std::vector<chat::Button> go_around_or_hold(std::int64_t incident) {
  return {{"Go around", model::button("goaround.go", model::buttons::Incident{incident}), chat::ButtonStyle::danger},
          {"Hold", model::button("goaround.hold", model::buttons::Incident{incident}), chat::ButtonStyle::normal}};
}

}  // namespace

Monitor::Monitor(core::Engine& engine, store::Store& store, const time::Clock& clock, Query query)
    : engine_(engine), store_(store), clock_(clock), query_(std::move(query)) {
  for (const auto& service : engine_.services())
    for (const auto& trigger : service.triggers)
      watched_.push_back({&service, &trigger, Condition(trigger), ""});
}

model::events::Trigger Monitor::facts(const Watched& w, double value, std::chrono::milliseconds held) const {
  return {.service = w.service->name,
          .trigger = w.trigger->name,
          .query = w.trigger->query,
          .value = fmt::format("{}", value),
          .threshold = fmt::format("{}", w.trigger->threshold),
          .comparison = w.trigger->comparison == config::Comparison::greater_than ? "above" : "below",
          .held = time::format_duration(held),
          .must_hold = w.trigger->hold.count() ? time::format_duration(w.trigger->hold) : "",
          .severity = std::string(config::to_string(w.trigger->severity))};
}

std::optional<time::TimePoint> Monitor::watch_window_start(const config::Service& service) const {
  const auto deployment = store_.deploys().latest_deployment(service.name);
  if (!deployment) return std::nullopt;
  const auto at = time::parse_utc(deployment->registered_at);
  if (!at || clock_.now() - *at > service.watch_window) return std::nullopt;
  return at;
}

std::optional<std::string> Monitor::cooldown_until(const config::Service& service) const {
  const auto ended = store_.executions().last_end(service.name);
  const auto at = ended ? time::parse_utc(*ended) : std::nullopt;
  if (!at || clock_.now() >= *at + service.cooldown) return std::nullopt;
  return time::format_utc(*at + service.cooldown);
}

asio::awaitable<void> Monitor::evaluate(Watched& w) {
  auto& counters = metrics::process_metrics();
  const auto got = co_await query_(w.trigger->query);
  if (!got.value) {
    // A failing or empty query is never a reason to roll back; it is said once per outage.
    counters.trigger_evaluations.inc({w.service->name, w.trigger->name, "error"});
    w.condition.lost();
    if (w.broken != got.error) {
      w.broken = got.error;
      spdlog::warn("trigger {}/{}: cannot evaluate: {}", w.service->name, w.trigger->name, got.error);
      const auto channel = w.service->channel;
      if (!channel.empty())
        co_await engine_.say_in({channel, ""}, {engine_.templates().render("trigger_broken",
                                                                           {{"service", w.service->name},
                                                                            {"trigger", w.trigger->name},
                                                                            {"error", got.error}}),
                                                     {}});
    }
    co_return;
  }
  if (!w.broken.empty()) spdlog::info("trigger {}/{}: evaluating again", w.service->name, w.trigger->name);
  w.broken.clear();
  // An automatic go-around undoes the last deploy: the hold counts from that deploy.
  const auto counts_from = w.trigger->severity == config::Severity::auto_rollback ? watch_window_start(*w.service)
                                                                                  : std::nullopt;
  const auto step = w.condition.observe(*got.value, clock_.now(), counts_from);
  counters.trigger_evaluations.inc({w.service->name, w.trigger->name, step.breached ? "breach" : "ok"});
  if (step.fires) co_await fire(w, *got.value, step.held);
}

asio::awaitable<void> Monitor::fire(Watched& w, double value, std::chrono::milliseconds held) {
  const auto& service = *w.service;
  auto fired = facts(w, value, held);
  auto severity = w.trigger->severity;
  metrics::process_metrics().trigger_fires.inc({service.name, w.trigger->name, std::string(config::to_string(severity))});
  spdlog::warn("trigger {}/{} fired: {} {} {} for {}", service.name, w.trigger->name, value,
               fired.comparison, w.trigger->threshold, time::format_duration(held));
  if (severity == config::Severity::auto_rollback) {
    if (const auto until = cooldown_until(service)) {
      fired.cooldown_until = *until;
      severity = config::Severity::log_only;
    } else if (!watch_window_start(service)) {
      // An old deploy is rarely what broke: people decide.
      fired.outside_window = time::format_duration(service.watch_window);
      severity = config::Severity::page_and_suggest;
    }
  }
  const auto reason = engine_.templates().render("trigger_reason", model::encode(fired));
  if (severity == config::Severity::log_only) {
    for (const auto& incident : store_.incidents().open())
      if (incident.service == service.name)
        engine_.record(incident.id, model::EventKind::trigger, "trigger " + w.trigger->name, reason, model::encode(fired));
    spdlog::info("trigger {}/{}: {}", service.name, w.trigger->name, reason);
    co_return;
  }
  const chat::Person actor{"trigger:" + w.trigger->name, "trigger " + w.trigger->name, {}, true};
  if (severity == config::Severity::auto_rollback) {
    if (auto refusal = co_await engine_.automatic(service.name, actor, reason)) {
      spdlog::warn("trigger {}/{}: automatic go-around refused: {}", service.name, w.trigger->name, refusal->text);
      const auto place = chat::Place{service.channel, ""};
      co_await engine_.say_in(place, *refusal);
    }
    co_return;
  }
  auto incident = engine_.open_or_join(service, actor, reason, "");
  fired.incident = incident.id;
  const auto context = model::encode(fired);
  const chat::Message suggestion{engine_.templates().render("unstable_approach", context), go_around_or_hold(incident.id)};
  co_await engine_.record_and_say(incident, model::EventKind::trigger, actor.name, reason, context, suggestion);
}

asio::awaitable<void> Monitor::prompt_open_incidents() {
  for (auto incident : store_.incidents().open()) {
    const auto* service = engine_.services().find(incident.service);
    const auto opened = time::parse_utc(incident.opened_at);
    if (!service || !opened || clock_.now() - *opened < service->prompt_after) continue;
    const auto firing = std::find_if(watched_.begin(), watched_.end(), [&](const Watched& w) {
      return w.service == service && w.condition.fired();
    });
    if (firing == watched_.end()) continue;
    // Asked once per incident; checked before reading its executions.
    if (store_.timeline().has(incident.id, model::EventKind::go_around_prompt)) continue;
    const auto executions = store_.executions().of_incident(incident.id);
    if (std::any_of(executions.begin(), executions.end(), [](const auto& e) { return e.state != model::ExecutionState::planned && e.state != model::ExecutionState::cancelled; }))
      continue;
    json::object context{{"service", service->name},
                         {"incident", incident.id},
                         {"open_for", time::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - *opened))},
                         {"trigger", firing->trigger->name}};
    const chat::Message prompt{engine_.templates().render("go_around_prompt", context), go_around_or_hold(incident.id)};
    co_await engine_.record_and_say(incident, model::EventKind::go_around_prompt, model::bot_actor, prompt.text, {}, prompt);
  }
}

asio::awaitable<void> Monitor::tick() {
  for (auto& w : watched_) {
    try {
      co_await evaluate(w);
    } catch (const std::exception& e) {
      spdlog::error("trigger {}/{}: {}", w.service->name, w.trigger->name, e.what());
    }
  }
  co_await prompt_open_incidents();
  co_await remind_practice();
}

asio::awaitable<void> Monitor::remind_practice() {
  for (const auto& service : engine_.services()) {
    if (!service.drill || service.practice_every.count() == 0) continue;
    const auto drill = store::last_drill(store_, service.drill->name);
    if (drill && clock_.now() - time::stored_time(*drill->execution.finished_at) < service.practice_every) continue;
    // Once per lapse, whichever replica gets here first.
    if (!store_.deploys().claim_practice_reminder(service.name, drill ? *drill->execution.finished_at : "")) continue;
    json::object context{{"service", service.name},
                         {"environment", service.drill->environment},
                         {"every", time::format_age(service.practice_every)},
                         {"practice", core::practice_memory(drill, service, clock_.now())}};
    spdlog::info("practice: reminding {} to run a drill", service.name);
    co_await engine_.say_in({service.channel, ""},
                            {engine_.templates().render("practice_reminder", context),
                             {{"Run a drill", model::button("goaround.drill", model::buttons::Service{service.name}),
                               chat::ButtonStyle::primary}}});
  }
}

asio::awaitable<void> Monitor::run(std::chrono::milliseconds period, const schedule::Leadership& leadership) {
  const auto practised = std::any_of(engine_.services().begin(), engine_.services().end(),
                                     [](const config::Service& s) { return s.practice_every.count() > 0; });
  if (watched_.empty() && !practised) co_return;
  co_await periodic_.run(
      period,
      [this, &leadership]() -> asio::awaitable<void> {
        if (leadership.leading()) co_await tick();
      },
      "triggers");
}

void Monitor::stop() { periodic_.stop(); }

}  // namespace goaround::triggers
