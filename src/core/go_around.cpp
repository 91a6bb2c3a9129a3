#include "goaround/core/go_around.hpp"

#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "goaround/core/deploys.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/core/registry.hpp"
#include "goaround/exec/flag_adapter.hpp"
#include "goaround/metrics/metrics.hpp"
#include "goaround/model/buttons.hpp"
#include "goaround/verify/verify.hpp"

namespace goaround::core {
namespace json = boost::json;
namespace {

using model::bot_actor;

namespace events = model::events;
using model::EventKind;

events::RevisionRef revision_ref(const exec::Revision& r) { return {r.number, r.image, r.change_cause}; }

std::vector<events::Check> checks_of(const std::vector<exec::Check>& checks) {
  std::vector<events::Check> out;
  for (const auto& c : checks) out.push_back({c.name, c.passed, c.detail, c.warning});
  return out;
}

std::string progress_bar(const exec::Progress& p) {
  std::string bar;
  for (int i = 0; i < p.desired; ++i) bar += i < p.ready ? "\u2588" : "\u2591";
  return bar;
}

// Mustache treats "" as true; an absent value must be null to skip its section.
json::value text_or_null(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(json::string(text));
}

std::string_view result_name(Result r) { return boost::describe::enum_to_string(r, "failed"); }

// A revision as the card shows it: with its age when the tool said when it was made.
json::object revision_context(const exec::Revision& revision, time::TimePoint now) {
  auto context = model::encode(revision_ref(revision));
  if (const auto created = time::parse_rfc3339(revision.created))
    context["age"] = time::format_age(std::chrono::duration_cast<std::chrono::milliseconds>(now - *created));
  return context;
}

// A flag plan's flag as the card and the announcement say it; null for a rollback.
json::value flag_context(const config::Service& service, const exec::Plan& plan) {
  if (plan.route != "flag" || !service.flags) return nullptr;
  return json::object{{"key", plan.flag},
                      {"environment", service.flags->environment},
                      {"provider", config::to_string(service.flags->provider)},
                      {"on", plan.current.number == "on"}};
}

// A drill's go-around as its messages label it; null for production.
json::value drill_context(const config::Service& service) {
  if (service.drill_of.empty()) return nullptr;
  return json::object{{"of", service.drill_of}, {"environment", service.environment}};
}

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

std::string display_name(const chat::Person& person) {
  return person.name.empty() ? person.id : person.name;
}

bool may_call_stop(const config::Service& service, const chat::Person& person) {
  if (person.local_operator || service.allowed.anyone()) return true;
  const auto& users = service.allowed.users;
  if (std::find(users.begin(), users.end(), person.id) != users.end()) return true;
  const auto& groups = service.allowed.groups;
  return std::any_of(person.groups.begin(), person.groups.end(), [&](const std::string& g) {
    return std::find(groups.begin(), groups.end(), g) != groups.end();
  });
}

Ownership Ownership::of_this_process(std::chrono::milliseconds lease) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown-host");
  const auto started = time::format_utc(std::chrono::system_clock::now());
  std::random_device random;
  char nonce[17];
  std::snprintf(nonce, sizeof nonce, "%08x%08x", random(), random());
  const long pid = ::getpid();
  // Where this pid means something: the kernel boot and the pid namespace.
  std::string boot;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot;
  std::error_code ec;
  const auto pid_namespace = std::filesystem::read_symlink("/proc/self/ns/pid", ec).string();
  const auto machine = boot.empty() || pid_namespace.empty() ? std::string() : boot + "/" + pid_namespace;
  return {{std::string(host) + "/" + std::to_string(pid) + "/" + started + "/" + nonce, host, pid, started, machine},
          lease};
}

bool Ownership::dead(const model::RunningExecution& running) const {
  if (!running.owner || !running.heartbeat_ms) return true;  // no owner row: a bot from before owners
  if (time::unix_ms() - *running.heartbeat_ms > lease.count()) return true;
  // On this machine (same boot, same pid namespace) a dead owner needs no lease to be known:
  // its pid is gone, or it is ours and it was an earlier life of this pid (a restarted
  // container runs as pid 1 again).
  if (owner.machine.empty() || running.owner->machine != owner.machine) return false;
  if (running.owner->pid == owner.pid) return true;
  return ::kill(static_cast<pid_t>(running.owner->pid), 0) != 0 && errno == ESRCH;
}

GoAround::Settings GoAround::Settings::of(const config::Config& config) {
  return {config.service_list(), config.prometheus.url, config.freeze_until_debrief, config.registries};
}

GoAround::GoAround(Settings settings, store::Store& store, exec::Adapters& adapters,
                   const chat::Templates& templates, chat::Transport& transport,
                   const time::Clock& clock, Ownership ownership)
    : settings_(std::move(settings)),
      store_(store),
      adapters_(adapters),
      templates_(templates),
      transport_(transport),
      clock_(clock),
      ownership_(std::move(ownership)) {}

chat::Message GoAround::render(std::string_view name, const json::value& context) const {
  return {templates_.render(name, context), {}};
}

std::int64_t GoAround::record(std::int64_t incident, EventKind kind,
                              const std::string& actor, const std::string& text,
                              const json::object& data) {
  return store_.timeline().append(incident, kind, actor, text, data);
}

std::optional<GoAround::Busy> GoAround::refusal_if_busy(const std::string& service) {
  const auto lock = store_.executions().service_lock(service);
  if (!lock) return std::nullopt;
  const auto running = store_.executions().find(lock->execution_id);
  json::object context{{"service", service},
                       {"holder", lock->holder},
                       {"since", lock->acquired_at},
                       {"execution", lock->execution_id}};
  if (running) {
    context["from"] = running->from_revision;
    context["to"] = running->to_revision;
    context["incident"] = running->incident_id;
  }
  return Busy{render("refused_busy", context), lock->execution_id,
              running ? std::optional(running->incident_id) : std::nullopt};
}

json::object GoAround::card_context(const model::Execution& execution, const Pending& pending) {
  // Going back to a revision that was ruled out brings its problem back: the card says so.
  const auto rejected = rejection_of(store_, execution.service, pending.plan.target.number, pending.plan.target.image);
  const auto& service = *settings_.services.find(execution.service);
  return {{"service", execution.service},
          {"environment", service.environment},
          {"drill", drill_context(service)},
          {"practice", pending.practice},
          {"incident", execution.incident_id},
          {"execution", execution.id},
          {"requested_by", pending.requested_by},
          {"reason", text_or_null(pending.reason)},
          {"current", revision_context(pending.plan.current, clock_.now())},
          {"target", revision_context(pending.plan.target, clock_.now())},
          {"command", exec::command_line(pending.plan.argv)},
          {"wait_command", pending.plan.wait_argv.empty()
                               ? json::value(nullptr)
                               : json::value(exec::command_line(pending.plan.wait_argv))},
          {"preflight", model::encode_value(checks_of(pending.plan.preflight))},
          {"blocked", !pending.plan.ready()},
          {"awaiting", pending.plan.ready()},
          {"deployment", deployment_context(store_, execution.service, clock_.now())},
          {"brief", model::brief_context(store_.deploys().latest_brief(execution.service))},
          {"last_failed", last_failed(execution)},
          {"memory", go_around_memory(store_, execution.service, execution.id, clock_.now())},
          {"target_rejected", rejected ? json::value(rejection_context(*rejected, clock_.now())) : json::value(nullptr)},
          {"flag", flag_context(service, pending.plan)}};
}

std::vector<chat::Button> GoAround::card_buttons(const model::Execution& planned, const Pending& pending) const {
  std::vector<chat::Button> buttons;
  if (pending.plan.ready()) {
    const model::buttons::Execution card_of{planned.id};
    buttons = {{"Confirm go-around", model::button("goaround.confirm", card_of), chat::ButtonStyle::danger},
               {"Cancel", model::button("goaround.cancel", card_of), chat::ButtonStyle::normal}};
  }
  // The practice: a flag-only change is undone faster by its flag than by a rollback.
  if (pending.plan.route != "flag" && settings_.services.find(pending.service)->flags)
    if (const auto flag = deployed_detail(store_, pending.service, "feature_flag"); flag && exec::FlagAdapter::valid_key(*flag))
      buttons.push_back({"Turn flag " + *flag + " off instead",
                         model::button("goaround.flag-off", model::buttons::FlagOff{pending.incident_id, *flag}),
                         chat::ButtonStyle::normal});
  return buttons;
}

json::value GoAround::last_failed(const model::Execution& execution) const {
  // The attempt before this card, in this incident, if it failed: the card says so and how.
  const auto e = last_run(store_, execution.incident_id, execution.id);
  if (!e || e->state != model::ExecutionState::failed) return nullptr;
  std::string how;
  // The result entries are what is wanted; progress ticks can be thousands.
  for (const auto& event : store_.timeline().events(execution.incident_id, model::chatter_kinds()))
    if (event.kind == EventKind::result) {
      const auto result = event.payload<events::Result>();
      if (result.target != e->to_revision) continue;
      how = result.result == Result::verification_failed || result.failure == "none" || result.failure.empty()
                ? "it ran, but verification failed"
                : result.failure + (result.message.empty() ? "" : ": " + result.message);
    }
  return json::object{{"execution", e->id}, {"to", e->to_revision}, {"how", how}};
}

std::optional<model::Execution> last_run(store::Store& store, std::int64_t incident, std::optional<std::int64_t> before) {
  const auto runs = store.executions().of_incident(incident);
  for (auto e = runs.rbegin(); e != runs.rend(); ++e)
    if ((!before || e->id < *before) && e->state != model::ExecutionState::planned &&
        e->state != model::ExecutionState::cancelled)
      return *e;
  return std::nullopt;
}

std::optional<std::string> revision_before(std::string_view target) {
  std::int64_t revision = 0;
  const auto [end, ec] = std::from_chars(target.data(), target.data() + target.size(), revision);
  if (ec != std::errc{} || end != target.data() + target.size() || revision <= 1) return std::nullopt;
  return std::to_string(revision - 1);
}

boost::asio::awaitable<std::optional<chat::Message>> GoAround::automatic(const std::string& service,
                                                                         const chat::Person& trigger,
                                                                         std::string reason) {
  if (const auto frozen = store_.deploys().freezes_holding(service); !frozen.empty())
    co_return render("automatic_refused_frozen", {{"service", service},
                                                  {"holds", freeze_holds(templates_, frozen, clock_.now())},
                                                  {"trigger", display_name(trigger)},
                                                  {"why", reason}});
  const Request request{trigger, {"", ""}};
  auto proposal = co_await propose(request, service, std::nullopt, std::move(reason));
  if (proposal.refusal) co_return proposal.refusal;
  if (!proposal.execution_id) co_return std::nullopt;  // the card says which check failed
  // A warning is for a person to weigh: the card waits for one.
  if (const auto it = pending_.find(*proposal.execution_id); it != pending_.end())
    for (const auto& check : it->second.plan.preflight)
      if (check.warning)
        co_return render("automatic_needs_person", {{"service", service},
                                                    {"trigger", display_name(trigger)},
                                                    {"check", check.name},
                                                    {"detail", check.detail},
                                                    {"execution", *proposal.execution_id}});
  if (auto refusal = start(request, *proposal.execution_id)) co_return refusal;
  boost::asio::co_spawn(co_await boost::asio::this_coro::executor, run(*proposal.execution_id),
                        boost::asio::detached);
  co_return std::nullopt;
}

boost::asio::awaitable<GoAround::Proposal> GoAround::propose(const Request& request,
                                                             const std::string& service_name,
                                                             std::optional<std::string> to,
                                                             std::string reason, std::optional<std::string> flag) {
  const auto* service = settings_.services.find(service_name);
  if (!service) co_return Proposal{std::nullopt, unknown_service(service_name)};
  // A revision reaches the tool's command line: only a plain number may get that far, or for a
  // GitOps service a commit SHA.
  // (an argocd service with a gitops block takes a history id or, for its git route, a SHA)
  const bool by_commit = service->adapter == config::AdapterKind::gitops ||
                         (service->adapter == config::AdapterKind::argocd && service->gitops && to &&
                          !std::all_of(to->begin(), to->end(), [](char c) { return c >= '0' && c <= '9'; }));
  const auto digits = [](std::string_view text, auto is_digit, std::size_t least, std::size_t most) {
    return text.size() >= least && text.size() <= most &&
           std::all_of(text.begin(), text.end(), [&](char c) { return is_digit(static_cast<unsigned char>(c)); });
  };
  if (to && !(by_commit ? digits(*to, ::isxdigit, 4, 40) : digits(*to, ::isdigit, 1, 9)))
    co_return Proposal{std::nullopt, render("bad_revision", {{"revision", *to}, {"commit", by_commit}})};
  if (flag && to) co_return Proposal{std::nullopt, render("usage_error", {{"problem", "give --flag or --to, not both"}})};
  if (flag && !exec::FlagAdapter::valid_key(*flag)) co_return Proposal{std::nullopt, render("bad_flag", {{"flag", *flag}})};
  auto* adapter = flag ? adapters_.flags(service->name) : adapters_.find(service->name);
  if (!adapter && flag) co_return Proposal{std::nullopt, render("no_flags", {{"service", service->name}, {"flag", *flag}})};
  if (!adapter) co_return Proposal{std::nullopt, render("internal_error", {{"what", "the adapter of " + service->name}})};
  const auto requester = display_name(request.who);
  // A go-around whose process died is not "already going around": free the service first.
  co_await recover(service->name);
  if (auto busy = refusal_if_busy(service->name)) {
    if (busy->incident)
      record(*busy->incident, EventKind::refusal, requester, busy->message.text,
             model::encode(events::ExecutionStep{.requested_by = request.who.id,
                                                 .running_execution = busy->execution}));
    co_return Proposal{std::nullopt, std::move(busy->message)};
  }

  auto incident = open_or_join(store_, templates_, *service, request.who, reason, request.where.channel);
  const auto planning = std::chrono::steady_clock::now();
  // Without a target, the change CI registered (its commit) is what a GitOps way back reverts.
  const auto registered_commit = flag || to ? std::nullopt : deployed_detail(store_, service->name, "commit");
  auto plan = registered_commit ? co_await adapter->plan_undo(*registered_commit) : co_await adapter->plan(flag ? flag : to);
  // The images the target runs, where its adapter knows them: they must still be there to pull.
  for (auto& check : co_await runway_checks(plan.target_images, settings_.registries))
    plan.preflight.push_back(std::move(check));
  plan.intent = templates_.render("go_around_intent", {{"incident", incident.id}, {"person", requester}, {"reason", reason}});

  // A production card says how this service's go-around went when it was last practised: read
  // once, as the card is planned; its re-renders (confirmed, progress, result) reuse it.
  Pending pending{std::move(plan), {incident.channel, incident.thread}, "", requester, reason,
                  service->name, incident.id, elapsed_ms(planning),
                  service->drill_of.empty() ? practice_memory(store_, *service, clock_.now()) : json::value(nullptr)};
  model::Execution planned;
  planned.id = 0;
  planned.incident_id = incident.id;
  planned.service = service->name;
  if (pending.plan.ready()) {
    planned.id = store_.executions().create({incident.id, service->name,
                                          std::string(flag ? config::to_string(service->flags->provider)
                                                           : config::to_string(service->adapter)),
                                          json::serialize(json::value_from(pending.plan.argv)),
                                          pending.plan.current.number,
                                          pending.plan.target.number, requester, reason,
                                          json::serialize(exec::to_json(pending.plan))});
  }
  auto card = card_context(planned, pending);
  auto message = render("card", card);
  record(incident.id, EventKind::card, requester, templates_.render("event_card", card),
         model::encode(events::Card{planned.id, request.who.id, pending.plan.argv,
                                    revision_ref(pending.plan.current), revision_ref(pending.plan.target),
                                    checks_of(pending.plan.preflight)}));
  message.buttons = card_buttons(planned, pending);
  if (!pending.plan.ready()) {
    co_await post_in_incident(store_, transport_, incident, message);
    co_return Proposal{};
  }
  // Known before the post completes: a press that races the post's answer finds the card.
  const bool new_thread = incident.thread.empty();
  pending_.emplace(planned.id, std::move(pending));
  const auto handle = co_await post_in_incident(store_, transport_, incident, message);
  if (const auto it = pending_.find(planned.id); it != pending_.end()) {
    it->second.card = handle;
    if (new_thread) it->second.place.thread = handle;
  }
  co_return Proposal{planned.id, std::nullopt};
}

chat::Message GoAround::unknown_service(const std::string& name) const {
  json::array known;
  for (const auto& n : settings_.services.names()) known.push_back(json::string(n));
  return render("unknown_service", {{"service", name}, {"known", known}, {"or_subcommand", true}});
}

boost::asio::awaitable<GoAround::Proposal> GoAround::propose_drill(const Request& request, const std::string& service_name,
                                                                   std::string reason) {
  const auto* production = settings_.services.find(service_name);
  if (!production || !production->drill_of.empty()) co_return Proposal{std::nullopt, unknown_service(service_name)};
  if (!production->drill) co_return Proposal{std::nullopt, render("no_drill", {{"service", service_name}})};
  if (reason.empty())
    reason = templates_.render("drill_reason", {{"service", service_name}, {"environment", production->drill->environment}});
  co_return co_await propose(request, production->drill->name, std::nullopt, std::move(reason));
}

std::optional<chat::Message> GoAround::start(const Request& request, std::int64_t id) {
  const auto execution = store_.executions().find(id);
  if (!execution) return render("not_waiting", {{"execution", id}, {"state", "unknown"}});
  if (execution->state != model::ExecutionState::planned)
    return render("not_waiting", {{"execution", id}, {"state", model::to_string(execution->state)}});
  const auto it = pending_.find(id);
  if (it == pending_.end())
    return render("card_expired", {{"execution", id}, {"service", execution->service}});
  if (it->second.card.empty())
    return render("not_waiting", {{"execution", id}, {"state", "still being posted; press again"}});
  const auto& service = *settings_.services.find(execution->service);
  const auto who = display_name(request.who);
  if (!may_call_stop(service, request.who)) {
    auto denial = render("denied", {{"service", service.name}, {"person", who}});
    record(execution->incident_id, EventKind::denial, who, denial.text,
           model::encode(events::ExecutionStep{.execution = id, .person = request.who.id}));
    return denial;
  }
  // The heartbeat is fresh before the execution is ours, so nobody takes it over at once.
  store_.executions().renew_owner(ownership_.owner);
  if (!store_.executions().start(id, who, ownership_.owner.id)) {
    const auto busy = refusal_if_busy(service.name);
    auto refusal = busy ? busy->message : render("not_waiting", {{"execution", id}, {"state", "changed"}});
    record(execution->incident_id, EventKind::refusal, who, refusal.text,
           model::encode(events::ExecutionStep{.execution = id}));
    return refusal;
  }
  const auto started = store_.executions().find(id);
  auto card = card_context(*started, it->second);
  card["awaiting"] = false;
  card["confirmed_by"] = who;
  card["confirmed_at"] = *started->started_at;
  record(execution->incident_id, EventKind::confirmation, who, templates_.render("event_confirmation", card),
         model::encode(events::ExecutionStep{.execution = id, .person = request.who.id}));
  transport_.update(it->second.place, it->second.card, render("card", card));
  ++in_flight_;
  running_here_.insert(id);
  // Other cards for this service were planned against a state that is about to change.
  std::vector<std::int64_t> stale;
  for (const auto& [other, pending] : pending_)
    if (other != id && pending.service == service.name) stale.push_back(other);
  for (const auto other : stale) withdraw_card(other, "superseded by go-around #" + std::to_string(id));
  return std::nullopt;
}

void GoAround::withdraw_card(std::int64_t id, const std::string& why) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;
  if (store_.executions().cancel(id)) {
    const auto execution = store_.executions().find(id);
    auto card = card_context(*execution, it->second);
    card["awaiting"] = false;
    card["withdrawn"] = why;
    record(execution->incident_id, EventKind::cancellation, bot_actor,
           templates_.render("event_withdrawn", {{"execution", id}, {"why", why}}),
           model::encode(events::ExecutionStep{.execution = id}));
    transport_.update(it->second.place, it->second.card, render("card", card));
  }
  pending_.erase(it);
}

