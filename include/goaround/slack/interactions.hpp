#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "goaround/chat/events.hpp"
#include "goaround/slack/socket_mode.hpp"
#include "goaround/slack/web_api.hpp"

namespace goaround::slack {

// A Socket Mode envelope as what the person did: a slash command (typed), a button
// (block_actions: pressed) or a form the bot opened (view_submission: submitted, its private
// metadata naming the place the answer goes). nullopt for any other envelope or a malformed one.
// The person's user groups are not in the envelope: see Directory::groups_of.
std::optional<chat::Interaction> decode_interaction(const boost::json::object& envelope);

// The ack-path check: a form submitted with every field empty is refused in the ack (Slack shows
// `empty_message` under its first field and keeps it open) and not worked on.
std::function<AckCheck(const boost::json::object& envelope)> form_check(std::string empty_message);

// What Slack knows that an envelope does not carry, looked up through the Web API.
class Directory {
 public:
  explicit Directory(WebApi& api) : api_(api) {}
  // Which of `groups` this person is in (usergroups.users.list per group).
  boost::asio::awaitable<std::vector<std::string>> groups_of(std::string user, std::set<std::string> groups);
  // A message by channel and ts (conversations.history), for a reaction's message.
  boost::asio::awaitable<std::optional<chat::ChannelMessage>> message(std::string channel, std::string ts);

 private:
  WebApi& api_;
};

}  // namespace goaround::slack
