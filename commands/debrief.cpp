// /rollback debrief [incident]: writes the debrief (Markdown and chart) into the data folder
// and shares it in the incident's thread.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> debrief(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  const auto latest = call.engine.latest_incident();
  const auto choice = words.empty() && !latest
                          ? core::IncidentChoice{std::nullopt, "there are no incidents yet"}
                          : call.engine.choose_incident(call.request.where,
                                                        words.empty() ? std::to_string(latest->id) : words.front());
  if (!choice.incident) {
    call.usage_error(choice.problem, "debrief");
    co_return;
  }
  co_await call.engine.debrief(call.request, *choice.incident);
}

}  // namespace

void register_debrief(core::Registry& registry) {
  registry.add({"debrief",
                "/rollback debrief [incident]",
                "Write the debrief from the timeline (durations, commands, verification, lessons, "
                "actions, a chart) and share it in the incident thread.",
                {},
                debrief,
                core::Names::incident});
}

}  // namespace goaround::commands
