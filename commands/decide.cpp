// /rollback decide <service>: "roll back or fix forward?" walked with buttons. What
// the bot knows answers itself; every answer, and the verdict, goes into the timeline.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

namespace {

boost::asio::awaitable<void> decide(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.usage_error("which service?", "decide");
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  const auto walked = co_await call.engine.decide(call.request, call.engine.open_for_decision(call.request, *service), "", "", "");
  if (!walked) call.usage_error(walked.problem, "decide");
}

// goaround.decide:<incident>:<path>; the last answer in the path is the one just chosen.
boost::asio::awaitable<void> answer(core::Invocation& call) {
  const auto pressed = model::parse_button<model::buttons::Decision>(call.arguments.positional.front());
  auto incident = pressed ? call.engine.open_incident(pressed->incident) : std::nullopt;
  if (!incident) {
    call.usage_error("that decision belongs to no open incident", "decide");
    co_return;
  }
  const auto& path = pressed->path;
  const auto last = path.substr(path.rfind(',') == std::string::npos ? 0 : path.rfind(',') + 1);
  const auto walked =
      co_await call.engine.decide(call.request, *incident, path, last.substr(0, last.find('=')), pressed->walk);
  if (!walked) call.usage_error(walked.problem, "decide");
}

}  // namespace

void register_decide(core::Registry& registry) {
  registry.add({"decide",
                "/rollback decide <service>",
                "Roll back or fix forward? Walk the decision tree with buttons; what the bot "
                "knows (deploy age, migration, flag, error rate) is filled in.",
                {},
                decide,
                core::Names::service});
  registry.add_action("goaround.decide", answer, core::Names::incident);
}

}  // namespace goaround::commands
