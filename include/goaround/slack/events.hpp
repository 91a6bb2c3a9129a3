#pragma once
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "goaround/chat/events.hpp"

namespace goaround::slack {

// An Events API callback (a Socket Mode `events_api` envelope, or its payload) as a channel
// event; nullopt for anything the scribe does not follow or that is malformed.
std::optional<chat::ChannelEvent> decode_channel_event(const boost::json::value& envelope);

// Slack's message ids are times: "1610241741.000200" → "2021-01-10T01:22:21.000Z".
std::optional<std::string> ts_to_utc(std::string_view ts);

}  // namespace goaround::slack
