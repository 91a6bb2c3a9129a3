// The buttons under "unstable approach" suggestions, go-around prompts and decisions:
// Go around (the card, as if /rollback <service> were typed) and Hold (on record).
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

std::optional<model::Incident> open_incident(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::Incident>(call.arguments.positional.front());
  auto incident = pressed ? call.engine.open_incident(pressed->incident) : std::nullopt;
  if (!incident)
    call.reply("usage_error", {{"problem", "that incident is not open any more"}, {"usage", "/rollback <service>"}});
  return incident;
}

// goaround.go:<incident>
boost::asio::awaitable<void> go(core::Invocation& call) {
  const auto incident = open_incident(call);
  if (!incident) co_return;
  auto proposal = co_await call.engine.propose_for(call.request, *incident);
  if (proposal.refusal) call.reply(*proposal.refusal);
}

// goaround.hold:<incident>
boost::asio::awaitable<void> hold(core::Invocation& call) {
  if (const auto incident = open_incident(call)) co_await call.engine.hold(call.request, *incident);
}

}  // namespace

void register_unstable(core::Registry& registry) {
  registry.add_action("goaround.go", go, core::Names::incident);
  registry.add_action("goaround.hold", hold, core::Names::incident);
}

}  // namespace goaround::commands
