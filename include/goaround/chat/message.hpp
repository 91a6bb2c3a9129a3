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

// Where a conversation happens: a channel and, once there is one, the thread in it. An
// interaction (a typed command, a pressed button) may also bring handles the chat system gives
// for answering it: a private-reply address and a short-lived key that lets a form open.
struct Place {
  std::string channel;
  std::string thread;
  std::string reply_url;  // answers only the asker (Slack: response_url, 30 min, 5 uses)
  std::string form_key;   // lets a form open for this interaction (Slack: trigger_id, ~3 s)
};

// A small form (Slack: a modal); what is entered comes back to `action` with the field ids
// as option names.
struct FormField {
  std::string id;
  std::string label;
  std::string initial;
  bool multiline = false;
};
struct Form {
  std::string title;   // short: Slack allows 24 characters
  std::string action;  // "<handler>:<value>", as for buttons
  std::vector<FormField> fields;
  std::string submit = "Save";
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
  // Marks a posted message (an emoji name, e.g. "white_check_mark"); a chat system without
  // reactions or pins lets these pass.
  virtual void react(const Place&, const std::string& /*handle*/, const std::string& /*emoji*/) {}
  // Pins a posted message to its channel (the incident's first card, easy to find later).
  virtual void pin(const Place&, const std::string& /*handle*/) {}
  // Opens a form for the person (needs where.form_key); false when this chat system has none
  // or it could not open, so the caller offers the typed form of the command instead.
  virtual boost::asio::awaitable<bool> open_form(const Place&, const Person&, const Form&) { co_return false; }
};

}  // namespace goaround::chat
