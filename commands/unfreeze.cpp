// /rollback unfreeze <service|all>: deploys may go again.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> unfreeze(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.usage_error("unfreeze which service (or all)?", "unfreeze");
    co_return;
  }
  const auto scope = core::freeze_scope(call, words.front());
  if (!scope) co_return;
  if (auto refusal = co_await call.engine.unfreeze(call.request, *scope)) call.reply(*refusal);
}

}  // namespace

void register_unfreeze(core::Registry& registry) {
  registry.add({"unfreeze",
                "/rollback unfreeze <service|all>",
                "Lift a change freeze (a go-around's own freeze lifts when its debrief is written).",
                {},
                unfreeze,
                core::Names::service});
}

}  // namespace goaround::commands
