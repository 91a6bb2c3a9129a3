#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "goaround/chat/message.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/store/store.hpp"

namespace goaround::core {

// The incident a scribe's entry belongs to: the one named, else the one whose thread this
// is, else the only open one. On failure `problem` says why (for the person who asked).
struct IncidentChoice {
  std::optional<model::Incident> incident;
  std::string problem;
};
IncidentChoice choose_incident(store::Store& store, const chat::Place& where,
                               std::optional<std::string> named);

// Opens an incident for the service (or joins the open one) where its incidents go; a new one
// gets `who` as commander and its opening in the timeline.
model::Incident open_or_join(store::Store& store, const chat::Templates& templates,
                             const config::Service& service, const chat::Person& who,
                             const std::string& reason, const std::string& fallback_channel);

// Posts into the incident's thread; the first post (a new incident) becomes the thread and is pinned.
boost::asio::awaitable<std::string> post_in_incident(store::Store& store, chat::Transport& transport,
                                                     model::Incident& incident,
                                                     const chat::Message& message);


}  // namespace goaround::core
