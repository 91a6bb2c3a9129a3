// /rollback brief <service> [form] [--changes …] [--signals …] [--stop …] [--rollback …] [--not-fixing …]:
// the go-around brief: five lines before takeoff. Without lines it shows the latest; with them it
// records a new one; `form` opens it as a form (Slack: a modal). CI can send it with the deploy.
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

constexpr std::string_view labels[] = {"What changes", "Signals, with numbers", "Who can call stop",
                                       "What rollback looks like",
                                       "What we will not fix in the first ten minutes"};

// Records the lines given (keeping the others from the previous brief) and shows the brief.
boost::asio::awaitable<void> record(core::Invocation& call, const config::Service& service) {
  json::object lines;
  for (auto field : core::brief_fields)
    if (auto v = call.arguments.value(flag_of(field)); v && !v->empty()) lines[field] = *v;
  if (!lines.empty()) {
    if (const auto previous = core::brief_context(call.bot.store, service.name); previous.is_object())
      for (auto field : core::brief_fields)
        if (!lines.contains(field) && previous.get_object().contains(field)) lines[field] = previous.at(field);
    call.bot.store.deploys().add_brief({0, service.name, "", core::display_name(call.request.who), "command",
                              json::serialize(lines)});
  }
  const json::object shown{{"service", service.name},
                           {"brief", core::brief_context(call.bot.store, service.name)},
                           {"saved", !lines.empty()}};
  const chat::Message message{call.bot.templates.render("brief", shown), {}};
  if (lines.empty()) call.reply(message);
  else co_await call.bot.transport.post(call.request.where, message);
}

boost::asio::awaitable<void> brief(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  const bool form = words.size() == 2 && words[1] == "form";
  if (words.empty() || (words.size() == 2 && !form) || words.size() > 2) {
    call.reply("usage_error", {{"problem", "brief which service?"}, {"usage", call.bot.registry.find("brief")->usage}});
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  if (!form) co_return co_await record(call, *service);
  chat::Form brief_form{"Brief: " + service->name, "goaround.brief:" + service->name, {}, "Save brief"};
  const auto current = core::brief_context(call.bot.store, service->name);
  for (std::size_t i = 0; i < std::size(core::brief_fields); ++i) {
    const auto field = core::brief_fields[i];
    const auto* initial = current.is_object() ? current.get_object().if_contains(field) : nullptr;
    brief_form.fields.push_back({flag_of(field), std::string(labels[i]),
                                 initial && initial->is_string() ? std::string(initial->get_string()) : "",
                                 true});
  }
  if (!co_await call.bot.transport.open_form(call.request.where, call.request.who, brief_form))
    call.reply("usage_error", {{"problem", "no form can open here; give the lines as options"},
                               {"usage", call.bot.registry.find("brief")->usage}});
}

// goaround.brief:<service>, submitted from the form with the lines as options.
boost::asio::awaitable<void> submitted(core::Invocation& call) {
  if (const auto* service = call.service(call.arguments.positional.front())) co_await record(call, *service);
}

}  // namespace

void register_brief(core::Registry& registry) {
  std::vector<core::FlagSpec> flags;
  for (auto field : core::brief_fields) flags.push_back({flag_of(field), true, ""});
  flags[0].help = "what changes in this deploy";
  flags[1].help = "the signals we watch, with numbers (error rate > 2% for 5m)";
  flags[2].help = "who can call stop";
  flags[3].help = "what rollback looks like (command, time it takes)";
  flags[4].help = "what we will not fix in the first ten minutes";
  registry.add({"brief",
                "/rollback brief <service> [form] [--changes T] [--signals T] [--stop T] [--rollback T] [--not-fixing T]",
                "The five-line brief before takeoff: show it, record it line by line, or fill it in "
                "a form. It is shown on the go-around card and in the debrief.",
                std::move(flags),
                brief});
  registry.add_action("goaround.brief", submitted);
}

}  // namespace goaround::commands
