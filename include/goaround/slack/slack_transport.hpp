#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "goaround/chat/message.hpp"
#include "goaround/slack/web_api.hpp"

namespace goaround::slack {

// A message as Block Kit: its text as a mrkdwn section, its buttons as an actions block
// (action_id and value carry the registry's action).
boost::json::array blocks(const chat::Message& message);
// Text cut into parts of at most `limit` bytes for section blocks: never inside a UTF-8
// character, an entity (&amp;) or a <link|label>; at a line break near the end when there is one.
std::vector<std::string_view> split_for_sections(std::string_view text, std::size_t limit);

// Slack's mrkdwn needs &, < and > escaped in anything a person typed.
std::string escape(const std::string& text);

// The chat model over the Web API. What is said in a conversation (a channel and its threads;
// a private answer to one person) goes through that conversation's queue, so the order there
// is kept while rate limits are waited out, and one slow conversation holds back no other (a
// form opens at once: its trigger expires); post() completes with the message's ts.
class SlackTransport final : public chat::Transport {
 public:
  // `api_url`: the Web API base; a response_url may only point at Slack's hooks or that host.
  SlackTransport(boost::asio::any_io_executor executor, WebApi& api, const std::string& api_url);

  boost::asio::awaitable<std::string> post(const chat::Place& where, const chat::Message& message) override;
  void update(const chat::Place& where, const std::string& handle, const chat::Message& message) override;
  void whisper(const chat::Place& where, const chat::Person& to, const chat::Message& message) override;
  void attach(const chat::Place& where, const std::string& path, const std::string& title) override;
  void react(const chat::Place& where, const std::string& handle, const std::string& emoji) override;
  void pin(const chat::Place& where, const std::string& handle) override;
  boost::asio::awaitable<bool> open_form(const chat::Place& where, const chat::Person& who,
                                         const chat::Form& form) override;

 private:
  bool answerable(const std::string& reply_url) const;
  using Job = std::function<boost::asio::awaitable<void>()>;
  void enqueue(const std::string& conversation, Job job);
  boost::asio::awaitable<void> drain(std::string conversation);

  boost::asio::any_io_executor executor_;
  WebApi& api_;
  std::map<std::string, std::deque<Job>> lanes_;  // by conversation; the front job is running
  std::string api_origin_;
};

}  // namespace goaround::slack
