#include "goaround/core/registry.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace goaround::core {
namespace json = boost::json;

void Invocation::reply(std::string_view template_name, const json::value& context) const {
  reply(chat::Message{engine.templates().render(template_name, context), {}});
}

void Invocation::reply(const chat::Message& message) const { engine.whisper(request, message); }

void Invocation::usage_error(const std::string& problem, std::optional<std::string_view> command) const {
  const auto* found = command ? registry.find(*command) : nullptr;
  reply("usage_error", {{"problem", problem}, {"usage", found ? found->usage : "/rollback help"}});
}

boost::asio::awaitable<void> Invocation::say_here(chat::Message message) const {
  co_await engine.say_here(request, std::move(message));
}

const config::Service* Invocation::service(std::string_view name) const {
  if (const auto* found = engine.services().find(name)) return found;
  json::array known;
  for (const auto& n : engine.services().names()) known.push_back(json::string(n));
  reply("unknown_service", {{"service", name}, {"known", known}});
  return nullptr;
}

void Registry::add(Command command) {
  if (find(command.name))
    throw std::logic_error("command registered twice: `" + command.name + "`");
  commands_.push_back(std::move(command));
}

void Registry::add_action(std::string name, ActionHandler handler, Names first_field) {
  if (!actions_.emplace(std::move(name), Action{std::move(handler), first_field}).second)
    throw std::logic_error("button action registered twice");
}

const Command* Registry::find(std::string_view name) const {
  for (const auto& c : commands_)
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

// Every command typed and button pressed goes into the timeline of the incident open in that
// place, before it runs; a command that opens the incident is recorded right after it.
class TypedRecord {
 public:
  TypedRecord(Engine& engine, const Request& request, Engine::Concern concern, model::EventKind kind, std::string text,
              std::optional<std::string> action = std::nullopt)
      : engine_(engine), request_(request), concern_(std::move(concern)), kind_(kind), text_(std::move(text)),
        action_(std::move(action)) {
    recorded_ = engine_.record_in_place(request_, concern_, kind_, text_, action_);
  }
  void after() {
    if (!recorded_) engine_.record_in_place(request_, concern_, kind_, text_, action_);
  }

 private:
  Engine& engine_;
  const Request& request_;
  Engine::Concern concern_;
  model::EventKind kind_;
  std::string text_;
  std::optional<std::string> action_;
  bool recorded_ = false;
};

Engine::Concern concern_of(Names names, std::string_view word) {
  Engine::Concern concern;
  switch (names) {
    case Names::nothing: break;
    case Names::service: concern.service = std::string(word); break;
    case Names::incident: concern.incident = chat::typed_number(word); break;
    case Names::execution: concern.execution = chat::typed_number(word); break;
  }
  return concern;
}

}  // namespace

boost::asio::awaitable<void> Registry::handle(Engine& engine, chat::Interaction interaction) const {
  Request request{std::move(interaction.who), std::move(interaction.where)};
  switch (interaction.kind) {
    case chat::Interaction::Kind::typed:
      co_return co_await dispatch(engine, std::move(request), std::move(interaction.text));
    case chat::Interaction::Kind::pressed:
      co_return co_await press(engine, std::move(request), std::move(interaction.text), std::move(interaction.label));
    case chat::Interaction::Kind::submitted:
      co_return co_await submit(engine, std::move(request), std::move(interaction.text), std::move(interaction.values),
                                std::move(interaction.label));
  }
}

boost::asio::awaitable<void> Registry::dispatch(Engine& engine, Request request,
                                                std::string text) const {
  Invocation call{engine, *this, std::move(request), {}};
  const auto head = chat::first_word(text);
  const Command* command = head.word.empty() ? find("help") : find(head.word);
  // Not a subcommand: the words are the go-around's own (/rollback checkout 5xx spike).
  std::string_view words = command || head.word.empty() ? head.rest : std::string_view(text);
  if (!command) command = find("");
  if (!command) {
    call.usage_error("unknown subcommand `" + head.word + "`");
    co_return;
  }
  auto parsed = chat::parse_text(words, command->flags);
  if (!parsed.error.empty()) {
    call.usage_error(parsed.error, command->name);
    co_return;
  }
  call.arguments = std::move(parsed.arguments);
  auto concern = concern_of(command->first_word,
                            call.arguments.positional.empty() ? std::string_view() : call.arguments.positional.front());
  if (const auto named = call.arguments.value("incident")) concern.incident = chat::typed_number(*named);
  const auto typed_text = text.substr(std::min(text.find_first_not_of(" \t"), text.size()));
  TypedRecord typed(engine, call.request, std::move(concern), model::EventKind::typed, "/rollback " + typed_text);
  try {
    co_await command->handler(call);
  } catch (const std::exception& e) {
    // An internal failure: the details go to the log, the person gets a short apology.
    spdlog::error("command `{}` failed: {}", command->name, e.what());
    call.reply("internal_error", {{"what", command->name.empty() ? "go-around" : command->name}});
  }
  typed.after();
}

boost::asio::awaitable<void> Registry::press(Engine& engine, Request request, std::string action,
                                             std::string label) const {
  co_await submit(engine, std::move(request), std::move(action), {}, std::move(label));
}

boost::asio::awaitable<void> Registry::submit(Engine& engine, Request request, std::string action,
                                              std::map<std::string, std::string, std::less<>> values,
                                              std::string label) const {
  Invocation call{engine, *this, std::move(request), {}};
  const auto colon = action.find(':');
  const auto name = action.substr(0, colon);
  const auto it = actions_.find(name);
  if (it == actions_.end()) {
    spdlog::warn("unknown button action `{}`", name);
    call.usage_error("that button is not known to this bot");
    co_return;
  }
  const auto value = colon == std::string::npos ? std::string() : action.substr(colon + 1);
  // The words the person saw; a transport that does not say them leaves the action.
  TypedRecord pressed(engine, call.request, concern_of(it->second.first_field, value.substr(0, value.find(':'))),
                      model::EventKind::pressed, label.empty() ? action : label, action);
  try {
    call.arguments.positional = {value};
    call.arguments.flags = std::move(values);
    co_await it->second.handler(call);
  } catch (const std::exception& e) {
    spdlog::error("button `{}` failed: {}", name, e.what());
    call.reply("internal_error", {{"what", name}});
  }
  pressed.after();
}

}  // namespace goaround::core
