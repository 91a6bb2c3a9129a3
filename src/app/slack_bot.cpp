#include "goaround/app/slack_bot.hpp"

#include <spdlog/spdlog.h>

#include "goaround/model/json_path.hpp"
#include "goaround/slack/events.hpp"
#include "goaround/slack/interactions.hpp"

namespace goaround::app {
namespace asio = boost::asio;
namespace json = boost::json;

slack::SocketModeClient::Handler envelope_handler(core::Engine& engine, const core::Registry& registry,
                                                  slack::Directory& directory, core::Scribe& scribe) {
  // The groups any service names: the only ones worth asking Slack about.
  std::set<std::string> named_groups;
  for (const auto& service : engine.services())
    named_groups.insert(service.allowed.groups.begin(), service.allowed.groups.end());
  return [&engine, &registry, &directory, &scribe, named_groups](json::object envelope) -> asio::awaitable<void> {
    if (auto interaction = slack::decode_interaction(envelope)) {
      // Typing a command needs no right (a card is only a proposal), so no group look-ups on
      // that path; the buttons and forms that act are authorised with them.
      if (interaction->kind != chat::Interaction::Kind::typed && !named_groups.empty())
        interaction->who.groups = co_await directory.groups_of(interaction->who.id, named_groups);
      co_await registry.handle(engine, std::move(*interaction));
    } else if (const auto event = slack::decode_channel_event(envelope)) {
      co_await scribe.capture(*event, [&directory](const std::string& channel, const std::string& ts) {
        return directory.message(channel, ts);
      });
    } else {
      spdlog::info("slack: acked an envelope of type `{}` with nothing to do", model::text_at(envelope, {"type"}));
    }
  };
}

}  // namespace goaround::app