void GoAround::withdraw_cards(std::int64_t incident_id, const std::string& why) {
  std::vector<std::int64_t> ids;
  for (const auto& [id, pending] : pending_)
    if (pending.incident_id == incident_id) ids.push_back(id);
  for (const auto id : ids) withdraw_card(id, why);
}

std::optional<chat::Message> GoAround::cancel(const Request& request, std::int64_t id) {
  const auto execution = store_.executions().find(id);
  if (execution && !may_call_stop(*settings_.services.find(execution->service), request.who))
    return render("denied", {{"service", execution->service}, {"person", display_name(request.who)}});
  if (!execution || !store_.executions().cancel(id))
    return render("not_waiting",
                  {{"execution", id}, {"state", execution ? model::to_string(execution->state) : "unknown"}});
  const auto who = display_name(request.who);
  const auto it = pending_.find(id);
  json::object event{{"service", execution->service}, {"execution", id}, {"person", who}};
  record(execution->incident_id, EventKind::cancellation, who, templates_.render("event_cancellation", event),
         model::encode(events::ExecutionStep{.execution = id, .person = request.who.id}));
  if (it != pending_.end()) {
    auto card = card_context(*execution, it->second);
    card["awaiting"] = false;
    card["cancelled_by"] = who;
    transport_.update(it->second.place, it->second.card, render("card", card));
    pending_.erase(it);
  }
  return std::nullopt;
}

