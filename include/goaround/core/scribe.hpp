#pragma once
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>

#include "goaround/chat/events.hpp"
#include "goaround/store/store.hpp"

namespace goaround::core {

// Finds a message by channel and id (a chat system's history look-up).
using MessageLookup = std::function<boost::asio::awaitable<std::optional<chat::ChannelMessage>>(
    const std::string& channel, const std::string& ts)>;

// The scribe (the go-around brief: timestamp, command, observation): messages posted in an incident's
// thread, and any message in an incident's channel marked with :memo:, go into the timeline
// once, with their author and original time. An edit adds a revision; removing the mark
// withdraws the entry; nothing is ever deleted.
class Scribe {
 public:
  static constexpr const char* mark = "memo";

  explicit Scribe(store::Store& store) : store_(store) {}

  // True when the timeline changed.
  // Takes the event by value: the capture outlives the caller's copy across the look-up.
  boost::asio::awaitable<bool> capture(chat::ChannelEvent event, MessageLookup lookup);

 private:
  std::optional<model::Incident> incident_for(const std::string& channel,
                                              const std::string& thread) const;

  store::Store& store_;
};

// The id under which a chat message is recorded, so that it is recorded once.
std::string capture_source(const std::string& channel, const std::string& ts);

}  // namespace goaround::core
