// /rollback close [summary]: resolves the incident, stops its status cadence, and asks the
// team whether the trigger was right (the debrief reports the answer).
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> close(core::Invocation& call) {
  auto choice = call.engine.choose_incident(call.request.where, call.arguments.value("incident"));
  if (!choice.incident) {
    call.usage_error(choice.problem, "close");
    co_return;
  }
  // A failed last go-around means the approach may still be unstable: ask before closing.
  if (const auto failed = call.engine.last_run_failed(*choice.incident); failed && !call.arguments.has("anyway")) {
    chat::Message question{call.engine.templates().render(
                               "close_confirm", {{"service", choice.incident->service}, {"incident", choice.incident->id},
                                                 {"execution", failed->id}, {"to", failed->to_revision}}),
                           {}};
    question.buttons = {{"Close anyway", model::button("goaround.close", model::buttons::CloseAnyway{choice.incident->id, call.arguments.rest()}),
                         chat::ButtonStyle::danger}};
    call.reply(question);
    co_return;
  }
  const auto closed = co_await call.engine.close(call.request, *choice.incident, call.arguments.rest());
  if (!closed) call.usage_error(closed.problem, "close");
}

// review.trigger:<incident>:right|wrong
boost::asio::awaitable<void> review(core::Invocation& call) {
  const auto answer = model::parse_button<model::buttons::TriggerReview>(call.arguments.positional.front());
  const auto recorded = answer && (answer->answer == "right" || answer->answer == "wrong")
                            ? call.engine.review_trigger(call.request, answer->incident, answer->answer == "right")
                            : core::Outcome<std::string>::refused("that question is not known to this bot");
  if (!recorded) {
    call.usage_error(recorded.problem);
    co_return;
  }
  call.reply("recorded", {{"incident", answer->incident}, {"what", *recorded}});
}

}  // namespace

void register_close(core::Registry& registry) {
  registry.add({"close",
                "/rollback close [summary] [--incident N]",
                "Resolve the incident: status updates stop, and the team is asked whether the "
                "trigger was right.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"},
                 {"anyway", false, "close although the last go-around failed, without asking"}},
                close});
  registry.add_action("review.trigger", review, core::Names::incident);
}

}  // namespace goaround::commands
