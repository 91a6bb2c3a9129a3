#include "goaround/app/cli.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "goaround/app/logging.hpp"
#include "goaround/app/serve_lock.hpp"
#include "goaround/chat/log_transport.hpp"
#include "goaround/chat/mrkdwn.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/commands/commands.hpp"
#include "goaround/config/config.hpp"
#include "goaround/console/console.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/core/scribe.hpp"
#include "goaround/debrief/timeline_export.hpp"
#include "goaround/debrief/debrief.hpp"
#include "goaround/exec/adapter.hpp"
#include "goaround/http/listener.hpp"
#include "goaround/metrics/metrics.hpp"
#include "goaround/schedule/status_scheduler.hpp"
#include "goaround/schedule/periodic.hpp"
#include "goaround/slack/scheduling.hpp"
#include "goaround/slack/slack_transport.hpp"
#include "goaround/slack/socket_mode.hpp"
#include "goaround/app/console_session.hpp"
#include "goaround/app/slack_bot.hpp"
#include "goaround/store/open.hpp"
#include "goaround/triggers/triggers.hpp"

namespace goaround::app {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const std::vector<chat::FlagSpec> global_flags{
    {"config", true, "configuration file (default: the embedded two-service simulation)"},
    {"data", true, "data folder for goaround.db and envelopes.db (default: data_dir from the config, ./var)"},
    {"log-level", true, "trace, debug, info, warn, error, critical or off"},
    {"log-format", true, "text or json"},
    {"clock", true, "wall (default) or virtual: time moves only with the console's :advance"},
    {"help", false, "this help"},
    {"version", false, "print the version and exit"}};

struct Subcommand {
  std::string name;
  std::string usage;
  std::string summary;
  std::vector<chat::FlagSpec> flags;  // in addition to the global ones
};

const std::vector<Subcommand> subcommands{
    {"console", "goaround [console] [options]",
     "The local console on the configured services: type /rollback commands, numbers for buttons.",
     {}},
    {"rollback", "goaround rollback <service> [--to REV | --flag KEY] [--reason TEXT] [--yes] [options]",
     "The go-around without Slack: same card, same timeline. Exit 0 only when rolled back (or the "
     "flag turned off) and verified; 1 when it failed; 3 when it did not start.",
     {{"to", true, "target revision (default: the one before the live one)"},
      {"flag", true, "turn this feature flag off instead of rolling back (the service's flags: provider)"},
      {"reason", true, "why we are going around"},
      {"yes", false, "confirm without asking"}}},
    {"drill", "goaround drill <service> [--reason TEXT] [--yes] [options]",
     "Practise the go-around on the service's staging twin (its drill: block): the same card and "
     "timeline, labelled DRILL, with no freeze and no page; each phase is measured. Exit codes as rollback's.",
     {{"reason", true, "why (default: practising the go-around)"}, {"yes", false, "confirm without asking"}}},
    {"timeline", "goaround timeline [export] [INCIDENT] [--all] [--format md|json|csv] [options]",
     "Print an incident's timeline (the latest by default), one event per line; `export` writes "
     "it as Markdown, or as JSON or CSV with every field of every row.",
     {{"format", true, "export format: md, json or csv (default md)"},
      {"all", false, "every entry, also typed commands, pressed buttons and progress"}}},
    {"debrief", "goaround debrief [INCIDENT] [--out FILE] [options]",
     "Write an incident's debrief (the latest by default) as Markdown on stdout or into FILE, "
     "with its chart beside it (FILE-chart.svg and .png; without --out, in the data folder).",
     {{"out", true, "the Markdown file to write"}}},
    {"serve", "goaround serve [options]",
     "The long-running bot: Slack (Socket Mode) when slack.app_token and slack.bot_token "
     "resolve, otherwise what would be posted goes to the log; the status schedule, the "
     "triggers and the HTTP listener (http.listen) run either way. Stops cleanly on SIGTERM or "
     "SIGINT; exit 4 when Slack disabled the app's Socket Mode.", {}},
    {"check-config", "goaround check-config FILE",
     "Validate a configuration file; print every problem with its line and column.", {}},
};

const Subcommand* find_subcommand(const std::string& name) {
  const auto it = std::find_if(subcommands.begin(), subcommands.end(),
                               [&](const Subcommand& s) { return s.name == name; });
  return it == subcommands.end() ? nullptr : &*it;
}

json::array flags_json(const std::vector<chat::FlagSpec>& flags) {
  json::array out;
  for (const auto& f : flags)
    out.push_back({{"name", f.name}, {"takes_value", f.takes_value}, {"help", f.help}});
  return out;
}

std::string help_text(const chat::Templates& templates, const Subcommand* only) {
  json::array list;
  for (const auto& s : subcommands)
    if (!only || only == &s)
      list.push_back({{"usage", s.usage}, {"summary", s.summary}, {"flags", flags_json(s.flags)}});
  return templates.render("cli_help", {{"subcommands", list}, {"globals", flags_json(global_flags)}});
}

// The wall clock, or with --clock virtual a clock that only the console's :advance moves.
std::unique_ptr<time::Clock> make_clock(const chat::Arguments& args) {
  if (args.value("clock") == "virtual")
    return std::make_unique<time::ManualClock>(std::chrono::system_clock::now());
  return std::make_unique<time::SystemClock>();
}

// Everything a running bot needs, wired in dependency order.
enum class Voice { console, slack, log };

// The configured store: PostgreSQL when store.url is set, else goaround.db in the data folder.
store::Location location_of(const config::Config& config, const std::filesystem::path& data_dir) {
  store::Location where{data_dir / "goaround.db"};
  if (config.store.postgres()) {
    where.postgres_url = config.store.url.reveal();
    if (!config.store.password.empty()) where.password = config.store.password.reveal();
  }
  return where;
}

// The leader lease's own connection: on SQLite it gives up on a locked file within a quarter
// second (a lease not renewed is a lease lost, not a stalled loop), and a renewal is not worth
// an fsync.
store::Location lease_location(store::Location where) {
  where.sqlite_busy = std::chrono::milliseconds(250);
  where.sqlite_durable = false;
  return where;
}

// The envelope ledger's own connection: a short busy wait (the writer retries anyway, and a
// stop waits for one try), and on SQLite a file of its own (envelope_store() says why).
store::Location envelope_location(store::Location where) {
  where.sqlite_busy = std::chrono::seconds(1);
  if (!where.postgres()) where.sqlite_file.replace_filename("envelopes.db");
  return where;
}

struct Runtime {
  // `voice`: where the bot talks: the terminal, the Slack Web API, or the log.
  Runtime(config::Config loaded, const std::filesystem::path& data_dir, std::ostream& out,
          std::unique_ptr<time::Clock> chosen_clock, Voice voice = Voice::console)
      : clock(std::move(chosen_clock)),
        config(std::move(loaded)),
        location(location_of(config, data_dir)),
        store_handle(store::open(location, *clock)),
        store(*store_handle),
        templates(config.templates_dir, voice == Voice::slack ? chat::Templates::Escape(slack::escape) : nullptr),
        console(out),
        web(config.slack.api_url, config.slack.bot_token),
        slack_transport(io.get_executor(), web, config.slack.api_url),
        transport(voice == Voice::slack ? static_cast<chat::Transport&>(slack_transport)
                  : voice == Voice::log ? static_cast<chat::Transport&>(log_transport)
                                        : console),
        adapters(io.get_executor(), config.service_list(), config.tools, data_dir),
        ownership(core::Ownership::of_this_process(config.execution_lease)),
        go_around(core::GoAround::Settings::of(config), store, adapters, templates, transport, *clock, ownership),
        leadership_store(store::open(lease_location(location), *clock)),
        leadership(*leadership_store, ownership.owner.id, {config.leader_lease}),
        status(config.service_list(), store, leadership, templates, transport, *clock,
               schedule::prometheus_metric(config.prometheus)),
        engine(core::Engine::Settings::of(config), store, templates, transport, go_around, status, io.get_executor(),
               *clock),
        triggers(engine, store, *clock, triggers::prometheus_query(config.prometheus)) {
    commands::register_all(registry);
    templates.tell_time([this] { return clock->now(); });
    metrics::process_metrics().open_incidents = [this] { return double(store.incidents().open().size()); };
  }
  ~Runtime() { metrics::process_metrics().open_incidents = nullptr; }

