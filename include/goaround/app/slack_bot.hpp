#pragma once
#include "goaround/core/registry.hpp"
#include "goaround/core/scribe.hpp"
#include "goaround/slack/socket_mode.hpp"
#include "goaround/slack/web_api.hpp"

namespace goaround::app {

// What the bot does with each Slack envelope once it is acked: slash commands and buttons go
// to the command registry (with the person's user groups looked up for "who may call stop"),
// channel events to the scribe.
slack::SocketModeClient::Handler envelope_handler(core::Engine& engine, const core::Registry& registry, slack::WebApi& api,
                                                  core::Scribe& scribe);

// The ack-path check: a form submitted with every field empty is refused in the ack (Slack shows
// `empty_message` under its first field and keeps it open) and not worked on.
std::function<slack::AckCheck(const boost::json::object& envelope)> form_check(std::string empty_message);

}  // namespace goaround::app
