// /rollback brief <service> [--changes …] [--signals …] [--stop …] [--rollback …] [--not-fixing …]:
// seed 000's five-line brief before takeoff. Without flags it shows the latest; with them it
// records a new one (CI can send it with the deployment instead).
#include <boost/json.hpp>

#include "goaround/commands/commands.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/core/go_around.hpp"

namespace goaround::commands {
namespace json = boost::json;

namespace {

// The flag for each of the five lines (--not-fixing for not_fixing).
std::string flag_of(std::string_view field) {
  std::string flag(field);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

boost::asio::awaitable<void> brief(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (words.size() != 1) {
    call.reply("usage_error", {{"problem", "brief which service?"}, {"usage", call.bot.registry.find("brief")->usage}});
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  json::object lines;
  for (auto field : core::brief_fields)
    if (auto v = call.arguments.value(flag_of(field))) lines[field] = *v;
  if (!lines.empty()) {
    // A new brief keeps the lines not given from the previous one.
    if (const auto previous = core::brief_context(call.bot.store, service->name); previous.is_object())
      for (auto field : core::brief_fields)
        if (!lines.contains(field) && previous.get_object().contains(field)) lines[field] = previous.at(field);
    call.bot.store.add_brief({0, service->name, "", core::display_name(call.request.who), "command",
                              json::serialize(lines)});
  }
  auto context = core::brief_context(call.bot.store, service->name);
  json::object shown{{"service", service->name}, {"brief", context}, {"saved", !lines.empty()}};
  const chat::Message message{call.bot.templates.render("brief", shown), {}};
  if (lines.empty()) call.reply(message);
  else co_await call.bot.transport.post(call.request.where, message);
}

}  // namespace

void register_brief(core::Registry& registry) {
  std::vector<core::FlagSpec> flags;
  for (auto field : core::brief_fields) flags.push_back({flag_of(field), true, "the brief's `" + flag_of(field) + "` line"});
  flags[0].help = "what changes in this deploy";
  flags[1].help = "the signals we watch, with numbers (error rate > 2% for 5 min)";
  flags[2].help = "who can call stop";
  flags[3].help = "what rollback looks like (command, time it takes)";
  flags[4].help = "what we will not fix in the first ten minutes";
  registry.add({"brief",
                "/rollback brief <service> [--changes T] [--signals T] [--stop T] [--rollback T] [--not-fixing T]",
                "The five-line brief before takeoff: show it, or record it line by line. It is shown "
                "on the go-around card and in the debrief.",
                std::move(flags),
                brief});
}

}  // namespace goaround::commands
