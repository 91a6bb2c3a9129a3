#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "goaround/chat/events.hpp"
#include "goaround/chat/message.hpp"
#include "goaround/config/config.hpp"
#include "goaround/chat/arguments.hpp"
#include "goaround/core/engine.hpp"

namespace goaround::core {

class Registry;

// One call of a command or a button: the engine it calls, the registry it belongs to (for
// usage lines), who asked and where, and what they typed.
struct Invocation {
  Engine& engine;
  const Registry& registry;
  Request request;
  chat::Arguments arguments;

  // Answers only the person who asked, with templates/<name>.mustache.
  void reply(std::string_view template_name, const boost::json::value& context) const;
  void reply(const chat::Message& message) const;
  // A usage error: the problem, and the usage line of `command` ("" is /rollback <service>),
  // or of help when no command is named.
  void usage_error(const std::string& problem, std::optional<std::string_view> command = std::nullopt) const;
  // Said to everyone where it was asked.
  boost::asio::awaitable<void> say_here(chat::Message message) const;
  // The configured service of that name; otherwise tells the person the known ones.
  const config::Service* service(std::string_view name) const;
};

using CommandHandler = std::function<boost::asio::awaitable<void>(Invocation&)>;
// A button's value (the part after ':') arrives as the single positional argument.
using ActionHandler = std::function<boost::asio::awaitable<void>(Invocation&)>;

// What the first word of a command (or the first field of a button's value) names, so that
// what was typed or pressed is recorded in the incident it concerns.
enum class Names { nothing, service, incident, execution };

struct Command {
  std::string name;  // the subcommand word; "" for the default (a service name comes first)
  std::string usage;
  std::string summary;
  std::vector<chat::FlagSpec> flags;
  CommandHandler handler;
  Names first_word = Names::nothing;
};

// The /rollback subcommands and the button actions, each registered by its own file in
// commands/. Duplicate names are refused when registering, so help is built from one table.
class Registry {
 public:
  void add(Command command);
  void add_action(std::string name, ActionHandler handler, Names first_field = Names::nothing);

  const std::vector<Command>& commands() const { return commands_; }
  const Command* find(std::string_view name) const;

  // Runs what a person did, whichever transport it came from.
  boost::asio::awaitable<void> handle(Engine& engine, chat::Interaction interaction) const;
  // Runs what someone typed after the slash command (e.g. "checkout --to 41").
  boost::asio::awaitable<void> dispatch(Engine& engine, Request request, std::string text) const;
  // Runs a pressed button's action ("goaround.confirm:12"); the timeline says the button's
  // words (`label`), which the person saw, and keeps the action beside them.
  boost::asio::awaitable<void> press(Engine& engine, Request request, std::string action,
                                     std::string label = {}) const;
  // Runs a submitted form's action with what was entered, by field id, as its options.
  boost::asio::awaitable<void> submit(Engine& engine, Request request, std::string action,
                                      std::map<std::string, std::string, std::less<>> values,
                                      std::string label = {}) const;

 private:
  std::vector<Command> commands_;
  struct Action {
    ActionHandler handler;
    Names first_field;
  };
  std::map<std::string, Action, std::less<>> actions_;
};

}  // namespace goaround::core
