// /rollback drill <service> [reason]: the go-around practised on the service's staging twin, and
// the "Run a drill" button of a practice reminder or a failed drill.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> drill(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.empty()) {
    call.usage_error("drill which service?", "drill");
    co_return;
  }
  auto proposal = co_await call.engine.propose_drill(call.request, words.front(), call.arguments.rest(1));
  if (proposal.refusal) call.reply(*proposal.refusal);
}

// goaround.drill:<service>
boost::asio::awaitable<void> run_drill(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::Service>(call.arguments.positional.front());
  if (!pressed) {
    call.usage_error("that button names no service");
    co_return;
  }
  auto proposal = co_await call.engine.propose_drill(call.request, pressed->service, "");
  if (proposal.refusal) call.reply(*proposal.refusal);
}

}  // namespace

void register_drill(core::Registry& registry) {
  // Recorded in the drill's own incident, never in an open production incident of the service.
  registry.add({"drill",
                "/rollback drill <service> [reason]",
                "Practise the go-around on the service's staging twin (its drill: block): the same card, "
                "pre-flight, command and verification, labelled DRILL, with no freeze and no page. Each phase is "
                "measured; the next production card and its debrief quote the drill.",
                {},
                drill});
  registry.add_action("goaround.drill", run_drill);
}

}  // namespace goaround::commands
