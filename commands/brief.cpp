// /rollback brief <service> [form] [--changes …] [--signals …] [--stop …] [--rollback …] [--not-fixing …]:
// the go-around brief: five lines before takeoff. Without lines it shows the latest; with them it
// records a new one; `form` opens it as a form (Slack: a modal). CI can send it with the deploy.
#include "goaround/commands/commands.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::commands {

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

// Records the lines given (keeping the others from the previous brief) and shows the brief:
// to everyone there when it changed, else only to the person who asked.
boost::asio::awaitable<void> record(core::Invocation& call, const config::Service& service) {
  std::map<std::string, std::string, std::less<>> lines;
  for (auto field : model::brief_fields)
    if (auto v = call.arguments.value(flag_of(field)); v && !v->empty()) lines[std::string(field)] = *v;
  const boost::json::object shown{{"service", service.name},
                                  {"brief", call.engine.save_brief(call.request, service.name, lines)},
                                  {"saved", !lines.empty()}};
  const chat::Message message{call.engine.templates().render("brief", shown), {}};
  if (lines.empty()) call.reply(message);
  else co_await call.say_here(message);
}

boost::asio::awaitable<void> brief(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  const bool form = words.size() == 2 && words[1] == "form";
  if (words.empty() || (words.size() == 2 && !form) || words.size() > 2) {
    call.usage_error("brief which service?", "brief");
    co_return;
  }
  const auto* service = call.service(words.front());
  if (!service) co_return;
  if (!form) co_return co_await record(call, *service);
  chat::Form brief_form{"Brief: " + service->name, model::button("goaround.brief", model::buttons::Brief{service->name}),
                        {}, "Save brief"};
  const auto current = call.engine.brief(service->name);
  for (std::size_t i = 0; i < std::size(model::brief_fields); ++i) {
    const auto field = model::brief_fields[i];
    const auto* initial = current.is_object() ? current.get_object().if_contains(field) : nullptr;
    brief_form.fields.push_back({flag_of(field), std::string(labels[i]),
                                 initial && initial->is_string() ? std::string(initial->get_string()) : "",
                                 true});
  }
  if (!co_await call.engine.open_form(call.request, brief_form))
    call.usage_error("no form can open here; give the lines as options", "brief");
}

// goaround.brief:<service>, submitted from the form with the lines as options.
boost::asio::awaitable<void> submitted(core::Invocation& call) {
  const auto form = model::parse_button<model::buttons::Brief>(call.arguments.positional.front());
  if (const auto* service = call.service(form ? form->service : "")) co_await record(call, *service);
}

}  // namespace

void register_brief(core::Registry& registry) {
  std::vector<chat::FlagSpec> flags;
  for (auto field : model::brief_fields) flags.push_back({flag_of(field), true, ""});
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
                brief,
                core::Names::service});
  registry.add_action("goaround.brief", submitted, core::Names::service);
}

}  // namespace goaround::commands
