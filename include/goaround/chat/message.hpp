#pragma once
#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace goaround::chat {

enum class ButtonStyle { normal, primary, danger };

// A choice offered under a message; `action` comes back to the registry when chosen.
struct Button {
  std::string label;
  std::string action;  // "<handler>:<value>", e.g. "goaround.confirm:12"
  ButtonStyle style = ButtonStyle::normal;
};

// What the bot says, independent of any chat system: rendered text (Slack mrkdwn
// conventions: *bold*, `code`) and the buttons offered with it.
struct Message {
  std::string text;
  std::vector<Button> buttons;
};

// Where a conversation happens: a channel and, once there is one, the thread in it.
struct Place {
  std::string channel;
  std::string thread;
};

// The person who typed a command or pressed a button.
struct Person {
  std::string id;    // Slack user ID, or "console:<login>"
  std::string name;  // for display
  std::vector<std::string> groups;
  bool local_operator = false;  // at the bot's own terminal, which already has its power
};

// A chat system as the bot's core sees it. A transport keeps the order of what is said; only
// post() waits, for the handle of what it posted (a thread is started from it).
class Transport {
 public:
  virtual ~Transport() = default;
  // Posts in public; completes with a handle for updates and threads (a Slack ts, a number).
  virtual boost::asio::awaitable<std::string> post(const Place& where, const Message& message) = 0;
  // Replaces a posted message in place (the card's progress and result).
  virtual void update(const Place& where, const std::string& handle, const Message& message) = 0;
  // Shows a message to one person only (usage, refusals, denials).
  virtual void whisper(const Place& where, const Person& to, const Message& message) = 0;
  // Shares a file (the debrief, its chart) in the conversation.
  virtual void attach(const Place& where, const std::string& path, const std::string& title) = 0;
};

}  // namespace goaround::chat
