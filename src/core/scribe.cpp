#include "goaround/core/scribe.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace goaround::core {

std::string capture_source(const std::string& channel, const std::string& ts) {
  return "chat:" + channel + ":" + ts;
}

std::optional<model::Incident> Scribe::incident_for(const std::string& channel,
                                                    const std::string& thread) const {
  std::optional<model::Incident> found;
  for (auto& incident : store_.incidents().open()) {
    if (incident.channel != channel) continue;
    if (!thread.empty() && incident.thread != thread) continue;
    found = std::move(incident);  // the most recently opened one wins
  }
  return found;
}

boost::asio::awaitable<bool> Scribe::capture(chat::ChannelEvent event, MessageLookup lookup) {
  using Kind = chat::ChannelEvent::Kind;
  if (event.from_bot) co_return false;
  const auto source = capture_source(event.channel, event.ts);
  switch (event.kind) {
    case Kind::message: {
      if (event.thread_ts.empty() || event.thread_ts == event.ts) co_return false;
      const auto incident = incident_for(event.channel, event.thread_ts);
      if (!incident) co_return false;
      co_return store_
          .timeline().capture(incident->id, model::EventKind::message, event.user, event.text, event.at, source,
                         model::encode(model::events::Captured{event.channel, event.ts, std::nullopt}))
          .has_value();
    }
    case Kind::message_changed:
    case Kind::message_deleted: {
      const auto recorded = store_.timeline().by_source(source);
      if (!recorded) co_return false;
      model::EventRevision revision;
      if (event.kind == Kind::message_changed) revision.text = event.text;
      else revision.withdrawn = true;
      store_.timeline().revise(recorded->id, revision, event.user.empty() ? "chat" : event.user);
      co_return true;
    }
    case Kind::reaction_added:
    case Kind::reaction_removed: {
      if (event.reaction != mark) co_return false;
      const auto recorded = store_.timeline().by_source(source);
      if (event.kind == Kind::reaction_removed) {
        // Only the mark's own capture is withdrawn; a thread message stays what it was.
        if (!recorded || recorded->kind != model::EventKind::marked) co_return false;
        store_.timeline().revise(recorded->id, {std::nullopt, std::nullopt, true}, event.user);
        co_return true;
      }
      if (recorded) {
        const auto view = store_.timeline().events(recorded->incident_id);
        const auto it = std::find_if(view.begin(), view.end(),
                                     [&](const model::Event& e) { return e.id == recorded->id; });
        if (it == view.end() || !it->withdrawn) co_return false;  // marked twice: once is enough
        store_.timeline().revise(recorded->id, {std::nullopt, std::nullopt, false}, event.user);
        co_return true;
      }
      const auto incident = incident_for(event.channel, "");
      if (!incident) co_return false;
      const auto message = co_await lookup(event.channel, event.ts);
      if (!message) co_return false;
      co_return store_
          .timeline().capture(incident->id, model::EventKind::marked, message->user, message->text, event.at, source,
                         model::encode(model::events::Captured{event.channel, event.ts, event.user}))
          .has_value();
    }
  }
  co_return false;
}

}  // namespace goaround::core
