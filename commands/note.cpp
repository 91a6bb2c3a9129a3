// /rollback note <text> [--incident N]: the scribe's entry in the incident timeline.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> note(core::Invocation& call) {
  const auto text = call.arguments.rest();
  if (text.empty()) {
    call.usage_error("the note is empty", "note");
    co_return;
  }
  const auto choice = call.engine.choose_incident(call.request.where, call.arguments.value("incident"));
  if (!choice.incident) {
    call.usage_error(choice.problem, "note");
    co_return;
  }
  const auto at = call.engine.note(call.request, *choice.incident, text);
  call.reply("noted", {{"incident", choice.incident->id}, {"service", choice.incident->service}, {"at", at}});
}

}  // namespace

void register_note(core::Registry& registry) {
  registry.add({"note",
                "/rollback note <text> [--incident N]",
                "Write a line in the incident's timeline, timestamped, with your name.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"}},
                note});
}

}  // namespace goaround::commands
