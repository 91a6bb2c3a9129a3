#pragma once
#include "goaround/core/registry.hpp"
#include "goaround/core/scribe.hpp"
#include "goaround/slack/interactions.hpp"
#include "goaround/slack/socket_mode.hpp"

namespace goaround::app {

// What the bot does with each Slack envelope once it is acked: what a person did goes to the
// command registry (with their user groups looked up for "who may call stop"), channel
// events to the scribe.
slack::SocketModeClient::Handler envelope_handler(core::Engine& engine, const core::Registry& registry,
                                                  slack::Directory& directory, core::Scribe& scribe);

}  // namespace goaround::app
