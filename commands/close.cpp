// /rollback close [summary]: resolves the incident, stops its status cadence, and asks the
// team whether the trigger was right (the debrief reports the answer).
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

boost::asio::awaitable<void> close(core::Invocation& call) {
  auto& store = call.bot.store;
  auto choice = core::choose_incident(store, call.request.where, call.arguments.value("incident"));
  if (!choice.incident) {
    call.reply("usage_error", {{"problem", choice.problem},
                               {"usage", call.bot.registry.find("close")->usage}});
    co_return;
  }
  const auto& incident = *choice.incident;
  if (const auto running = store.executions().running(incident.service);
      running && running->incident_id == incident.id) {
    call.reply("usage_error", {{"problem", "go-around #" + std::to_string(running->id) +
                                               " is still running; close after its result"},
                               {"usage", call.bot.registry.find("close")->usage}});
    co_return;
  }
  const auto summary = call.arguments.rest();
  if (!store.incidents().close(incident.id, summary)) {
    call.reply("usage_error", {{"problem", "incident #" + std::to_string(incident.id) +
                                               " is already closed"},
                               {"usage", "/rollback timeline " + std::to_string(incident.id)}});
    co_return;
  }
  const auto who = core::display_name(call.request.who);
  call.bot.go_around.withdraw_cards(incident.id, "incident #" + std::to_string(incident.id) + " closed");
  const json::object context{{"incident", incident.id},
                             {"service", incident.service},
                             {"person", who},
                             {"summary", summary.empty() ? json::value(nullptr) : json::value(summary)}};
  chat::Message closed{call.bot.templates.render("closed", context), {}};
  store.timeline().append(incident.id, model::EventKind::closed, who, closed.text);
  const auto id = std::to_string(incident.id);
  closed.buttons = {{"Trigger was right", "review.trigger:" + id + ":right", chat::ButtonStyle::primary},
                    {"Trigger was wrong", "review.trigger:" + id + ":wrong", chat::ButtonStyle::normal}};
  co_await call.bot.transport.post({incident.channel, incident.thread}, closed);
}

// review.trigger:<incident>:right|wrong
boost::asio::awaitable<void> review(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  const auto colon = value.find(':');
  std::int64_t id = 0;
  const auto number = std::string_view(value).substr(0, colon);
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), id);
  const auto answer = colon == std::string::npos ? "" : value.substr(colon + 1);
  const auto incident = ec == std::errc{} ? call.bot.store.incidents().find(id) : std::nullopt;
  if (!incident || (answer != "right" && answer != "wrong")) {
    call.reply("usage_error", {{"problem", "that question is not known to this bot"},
                               {"usage", "/rollback help"}});
    co_return;
  }
  const auto who = core::display_name(call.request.who);
  const auto text = call.bot.templates.render("event_trigger_review", {{"person", who}, {"answer", answer}});
  call.bot.store.timeline().append(id, model::EventKind::trigger_review, who, text,
                              model::encode(model::events::TriggerReview{answer == "right", call.request.who.id}));
  call.reply("recorded", {{"incident", id}, {"what", text}});
}

}  // namespace

void register_close(core::Registry& registry) {
  registry.add({"close",
                "/rollback close [summary] [--incident N]",
                "Resolve the incident: status updates stop, and the team is asked whether the "
                "trigger was right.",
                {{"incident", true, "the incident number (default: this thread's, or the only open one)"}},
                close});
  registry.add_action("review.trigger", review);
}

}  // namespace goaround::commands
