// /rollback status [text]: with text, the commander's status update into the incident (it
// resets the cadence); without, where every open incident and its go-around stands. Also the
// reminder's snooze buttons.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> status(core::Invocation& call) {
  const auto text = call.arguments.rest();
  if (text.empty()) {
    call.reply("status", call.engine.overview());
    co_return;
  }
  const auto choice = call.engine.choose_incident(call.request.where, call.arguments.value("incident"));
  if (!choice.incident || choice.incident->state != model::IncidentState::open) {
    call.usage_error(choice.incident ? "incident #" + std::to_string(choice.incident->id) + " is closed"
                                     : choice.problem,
                     "status");
    co_return;
  }
  co_await call.engine.status_update(call.request, *choice.incident, text);
}

// status.snooze:<incident>:<minutes>
boost::asio::awaitable<void> snooze(core::Invocation& call) {
  const auto asked = model::parse_button<model::buttons::Snooze>(call.arguments.positional.front());
  if (!asked || asked->minutes <= 0 ||
      !call.engine.snooze(call.request, asked->incident, std::chrono::minutes(asked->minutes))) {
    call.reply("usage_error", {{"problem", "that reminder is no longer running"}, {"usage", "/rollback status <text>"}});
    co_return;
  }
  call.reply("snoozed", {{"incident", asked->incident}, {"minutes", asked->minutes}});
}

}  // namespace

void register_status(core::Registry& registry) {
  registry.add({"status",
                "/rollback status [text] [--incident N]",
                "With text: post your status update into the incident; it resets the update "
                "clock. Without: every open incident, what is going around, the last result.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"}},
                status});
  registry.add_action("status.snooze", snooze, core::Names::incident);
}

}  // namespace goaround::commands