boost::asio::awaitable<Result> GoAround::run(std::int64_t id) {
  // start() counted this go-around in; whatever happens below, it is counted out.
  struct CountedOut {
    GoAround& engine;
    std::int64_t id;
    ~CountedOut() {
      --engine.in_flight_;
      engine.running_here_.erase(id);
      engine.lost_.erase(id);
      // The last one is done: the heartbeat stops now, not a tick later (a headless run exits).
      if (engine.running_here_.empty() && engine.heartbeat_) engine.heartbeat_->cancel();
    }
  } counted{*this, id};
  executor_ = co_await boost::asio::this_coro::executor;
  if (!keeping_owned_) {
    keeping_owned_ = true;
    boost::asio::co_spawn(*executor_, keep_owned(), boost::asio::detached);
  }
  std::exception_ptr failure;
  try {
    co_return co_await run_steps(id);
  } catch (const std::exception& e) {
    spdlog::error("go-around #{} stopped: {}", id, e.what());
    failure = std::current_exception();
  }
  // Something below the adapter failed (the database, the transport): never leave the
  // service locked behind a go-around nobody is running.
  try {
    if (const auto execution = store_.executions().find(id);
        execution && store_.executions().finish(id, {model::ExecutionState::failed, std::nullopt, "", ""}, ownership_.owner.id)) {
      const auto incident = store_.incidents().find(execution->incident_id);
      co_await transport_.post({incident->channel, incident->thread},
                      render("internal_error", {{"what", "go-around #" + std::to_string(id)}}));
    }
  } catch (const std::exception& e) {
    spdlog::error("go-around #{}: could not record the failure: {}", id, e.what());
  }
  co_return Result::failed;
}

