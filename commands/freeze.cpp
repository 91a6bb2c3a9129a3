// /rollback freeze <service|all> [reason]: deploys wait (CI's registration answers 423).
#include "goaround/commands/commands.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/core/go_around.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> freeze(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.empty()) {
    call.reply("usage_error", {{"problem", "freeze which service (or all)?"},
                               {"usage", call.bot.registry.find("freeze")->usage}});
    co_return;
  }
  const auto scope = core::freeze_scope(call, words.front());
  if (!scope) co_return;
  const auto reason = call.arguments.rest(1);
  core::ChangeFreeze freezes(call.bot.config, call.bot.store, call.bot.templates, call.bot.transport);
  if (auto refusal = co_await freezes.freeze(call.request.where, *scope,
                                             reason.empty() ? "no reason given" : reason,
                                             core::display_name(call.request.who), std::nullopt))
    call.reply(*refusal);
}

}  // namespace

void register_freeze(core::Registry& registry) {
  registry.add({"freeze",
                "/rollback freeze <service|all> [reason]",
                "Change freeze: deploys of the service (or all) are refused until unfrozen.",
                {},
                freeze});
}

}  // namespace goaround::commands
