#pragma once
#include <map>
#include <string>

#include "goaround/chat/message.hpp"

namespace goaround::chat {

// What a person did in a chat system, in the same terms whichever one it was: every transport
// turns its input into these, and the command registry takes them.
struct Interaction {
  enum class Kind { typed, pressed, submitted };
  Kind kind = Kind::typed;
  Person who;
  Place where;
  std::string text;  // typed: what followed the slash command; pressed, submitted: the action
  std::map<std::string, std::string, std::less<>> values;  // submitted: the form's fields by id
  std::string label;  // pressed: the button's words as the person saw them ("Confirm go-around")
};

// Something that happened in a channel the bot watches, in the terms the scribe needs.
struct ChannelEvent {
  enum class Kind { message, message_changed, message_deleted, reaction_added, reaction_removed };
  Kind kind = Kind::message;
  std::string channel;
  std::string user;       // who wrote, edited or reacted
  std::string text;       // message text (the new text for an edit)
  std::string ts;         // the message's id (for reactions: the reacted message's)
  std::string at;         // that message's time, UTC with ms
  std::string thread_ts;  // the thread it is in, if any
  std::string reaction;   // reactions: the emoji name, e.g. "memo"
  bool from_bot = false;  // the bot's own posts are never captured again
};

// A message looked up by channel and id (for a reaction, which carries neither text nor author).
struct ChannelMessage {
  std::string user;
  std::string text;
  std::string ts;
  std::string thread_ts;
};

}  // namespace goaround::chat