boost::asio::awaitable<Result> GoAround::run_steps(std::int64_t id) {
  auto node = pending_.extract(id);
  if (node.empty()) {  // its card was withdrawn between the confirmation and now
    spdlog::error("go-around #{}: nothing to run (its card is gone)", id);
    co_return Result::failed;
  }
  const auto execution = store_.executions().find(id);
  Pending& pending = node.mapped();
  const auto incident = execution->incident_id;
  const auto confirmed_by = execution->confirmed_by.value_or(bot_actor);
  const auto started = clock_.now();
  auto card = card_context(*execution, pending);
  card["awaiting"] = false;
  card["confirmed_by"] = confirmed_by;
  card["confirmed_at"] = execution->started_at.value_or("");

  const auto announce = render("announce", card);
  record(incident, EventKind::command, bot_actor, announce.text, model::encode(events::Command{pending.plan.argv}));
  co_await transport_.post(pending.place, announce);
  // Nobody re-ships the bad change in the confusion: deploys wait for the debrief.
  // The reason is this go-around's own, as given on its card (the incident's may be older).
  // A drill practises on its twin: production's deploys go on, and nothing is ruled out.
  const auto& service = *settings_.services.find(execution->service);
  const bool drill = !service.drill_of.empty();
  if (settings_.freeze_until_debrief && !drill)
    co_await ChangeFreeze(settings_.services, store_, templates_, transport_, clock_)
        .freeze(pending.place, execution->service,
                templates_.render("freeze_reason", {{"execution", id}, {"reason", execution->reason}}),
                bot_actor, incident);
  // What it rolls back from is ruled out: CI's registration of it again is refused.
  if (!pending.plan.current.number.empty() && pending.plan.route != "flag" && !drill)
    co_await Rejections(store_, templates_, transport_, clock_)
        .reject(pending.place, {0, execution->service, pending.plan.current.number, pending.plan.current.image,
                                execution->reason, bot_actor, "", incident, id});

  // Announcing and freezing took time: run the tool only if the go-around is still ours.
  if (!still_owned(id)) co_return Result::failed;
  exec::Outcome outcome;
  exec::Verification verification;
  auto* adapter = adapters_.of(execution->service, pending.plan);
  // A flag plan on a process whose configuration has no flags: for the service: nothing to run.
  if (!adapter) {
    outcome.failure = exec::Failure::tool_missing;
    outcome.message = execution->service + " has no flags: block in this process's configuration";
    verification.checks.push_back({"flag switch configured", false, outcome.message});
  }
  const auto executing = std::chrono::steady_clock::now();
  try {
    if (adapter)
      outcome = co_await adapter->execute(pending.plan, [&](const exec::Progress& p) {
        if (lost_.contains(id)) return;  // another process speaks for it now
        const auto progress = model::encode(events::Progress{
            p.desired, p.updated, p.ready, p.available, progress_bar(p), execution->service, p.desired > 0,
            p.detail.empty() ? std::nullopt : std::optional(p.detail)});
        record(incident, EventKind::progress, bot_actor, templates_.render("event_progress", progress), progress);
        card["progress"] = progress;
        transport_.update(pending.place, pending.card, render("card", card));
      });
  } catch (const std::exception& e) {
    spdlog::error("go-around #{} of {} failed inside the adapter: {}", id, execution->service,
                  e.what());
    outcome.failure = exec::Failure::tool_failed;
    outcome.message = e.what();
  }
  const auto execute_ms = elapsed_ms(executing);
  const auto verifying = std::chrono::steady_clock::now();
  // Verified even after a failed execute: what is live now is what people need to know.
  try {
    if (adapter) verification = co_await verify_all(execution->service, *adapter, pending.plan);
  } catch (const std::exception& e) {
    verification.checks.push_back({"verification ran", false, e.what()});
  }
  const auto verify_ms = elapsed_ms(verifying);
  const auto result = !outcome.ok()           ? Result::failed
                      : verification.passed ? Result::verified
                                            : Result::verification_failed;
  const auto verified =
      model::encode(events::Verification{verification.passed, checks_of(verification.checks), execution->service});
  record(incident, EventKind::verification, bot_actor, templates_.render("event_verification", verified),
         verified);

  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);
  const auto recorded = model::encode(events::Result{
      execution->service, pending.plan.target.number, pending.plan.current.number, time::format_duration(took),
      took.count(), std::string(exec::to_string(outcome.failure)), outcome.message, checks_of(verification.checks),
      result, incident, outcome.exit_code, outcome.output_tail,
      pending.plan.route == "flag" ? std::optional(pending.plan.flag) : std::nullopt, pending.preflight_ms, execute_ms,
      verify_ms, drill ? std::optional(service.drill_of) : std::nullopt, id});
  auto summary = recorded;
  summary[result_name(result)] = true;  // the template's section for this outcome
  if (took.count() == 0) summary.erase("duration");  // a virtual clock that did not move: no "in 0 ms"
  for (const auto& [field, ms] : {std::pair{"preflight_took", pending.preflight_ms}, std::pair{"execute_took", execute_ms},
                                  std::pair{"verify_took", verify_ms}})
    summary[field] = time::format_phase(std::chrono::milliseconds(ms));
  // Compare-and-set: if another process took the go-around over meanwhile, its "interrupted"
  // stands and this process says so instead of a result.
  if (!store_.executions().finish(id, {result == Result::verified ? model::ExecutionState::succeeded : model::ExecutionState::failed,
                                    outcome.exit_code, outcome.output_tail,
                                    json::serialize(verified)},
                               ownership_.owner.id)) {
    still_owned(id);
    co_return Result::failed;
  }
  running_here_.erase(id);  // finished: from here on nobody may mistake it for a lost one
  const auto message = render("result", summary);
  record(incident, EventKind::result, bot_actor, message.text, recorded);
  metrics::process_metrics().executions.inc({execution->adapter, std::string(result_name(result))});
  card["outcome"] = message.text;
  transport_.update(pending.place, pending.card, render("card", card));
  // The card carries the outcome at a glance in the channel too.
  transport_.react(pending.place, pending.card,
                   result == Result::verified ? "white_check_mark" : result == Result::failed ? "x" : "warning");
  auto said = message;
  if (drill) {
    // A drill is one practice run: it ends with its result, measured and on record. A failed
    // one is run again from the start, never retried half-way.
    if (result != Result::verified)
      said.buttons = {{"Run the drill again", model::button("goaround.drill", model::buttons::Service{service.drill_of}),
                       chat::ButtonStyle::primary}};
    const auto summary_line = templates_.render("drill_summary", summary);
    if (store_.incidents().close(incident, summary_line))
      record(incident, EventKind::closed, bot_actor, summary_line);
  } else if (result != Result::verified) {
    said.buttons = next_steps(*execution, pending.plan.target.number);
  }
  co_await transport_.post(pending.place, said);
  co_return result;
}