  asio::io_context io;
  std::unique_ptr<time::Clock> clock;
  config::Config config;
  store::Location location;
  std::unique_ptr<store::Store> store_handle;
  store::Store& store;
  chat::Templates templates;
  console::ConsoleTransport console;
  chat::LogTransport log_transport;
  slack::WebApi web;
  slack::SlackTransport slack_transport;
  chat::Transport& transport;
  exec::Adapters adapters;
  core::Ownership ownership;
  core::GoAround go_around;
  // Who posts status and polls triggers when several processes share the store; on a
  // connection of its own, so that renewing never waits behind the loop's other writes.
  std::unique_ptr<store::Store> leadership_store;
  schedule::Leadership leadership;
  schedule::StatusScheduler status;
  core::Registry registry;
  core::Engine engine;
  triggers::Monitor triggers;
  // serve's periodic takeover of go-arounds whose process died; here, so that a tick still
  // under way at shutdown finds it alive.
  schedule::Periodic takeovers;
};

// Runs a coroutine on the runtime's loop to completion and returns its value.
template <typename T>
T run_to_completion(Runtime& rt, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(rt.io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  rt.io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

// The envelope ledger's own connection. On SQLite its ids live in a file of their own,
// envelopes.db: under a burst the ledger commits every few ms, and on slow storage each commit
// holds its file's write lock through the fsync; in the timeline's file the work's own writes
// sat in SQLite's busy wait behind it (150 ms and more at a time, with every fsync 5 ms slower),
// and the work loop with them. Ids a data folder from before kept in goaround.db move over (on
// every start, so a crash halfway loses none): a redelivery across the upgrade is still known.
std::unique_ptr<store::Store> envelope_store(Runtime& rt) {
  const auto where = envelope_location(rt.location);
  auto ids = store::open(where, *rt.clock);
  if (where.postgres()) return ids;
  const auto earlier = rt.store.envelopes().since(time::TimePoint{});
  if (!earlier.empty()) {
    std::vector<store::EnvelopeIds> moved;
    for (const auto& id : earlier) moved.push_back({id, "", "moved"});
    ids->envelopes().record(moved);
    rt.store.envelopes().prune(rt.clock->now() + std::chrono::seconds(1));
    spdlog::info("goaround serve: {} seen envelope id(s) moved to {}", earlier.size(), where.sqlite_file.string());
  }
  return ids;
}

// The long-running bot until a signal: Slack envelopes (when configured) go to the same
// registry as the console's lines; the schedule, the triggers and the HTTP listener run beside.
asio::awaitable<int> serve(Runtime& rt, bool slack_on) {
  co_await rt.go_around.recover();
  core::Scribe scribe(rt.store);
  // The ack path (read, check the envelope id in memory, ack) runs on a thread of its own with
  // its own Web API client; the ledger records the ids durably on another, and envelopes are
  // worked on here, on the bot's loop: no fsync and no handler's work ever delays an ack.
  asio::io_context socket_io;
  std::optional<slack::EnvelopeLedger> ledger;
  std::optional<slack::WebApi> socket_web;
  std::optional<slack::SocketModeClient> socket;
  slack::Directory directory(rt.web);
  if (slack_on) {
    ledger.emplace(envelope_store(rt), *rt.clock);
    socket_web.emplace(rt.config.slack.api_url, rt.config.slack.bot_token);
    socket.emplace(socket_io.get_executor(), *socket_web, rt.config.slack.app_token, *ledger,
                   envelope_handler(rt.engine, rt.registry, directory, scribe),
                   slack::SocketModeOptions{rt.config.slack.idle_timeout, rt.io.get_executor(),
                                            slack::form_check(rt.templates.render("form_empty", {}))});
  } else {
    spdlog::info("goaround serve: no Slack tokens configured; messages go to the log");
  }
  http::Routes routes(rt.engine, rt.config.http.token, [&]() -> std::optional<std::string> {
    if (socket && !socket->connected()) return "slack: not connected";
    if (std::string why; !rt.store.writable(why)) return "database not writable: " + why;
    return std::nullopt;
  });
  std::optional<http::Listener> listener;
  if (!rt.config.http.host.empty()) {
    listener.emplace(rt.io.get_executor(), routes, static_cast<std::size_t>(rt.config.http.max_connections));
    listener->listen(rt.config.http.host, rt.config.http.port);
    if (rt.config.http.token.empty())
      spdlog::warn("http: http.token is not set; deployment registration is refused");
    asio::co_spawn(rt.io, listener->run(), asio::detached);
  }
  asio::steady_timer until_signal(rt.io, asio::steady_timer::time_point::max());
  asio::signal_set signals(rt.io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    spdlog::info("goaround serve: stopping");
    if (socket) asio::post(socket_io, [&] { socket->stop(); });
    if (listener) listener->stop();
    rt.status.stop();
    rt.triggers.stop();
    rt.takeovers.stop();
    rt.leadership.stop();  // hands the leader's work to another replica at once
    until_signal.cancel();
  });
  // A go-around whose process died (a headless run killed beside this one) frees its service
  // within a lease and a half, without waiting for anyone to ask.
  asio::co_spawn(rt.io, rt.takeovers.run(rt.config.execution_lease / 2, [&] { return rt.go_around.recover(); },
                                      "go-around takeovers"),
                 asio::detached);
  // A replica that becomes leader posts what is due at once, rather than at its next tick.
  rt.leadership.on_lead([&] {
    asio::co_spawn(rt.io, rt.status.tick(), [](std::exception_ptr failure) {
      if (failure) spdlog::error("status schedule: the first tick as leader failed");
    });
  });
  asio::co_spawn(rt.io, rt.leadership.run(), asio::detached);
  asio::co_spawn(rt.io, rt.status.run(std::chrono::seconds(1)), asio::detached);
  asio::co_spawn(rt.io, rt.triggers.run(rt.config.prometheus.poll_interval, rt.leadership), asio::detached);
  bool disabled = false;
  if (socket) {
    asio::steady_timer socket_done(rt.io, asio::steady_timer::time_point::max());
    asio::co_spawn(socket_io, socket->run(), [&](std::exception_ptr failure, bool link_disabled) {
      if (failure) spdlog::critical("slack: the Socket Mode client stopped on an error");
      asio::post(rt.io, [&, link_disabled] {
        disabled = link_disabled;
        socket_done.cancel();
      });
    });
    std::thread socket_thread([&] {
      slack::prefer_for_acks();
      socket_io.run();
    });
    // The bot's own loop yields the CPU to the ack thread (created above, so it keeps the
    // normal priority): on a busy machine an ack then waits for no handler's time slice.
    slack::yield_to_acks("goaround serve: the work loop");
    boost::system::error_code ec;
    co_await socket_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    socket_thread.join();
    ledger.reset();  // records what is pending, before the client it hands work for goes
  } else {
    boost::system::error_code ec;
    co_await until_signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  // Go-arounds already confirmed finish before the process goes: a half-run rollback helps no one.
  asio::steady_timer drain(rt.io);
  while (rt.go_around.in_flight() > 0) {
    spdlog::info("goaround serve: waiting for {} go-around(s) to finish", rt.go_around.in_flight());
    drain.expires_after(std::chrono::milliseconds(200));
    co_await drain.async_wait(asio::use_awaitable);
  }
  if (listener) listener->stop();
  rt.status.stop();
  rt.triggers.stop();
  rt.takeovers.stop();
  rt.leadership.stop();
  signals.cancel();
  co_return disabled ? exit_link_disabled : exit_ok;
}

// `goaround rollback` and `goaround drill` (on the service's twin): card, confirmation, run.
asio::awaitable<int> headless_go_around(Runtime& rt, const chat::Arguments& args, bool drill) {
  const auto person = console::local_operator();
  const core::Request request{person, {"console", ""}};
  const auto* subcommand = find_subcommand(drill ? "drill" : "rollback");
  if (args.positional.size() < 2) {
    std::cerr << "goaround " << subcommand->name << ": which service?\n" << help_text(rt.templates, subcommand) << '\n';
    co_return exit_usage;
  }
  core::GoAround::Proposal proposal;
  try {
    co_await rt.go_around.recover();
    // Words after the service are the reason, as in chat: `goaround rollback payments it's the db`.
    auto reason = args.value("reason").value_or(args.rest(2));
    proposal = drill ? co_await rt.go_around.propose_drill(request, args.positional[1], std::move(reason))
                     : co_await rt.go_around.propose(request, args.positional[1], args.value("to"), std::move(reason),
                                                     args.value("flag"));
  } catch (const std::exception& e) {
    // Nothing ran: say so, and exit as "not started", not as a failed rollback.
    std::cerr << rt.templates.render("cli_store_unavailable", {{"error", e.what()}}) << '\n';
    co_return exit_not_started;
  }
  if (proposal.refusal) {
    rt.console.whisper(request.where, person, *proposal.refusal);
    co_return exit_not_started;
  }
  if (!proposal.execution_id) co_return exit_not_started;  // the card says which check failed
  const auto id = *proposal.execution_id;
  if (!args.has("yes")) {
    std::cout << rt.templates.render("cli_confirm", {{"service", args.positional[1]}}) << ' '
              << std::flush;
    console::LineReader input(rt.io.get_executor(), STDIN_FILENO);
    const auto answer = co_await input.next();
    // The card offers [1] Confirm and [2] Cancel: the number works as in the console.
    if (!answer || (*answer != "1" && *answer != "y" && *answer != "yes")) {
      rt.go_around.cancel(request, id);
      co_return exit_not_started;
    }
  }
  if (auto refusal = rt.go_around.start(request, id)) {
    rt.console.whisper(request.where, person, *refusal);
    rt.go_around.cancel(request, id);  // no card is left waiting for a confirmation that cannot come
    co_return exit_not_started;
  }
  const auto result = co_await rt.go_around.run(id);
  co_return result == core::Result::verified ? exit_ok : exit_failed;
}

int print_timeline(Runtime& rt, chat::Arguments args) {
  const bool exporting = args.positional.size() > 1 && args.positional[1] == "export";
  if (exporting) args.positional.erase(args.positional.begin() + 1);
  const auto format = debrief::export_format(args.value("format").value_or("md"));
  if (!format || (args.has("format") && !exporting)) {
    std::cerr << "goaround timeline: --format is md, json or csv, and goes with `export`\n";
    return exit_usage;
  }
  std::optional<model::Incident> incident;
  std::string problem = "there are no incidents yet";
  if (args.positional.size() > 1) {
    auto choice = core::choose_incident(rt.store, {}, args.positional[1]);
    incident = std::move(choice.incident);
    problem = choice.problem;
  } else {
    incident = rt.store.incidents().latest();
  }
  if (!incident) {
    std::cerr << "goaround timeline: " << problem << '\n';
    return exit_usage;
  }
  if (exporting) std::cout << debrief::export_timeline(rt.store, rt.templates, *incident, *format);
  else
    std::cout << chat::from_mrkdwn(rt.templates.render(
                     "timeline", debrief::timeline_context(rt.store, *incident, {.everything = args.has("all")})),
                     chat::Rendering::plain)
              << '\n';
  return exit_ok;
}

asio::awaitable<int> write_debrief(Runtime& rt, const chat::Arguments& args) {
  const auto incident = args.positional.size() > 1
                            ? core::choose_incident(rt.store, {}, args.positional[1]).incident
                            : rt.store.incidents().latest();
  if (!incident) {
    std::cerr << "goaround debrief: no such incident\n";
    co_return exit_usage;
  }
  const auto out = args.value("out");
  // Shared in the incident and the go-around's freeze lifted, as from the chat.
  const core::Request request{console::local_operator(), {incident->channel, incident->thread}};
  const auto written = co_await rt.engine.debrief(
      request, *incident, out ? std::optional(std::filesystem::path(*out)) : std::nullopt);
  if (!out) std::cout << written.text;
  if (written.svg.empty())
    std::cerr << "goaround debrief: wrote " << written.markdown.string() << " (without the chart)\n";
  else
    std::cerr << "goaround debrief: wrote " << written.markdown.string() << ", " << written.svg.string()
              << " and " << written.png.string() << '\n';
  co_return exit_ok;
}

int check_config(const chat::Arguments& args, const chat::Templates& templates) {
  if (args.positional.size() != 2) {
    std::cerr << help_text(templates, find_subcommand("check-config")) << '\n';
    return exit_usage;
  }
  const std::string path = args.positional[1];
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot read the file (" << std::strerror(errno) << ")\n";
    return exit_usage;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto parsed = config::parse(text);
  for (const auto& problem : parsed.problems) std::cerr << config::describe(problem, path) << '\n';
  for (auto warning : parsed.warnings) {
    warning.message = "warning: " + warning.message;
    std::cerr << config::describe(warning, path) << '\n';
  }
  if (!parsed.config) {
    std::cerr << path << ": " << parsed.problems.size() << " problem(s)\n";
    return exit_usage;
  }
  json::array services;
  for (const auto& s : parsed.config->services)
    services.push_back({{"name", s.name}, {"adapter", config::to_string(s.adapter)},
                        {"environment", s.environment}});
  json::array unset;
  for (const auto* secret : {&parsed.config->slack.app_token, &parsed.config->slack.bot_token})
    if (secret->empty() && !secret->source().empty()) unset.push_back(json::string(secret->source()));
  std::cout << templates.render("cli_config_ok", {{"path", path}, {"services", services},
                                                  {"unset", unset}})
            << '\n';
  return exit_ok;
}

}  // namespace

int run(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  const chat::Templates templates;
  // Options may come before or after the subcommand; find it first, then parse strictly.
  auto all_flags = global_flags;
  for (const auto& s : subcommands) all_flags.insert(all_flags.end(), s.flags.begin(), s.flags.end());
  const auto loose = chat::parse_arguments(words, all_flags);
  if (!loose.error.empty()) {
    // Only the usage of the subcommand that was meant, if one is named.
    const auto named = std::find_if(words.begin(), words.end(), [](const std::string& w) { return find_subcommand(w); });
    const auto* meant = named == words.end() ? nullptr : find_subcommand(*named);
    std::cerr << "goaround" << (meant ? " " + meant->name : "") << ": " << loose.error << "\n"
              << help_text(templates, meant) << '\n';
    return exit_usage;
  }
  const auto name = loose.arguments.positional.empty() ? std::string("console")
                                                       : loose.arguments.positional.front();
  const auto* sub = find_subcommand(name);
  if (!sub) {
    std::cerr << "goaround: unknown subcommand `" << name << "`\n"
              << help_text(templates, nullptr) << '\n';
    return exit_usage;
  }
  auto flags = global_flags;
  flags.insert(flags.end(), sub->flags.begin(), sub->flags.end());
  auto parsed = chat::parse_arguments(words, flags);
  if (!parsed.error.empty()) {
    std::cerr << "goaround " << sub->name << ": " << parsed.error << "\n"
              << help_text(templates, sub) << '\n';
    return exit_usage;
  }
  auto& args = parsed.arguments;
  if (args.positional.empty()) args.positional.push_back("console");
  if (args.has("version")) {
    std::cout << "goaround " << GOAROUND_VERSION << '\n';
    return exit_ok;
  }
  if (args.has("help")) {
    std::cout << help_text(templates, loose.arguments.positional.empty() ? nullptr : sub) << '\n';
    return exit_ok;
  }
  if (sub->name == "check-config") return check_config(args, templates);

  std::optional<config::Config> config;
  try {
    const auto path = args.value("config");
    config = config::load(path ? std::optional<std::filesystem::path>(*path) : std::nullopt);
  } catch (const config::Invalid& e) {
    std::cerr << e.what() << '\n';
    return exit_usage;
  }
  if (const auto level = args.value("log-level");
      level && spdlog::level::from_str(*level) == spdlog::level::off && *level != "off") {
    std::cerr << "goaround: --log-level must be trace, debug, info, warn, error, critical or off\n";
    return exit_usage;
  }
  if (const auto format = args.value("log-format"); format && *format != "text" && *format != "json") {
    std::cerr << "goaround: --log-format must be text or json\n";
    return exit_usage;
  }
  if (const auto clock = args.value("clock"); clock && *clock != "wall" && *clock != "virtual") {
    std::cerr << "goaround: --clock must be wall or virtual, not `" << *clock << "`\n";
    return exit_usage;
  }
  setup_logging(args.value("log-level").value_or(""), config->log.level,
                args.value("log-format").value_or(config->log.format));
  const auto data_dir = std::filesystem::path(args.value("data").value_or(config->data_dir));
  // What only reads the timeline never creates one: a mistyped --data is an error, not an
  // empty new database.
  if ((sub->name == "timeline" || sub->name == "debrief") && !config->store.postgres() &&
      !std::filesystem::exists(data_dir / "goaround.db")) {
    std::cerr << "goaround " << sub->name << ": no timeline database at " << (data_dir / "goaround.db").string()
              << " (check --data or data_dir)\n";
    return exit_usage;
  }
  try {
    config->data_dir = data_dir;
    const bool serving = sub->name == "serve";
    const bool slack_on = !config->slack.app_token.empty() && !config->slack.bot_token.empty();
    if (serving && !slack_on && (!config->slack.app_token.empty() || !config->slack.bot_token.empty())) {
      std::cerr << "goaround serve: only one of slack.app_token and slack.bot_token resolved; "
                   "Slack needs both (set the environment variables the configuration names)\n";
      return exit_usage;
    }
    // The headless debrief writes Markdown to stdout: what the bot says about it goes to the log.
    const auto voice = serving ? (slack_on ? Voice::slack : Voice::log)
                               : sub->name == "debrief" ? Voice::log : Voice::console;
    std::optional<ServeLock> serve_lock;
    if (serving) {
      std::filesystem::create_directories(data_dir);
      auto taken = ServeLock::take(data_dir);
      if (const auto* held = std::get_if<ServeLock::Held>(&taken)) {
        std::cerr << "goaround serve: another goaround serve (" << held->holder << ") runs on the data folder "
                  << data_dir.string() << "; one serve per folder (give this one its own --data)\n";
        return exit_data_in_use;
      }
      serve_lock.emplace(std::move(std::get<ServeLock>(taken)));
    }
    Runtime rt(std::move(*config), data_dir, std::cout, make_clock(args), voice);
    if (serving) return run_to_completion(rt, serve(rt, slack_on));
    spdlog::info("goaround {}: data in {}", sub->name, rt.location.describe());
    if (sub->name == "timeline") return print_timeline(rt, args);
    if (sub->name == "debrief") return run_to_completion(rt, write_debrief(rt, args));
    if (sub->name == "rollback") return run_to_completion(rt, headless_go_around(rt, args, false));
    if (sub->name == "drill") return run_to_completion(rt, headless_go_around(rt, args, true));
    console::LineReader input(rt.io.get_executor(), STDIN_FILENO);
    auto* virtual_clock = dynamic_cast<time::ManualClock*>(rt.clock.get());
    Advance advance;
    if (virtual_clock)
      advance = [&rt, virtual_clock](std::chrono::milliseconds by) -> asio::awaitable<void> {
        virtual_clock->advance(by);
        rt.leadership.renew();
        co_await rt.status.tick();
        co_await rt.triggers.tick();
      };
    run_to_completion(rt, [&]() -> asio::awaitable<int> {
      // However the console ends, the status loop must stop or the process never exits.
      const std::unique_ptr<schedule::StatusScheduler, void (*)(schedule::StatusScheduler*)>
          stop_status(&rt.status, [](schedule::StatusScheduler* s) { s->stop(); });
      co_await rt.go_around.recover();
      const std::unique_ptr<triggers::Monitor, void (*)(triggers::Monitor*)> stop_triggers(
          &rt.triggers, [](triggers::Monitor* m) { m->stop(); });
      const std::unique_ptr<schedule::Leadership, void (*)(schedule::Leadership*)> stop_leading(
          &rt.leadership, [](schedule::Leadership* l) { l->stop(); });
      rt.leadership.renew();
      if (!virtual_clock) {
        asio::co_spawn(rt.io, rt.leadership.run(), asio::detached);
        asio::co_spawn(rt.io, rt.status.run(std::chrono::seconds(1)), asio::detached);
        asio::co_spawn(rt.io, rt.triggers.run(rt.config.prometheus.poll_interval, rt.leadership), asio::detached);
      }
      co_await run_console(rt.engine, rt.registry, rt.console, input, std::cout,
                                    console::local_operator(), ::isatty(STDIN_FILENO) == 1,
                                    advance);
      co_return exit_ok;
    }());
    return exit_ok;
  } catch (const std::exception& e) {
    spdlog::critical("goaround {}: {}", sub->name, e.what());
    std::cerr << "goaround " << sub->name << ": " << e.what() << '\n';
    return exit_failed;
  }
}

}  // namespace goaround::app
