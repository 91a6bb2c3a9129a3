// /rollback unfreeze <service|all>: deploys may go again.
#include "goaround/commands/commands.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/core/go_around.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> unfreeze(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.reply("usage_error", {{"problem", "unfreeze which service (or all)?"},
                               {"usage", call.bot.registry.find("unfreeze")->usage}});
    co_return;
  }
  const auto scope = core::freeze_scope(call, words.front());
  if (!scope) co_return;
  core::ChangeFreeze freezes(call.bot.config, call.bot.store, call.bot.templates, call.bot.transport);
  if (auto refusal = co_await freezes.unfreeze(call.request.where, *scope,
                                               core::display_name(call.request.who)))
    call.reply(*refusal);
}

}  // namespace

void register_unfreeze(core::Registry& registry) {
  registry.add({"unfreeze",
                "/rollback unfreeze <service|all>",
                "Lift a change freeze (a go-around's own freeze lifts when its debrief is written).",
                {},
                unfreeze});
}

}  // namespace goaround::commands
