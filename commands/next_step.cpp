// The buttons under a failed go-around: retry, roll back one revision further, roll back or fix
// forward?, escalate; and closing an incident whose last go-around failed, once confirmed.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

// goaround.retry:<execution>, goaround.further:<execution>
template <bool Further>
boost::asio::awaitable<void> again(core::Invocation& call) {
  const auto failed = model::parse_button<model::buttons::Execution>(call.arguments.positional.front());
  if (!failed) {
    call.usage_error("that go-around is not known to this bot");
    co_return;
  }
  auto proposal = co_await call.engine.propose_again(call.request, failed->execution, Further);
  if (proposal.refusal) call.reply(*proposal.refusal);
}

std::optional<model::Incident> open_incident(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::Incident>(call.arguments.positional.front());
  auto incident = pressed ? call.engine.open_incident(pressed->incident) : std::nullopt;
  if (!incident) call.usage_error("that incident is not open any more");
  return incident;
}

// goaround.decide-now:<incident>: the decision tree from its first question.
boost::asio::awaitable<void> decide_now(core::Invocation& call) {
  const auto incident = open_incident(call);
  if (!incident) co_return;
  const auto walked = co_await call.engine.decide(call.request, *incident, "", "", "");
  if (!walked) call.usage_error(walked.problem, "decide");
}

// goaround.escalate:<incident>
boost::asio::awaitable<void> escalate(core::Invocation& call) {
  const auto incident = open_incident(call);
  if (!incident) co_return;
  const auto escalated = co_await call.engine.escalate(call.request, *incident);
  if (!escalated) call.usage_error(escalated.problem);
}

// goaround.close:<incident>:<summary>: "close anyway" after the question close asked.
boost::asio::awaitable<void> close_anyway(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::CloseAnyway>(call.arguments.positional.front());
  auto incident = pressed ? call.engine.open_incident(pressed->incident) : std::nullopt;
  if (!incident) {
    call.usage_error("that incident is not open any more");
    co_return;
  }
  const auto closed = co_await call.engine.close(call.request, *incident, pressed->summary);
  if (!closed) call.usage_error(closed.problem, "close");
}

}  // namespace

void register_next_steps(core::Registry& registry) {
  registry.add_action("goaround.retry", again<false>, core::Names::execution);
  registry.add_action("goaround.further", again<true>, core::Names::execution);
  registry.add_action("goaround.decide-now", decide_now, core::Names::incident);
  registry.add_action("goaround.escalate", escalate, core::Names::incident);
  registry.add_action("goaround.close", close_anyway, core::Names::incident);
}

}  // namespace goaround::commands
