// /rollback note <text> [--incident N]: the scribe's entry in the incident timeline.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> note(core::Invocation& call) {
  const auto text = call.arguments.rest();
  if (text.empty()) {
    call.reply("usage_error", {{"problem", "the note is empty"},
                               {"usage", call.bot.registry.find("note")->usage}});
    co_return;
  }
  auto choice = core::choose_incident(call.bot.store, call.request.where,
                                      call.arguments.value("incident"));
  if (!choice.incident) {
    call.reply("usage_error", {{"problem", choice.problem},
                               {"usage", call.bot.registry.find("note")->usage}});
    co_return;
  }
  const auto id = call.bot.store.timeline().append(
      choice.incident->id, model::EventKind::note, core::display_name(call.request.who), text,
      model::encode(model::events::Attribution{call.request.who.id}));
  call.reply("noted", {{"incident", choice.incident->id},
                       {"service", choice.incident->service},
                       {"at", call.bot.store.timeline().find(id)->at}});
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
