// The buttons under "unstable approach" suggestions, go-around prompts and decisions:
// Go around (the card, as if /rollback <service> were typed) and Hold (on record).
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {

namespace {

std::optional<model::Incident> open_incident(core::Invocation& call) {
  const auto& value = call.arguments.positional.front();
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
  auto incident = ec == std::errc{} ? call.bot.store.incidents().find(id) : std::nullopt;
  if (!incident || incident->state != model::IncidentState::open) {
    call.reply("usage_error", {{"problem", "that incident is not open any more"},
                               {"usage", "/rollback <service>"}});
    return std::nullopt;
  }
  return incident;
}

// goaround.go:<incident>
boost::asio::awaitable<void> go(core::Invocation& call) {
  const auto incident = open_incident(call);
  if (!incident) co_return;
  auto proposal = co_await call.bot.go_around.propose(call.request, incident->service, std::nullopt,
                                                      incident->reason);
  if (proposal.refusal) call.reply(*proposal.refusal);
}

// goaround.hold:<incident>
boost::asio::awaitable<void> hold(core::Invocation& call) {
  auto incident = open_incident(call);
  if (!incident) co_return;
  const auto who = core::display_name(call.request.who);
  const chat::Message held{call.bot.templates.render("held", {{"person", who}, {"service", incident->service}}), {}};
  call.bot.store.timeline().append(incident->id, model::EventKind::hold, who, held.text);
  co_await core::post_in_incident(call.bot.store, call.bot.transport, *incident, held);
}

}  // namespace

void register_unstable(core::Registry& registry) {
  registry.add_action("goaround.go", go);
  registry.add_action("goaround.hold", hold);
}

}  // namespace goaround::commands
