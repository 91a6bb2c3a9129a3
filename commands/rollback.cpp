// /rollback <service> [--to REV | --flag KEY] [--reason TEXT]: the go-around, and its card's buttons.
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
  auto proposal = co_await call.engine.propose(call.request, words.front(), call.arguments.value("to"), reason,
                                               call.arguments.value("flag"));
  if (proposal.refusal) call.reply(*proposal.refusal);
}

// goaround.flag-off:<incident>:<flag>: "Turn flag X off instead" on a card or a FLAG OFF verdict.
asio::awaitable<void> flag_off(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::FlagOff>(call.arguments.positional.front());
  auto incident = pressed ? call.engine.open_incident(pressed->incident) : std::nullopt;
  if (!incident) {
    call.usage_error("that incident is not open any more");
    co_return;
  }
  auto proposal = co_await call.engine.propose_flag_off(call.request, *incident, pressed->flag);
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
                "/rollback <service> [--to REV | --flag KEY] [--reason TEXT]",
                "Go around: show the card (current and target revision, the exact command, "
                "pre-flight checks) with Confirm and Cancel. Without --to, the previous revision. "
                "With --flag, the go-around turns that feature flag off instead (the service's flags: provider).",
                {{"to", true, "target revision (default: the one before the live one)"},
                 {"flag", true, "turn this feature flag off instead of rolling back"},
                 {"reason", true, "why we are going around (also: words after the service)"}},
                go_around,
                core::Names::service});
  registry.add_action("goaround.confirm", on_card<&core::Engine::confirm>, core::Names::execution);
  registry.add_action("goaround.cancel", on_card<&core::Engine::cancel>, core::Names::execution);
  registry.add_action("goaround.flag-off", flag_off, core::Names::incident);
}

}  // namespace goaround::commands
