#include "goaround/app/console_session.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>

namespace goaround::app {
namespace asio = boost::asio;

namespace {

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

bool is_number(const std::string& line) {
  int n = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), n);
  return ec == std::errc{} && end == line.data() + line.size();
}

asio::awaitable<void> until_idle(core::Engine& engine) {
  asio::steady_timer wait(engine.executor());
  while (engine.in_flight() > 0) {
    wait.expires_after(std::chrono::milliseconds(50));
    co_await wait.async_wait(asio::use_awaitable);
  }
}

}  // namespace

asio::awaitable<void> run_console(core::Engine& engine, const core::Registry& registry,
                                  console::ConsoleTransport& transport, console::LineReader& input,
                                  std::ostream& out, chat::Person person, bool interactive, Advance advance) {
  boost::json::array services;
  for (const auto& name : engine.services().names()) services.push_back(boost::json::string(name));
  out << engine.templates().render("console_banner", {{"services", services}, {"person", person.name}}) << '\n';
  const chat::Place here{"console", ""};
  const auto tell = [&](std::string_view name, const boost::json::value& context) {
    transport.whisper(here, person, {engine.templates().render(name, context), {}});
  };
  for (;;) {
    if (interactive) out << "> " << std::flush;
    const auto read = co_await input.next();
    if (!read) break;
    const auto line = trimmed(*read);
    if (line.empty()) continue;
    if (line == "quit" || line == "exit") break;
    if (line == ":wait") {  // scripts: let running go-arounds finish before the next line
      co_await until_idle(engine);
      continue;
    }
    if (line.starts_with(":advance")) {
      const auto by = time::parse_duration(trimmed(line.substr(8)));
      if (advance && by) co_await advance(*by);
      else tell("console_advance_usage", {{"virtual", bool(advance)}});
      continue;
    }
    if (auto interaction = transport.interaction(line, person)) co_await registry.handle(engine, std::move(*interaction));
    else if (is_number(line)) tell("console_no_choice", {{"number", line}});
    else tell("console_unknown", {{"line", line}});
  }
  // End of input: let running go-arounds finish and report before leaving.
  co_await until_idle(engine);
}

}  // namespace goaround::app
