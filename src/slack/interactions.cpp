#include "goaround/slack/interactions.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "goaround/model/json_path.hpp"

namespace goaround::slack {
namespace json = boost::json;
using model::text_at;

namespace {

// What a submitted view holds, by input id (Slack: view.state.values[block][action].value).
std::map<std::string, std::string, std::less<>> form_values(const json::object& view) {
  std::map<std::string, std::string, std::less<>> values;
  const auto* by_block = model::at(view, {"state", "values"});
  if (!by_block || !by_block->is_object()) return values;
  for (const auto& [block, inputs] : by_block->as_object())
    if (inputs.is_object())
      for (const auto& [id, input] : inputs.as_object())
        if (const auto* v = model::at(input, {"value"}); v && v->is_string())
          values[std::string(id)] = std::string(v->get_string());
  return values;
}

}  // namespace

std::optional<chat::Interaction> decode_interaction(const json::object& envelope) {
  const auto type = text_at(envelope, {"type"});
  const auto* payload_value = envelope.if_contains("payload");
  const auto* payload = payload_value ? payload_value->if_object() : nullptr;
  if (!payload) return std::nullopt;
  using Kind = chat::Interaction::Kind;
  if (type == "slash_commands")
    return chat::Interaction{Kind::typed,
                             {text_at(*payload, {"user_id"}), text_at(*payload, {"user_name"}), {}, false},
                             {text_at(*payload, {"channel_id"}), "", text_at(*payload, {"response_url"}),
                              text_at(*payload, {"trigger_id"})},
                             text_at(*payload, {"text"}),
                             {},
                             {}};
  if (type != "interactive") return std::nullopt;
  const chat::Person who{text_at(*payload, {"user", "id"}), text_at(*payload, {"user", "username"}), {}, false};
  if (text_at(*payload, {"type"}) == "block_actions") {
    const auto* actions = payload->if_contains("actions");
    if (!actions || !actions->is_array() || actions->get_array().empty()) return std::nullopt;
    const auto* action = actions->get_array()[0].if_object();
    if (!action) return std::nullopt;
    return chat::Interaction{Kind::pressed,
                             who,
                             {text_at(*payload, {"channel", "id"}), "", text_at(*payload, {"response_url"}),
                              text_at(*payload, {"trigger_id"})},
                             text_at(*action, {"action_id"}),
                             {},
                             text_at(*action, {"text", "text"})};
  }
  if (text_at(*payload, {"type"}) == "view_submission") {
    const auto* view = payload->if_contains("view");
    if (!view || !view->is_object()) return std::nullopt;
    boost::system::error_code ec;
    const auto metadata = json::parse(text_at(view->as_object(), {"private_metadata"}), ec);
    const auto where = !ec && metadata.is_object() ? metadata.as_object() : json::object{};
    return chat::Interaction{Kind::submitted,
                             who,
                             {text_at(where, {"channel"}), text_at(where, {"thread"})},
                             text_at(view->as_object(), {"callback_id"}),
                             form_values(view->as_object()),
                             text_at(view->as_object(), {"title", "text"})};
  }
  return std::nullopt;
}

std::function<AckCheck(const json::object& envelope)> form_check(std::string empty_message) {
  return [empty_message = std::move(empty_message)](const json::object& envelope) -> AckCheck {
    const auto* view = model::at(envelope, {"payload", "view"});
    if (text_at(envelope, {"type"}) != "interactive" || !view || !view->is_object() ||
        text_at(envelope, {"payload", "type"}) != "view_submission")
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

boost::asio::awaitable<std::vector<std::string>> Directory::groups_of(std::string user, std::set<std::string> groups) {
  std::vector<std::string> member_of;
  for (const auto& group : groups) {
    const auto reply = co_await api_.call("usergroups.users.list", {{"usergroup", group}});
    if (const auto* users = reply.body.if_contains("users"); reply.ok && users && users->is_array())
      for (const auto& u : users->get_array())
        if (u.is_string() && u.get_string() == user) member_of.push_back(group);
  }
  co_return member_of;
}

boost::asio::awaitable<std::optional<chat::ChannelMessage>> Directory::message(std::string channel, std::string ts) {
  const auto reply = co_await api_.call("conversations.history",
                                        {{"channel", channel}, {"latest", ts}, {"inclusive", true}, {"limit", 1}});
  const auto* messages = reply.body.if_contains("messages");
  if (!reply.ok || !messages || !messages->is_array() || messages->get_array().empty()) co_return std::nullopt;
  const auto* m = messages->get_array()[0].if_object();
  if (!m) co_return std::nullopt;
  co_return chat::ChannelMessage{text_at(*m, {"user"}), text_at(*m, {"text"}), ts, text_at(*m, {"thread_ts"})};
}

}  // namespace goaround::slack