boost::asio::awaitable<std::optional<exec::History>> GoAround::history(std::string service) {
  auto* adapter = adapters_.find(service);
  if (!adapter) co_return std::nullopt;
  co_return co_await adapter->history();
}

std::vector<chat::Button> GoAround::next_steps(const model::Execution& failed, const std::string& target) const {
  // What a calm SRE would do next, each one press away.
  std::vector<chat::Button> steps{
      {"Retry", model::button("goaround.retry", model::buttons::Execution{failed.id}), chat::ButtonStyle::primary}};
  if (const auto before = revision_before(target))
    steps.push_back({"Roll back one further (to " + *before + ")",
                     model::button("goaround.further", model::buttons::Execution{failed.id}), chat::ButtonStyle::normal});
  steps.push_back({"Roll back or fix forward?", model::button("goaround.decide-now", model::buttons::Incident{failed.incident_id}),
                   chat::ButtonStyle::normal});
  if (!settings_.services.find(failed.service)->escalate_to.empty())
    steps.push_back({"Escalate", model::button("goaround.escalate", model::buttons::Incident{failed.incident_id}),
                     chat::ButtonStyle::danger});
  return steps;
}

boost::asio::awaitable<exec::Verification> GoAround::verify_all(const std::string& service_name,
                                                                exec::Adapter& adapter,
                                                                const exec::Plan& plan) {
  auto verification = co_await adapter.verify(plan);
  // The rollback procedure: the rollout being done is not the service being well; check what users see.
  const auto& checks = settings_.services.find(service_name)->verify;
  constexpr auto timeout = std::chrono::seconds(10);
  if (!checks.health_url.empty())
    verification.checks.push_back(
        co_await verify::check_health(checks.health_url, checks.expect_status, timeout));
  if (!checks.query.empty()) {
    if (settings_.prometheus_url.empty())
      verification.checks.push_back({"metric", false, "verify.query is set but prometheus.url is not"});
    else
      verification.checks.push_back(co_await verify::check_metric_below(
          settings_.prometheus_url, checks.query, *checks.below, timeout));
  }
  verification.passed =
      verification.passed && std::all_of(verification.checks.begin(), verification.checks.end(),
                                          [](const exec::Check& c) { return c.passed; });
  co_return verification;
}

