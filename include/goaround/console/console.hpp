#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/streambuf.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <ostream>
#include <string>
#include <vector>

#include "goaround/chat/message.hpp"
#include "goaround/chat/events.hpp"

namespace goaround::console {

// The local terminal as a chat system: messages print as text, buttons as numbered
// choices, an update prints only the lines that changed.
class ConsoleTransport final : public chat::Transport {
 public:
  explicit ConsoleTransport(std::ostream& out) : out_(out) {}

  boost::asio::awaitable<std::string> post(const chat::Place& where, const chat::Message& message) override;
  void update(const chat::Place& where, const std::string& handle,
              const chat::Message& message) override;
  void whisper(const chat::Place& where, const chat::Person& to,
               const chat::Message& message) override;
  void attach(const chat::Place& where, const std::string& path, const std::string& title) override;

  // Choice `number` on the latest message shown, if it offers buttons.
  std::optional<chat::Button> choose(int number) const;
  // A line typed at the terminal as a chat interaction: `/rollback …` is typed, a number presses
  // that choice of the latest message, a button's words press the newest button shown with
  // them (as in Slack, where an earlier message's buttons stay); nullopt for anything else.
  std::optional<chat::Interaction> interaction(const std::string& line, const chat::Person& who) const;

 private:
  void print(std::string_view tag, const std::string& text);
  // `newest`: a message just posted, which takes the numbers even when it offers none.
  void offer(const std::string& handle, const std::vector<chat::Button>& buttons, bool newest);

  std::ostream& out_;
  int next_handle_ = 1;
  std::map<std::string, std::string> shown_;  // handle → text as last printed
  std::set<std::string> just_updated_;  // the lines the last update printed
  std::string choices_handle_;
  std::vector<chat::Button> choices_;
  std::vector<chat::Button> shown_buttons_;  // every button offered, newest last (bounded)
};

// Reads standard input a line at a time without blocking the loop: asynchronously for a
// terminal or pipe, directly for a regular file (which never blocks and epoll refuses).
class LineReader {
 public:
  LineReader(boost::asio::any_io_executor executor, int fd);
  // The next line without its newline; nullopt at end of input.
  boost::asio::awaitable<std::optional<std::string>> next();

 private:
  std::optional<boost::asio::posix::stream_descriptor> stream_;
  int fd_;
  boost::asio::streambuf buffer_;
  bool eof_ = false;
};

// The person at this terminal: the login name, trusted as the local operator.
chat::Person local_operator();

}  // namespace goaround::console
