#include "goaround/core/registry.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace goaround::core {
namespace json = boost::json;

void Invocation::reply(std::string_view template_name, const json::value& context) const {
  reply(chat::Message{bot.templates.render(template_name, context), {}});
}

void Invocation::reply(const chat::Message& message) const {
  bot.transport.whisper(request.where, request.who, message);
}

const config::Service* Invocation::service(std::string_view name) const {
  if (const auto* found = bot.config.find_service(name)) return found;
  json::array known;
  for (const auto& n : bot.config.service_names()) known.push_back(json::string(n));
  reply("unknown_service", {{"service", name}, {"known", known}});
  return nullptr;
}

void Registry::add(Command command) {
  if (find(command.name))
    throw std::logic_error("command registered twice: `" + command.name + "`");
  commands_.push_back(std::move(command));
}

void Registry::add_action(std::string name, ActionHandler handler) {
  if (!actions_.emplace(std::move(name), std::move(handler)).second)
    throw std::logic_error("button action registered twice");
}

const Command* Registry::find(std::string_view name) const {
  for (const auto& c : commands_)
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

// The incident open where a request was made: its thread, else its channel.
std::optional<model::Incident> incident_in_place(Bot& bot, const Request& request) {
  std::optional<model::Incident> found;
  for (auto& incident : bot.store.incidents().open()) {
    if (incident.channel != request.where.channel) continue;
    if (!request.where.thread.empty() && incident.thread == request.where.thread) {
      found = std::move(incident);
      break;
    }
    found = std::move(incident);
  }
  return found;
}

// Every command typed and button pressed goes into the timeline of the incident open in that
// place, before it runs; a command that opens the incident is recorded right after it.
class TypedRecord {
 public:
  TypedRecord(Bot& bot, const Request& request, model::EventKind kind, std::string text)
      : bot_(bot), request_(request), kind_(std::move(kind)), text_(std::move(text)) {
    recorded_ = record();
  }
  void after() {
    if (!recorded_) record();
  }

 private:
  bool record() {
    const auto incident = incident_in_place(bot_, request_);
    if (!incident) return false;
    const auto who = request_.who.name.empty() ? request_.who.id : request_.who.name;
    bot_.store.timeline().append(incident->id, kind_, who, text_, model::encode(model::events::Attribution{request_.who.id}));
    return true;
  }

  Bot& bot_;
  const Request& request_;
  model::EventKind kind_;
  std::string text_;
  bool recorded_ = false;
};

void usage_error(const Invocation& call, const std::string& problem, const Command* command) {
  call.reply("usage_error", {{"problem", problem},
                             {"usage", command ? command->usage : "/rollback help"}});
}

}  // namespace

boost::asio::awaitable<void> Registry::dispatch(Bot& bot, Request request,
                                                std::string text) const {
  Invocation call{bot, std::move(request), {}};
  auto split = split_words(text);
  if (!split.error.empty()) {
    usage_error(call, split.error, nullptr);
    co_return;
  }
  auto& words = split.words;
  const Command* command = words.empty() ? find("help") : find(words.front());
  if (command && !words.empty()) words.erase(words.begin());
  if (!command) command = find("");
  if (!command) {
    usage_error(call, "unknown subcommand `" + words.front() + "`", nullptr);
    co_return;
  }
  auto parsed = parse_arguments(words, command->flags);
  if (!parsed.error.empty()) {
    usage_error(call, parsed.error, command);
    co_return;
  }
  call.arguments = std::move(parsed.arguments);
  TypedRecord typed(bot, call.request, model::EventKind::typed, "/rollback " + text);
  try {
    co_await command->handler(call);
  } catch (const std::exception& e) {
    // An internal failure: the details go to the log, the person gets a short apology.
    spdlog::error("command `{}` failed: {}", command->name, e.what());
    call.reply("internal_error", {{"what", command->name.empty() ? "go-around" : command->name}});
  }
  typed.after();
}

boost::asio::awaitable<void> Registry::press(Bot& bot, Request request,
                                             std::string action) const {
  co_await submit(bot, std::move(request), std::move(action), {});
}

boost::asio::awaitable<void> Registry::submit(Bot& bot, Request request, std::string action,
                                              std::map<std::string, std::string, std::less<>> values) const {
  Invocation call{bot, std::move(request), {}};
  const auto colon = action.find(':');
  const auto name = action.substr(0, colon);
  const auto it = actions_.find(name);
  if (it == actions_.end()) {
    spdlog::warn("unknown button action `{}`", name);
    call.reply("usage_error", {{"problem", "that button is not known to this bot"},
                               {"usage", "/rollback help"}});
    co_return;
  }
  TypedRecord pressed(bot, call.request, model::EventKind::pressed, action);
  try {
    call.arguments.positional = {colon == std::string::npos ? "" : action.substr(colon + 1)};
    call.arguments.flags = std::move(values);
    co_await it->second(call);
  } catch (const std::exception& e) {
    spdlog::error("button `{}` failed: {}", name, e.what());
    call.reply("internal_error", {{"what", name}});
  }
  pressed.after();
}

}  // namespace goaround::core
