// /rollback <service> [--to REV] [--reason TEXT]: the go-around, and its card's buttons.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {
namespace asio = boost::asio;

namespace {

asio::awaitable<void> go_around(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.empty()) {
    call.usage_error("which service?", "");
    co_return;
  }
  // Words after the service are the reason, so "/rollback checkout 5xx spike" reads naturally.
  auto reason = call.arguments.value("reason").value_or(call.arguments.rest(1));
  auto proposal = co_await call.engine.propose(call.request, words.front(), call.arguments.value("to"), reason);
  if (proposal.refusal) call.reply(*proposal.refusal);
}

// goaround.confirm:<execution>, goaround.cancel:<execution>
template <auto Step>
asio::awaitable<void> on_card(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto card = model::parse_button<model::buttons::Execution>(value);
  if (!card) {
    call.reply("not_waiting", {{"execution", value}, {"state", "unknown"}});
    co_return;
  }
  if (auto refusal = (call.engine.*Step)(call.request, card->execution)) call.reply(*refusal);
}

}  // namespace

void register_rollback(core::Registry& registry) {
  registry.add({"",
                "/rollback <service> [--to REV] [--reason TEXT]",
                "Go around: show the card (current and target revision, the exact command, "
                "pre-flight checks) with Confirm and Cancel. Without --to, the previous revision.",
                {{"to", true, "target revision (default: the one before the live one)"},
                 {"reason", true, "why we are going around (also: words after the service)"}},
                go_around,
                core::Names::service});
  registry.add_action("goaround.confirm", on_card<&core::Engine::confirm>, core::Names::execution);
  registry.add_action("goaround.cancel", on_card<&core::Engine::cancel>, core::Names::execution);
}

}  // namespace goaround::commands
