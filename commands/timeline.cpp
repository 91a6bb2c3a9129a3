// /rollback timeline [incident]: the scribe's log, one event per line.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> timeline(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  std::optional<store::Incident> incident;
  if (words.empty()) {
    incident = call.bot.store.latest_incident();
    if (!incident) {
    call.reply("usage_error", {{"problem", "there are no incidents yet"},
                                                         {"usage", "/rollback <service>"}});
    co_return;
  }
  } else {
    auto choice = core::choose_incident(call.bot.store, call.request.where, words.front());
    if (!choice.incident)
      {
    call.reply("usage_error", {{"problem", choice.problem},
                                           {"usage", call.bot.registry.find("timeline")->usage}});
    co_return;
  }
    incident = std::move(choice.incident);
  }
  call.reply("timeline", core::timeline_context(call.bot.store, *incident));
}

}  // namespace

void register_timeline(core::Registry& registry) {
  registry.add({"timeline",
                "/rollback timeline [incident]",
                "Show an incident's timeline (the latest incident by default).",
                {},
                timeline});
}

}  // namespace goaround::commands
