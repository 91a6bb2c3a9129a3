// /rollback action <text> @owner: a corrective action for the debrief, with its owner.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> action(core::Invocation& call) {
  auto words = call.arguments.positional;
  // The owner is the last word starting with @ (Slack sends mentions as <@U123>).
  const auto owner_at = std::find_if(words.rbegin(), words.rend(), [](const std::string& w) {
    return w.starts_with('@') || w.starts_with("<@");
  });
  const auto& usage = call.bot.registry.find("action")->usage;
  if (owner_at == words.rend() || words.size() < 2) {
    call.reply("usage_error", {{"problem", "an action needs what to do and an @owner"}, {"usage", usage}});
    co_return;
  }
  const auto owner = *owner_at;
  words.erase(std::next(owner_at).base());
  core::Arguments text{words, {}};
  auto choice = core::choose_incident(call.bot.store, call.request.where,
                                      call.arguments.value("incident"));
  if (!choice.incident) {
    call.reply("usage_error", {{"problem", choice.problem}, {"usage", usage}});
    co_return;
  }
  const auto who = core::display_name(call.request.who);
  call.bot.store.incidents().add_action(choice.incident->id, text.rest(), owner, who);
  const auto line = call.bot.templates.render("event_action", {{"text", text.rest()}, {"owner", owner}});
  call.bot.store.timeline().append(choice.incident->id, model::EventKind::action, who, line);
  call.reply("recorded", {{"incident", choice.incident->id}, {"what", line}});
}

}  // namespace

void register_action(core::Registry& registry) {
  registry.add({"action",
                "/rollback action <text> @owner [--incident N]",
                "Record a corrective action and its owner for the debrief.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"}},
                action});
}

}  // namespace goaround::commands
