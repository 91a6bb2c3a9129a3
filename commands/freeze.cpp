// /rollback freeze <service|all> [reason]: deploys wait (CI's registration answers 423).
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> freeze(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.empty()) {
    call.usage_error("freeze which service (or all)?", "freeze");
    co_return;
  }
  const auto scope = core::freeze_scope(call, words.front());
  if (!scope) co_return;
  if (auto refusal = co_await call.engine.freeze(call.request, *scope, call.arguments.rest(1))) call.reply(*refusal);
}

}  // namespace

void register_freeze(core::Registry& registry) {
  registry.add({"freeze",
                "/rollback freeze <service|all> [reason]",
                "Change freeze: deploys of the service (or all) are refused until unfrozen.",
                {},
                freeze,
                core::Names::service});
}

}  // namespace goaround::commands
