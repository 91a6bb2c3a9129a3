#include "goaround/core/incidents.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace goaround::core {
namespace json = boost::json;

IncidentChoice choose_incident(store::Store& store, const chat::Place& where,
                               std::optional<std::string> named) {
  if (named) {
    std::int64_t id = 0;
    const auto text = named->starts_with('#') ? named->substr(1) : *named;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size())
      return {std::nullopt, "`" + *named + "` is not an incident number"};
    if (auto incident = store.incidents().find(id)) return {std::move(incident), ""};
    return {std::nullopt, "there is no incident #" + text};
  }
  auto open = store.incidents().open();
  for (auto& incident : open)
    if (!where.thread.empty() && incident.thread == where.thread) return {std::move(incident), ""};
  if (open.size() == 1) return {std::move(open.front()), ""};
  if (open.empty()) return {std::nullopt, "there is no open incident"};
  std::string list;
  for (const auto& i : open) list += " #" + std::to_string(i.id) + " (" + i.service + ")";
  return {std::nullopt, "several incidents are open:" + list + "; name one with --incident N"};
}

model::Incident open_or_join(store::Store& store, const chat::Templates& templates,
                             const config::Service& service, const chat::Person& who,
                             const std::string& reason, const std::string& fallback_channel) {
  const auto by = who.name.empty() ? who.id : who.name;
  auto opened = store.incidents().open_or_join(service.name, service.environment, by, reason,
                                            service.channel.empty() ? fallback_channel : service.channel);
  if (opened.opened) {
    store.incidents().set_commander(opened.incident.id, who.id);
    store.timeline().append(opened.incident.id, model::EventKind::incident_opened, by,
                       templates.render("event_incident_opened",
                                        {{"service", service.name},
                                         {"environment", service.environment},
                                         {"incident", opened.incident.id},
                                         {"reason", reason.empty() ? json::value(nullptr) : json::value(reason)}}),
                       model::encode(model::events::IncidentOpened{who.id}));
  }
  return opened.incident;
}

boost::asio::awaitable<std::string> post_in_incident(store::Store& store, chat::Transport& transport,
                                                     model::Incident& incident,
                                                     const chat::Message& message) {
  const auto handle = co_await transport.post({incident.channel, incident.thread}, message);
  if (incident.thread.empty()) {
    store.incidents().set_thread(incident.id, handle);
    incident.thread = handle;
    // The incident's first message, pinned: where to look for the story later.
    transport.pin({incident.channel, handle}, handle);
  }
  co_return handle;
}

}  // namespace goaround::core
