// /rollback debrief [incident]: writes the debrief (Markdown and chart) into the data folder
// and shares it in the incident's thread.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/debrief/debrief.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> debrief(core::Invocation& call) {
  auto& store = call.bot.store;
  const auto& words = call.arguments.positional;
  auto choice = words.empty() && !store.incidents().latest()
                    ? core::IncidentChoice{std::nullopt, "there are no incidents yet"}
                    : core::choose_incident(store, call.request.where,
                                            words.empty() ? std::optional(std::to_string(store.incidents().latest()->id))
                                                          : std::optional(words.front()));
  if (!choice.incident) {
    call.reply("usage_error", {{"problem", choice.problem},
                               {"usage", call.bot.registry.find("debrief")->usage}});
    co_return;
  }
  const auto& incident = *choice.incident;
  const auto written = co_await debrief::generate(store, call.bot.templates, call.bot.config, incident,
                                                  debrief::default_path(call.bot.config, incident.id));
  const auto who = core::display_name(call.request.who);
  const boost::json::object context{{"incident", incident.id},
                                    {"service", incident.service},
                                    {"person", who},
                                    {"path", written.markdown.string()}};
  const chat::Message posted{call.bot.templates.render("debrief_posted", context), {}};
  store.timeline().append(incident.id, model::EventKind::debrief, who, posted.text);
  const chat::Place place{incident.channel, incident.thread};
  co_await call.bot.transport.post(place, posted);
  call.bot.transport.attach(place, written.png.string(), "Incident #" + std::to_string(incident.id) + " timeline");
  call.bot.transport.attach(place, written.markdown.string(), "Debrief, incident #" + std::to_string(incident.id));
  co_await core::ChangeFreeze(call.bot.config, store, call.bot.templates, call.bot.transport).debriefed(incident, who);
}

}  // namespace

void register_debrief(core::Registry& registry) {
  registry.add({"debrief",
                "/rollback debrief [incident]",
                "Write the debrief from the timeline (durations, commands, verification, lessons, "
                "actions, a chart) and share it in the incident thread.",
                {},
                debrief});
}

}  // namespace goaround::commands
