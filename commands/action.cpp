// /rollback action <text> @owner: a corrective action for the debrief, with its owner.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> action(core::Invocation& call) {
  auto text = call.arguments;
  const auto& words = text.positional;
  // The owner is the last word starting with @ (Slack sends mentions as <@U123>).
  const auto owner_at = std::find_if(words.rbegin(), words.rend(), [](const std::string& w) {
    return w.starts_with('@') || w.starts_with("<@");
  });
  if (owner_at == words.rend() || words.size() < 2) {
    call.usage_error("an action needs what to do and an @owner", "action");
    co_return;
  }
  const auto owner = *owner_at;
  text.erase(static_cast<std::size_t>(std::distance(owner_at, words.rend()) - 1));
  const auto choice = call.engine.choose_incident(call.request.where, call.arguments.value("incident"));
  if (!choice.incident) {
    call.usage_error(choice.problem, "action");
    co_return;
  }
  const auto line = call.engine.add_action(call.request, *choice.incident, text.rest(), owner);
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
