#include "goaround/chat/log_transport.hpp"

#include <spdlog/spdlog.h>

namespace goaround::chat {

namespace {

std::string buttons_of(const Message& message) {
  std::string out;
  for (const auto& b : message.buttons) out += " [" + b.label + "]";
  return out;
}

}  // namespace

boost::asio::awaitable<std::string> LogTransport::post(const Place& where, const Message& message) {
  const auto handle = "log-" + std::to_string(++posted_);
  spdlog::info("post {} in {}{}{}: {}{}", handle, where.channel.empty() ? "(no channel)" : where.channel,
               where.thread.empty() ? "" : " thread ", where.thread, message.text, buttons_of(message));
  co_return handle;
}

void LogTransport::update(const Place& where, const std::string& handle, const Message& message) {
  spdlog::info("update {} in {}: {}{}", handle, where.channel, message.text, buttons_of(message));
}

void LogTransport::whisper(const Place& where, const Person& to, const Message& message) {
  spdlog::info("to {} in {}: {}", to.id, where.channel, message.text);
}

void LogTransport::attach(const Place& where, const std::string& path, const std::string& title) {
  spdlog::info("file {} ({}) in {}", path, title, where.channel);
}

}  // namespace goaround::chat
