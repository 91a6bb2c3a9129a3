#include "goaround/schedule/status_scheduler.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

#include "goaround/model/buttons.hpp"
#include "goaround/verify/verify.hpp"

namespace goaround::schedule {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using model::bot_actor;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Falling or rising only past a 5% change, so noise reads as flat.
std::string direction(double from, double to) {
  const auto margin = std::max(std::abs(from) * 0.05, 1e-9);
  if (to < from - margin) return "falling";
  if (to > from + margin) return "rising";
  return "flat";
}


}  // namespace

MetricReader prometheus_metric(const config::Prometheus& prometheus) {
  return [url = prometheus.url](const config::Service& service) -> asio::awaitable<std::optional<double>> {
    if (url.empty() || service.verify.query.empty()) co_return std::nullopt;
    const auto result = co_await verify::prometheus_query(url,
                                                          service.verify.query, 10s);
    if (!result.value) spdlog::warn("status metric for {}: {}", service.name, result.error);
    co_return result.value;
  };
}

StatusScheduler::StatusScheduler(config::Services services, store::Store& store, const Leadership& leadership,
                                 const chat::Templates& templates, chat::Transport& transport,
                                 const time::Clock& clock, MetricReader metric)
    : services_(services),
      store_(store),
      leadership_(leadership),
      templates_(templates),
      transport_(transport),
      clock_(clock),
      metric_(std::move(metric)) {}

std::chrono::seconds StatusScheduler::grace(std::chrono::seconds interval) {
  return std::min<std::chrono::seconds>(interval / 5, 5min);
}

model::Schedule StatusScheduler::start_cadence(const model::Incident& incident,
                                               std::optional<double> value) {
  const auto* service = services_.find(incident.service);
  model::Schedule schedule;
  schedule.incident_id = incident.id;
  schedule.interval = std::chrono::duration_cast<std::chrono::seconds>(
      service ? service->status_interval : std::chrono::milliseconds(15min));
  schedule.next_due_at = time::format_utc(time::stored_time(incident.opened_at) + schedule.interval);
  schedule.detection_value = value;
  return store_.schedules().start(schedule);
}

asio::awaitable<void> StatusScheduler::tick() {
  // The cadence is leader work: one replica posts, and only under its fencing token.
  const auto fence = leadership_.fence();
  if (!fence || ticking_) co_return;  // one tick at a time (a new leader's first tick may meet the periodic one)
  ticking_ = true;
  const std::unique_ptr<bool, void (*)(bool*)> done(&ticking_, [](bool* flag) { *flag = false; });
  for (const auto& incident : store_.incidents().open())
    if (!store_.schedules().find(incident.id)) {
      const auto* service = services_.find(incident.service);
      if (service && !service->drill_of.empty()) continue;  // a drill reports its own phases, nobody waits on it
      start_cadence(incident, service ? co_await metric_(*service) : std::nullopt);
    }
  for (auto schedule : store_.schedules().of_open_incidents()) {
    const auto now = clock_.now();
    const auto due = time::stored_time(schedule.next_due_at);
    if (now < due) continue;
    const auto incident = store_.incidents().find(schedule.incident_id);
    const auto wait = grace(schedule.interval);
    if (!schedule.reminded_at && now < due + wait) {
      co_await post_reminder(*incident, schedule, *fence);
    } else if (!schedule.reminded_at || now >= time::stored_time(*schedule.reminded_at) + wait) {
      co_await post_update(*incident, schedule, nullptr, "", &*fence);
    }
  }
}

asio::awaitable<void> StatusScheduler::run(std::chrono::milliseconds period) {
  co_await periodic_.run(period, [this] { return tick(); }, "status schedule");
}

void StatusScheduler::stop() { periodic_.stop(); }

asio::awaitable<void> StatusScheduler::human_update(const model::Incident& incident,
                                                    const chat::Person& author, std::string text) {
  auto schedule = store_.schedules().find(incident.id);
  if (!schedule) {
    const auto* service = services_.find(incident.service);
    schedule = start_cadence(incident, service ? co_await metric_(*service) : std::nullopt);
  }
  co_await post_update(incident, *schedule, &author, text, nullptr);
}

bool StatusScheduler::snooze(std::int64_t incident_id, std::chrono::minutes by,
                             const chat::Person& who) {
  auto schedule = store_.schedules().find(incident_id);
  if (!schedule) return false;
  schedule->next_due_at = time::format_utc(clock_.now() + by);
  schedule->reminded_at.reset();
  store_.schedules().save(*schedule);
  const auto name = who.name.empty() ? who.id : who.name;
  store_.timeline().append(incident_id, model::EventKind::snooze, name,
                      templates_.render("event_snooze", {{"person", name},
                                                         {"minutes", by.count()},
                                                         {"next", schedule->next_due_at}}));
  return true;
}

