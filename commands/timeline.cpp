// /rollback timeline [incident] and /rollback timeline edit <entry> [--text T] [--at TIME]:
// the scribe's log, one entry per line; an edit adds a revision and never overwrites.
#include "goaround/commands/commands.hpp"

namespace goaround::commands {

namespace {

// A full UTC timestamp, or HH:MM[:SS] on the entry's own (UTC) day; checked by reading it back.
std::optional<std::string> corrected_time(const std::string& given, const std::string& original) {
  if (time::parse_utc(given)) return given;
  std::string full = given;
  if (given.size() == 5) full += ":00";
  if (full.size() != 8) return std::nullopt;
  full = original.substr(0, 11) + full + ".000Z";
  const auto parsed = time::parse_utc(full);
  if (!parsed || time::format_utc(*parsed) != full) return std::nullopt;
  return full;
}

boost::asio::awaitable<void> edit(core::Invocation& call) {
  const auto& args = call.arguments;
  const auto id = args.positional.size() == 2 ? chat::typed_number(args.positional[1]) : std::nullopt;
  const auto entry = id ? call.engine.entry(*id) : std::nullopt;
  if (!entry || entry->revises) {
    call.usage_error("name the entry to edit by its number (#12 in the timeline)", "timeline");
    co_return;
  }
  model::EventRevision revision;
  revision.text = args.value("text");
  if (args.has("withdraw")) revision.withdrawn = true;
  if (const auto at = args.value("at")) {
    revision.at = corrected_time(*at, entry->at);
    if (!revision.at) {
      call.usage_error("`" + *at + "` is not a time: use HH:MM, HH:MM:SS or 2026-11-23T14:02:00.000Z", "timeline");
      co_return;
    }
  }
  if (!revision.text && !revision.at && !revision.withdrawn) {
    call.usage_error("say what changes: --text, --at or --withdraw", "timeline");
    co_return;
  }
  const auto revised = call.engine.revise(call.request, *id, revision);
  if (!revised) call.usage_error(revised.problem, "timeline");
  else call.reply("timeline", *revised);
}

boost::asio::awaitable<void> timeline(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (!words.empty() && words.front() == "edit") {
    co_await edit(call);
    co_return;
  }
  if (call.arguments.has("text") || call.arguments.has("at") || call.arguments.has("withdraw")) {
    call.usage_error("--text, --at and --withdraw belong to `timeline edit`", "timeline");
    co_return;
  }
  std::optional<model::Incident> incident;
  if (words.empty()) {
    incident = call.engine.latest_incident();
    if (!incident) {
      call.reply("usage_error", {{"problem", "there are no incidents yet"}, {"usage", "/rollback <service>"}});
      co_return;
    }
  } else {
    auto choice = call.engine.choose_incident(call.request.where, words.front());
    if (!choice.incident) {
      call.usage_error(choice.problem, "timeline");
      co_return;
    }
    incident = std::move(choice.incident);
  }
  call.reply("timeline", call.engine.timeline(*incident, {.everything = call.arguments.has("all")}));
}

}  // namespace

void register_timeline(core::Registry& registry) {
  registry.add({"timeline",
                "/rollback timeline [incident] [--all] | /rollback timeline edit <entry> [--text T] [--at TIME] [--withdraw]",
                "Show an incident's timeline (the latest incident by default). `edit` corrects an "
                "entry's text or time, or withdraws it; the original stays on record.",
                {{"all", false, "every entry, also typed commands, pressed buttons and progress"},
                 {"text", true, "edit: the corrected text"},
                 {"at", true, "edit: the corrected time, HH:MM[:SS] (UTC) or a full timestamp"},
                 {"withdraw", false, "edit: mark the entry withdrawn"}},
                timeline,
                core::Names::incident});
}

}  // namespace goaround::commands
