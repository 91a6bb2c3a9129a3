#include "goaround/console/console.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <cstdlib>
#include <istream>
#include <set>
#include <sstream>

#include "goaround/chat/mrkdwn.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::console {
namespace asio = boost::asio;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trimmed(const std::string& line) {
  const auto begin = line.find_first_not_of(' ');
  return begin == std::string::npos ? std::string() : line.substr(begin);
}
}  // namespace

void ConsoleTransport::print(std::string_view tag, const std::string& text) {
  const std::string indent(tag.size() + 1, ' ');
  bool first = true;
  for (const auto& line : lines_of(chat::from_mrkdwn(text, chat::Rendering::plain))) {
    out_ << (first ? std::string(tag) + " " : indent) << line << '\n';
    first = false;
  }
  out_.flush();
}

void ConsoleTransport::offer(const std::string& handle, const std::vector<chat::Button>& buttons, bool newest) {
  // Numbers belong to the last message shown: a newer one without buttons (a card whose
  // pre-flight failed) leaves nothing for `1` to press on an older card.
  if (buttons.empty()) {
    if (newest || choices_handle_ == handle) choices_.clear();
    return;
  }
  choices_handle_ = handle;
  choices_ = buttons;
  shown_buttons_.insert(shown_buttons_.end(), buttons.begin(), buttons.end());
  constexpr std::size_t remembered = 256;
  if (shown_buttons_.size() > remembered)
    shown_buttons_.erase(shown_buttons_.begin(), shown_buttons_.end() - static_cast<std::ptrdiff_t>(remembered));
  std::string line = "     ";
  for (std::size_t i = 0; i < buttons.size(); ++i)
    line += " [" + std::to_string(i + 1) + "] " + buttons[i].label;
  out_ << line << "   (type the number)\n";
  out_.flush();
}

asio::awaitable<std::string> ConsoleTransport::post(const chat::Place&, const chat::Message& message) {
  const auto handle = "console-" + std::to_string(next_handle_++);
  // In Slack the card is updated with the result and the result is also said in the thread;
  // on a terminal that would print the same lines twice in a row.
  const auto lines = lines_of(message.text);
  const bool just_shown = message.buttons.empty() && !lines.empty() &&
                          std::all_of(lines.begin(), lines.end(), [&](const std::string& l) { return just_updated_.count(trimmed(l)); });
  just_updated_.clear();
  if (!just_shown) print("[bot]", message.text);
  shown_[handle] = message.text;
  offer(handle, message.buttons, true);
  co_return handle;
}

void ConsoleTransport::update(const chat::Place&, const std::string& handle,
                              const chat::Message& message) {
  const auto before = lines_of(shown_[handle]);
  const std::set<std::string> old(before.begin(), before.end());
  std::string changed;
  for (const auto& line : lines_of(message.text))
    if (!old.count(line)) changed += line + '\n';
  if (!changed.empty()) print("[bot ↻]", changed);
  just_updated_.clear();
  for (const auto& line : lines_of(changed)) just_updated_.insert(trimmed(line));
  shown_[handle] = message.text;
  offer(handle, message.buttons, false);
}

void ConsoleTransport::whisper(const chat::Place&, const chat::Person&,
                               const chat::Message& message) {
  just_updated_.clear();
  print("[to you]", message.text);
  if (!message.buttons.empty()) offer("console-" + std::to_string(next_handle_++), message.buttons, true);
}

void ConsoleTransport::attach(const chat::Place&, const std::string& path, const std::string& title) {
  print("[bot 📎]", title + ": " + path);
}

std::optional<chat::Button> ConsoleTransport::choose(int number) const {
  if (number < 1 || number > static_cast<int>(choices_.size())) return std::nullopt;
  return choices_[static_cast<std::size_t>(number - 1)];
}

namespace {

// A descriptor on an open file of its own. asio makes what it reads non-blocking, and on a
// terminal stdin, stdout and stderr are one open file: a dup would share that flag, so every
// write to a terminal slower than the bot would fail with EAGAIN and std::cout would stay
// failed (the console silent for good). Reopening through /proc gives the terminal (or pipe) a
// new open file; what cannot be reopened (a socket) is dup'd.
int own_descriptor(int fd) {
  const auto path = "/proc/self/fd/" + std::to_string(fd);
  const int reopened = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  return reopened >= 0 ? reopened : ::dup(fd);
}

}  // namespace

LineReader::LineReader(asio::any_io_executor executor, int fd) : fd_(fd) {
  struct stat info {};
  if (fstat(fd, &info) == 0 && !S_ISREG(info.st_mode)) stream_.emplace(executor, own_descriptor(fd));
}

asio::awaitable<std::optional<std::string>> LineReader::next() {
  boost::system::error_code ec;
  std::size_t n = 0;
  if (stream_) {
    n = co_await asio::async_read_until(*stream_, buffer_, '\n',
                                        asio::redirect_error(asio::use_awaitable, ec));
  } else {
    // A regular file: plain reads, which return at once.
    char chunk[4096];
    while (!eof_) {
      const auto got = ::read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        eof_ = true;
        break;
      }
      auto space = buffer_.prepare(static_cast<std::size_t>(got));
      std::memcpy(space.data(), chunk, static_cast<std::size_t>(got));
      buffer_.commit(static_cast<std::size_t>(got));
      const auto* begin = static_cast<const char*>(buffer_.data().data());
      if (std::find(begin, begin + buffer_.size(), '\n') != begin + buffer_.size()) break;
    }
    const auto* begin = static_cast<const char*>(buffer_.data().data());
    const auto* newline = std::find(begin, begin + buffer_.size(), '\n');
    n = newline == begin + buffer_.size() ? 0 : static_cast<std::size_t>(newline - begin + 1);
    if (n == 0) ec = asio::error::eof;
  }
  std::string line;
  if (ec && buffer_.size() == 0) co_return std::nullopt;
  // At end of input without a newline the rest is the last line.
  const auto take = ec ? buffer_.size() : n;
  line.assign(static_cast<const char*>(buffer_.data().data()), take);
  buffer_.consume(take);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  co_return line;
}

chat::Person local_operator() {
  const char* login = std::getenv("USER");
  const std::string name = login && *login ? login : "operator";
  return {"console:" + name, name, {}, true};
}

std::optional<chat::Interaction> ConsoleTransport::interaction(const std::string& line, const chat::Person& who) const {
  const chat::Place here{"console", ""};
  int number = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), number);
  if (ec == std::errc{} && end == line.data() + line.size()) {
    const auto button = choose(number);
    if (!button) return std::nullopt;
    return chat::Interaction{chat::Interaction::Kind::pressed, who, here, button->action, {}, button->label};
  }
  if (line == "/rollback" || line.starts_with("/rollback "))
    return chat::Interaction{chat::Interaction::Kind::typed, who, here, line.substr(std::string("/rollback").size()), {}, {}};
  const auto same_words = [&](const chat::Button& b) { return boost::beast::iequals(b.label, line); };
  if (const auto named = std::find_if(shown_buttons_.rbegin(), shown_buttons_.rend(), same_words); named != shown_buttons_.rend())
    return chat::Interaction{chat::Interaction::Kind::pressed, who, here, named->action, {}, named->label};
  return std::nullopt;
}

}  // namespace goaround::console