bool GoAround::still_owned(std::int64_t id) {
  if (lost_.contains(id)) return false;
  if (store_.executions().owns(id, ownership_.owner.id)) return true;
  const auto execution = store_.executions().find(id);
  // Not running any more but not taken over either: this process finished it itself.
  if (!execution || execution->taken_over_by.empty() || execution->taken_over_by == ownership_.owner.id)
    return true;
  lost_.insert(id);
  spdlog::error("go-around #{}: taken over by {}; this process stops it here", id, execution->taken_over_by);
  const auto notice = render("execution_lost", {{"execution", id}, {"service", execution->service}});
  record(execution->incident_id, EventKind::execution_lost, bot_actor, notice.text,
         model::encode(events::ExecutionLost{id, ownership_.owner.id, execution->taken_over_by}));
  // Said without waiting: a slow chat must not hold back the heartbeat of the others.
  if (const auto incident = store_.incidents().find(execution->incident_id))
    boost::asio::co_spawn(*executor_, transport_.post({incident->channel, incident->thread}, notice),
                          boost::asio::detached);
  return false;
}

boost::asio::awaitable<void> GoAround::keep_owned() {
  heartbeat_.emplace(co_await boost::asio::this_coro::executor);
  while (!running_here_.empty()) {
    try {
      store_.executions().renew_owner(ownership_.owner);
      for (const auto id : std::vector(running_here_.begin(), running_here_.end())) still_owned(id);
    } catch (const std::exception& e) {
      // A busy or lost store: the next tick tries again; the lease is five ticks long.
      spdlog::warn("go-arounds: renewing this process's heartbeat failed: {}", e.what());
    }
    heartbeat_->expires_after(ownership_.renew_every());
    boost::system::error_code cancelled;  // by the last go-around ending
    co_await heartbeat_->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
  }
  heartbeat_.reset();
  keeping_owned_ = false;
}

