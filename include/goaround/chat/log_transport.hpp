#pragma once
#include "goaround/chat/message.hpp"

namespace goaround::chat {

// `goaround serve` without Slack: what would be posted goes to the log, one line per message,
// so triggers, the HTTP listener and the scheduler still run and leave a trace.
class LogTransport final : public Transport {
 public:
  boost::asio::awaitable<std::string> post(const Place& where, const Message& message) override;
  void update(const Place& where, const std::string& handle, const Message& message) override;
  void whisper(const Place& where, const Person& to, const Message& message) override;
  void attach(const Place& where, const std::string& path, const std::string& title) override;

 private:
  int posted_ = 0;
};

}  // namespace goaround::chat
