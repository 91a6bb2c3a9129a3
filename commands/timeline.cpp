// /rollback timeline [incident] and /rollback timeline edit <entry> [--text T] [--at TIME]:
// the scribe's log, one entry per line; an edit adds a revision and never overwrites.
#include <boost/json.hpp>

#include <charconv>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"

namespace goaround::commands {

namespace {

std::optional<std::int64_t> number(std::string_view text) {
  if (text.starts_with('#')) text.remove_prefix(1);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Entries people wrote; what the bot recorded (cards, commands, results) is not theirs to edit.
bool editable(model::EventKind kind) {
  return kind == model::EventKind::note || kind == model::EventKind::message || kind == model::EventKind::marked;
}

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
  const auto& usage = call.bot.registry.find("timeline")->usage;
  const auto id = args.positional.size() == 2 ? number(args.positional[1]) : std::nullopt;
  const auto entry = id ? call.bot.store.timeline().find(*id) : std::nullopt;
  if (!entry || entry->revises) {
    call.reply("usage_error", {{"problem", "name the entry to edit by its number (#12 in the timeline)"},
                               {"usage", usage}});
    co_return;
  }
  if (!editable(entry->kind)) {
    call.reply("usage_error", {{"problem", "entry #" + std::to_string(entry->id) + " is a " + std::string(model::to_string(entry->kind)) +
                                               " the bot recorded; only notes and captured messages can be edited"},
                               {"usage", usage}});
    co_return;
  }
  model::EventRevision revision;
  revision.text = args.value("text");
  if (args.has("withdraw")) revision.withdrawn = true;
  if (const auto at = args.value("at")) {
    revision.at = corrected_time(*at, entry->at);
    if (!revision.at) {
      call.reply("usage_error", {{"problem", "`" + *at + "` is not a time: use HH:MM, HH:MM:SS or 2026-11-23T14:02:00.000Z"},
                                 {"usage", usage}});
      co_return;
    }
  }
  if (!revision.text && !revision.at && !revision.withdrawn) {
    call.reply("usage_error", {{"problem", "say what changes: --text, --at or --withdraw"}, {"usage", usage}});
    co_return;
  }
  call.bot.store.timeline().revise(*id, revision, core::display_name(call.request.who));
  call.reply("timeline", core::timeline_context(call.bot.store, *call.bot.store.incidents().find(entry->incident_id)));
}

boost::asio::awaitable<void> timeline(core::Invocation& call) {
  const auto& words = call.arguments.positional;
  if (!words.empty() && words.front() == "edit") {
    co_await edit(call);
    co_return;
  }
  if (call.arguments.has("text") || call.arguments.has("at") || call.arguments.has("withdraw")) {
    call.reply("usage_error", {{"problem", "--text, --at and --withdraw belong to `timeline edit`"},
                               {"usage", call.bot.registry.find("timeline")->usage}});
    co_return;
  }
  std::optional<model::Incident> incident;
  if (words.empty()) {
    incident = call.bot.store.incidents().latest();
    if (!incident) {
      call.reply("usage_error", {{"problem", "there are no incidents yet"}, {"usage", "/rollback <service>"}});
      co_return;
    }
  } else {
    auto choice = core::choose_incident(call.bot.store, call.request.where, words.front());
    if (!choice.incident) {
      call.reply("usage_error", {{"problem", choice.problem},
                                 {"usage", call.bot.registry.find("timeline")->usage}});
      co_return;
    }
    incident = std::move(choice.incident);
  }
  call.reply("timeline", core::timeline_context(call.bot.store, *incident));
}

}  // namespace

void register_timeline(core::Registry& registry) {
  registry.add({"timeline",
                "/rollback timeline [incident] | /rollback timeline edit <entry> [--text T] [--at TIME] [--withdraw]",
                "Show an incident's timeline (the latest incident by default). `edit` corrects an "
                "entry's text or time, or withdraws it; the original stays on record.",
                {{"text", true, "edit: the corrected text"},
                 {"at", true, "edit: the corrected time, HH:MM[:SS] (UTC) or a full timestamp"},
                 {"withdraw", false, "edit: mark the entry withdrawn"}},
                timeline});
}

}  // namespace goaround::commands
