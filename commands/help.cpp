// /rollback help [subcommand]: built from the registry, so it cannot drift from the commands.
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

json::object describe(const core::Command& c) {
  json::array flags;
  for (const auto& f : c.flags)
    flags.push_back({{"name", f.name}, {"takes_value", f.takes_value}, {"help", f.help}});
  return {{"usage", c.usage}, {"summary", c.summary}, {"flags", std::move(flags)}};
}

boost::asio::awaitable<void> help(core::Invocation& call) {
  const auto& registry = call.registry;
  json::array services;
  for (const auto& name : call.engine.services().names()) services.push_back(json::string(name));
  if (!call.arguments.positional.empty()) {
    const auto& name = call.arguments.positional.front();
    if (const auto* command = registry.find(name))
      call.reply("help", {{"command", describe(*command)}});
    else
      call.reply("usage_error", {{"problem", "no subcommand `" + name + "`"},
                                 {"usage", registry.find("help")->usage}});
    co_return;
  }
  json::array commands;
  for (const auto& c : registry.commands()) commands.push_back(describe(c));
  call.reply("help", {{"commands", std::move(commands)}, {"services", std::move(services)}});
}

}  // namespace

void register_help(core::Registry& registry) {
  registry.add({"help", "/rollback help [subcommand]", "Show the subcommands, or one in detail.",
                {}, help});
}

}  // namespace goaround::commands
