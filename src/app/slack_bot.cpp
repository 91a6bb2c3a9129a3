#include "goaround/app/slack_bot.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "goaround/slack/events.hpp"

namespace goaround::app {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string text_at(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::object* node = &o;
  const json::value* value = nullptr;
  for (auto key : path) {
    value = node ? node->if_contains(key) : nullptr;
    if (!value) return {};
    node = value->if_object();
  }
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// The configured groups this person belongs to (usergroups.users.list per group).
asio::awaitable<std::vector<std::string>> groups_of(const config::Config& config, slack::WebApi& api,
                                                    const std::string& user) {
  std::set<std::string> groups;
  for (const auto& service : config.services)
    groups.insert(service.allowed.groups.begin(), service.allowed.groups.end());
  std::vector<std::string> member_of;
  for (const auto& group : groups) {
    const auto reply = co_await api.call("usergroups.users.list", {{"usergroup", group}});
    if (const auto* users = reply.body.if_contains("users"); reply.ok && users && users->is_array())
      for (const auto& u : users->get_array())
        if (u.is_string() && u.get_string() == user) member_of.push_back(group);
  }
  co_return member_of;
}

// What a submitted view holds, by input id (Slack: view.state.values[block][action].value).
std::map<std::string, std::string, std::less<>> form_values(const json::object& view) {
  std::map<std::string, std::string, std::less<>> values;
  const auto* state = view.if_contains("state");
  const auto* by_block = state && state->is_object() ? state->as_object().if_contains("values") : nullptr;
  if (!by_block || !by_block->is_object()) return values;
  for (const auto& [block, inputs] : by_block->as_object())
    if (inputs.is_object())
      for (const auto& [id, input] : inputs.as_object())
        if (const auto* v = input.is_object() ? input.as_object().if_contains("value") : nullptr; v && v->is_string())
          values[std::string(id)] = std::string(v->get_string());
  return values;
}

}  // namespace

std::function<slack::AckCheck(const json::object& envelope)> form_check(std::string empty_message) {
  return [empty_message = std::move(empty_message)](const json::object& envelope) -> slack::AckCheck {
    const auto* payload = envelope.if_contains("payload");
    const auto* view = payload && payload->is_object() ? payload->as_object().if_contains("view") : nullptr;
    if (text_at(envelope, {"type"}) != "interactive" || !view || !view->is_object() ||
        text_at(payload->as_object(), {"type"}) != "view_submission")
      return {};
    const auto values = form_values(view->as_object());
    if (std::any_of(values.begin(), values.end(), [](const auto& v) { return !v.second.empty(); })) return {};
    // Errors go under an input block; the first one the view has.
    const auto* blocks = view->as_object().if_contains("blocks");
    std::string first;
    if (blocks && blocks->is_array())
      for (const auto& b : blocks->as_array())
        if (b.is_object() && text_at(b.as_object(), {"type"}) == "input") {
          first = text_at(b.as_object(), {"block_id"});
          break;
        }
    if (first.empty()) return {};
    return {{{"response_action", "errors"}, {"errors", {{first, empty_message}}}}, false};
  };
}

slack::SocketModeClient::Handler envelope_handler(core::Engine& engine, const core::Registry& registry, slack::WebApi& api,
                                                  core::Scribe& scribe) {
  return [&engine, &registry, &api, &scribe](json::object envelope) -> asio::awaitable<void> {
    const auto type = text_at(envelope, {"type"});
    const auto* payload_value = envelope.if_contains("payload");
    const auto* payload = payload_value ? payload_value->if_object() : nullptr;
    if (!payload) co_return;
    if (type == "slash_commands") {
      // Typing a command needs no right (a card is only a proposal), so no group look-ups
      // on this path; the buttons that act are authorised with them below.
      const core::Request request{
          {text_at(*payload, {"user_id"}), text_at(*payload, {"user_name"}), {}, false},
          {text_at(*payload, {"channel_id"}), "", text_at(*payload, {"response_url"}),
           text_at(*payload, {"trigger_id"})}};
      co_await registry.dispatch(engine, request, text_at(*payload, {"text"}));
    } else if (type == "interactive" && text_at(*payload, {"type"}) == "block_actions") {
      const auto* actions = payload->if_contains("actions");
      if (!actions || !actions->is_array() || actions->get_array().empty()) co_return;
      const auto* action = actions->get_array()[0].if_object();
      if (!action) co_return;
      const auto user = text_at(*payload, {"user", "id"});
      const core::Request request{
          {user, text_at(*payload, {"user", "username"}), co_await groups_of(engine.config(), api, user), false},
          {text_at(*payload, {"channel", "id"}), "", text_at(*payload, {"response_url"}),
           text_at(*payload, {"trigger_id"})}};
      co_await registry.press(engine, request, text_at(*action, {"action_id"}));
    } else if (type == "interactive" && text_at(*payload, {"type"}) == "view_submission") {
      // A form the bot opened: its callback is the action, its inputs the values, and its
      // private metadata the place the answer goes.
      const auto* view = payload->if_contains("view");
      if (!view || !view->is_object()) co_return;
      auto values = form_values(view->as_object());
      boost::system::error_code ec;
      const auto metadata = json::parse(text_at(view->as_object(), {"private_metadata"}), ec);
      const auto where = !ec && metadata.is_object() ? metadata.as_object() : json::object{};
      const auto user = text_at(*payload, {"user", "id"});
      const core::Request request{
          {user, text_at(*payload, {"user", "username"}), co_await groups_of(engine.config(), api, user), false},
          {text_at(where, {"channel"}), text_at(where, {"thread"})}};
      co_await registry.submit(engine, request, text_at(view->as_object(), {"callback_id"}), std::move(values));
    } else if (type == "events_api") {
      const auto event = slack::decode_channel_event(envelope);
      if (!event) co_return;
      co_await scribe.capture(*event, [&api](const std::string& channel, const std::string& ts)
                                          -> asio::awaitable<std::optional<chat::ChannelMessage>> {
        const auto reply = co_await api.call("conversations.history",
                                             {{"channel", channel}, {"latest", ts}, {"inclusive", true}, {"limit", 1}});
        const auto* messages = reply.body.if_contains("messages");
        if (!reply.ok || !messages || !messages->is_array() || messages->get_array().empty()) co_return std::nullopt;
        const auto* m = messages->get_array()[0].if_object();
        if (!m) co_return std::nullopt;
        co_return chat::ChannelMessage{text_at(*m, {"user"}), text_at(*m, {"text"}), ts,
                                       text_at(*m, {"thread_ts"})};
      });
    } else {
      spdlog::info("slack: acked an envelope of type `{}` with nothing to do", type);
    }
  };
}

}  // namespace goaround::app
