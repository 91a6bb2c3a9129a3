// /rollback decide <service>: "roll back or fix forward?" walked with buttons. What
// the bot knows answers itself; every answer, and the verdict, goes into the timeline.
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/decision.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

constexpr const char* bot_actor = "goaround";

json::object step_context(const core::Walk::Step& step) {
  json::object context{{"check", step.question->check},
                       {"question", step.question->text},
                       {"answer", step.answer->label}};
  if (step.known) context["because"] = step.known->because;
  return context;
}

// Replays `path`, records the person's answer to `chosen` (the question just answered, if any)
// and what facts answered, then asks the next question or gives the verdict.
boost::asio::awaitable<void> advance(core::Invocation& call, model::Incident incident, const std::string& path,
                                     std::string_view chosen = {}) {
  auto& bot = call.bot;
  const auto* service = bot.config.find_service(incident.service);
  const auto facts = co_await core::known_facts(bot.config, bot.store, *service,
                                                bot.clock.now());
  const auto& tree = core::DecisionTree::builtin();
  const auto w = core::walk(tree, path, facts);
  if (!w.error.empty()) {
    call.reply("usage_error", {{"problem", w.error}, {"usage", bot.registry.find("decide")->usage}});
    co_return;
  }
  for (const auto& step : w.steps)
    if (!step.known && step.question->id == chosen)
      bot.store.timeline().append(incident.id, model::EventKind::decision_answer, core::display_name(call.request.who),
                             bot.templates.render("event_decision_answer", step_context(step)));
  for (const auto& step : w.answered_now)
    bot.store.timeline().append(incident.id, model::EventKind::decision_answer, bot_actor,
                           bot.templates.render("event_decision_answer", step_context(step)));
  json::array known;
  for (const auto& step : w.answered_now) known.push_back(step_context(step));
  const auto id = std::to_string(incident.id);
  if (w.ask) {
    chat::Message question{bot.templates.render("decide_question", {{"service", incident.service},
                                                                    {"incident", incident.id},
                                                                    {"check", w.ask->check},
                                                                    {"question", w.ask->text},
                                                                    {"known", known}}),
                           {}};
    for (const auto& answer : w.ask->answers)
      question.buttons.push_back({answer.label, "goaround.decide:" + id + ":" + w.path_with(answer.value)});
    co_await core::post_in_incident(bot.store, bot.transport, incident, question);
    co_return;
  }
  json::array path_steps;
  for (const auto& step : w.steps) path_steps.push_back(step_context(step));
  const json::object verdict{{"service", incident.service}, {"incident", incident.id},
                             {"verdict", w.outcome->verdict}, {"reason", w.outcome->reason},
                             {"known", known}, {"steps", path_steps}};
  chat::Message message{bot.templates.render("decide_outcome", verdict), {}};
  bot.store.timeline().append(incident.id, model::EventKind::decision, core::display_name(call.request.who),
                         bot.templates.render("event_decision", verdict),
                         model::encode(model::events::Decision{w.outcome->verdict, w.outcome->id}));
  if (w.outcome->go_around)
    message.buttons.push_back({"Go around now", "goaround.go:" + id, chat::ButtonStyle::danger});
  co_await core::post_in_incident(bot.store, bot.transport, incident, message);
}

boost::asio::awaitable<void> decide(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.reply("usage_error", {{"problem", "which service?"}, {"usage", call.bot.registry.find("decide")->usage}});
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  const auto incident = core::open_or_join(call.bot.store, call.bot.templates, *service, call.request.who,
                                           "deciding: roll back or fix forward?", call.request.where.channel);
  co_await advance(call, incident, "");
}

// goaround.decide:<incident>:<path>; the last answer in the path is the one just chosen.
boost::asio::awaitable<void> answer(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto colon = value.find(':');
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + std::min(colon, value.size()), id);
  auto incident = ec == std::errc{} && colon != std::string::npos ? call.bot.store.incidents().find(id) : std::nullopt;
  if (!incident || incident->state != model::IncidentState::open) {
    call.reply("usage_error", {{"problem", "that decision belongs to no open incident"},
                               {"usage", call.bot.registry.find("decide")->usage}});
    co_return;
  }
  const auto path = value.substr(colon + 1);
  const auto last = path.substr(path.rfind(',') == std::string::npos ? 0 : path.rfind(',') + 1);
  co_await advance(call, *incident, path, std::string_view(last).substr(0, last.find('=')));
}

}  // namespace

void register_decide(core::Registry& registry) {
  registry.add({"decide",
                "/rollback decide <service>",
                "Roll back or fix forward? Walk the decision tree with buttons; what the bot "
                "knows (deploy age, migration, flag, error rate) is filled in.",
                {},
                decide});
  registry.add_action("goaround.decide", answer);
}

}  // namespace goaround::commands