asio::awaitable<void> StatusScheduler::post_reminder(const model::Incident& incident, model::Schedule schedule,
                                                     const store::Fence& fence) {
  const auto now = clock_.now();
  const json::object context{{"incident", incident.id},
                             {"service", incident.service},
                             {"commander", incident.commander.empty() ? incident.opened_by
                                                                      : incident.commander},
                             {"grace_minutes", grace(schedule.interval).count() / 60}};
  chat::Message reminder{templates_.render("status_reminder", context), {}};
  reminder.buttons = {
      {"Snooze 30m", model::button("status.snooze", model::buttons::Snooze{incident.id, 30}), chat::ButtonStyle::normal},
      {"Snooze 1h", model::button("status.snooze", model::buttons::Snooze{incident.id, 60}), chat::ButtonStyle::normal}};
  auto reminded = schedule;
  reminded.reminded_at = time::format_utc(now);
  // Claimed before it is said: a reminder another replica claimed is not said twice.
  if (!store_.schedules().claim(schedule, reminded, fence)) co_return;
  store_.timeline().append(incident.id, model::EventKind::status_reminder, bot_actor, reminder.text);
  co_await transport_.post({incident.channel, incident.thread}, reminder);
}

asio::awaitable<void> StatusScheduler::post_update(const model::Incident& incident,
                                                   model::Schedule schedule,
                                                   const chat::Person* author,
                                                   const std::string& text, const store::Fence* fence) {
  const auto* service = services_.find(incident.service);
  const auto value = service ? co_await metric_(*service) : std::nullopt;
  // The metric query waited: someone may have posted or closed meanwhile. Work on what is
  // stored now; a closed incident gets nothing, and a bot update that lost its turn (to a
  // person, or to another replica) is dropped by the claim below.
  const auto seen = schedule;
  const auto current = store_.schedules().find(incident.id);
  if (!current) co_return;
  schedule = *current;
  const auto now = clock_.now();
  json::object context{{"incident", incident.id},
                       {"service", incident.service},
                       {"next_minutes", schedule.interval.count() / 60}};
  if (author) context["author"] = author->name.empty() ? author->id : author->name;
  if (!text.empty()) context["text"] = text;
  if (const auto execution = store_.executions().latest(incident.id))
    context[model::to_string(execution->state)] = json::object{
        {"from", execution->from_revision},
        {"to", execution->to_revision},
        {"started_at", execution->started_at.value_or("")},
        {"flag", execution->flag().empty() ? json::value(nullptr) : json::value(execution->flag())}};
  else
    context["no_go_around"] = true;
  if (const auto opened = time::parse_utc(incident.opened_at))
    context["open_for"] = time::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - *opened));
  // What happened since the last update, each entry by its first line: the update before this
  // one (and what it quoted) is not news, and the go-around line above already says the result.
  json::array recent;
  const auto events = store_.timeline().events(incident.id);
  for (auto e = events.rbegin(); e != events.rend() && recent.size() < 3; ++e) {
    if (e->kind == model::EventKind::status_update) break;
    if (model::is_chatter(e->kind) || e->kind == model::EventKind::verification || e->kind == model::EventKind::result)
      continue;
    recent.push_back({{"at", e->at}, {"kind", model::to_string(e->kind)}, {"actor", e->actor},
                      {"text", e->text.substr(0, e->text.find('\n'))}});
  }
  std::reverse(recent.begin(), recent.end());
  context["recent"] = std::move(recent);
  if (value) {
    const auto reference = schedule.last_value ? schedule.last_value : schedule.detection_value;
    json::object trend{{"now", number(*value)}};
    if (schedule.detection_value) trend["detection"] = number(*schedule.detection_value);
    if (schedule.last_value) trend["last"] = number(*schedule.last_value);
    if (reference) trend["direction"] = direction(*reference, *value);
    context["trend"] = std::move(trend);
  }
  const chat::Message update{templates_.render("status_update", context), {}};
  auto next = schedule;
  next.last_posted_at = time::format_utc(now);
  if (author) next.last_human_at = next.last_posted_at;
  next.reminded_at.reset();
  next.next_due_at = time::format_utc(now + schedule.interval);
  if (value) next.last_value = value;
  // A person's update always goes out; the bot's only once it has claimed its turn.
  if (!fence) store_.schedules().save(next);
  else if (!store_.schedules().claim(seen, next, *fence)) co_return;
  store_.timeline().append(incident.id, model::EventKind::status_update,
                      author ? (author->name.empty() ? author->id : author->name) : bot_actor,
                      update.text, model::encode(model::events::StatusUpdate{author != nullptr, value}));
  co_await transport_.post({incident.channel, incident.thread}, update);
}

}  // namespace goaround::schedule
