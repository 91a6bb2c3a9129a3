// /rollback status [text]: with text, the commander's status update into the incident (it
// resets the cadence); without, where every open incident and its go-around stands. Also the
// reminder's snooze buttons.
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/schedule/status_scheduler.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

boost::asio::awaitable<void> overview(core::Invocation& call) {
  auto& store = call.bot.store;
  json::array incidents;
  for (const auto& incident : store.incidents().open()) {
    json::object entry{{"incident", incident.id},
                       {"service", incident.service},
                       {"environment", incident.environment},
                       {"opened_at", incident.opened_at},
                       {"opened_by", incident.opened_by}};
    if (const auto running = store.executions().running(incident.service))
      entry["running"] = {{"from", running->from_revision},
                          {"to", running->to_revision},
                          {"confirmed_by", running->confirmed_by.value_or("")},
                          {"started_at", running->started_at.value_or("")}};
    const auto events = store.timeline().events(incident.id);
    for (auto e = events.rbegin(); e != events.rend(); ++e)
      if (e->kind == model::EventKind::result) {
        entry["last_result"] = e->text;
        break;
      }
    if (!events.empty()) {
      entry["latest_at"] = events.back().at;
      entry["latest_kind"] = model::to_string(events.back().kind);
      entry["latest_text"] = events.back().text;
    }
    incidents.push_back(std::move(entry));
  }
  json::array services;
  for (const auto& name : call.bot.config.service_names()) services.push_back(json::string(name));
  call.reply("status", {{"incidents", std::move(incidents)}, {"services", std::move(services)}});
  co_return;
}

boost::asio::awaitable<void> status(core::Invocation& call) {
  const auto text = call.arguments.rest();
  if (text.empty()) {
    co_await overview(call);
    co_return;
  }
  auto choice = core::choose_incident(call.bot.store, call.request.where,
                                      call.arguments.value("incident"));
  if (!choice.incident || choice.incident->state != model::IncidentState::open) {
    call.reply("usage_error",
               {{"problem", choice.incident ? "incident #" + std::to_string(choice.incident->id) +
                                                  " is closed"
                                            : choice.problem},
                {"usage", call.bot.registry.find("status")->usage}});
    co_return;
  }
  co_await call.bot.status.human_update(*choice.incident, call.request.who, text);
}

// status.snooze:<incident>:<minutes>
boost::asio::awaitable<void> snooze(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto colon = value.find(':');
  std::int64_t incident = 0;
  int minutes = 0;
  const auto parse = [](std::string_view text, auto& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
  };
  if (colon == std::string::npos || !parse(std::string_view(value).substr(0, colon), incident) ||
      !parse(std::string_view(value).substr(colon + 1), minutes) || minutes <= 0 ||
      !call.bot.status.snooze(incident, std::chrono::minutes(minutes), call.request.who)) {
    call.reply("usage_error", {{"problem", "that reminder is no longer running"},
                               {"usage", "/rollback status <text>"}});
    co_return;
  }
  call.reply("snoozed", {{"incident", incident}, {"minutes", minutes}});
}

}  // namespace

void register_status(core::Registry& registry) {
  registry.add({"status",
                "/rollback status [text] [--incident N]",
                "With text: post your status update into the incident; it resets the update "
                "clock. Without: every open incident, what is going around, the last result.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"}},
                status});
  registry.add_action("status.snooze", snooze);
}

}  // namespace goaround::commands