boost::asio::awaitable<void> GoAround::recover(std::string service) {
  for (const auto& stale : store_.executions().running_with_owners(service)) {
    const auto& execution = stale.execution;
    if (running_here_.contains(execution.id)) continue;  // ours and alive
    // Ours but not running here (its finish failed on a busy store) is an orphan too.
    if (execution.owner != ownership_.owner.id && !ownership_.dead(stale)) continue;
    if (!store_.executions().take_over(stale, ownership_.owner.id))
      continue;  // another process took it first, or its owner renewed meanwhile
    try {
      co_await say_taken_over(stale);
    } catch (const std::exception& e) {
      // Taken over and freed already; only the notice or the re-check is missing.
      spdlog::error("go-around #{}: taken over, but the notice or re-check failed: {}", execution.id, e.what());
    }
  }
}

boost::asio::awaitable<void> GoAround::say_taken_over(const model::RunningExecution& stale) {
  const auto& execution = stale.execution;
  const auto incident = store_.incidents().find(execution.incident_id);
  const chat::Place place = incident ? chat::Place{incident->channel, incident->thread} : chat::Place{};
  events::Interrupted interrupted{execution.service,
                                  execution.id,
                                  execution.from_revision,
                                  execution.to_revision,
                                  execution.confirmed_by.value_or(""),
                                  execution.started_at.value_or(""),
                                  ownership_.owner.host + " (pid " + std::to_string(ownership_.owner.pid) + ")"};
  const auto flag = execution.flag();
  if (!flag.empty()) interrupted.flag = flag;
  if (stale.owner) {
    interrupted.owner = stale.owner->host + " (pid " + std::to_string(stale.owner->pid) + ")";
    interrupted.last_seen = time::format_utc(std::chrono::system_clock::time_point(
        std::chrono::milliseconds(stale.heartbeat_ms.value_or(0))));
  }
  const auto context = model::encode(interrupted);
  const auto notice = render("interrupted", context);
  record(execution.incident_id, EventKind::interrupted, bot_actor, notice.text, context);
  co_await transport_.post(place, notice);
  // What the adapter sees now is the only truth left about the interrupted rollback.
  exec::Verification verification;
  try {
    const auto plan = exec::plan_from_json(json::parse(execution.plan_json));
    if (auto* adapter = adapters_.of(execution.service, plan))
      verification = co_await verify_all(execution.service, *adapter, plan);
  } catch (const std::exception& e) {
    verification.checks.push_back({"live state readable", false, e.what()});
  }
  const auto checked = model::encode(events::Verification{verification.passed, checks_of(verification.checks),
                                                          execution.service, execution.to_revision, execution.id,
                                                          interrupted.flag});
  const auto recheck = render("recheck", checked);
  record(execution.incident_id, EventKind::verification, bot_actor, recheck.text, checked);
  store_.executions().record_recheck(execution.id, json::serialize(checked));
  co_await transport_.post(place, recheck);
  // A drill ends here: it measured nothing, and nobody is left to close its incident.
  if (const auto* service = settings_.services.find(execution.service); service && !service->drill_of.empty()) {
    const auto summary = templates_.render("drill_summary", {{"drill_of", service->drill_of}, {"interrupted", true}});
    if (store_.incidents().close(execution.incident_id, summary))
      record(execution.incident_id, EventKind::closed, bot_actor, summary);
  }
}

}  // namespace goaround::core
