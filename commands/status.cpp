// /rollback status: where every open incident and its go-around stands.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

boost::asio::awaitable<void> status(core::Invocation& call) {
  auto& store = call.bot.store;
  json::array incidents;
  for (const auto& incident : store.open_incidents()) {
    json::object entry{{"incident", incident.id},
                       {"service", incident.service},
                       {"environment", incident.environment},
                       {"opened_at", incident.opened_at},
                       {"opened_by", incident.opened_by}};
    if (const auto running = store.running_execution(incident.service))
      entry["running"] = {{"from", running->from_revision},
                          {"to", running->to_revision},
                          {"confirmed_by", running->confirmed_by.value_or("")},
                          {"started_at", running->started_at.value_or("")}};
    const auto events = store.events(incident.id);
    for (auto e = events.rbegin(); e != events.rend(); ++e)
      if (e->kind == "result") {
        entry["last_result"] = e->text;
        break;
      }
    if (!events.empty()) {
      entry["latest_at"] = events.back().at;
      entry["latest_kind"] = events.back().kind;
      entry["latest_text"] = events.back().text;
    }
    incidents.push_back(std::move(entry));
  }
  json::array services;
  for (const auto& name : call.bot.config.service_names()) services.push_back(json::string(name));
  call.reply("status", {{"incidents", std::move(incidents)}, {"services", std::move(services)}});
  co_return;
}

}  // namespace

void register_status(core::Registry& registry) {
  registry.add({"status",
                "/rollback status",
                "Show every open incident: what is going around now, the last result, the "
                "latest timeline entry.",
                {},
                status});
}

}  // namespace goaround::commands
