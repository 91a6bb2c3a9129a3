#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>

#include <deque>
#include <functional>
#include <memory>

#include "goaround/chat/message.hpp"
#include "goaround/slack/web_api.hpp"

namespace goaround::slack {

// A message as Block Kit: its text as a mrkdwn section, its buttons as an actions block
// (action_id and value carry the registry's action).
boost::json::array blocks(const chat::Message& message);

// Slack's mrkdwn needs &, < and > escaped in anything a person typed.
std::string escape(const std::string& text);

// The chat model over the Web API. Everything said goes through one queue (a form opens at
// once: its trigger expires), so the order in a
// thread is kept while rate limits are waited out; post() completes with the message's ts.
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
  void enqueue(Job job);
  boost::asio::awaitable<void> drain();

  boost::asio::any_io_executor executor_;
  WebApi& api_;
  std::deque<Job> queue_;
  bool draining_ = false;
  std::string api_origin_;
};

}  // namespace goaround::slack
