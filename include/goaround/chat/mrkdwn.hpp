#pragma once
#include <string>
#include <string_view>

namespace goaround::chat {

// Where the bot's text (Slack mrkdwn: *bold*, :emoji:, <@U1|name>, <https://x|label>) goes
// outside Slack.
enum class Rendering {
  plain,     // a terminal: bold as text, emoji codes as glyphs, mentions and links by name
  markdown,  // a Markdown file (the debrief): **bold**, glyphs, @name, [label](url)
};
// The emoji codes the templates use become the glyphs Slack would show (a test keeps that list
// complete); codes people type stay as typed, like custom emoji Slack has and others lack.
std::string from_mrkdwn(std::string_view mrkdwn, Rendering to);

}  // namespace goaround::chat
