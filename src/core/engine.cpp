#include "goaround/core/engine.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <limits>
#include <random>

#include "goaround/core/decision.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/debrief/timeline_export.hpp"
#include "goaround/model/buttons.hpp"

namespace goaround::core {
namespace json = boost::json;
using model::EventKind;

namespace {

using model::bot_actor;

// `number`: the question's place in this walk (1, 2, 3 as asked); `check` stays the tree's id.
json::object step_context(const Walk::Step& step, std::size_t number) {
  json::object context{{"number", number},
                       {"check", step.question->check},
                       {"question", step.question->text},
                       {"answer", step.answer->label}};
  if (step.known) context["because"] = step.known->because;
  return context;
}

// Entries people wrote; what the bot recorded (cards, commands, results) is not theirs to edit.
bool editable(EventKind kind) {
  return kind == EventKind::note || kind == EventKind::message || kind == EventKind::marked;
}

}  // namespace

Engine::Settings Engine::Settings::of(const config::Config& config) {
  return {config.service_list(), config.data_dir, config.prometheus.url};
}

Engine::Engine(Settings settings, store::Store& store, const chat::Templates& templates, chat::Transport& transport,
               GoAround& go_around, schedule::StatusScheduler& status, boost::asio::any_io_executor executor,
               const time::Clock& clock)
    : settings_(std::move(settings)),
      store_(store),
      templates_(templates),
      transport_(transport),
      go_around_(go_around),
      status_(status),
      executor_(std::move(executor)),
      clock_(clock) {}

chat::Message Engine::render(std::string_view name, const json::value& context) const {
  return {templates_.render(name, context), {}};
}

std::size_t Engine::in_flight() const { return go_around_.in_flight(); }

void Engine::whisper(const Request& request, const chat::Message& message) {
  transport_.whisper(request.where, request.who, message);
}

boost::asio::awaitable<void> Engine::say_here(const Request& request, chat::Message message) {
  co_await transport_.post(request.where, message);
}

boost::asio::awaitable<bool> Engine::open_form(const Request& request, chat::Form form) {
  co_return co_await transport_.open_form(request.where, request.who, form);
}

IncidentChoice Engine::choose_incident(const chat::Place& where, std::optional<std::string> named) {
  return core::choose_incident(store_, where, std::move(named));
}

std::optional<model::Incident> Engine::open_incident(std::int64_t id) {
  auto incident = store_.incidents().find(id);
  if (!incident || incident->state != model::IncidentState::open) return std::nullopt;
  return incident;
}

std::optional<model::Incident> Engine::latest_incident() { return store_.incidents().latest(); }

json::object Engine::timeline(const model::Incident& incident, debrief::TimelineView view) {
  return debrief::timeline_context(store_, incident, view);
}

std::optional<model::Event> Engine::entry(std::int64_t id) { return store_.timeline().find(id); }

json::object Engine::overview() {
  json::array incidents;
  for (const auto& incident : store_.incidents().open()) {
    json::object entry{{"incident", incident.id},
                       {"service", incident.service},
                       {"environment", incident.environment},
                       {"opened_at", incident.opened_at},
                       {"opened_by", incident.opened_by}};
    if (const auto running = store_.executions().running(incident.service))
      entry["running"] = {{"from", running->from_revision},
                          {"to", running->to_revision},
                          {"flag", running->flag().empty() ? json::value(nullptr) : json::value(running->flag())},
                          {"confirmed_by", running->confirmed_by.value_or("")},
                          {"started_at", running->started_at.value_or("")}};
    const auto events = store_.timeline().events(incident.id);
    for (auto e = events.rbegin(); e != events.rend(); ++e)
      if (e->kind == EventKind::result) {
        entry["last_result"] = e->text.substr(0, e->text.find('\n'));
        break;
      }
    // The latest thing that happened, not the command typed to ask about it.
    const auto latest = std::find_if(events.rbegin(), events.rend(), [](const auto& e) { return !model::is_chatter(e.kind); });
    if (latest != events.rend()) {
      entry["latest_at"] = latest->at;
      entry["latest_kind"] = model::to_string(latest->kind);
      entry["latest_text"] = latest->text.substr(0, latest->text.find('\n'));
    }
    incidents.push_back(std::move(entry));
  }
  json::array services;
  for (const auto& name : settings_.services.names()) services.push_back(json::string(name));
  return {{"incidents", std::move(incidents)}, {"services", std::move(services)}};
}

json::value Engine::brief(const std::string& service) {
  return model::brief_context(store_.deploys().latest_brief(service));
}

bool Engine::record_in_place(const Request& request, const Concern& concern, EventKind kind, const std::string& text,
                             const std::optional<std::string>& action) {
  std::optional<std::int64_t> found = concern.incident;
  if (concern.execution)
    if (const auto execution = store_.executions().find(*concern.execution)) found = execution->incident_id;
  if (found && !store_.incidents().find(*found)) found.reset();
  if (!found && concern.service && settings_.services.find(*concern.service)) {
    // A service named: its incident, or none yet (the command may open it).
    const auto open = open_incident_of(*concern.service);
    if (!open) return false;
    found = open->id;
  }
  if (!found) {
    const auto open = store_.incidents().open();
    std::vector<std::int64_t> here;
    for (const auto& incident : open) {
      if (incident.channel != request.where.channel) continue;
      if (!request.where.thread.empty() && incident.thread == request.where.thread) {
        here = {incident.id};
        break;
      }
      here.push_back(incident.id);
    }
    if (here.size() != 1) return false;  // none, or several and nothing says which
    found = here.front();
  }
  store_.timeline().append(*found, kind, display_name(request.who), text,
                           model::encode(model::events::Attribution{request.who.id, action}));
  return true;
}

void Engine::record(std::int64_t incident, EventKind kind, const std::string& actor, const std::string& text,
                    const json::object& payload) {
  store_.timeline().append(incident, kind, actor, text, payload);
}

boost::asio::awaitable<void> Engine::record_and_say(model::Incident incident, EventKind kind, std::string actor,
                                                    std::string text, json::object payload, chat::Message message) {
  store_.timeline().append(incident.id, kind, actor, text, payload);
  co_await post_in_incident(store_, transport_, incident, message);
}

boost::asio::awaitable<void> Engine::say_in(chat::Place place, chat::Message message) {
  co_await transport_.post(place, message);
}

model::Incident Engine::open_or_join(const config::Service& service, const chat::Person& who,
                                     const std::string& reason, const std::string& fallback_channel) {
  return core::open_or_join(store_, templates_, service, who, reason, fallback_channel);
}

boost::asio::awaitable<std::optional<chat::Message>> Engine::automatic(std::string service, chat::Person trigger,
                                                                       std::string reason) {
  co_return co_await go_around_.automatic(service, trigger, std::move(reason));
}

boost::asio::awaitable<GoAround::Proposal> Engine::propose(const Request& request, std::string service,
                                                           std::optional<std::string> to, std::string reason,
                                                           std::optional<std::string> flag) {
  co_return co_await go_around_.propose(request, service, std::move(to), std::move(reason), std::move(flag));
}

boost::asio::awaitable<GoAround::Proposal> Engine::propose_flag_off(const Request& request, model::Incident incident,
                                                                    std::string flag) {
  co_return co_await go_around_.propose(request, incident.service, std::nullopt, incident.reason, std::move(flag));
}

boost::asio::awaitable<GoAround::Proposal> Engine::propose_drill(const Request& request, std::string service,
                                                                 std::string reason) {
  co_return co_await go_around_.propose_drill(request, service, std::move(reason));
}

boost::asio::awaitable<GoAround::Proposal> Engine::propose_for(const Request& request, model::Incident incident) {
  auto reason = incident.reason;
  const auto story = store_.timeline().events(incident.id, model::chatter_kinds());
  for (auto e = story.rbegin(); e != story.rend(); ++e)
    if (e->kind == EventKind::decision) {
      reason = e->text;
      break;
    }
  co_return co_await go_around_.propose(request, incident.service, std::nullopt, std::move(reason));
}

boost::asio::awaitable<GoAround::Proposal> Engine::propose_again(const Request& request, std::int64_t failed,
                                                                bool further) {
  const auto execution = store_.executions().find(failed);
  if (!execution) co_return GoAround::Proposal{std::nullopt, render("usage_error", {{"problem", "that go-around is not known"}})};
  // A flag go-around is retried as one; a flag has no revision before it.
  const auto plan = exec::plan_from_json(json::parse(execution->plan_json));
  if (plan.route == "flag") {
    if (further)
      co_return GoAround::Proposal{std::nullopt, render("usage_error", {{"problem", "a flag has no revision before it"}})};
    co_return co_await go_around_.propose(request, execution->service, std::nullopt, execution->reason, plan.flag);
  }
  auto target = execution->to_revision;
  if (further) {
    const auto before = revision_before(target);
    if (!before)
      co_return GoAround::Proposal{std::nullopt, render("usage_error", {{"problem", "revision " + target + " has no revision before it"}})};
    target = *before;
  }
  auto reason = templates_.render("next_step_reason", {{"execution", failed}, {"further", further},
                                                       {"to", execution->to_revision}, {"reason", execution->reason}});
  co_return co_await go_around_.propose(request, execution->service, target, std::move(reason));
}

boost::asio::awaitable<Outcome<bool>> Engine::escalate(const Request& request, model::Incident incident) {
  const auto* service = settings_.services.find(incident.service);
  if (!service || service->escalate_to.empty())
    co_return Outcome<bool>::refused("no one to escalate to: set escalate_to for " + incident.service);
  json::array people;
  for (const auto& p : service->escalate_to) people.push_back(json::object{{"name", p}});
  const auto who = display_name(request.who);
  auto message = render("escalated", {{"service", incident.service}, {"incident", incident.id}, {"by", who}, {"people", people}});
  co_await record_and_say(incident, EventKind::escalation, who, message.text, {}, message);
  co_return Outcome<bool>{true, ""};
}

std::optional<model::Execution> Engine::last_run_failed(const model::Incident& incident) {
  auto run = last_run(store_, incident.id);
  if (run && run->state == model::ExecutionState::failed) return run;
  return std::nullopt;
}

std::optional<chat::Message> Engine::confirm(const Request& request, std::int64_t execution) {
  if (auto refusal = go_around_.start(request, execution)) return refusal;
  // The button's answer does not wait for the rollback; it reports into the incident.
  boost::asio::co_spawn(executor_, go_around_.run(execution), boost::asio::detached);
  return std::nullopt;
}

std::optional<chat::Message> Engine::cancel(const Request& request, std::int64_t execution) {
  return go_around_.cancel(request, execution);
}

std::string Engine::note(const Request& request, const model::Incident& incident, const std::string& text) {
  const auto id = store_.timeline().append(incident.id, EventKind::note, display_name(request.who), text,
                                           model::encode(model::events::Attribution{request.who.id}));
  return store_.timeline().find(id)->at;
}

boost::asio::awaitable<Outcome<model::Incident>> Engine::close(const Request& request, model::Incident incident,
                                                               std::string summary) {
  if (const auto running = store_.executions().running(incident.service);
      running && running->incident_id == incident.id)
    co_return Outcome<model::Incident>::refused("go-around #" + std::to_string(running->id) +
                                                " is still running; close after its result");
  if (!store_.incidents().close(incident.id, summary))
    co_return Outcome<model::Incident>::refused("incident #" + std::to_string(incident.id) + " is already closed");
  const auto who = display_name(request.who);
  go_around_.withdraw_cards(incident.id, "incident #" + std::to_string(incident.id) + " closed");
  auto closed = render("closed", {{"incident", incident.id},
                                  {"service", incident.service},
                                  {"person", who},
                                  {"summary", summary.empty() ? json::value(nullptr) : json::value(summary)}});
  store_.timeline().append(incident.id, EventKind::closed, who, closed.text);
  closed.buttons = {
      {"Trigger was right", model::button("review.trigger", model::buttons::TriggerReview{incident.id, "right"}),
       chat::ButtonStyle::primary},
      {"Trigger was wrong", model::button("review.trigger", model::buttons::TriggerReview{incident.id, "wrong"}),
       chat::ButtonStyle::normal}};
  co_await transport_.post({incident.channel, incident.thread}, closed);
  co_return Outcome<model::Incident>{std::move(incident), ""};
}

Outcome<std::string> Engine::review_trigger(const Request& request, std::int64_t incident, bool correct) {
  if (!store_.incidents().find(incident)) return Outcome<std::string>::refused("that question is not known to this bot");
  const auto who = display_name(request.who);
  auto text = templates_.render("event_trigger_review", {{"person", who}, {"answer", correct ? "right" : "wrong"}});
  if (auto refusal = answer_once(incident, EventKind::trigger_review, who, text, "trigger-review:" + std::to_string(incident),
                                 model::encode(model::events::TriggerReview{correct, request.who.id})))
    return Outcome<std::string>::refused(*refusal);
  return {std::move(text), ""};
}

std::optional<std::string> Engine::answer_once(std::int64_t incident, EventKind kind, const std::string& who,
                                               const std::string& text, const std::string& source,
                                               const json::object& data) {
  if (store_.timeline().capture(incident, kind, who, text, time::format_utc(clock_.now()), source, data))
    return std::nullopt;
  const auto first = store_.timeline().by_source(source);
  return templates_.render("already_answered", {{"by", first ? first->actor : ""},
                                                {"at", first ? time::readable(first->at, clock_.now()) : ""},
                                                {"answer", first ? first->text : ""}});
}

std::string Engine::new_walk_id() {
  // Random, so two walks started at once (on two replicas, too) never share their answers.
  static thread_local std::mt19937_64 bits{std::random_device{}()};
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(bits()));
  return id;
}

std::string Engine::add_action(const Request& request, const model::Incident& incident, const std::string& text,
                               const std::string& owner) {
  const auto who = display_name(request.who);
  store_.incidents().add_action(incident.id, text, owner, who);
  auto line = templates_.render("event_action", {{"text", text}, {"owner", owner}});
  store_.timeline().append(incident.id, EventKind::action, who, line);
  return line;
}

Outcome<json::object> Engine::revise(const Request& request, std::int64_t id, model::EventRevision revision) {
  const auto original = store_.timeline().find(id);
  if (!original || original->revises)
    return Outcome<json::object>::refused("name the entry to edit by its number (#12 in the timeline)");
  if (!editable(original->kind))
    return Outcome<json::object>::refused("entry #" + std::to_string(id) + " is a " +
                                          std::string(model::to_string(original->kind)) +
                                          " the bot recorded; only notes and captured messages can be edited");
  store_.timeline().revise(id, revision, display_name(request.who));
  return {timeline(*store_.incidents().find(original->incident_id), {.only = id}), ""};
}

boost::asio::awaitable<void> Engine::hold(const Request& request, model::Incident incident) {
  const auto who = display_name(request.who);
  const auto held = render("held", {{"person", who}, {"service", incident.service}});
  store_.timeline().append(incident.id, EventKind::hold, who, held.text);
  co_await post_in_incident(store_, transport_, incident, held);
}

boost::asio::awaitable<debrief::Written> Engine::debrief(const Request& request, model::Incident incident,
                                                         std::optional<std::filesystem::path> markdown_path) {
  const auto written =
      co_await debrief::generate(store_, templates_, settings_.services.find(incident.service), settings_.prometheus_url,
                                 incident, markdown_path.value_or(debrief::default_path(settings_.data_dir, incident.id)));
  const auto who = display_name(request.who);
  const auto posted = render("debrief_posted", {{"incident", incident.id},
                                                {"service", incident.service},
                                                {"person", who},
                                                {"path", written.markdown.string()}});
  store_.timeline().append(incident.id, EventKind::debrief, who, posted.text);
  const chat::Place place{incident.channel, incident.thread};
  co_await transport_.post(place, posted);
  if (!written.png.empty())  // empty: drawn without its library (the debrief says why)
    transport_.attach(place, written.png.string(), "Incident #" + std::to_string(incident.id) + " timeline");
  transport_.attach(place, written.markdown.string(), "Debrief, incident #" + std::to_string(incident.id));
  co_await ChangeFreeze(settings_.services, store_, templates_, transport_, clock_).debriefed(incident, who);
  co_return written;
}

boost::asio::awaitable<std::optional<chat::Message>> Engine::freeze(const Request& request, std::string scope,
                                                                    std::string reason) {
  co_return co_await ChangeFreeze(settings_.services, store_, templates_, transport_, clock_)
      .freeze(request.where, scope, reason.empty() ? "no reason given" : reason, display_name(request.who),
              std::nullopt);
}

boost::asio::awaitable<std::optional<chat::Message>> Engine::unfreeze(const Request& request, std::string scope) {
  co_return co_await ChangeFreeze(settings_.services, store_, templates_, transport_, clock_)
      .unfreeze(request.where, scope, display_name(request.who));
}

boost::asio::awaitable<std::optional<chat::Message>> Engine::reject(const Request& request, std::string service,
                                                                    std::string revision, std::string reason) {
  model::Rejection rejection{0, service, revision, "", reason, display_name(request.who), "", std::nullopt, std::nullopt};
  // The tool's history says which revision was meant, and the image CI would register for it.
  if (const auto history = co_await go_around_.history(service); history && history->problem.empty())
    for (const auto& r : history->revisions)
      if (names_revision(r.number, r.image, revision)) {
        rejection.revision = r.number;
        rejection.image = r.image;
        break;
      }
  const auto incident = open_incident_of(service);
  if (incident) rejection.incident_id = incident->id;
  co_return co_await Rejections(store_, templates_, transport_, clock_)
      .reject(incident ? chat::Place{incident->channel, incident->thread} : request.where, rejection);
}

boost::asio::awaitable<std::optional<chat::Message>> Engine::accept(const Request& request, std::string service,
                                                                    std::string revision) {
  const auto incident = open_incident_of(service);
  co_return co_await Rejections(store_, templates_, transport_, clock_)
      .accept(incident ? chat::Place{incident->channel, incident->thread} : request.where, service, revision,
              display_name(request.who), incident ? std::optional(incident->id) : std::nullopt);
}

std::optional<model::Incident> Engine::open_incident_of(const std::string& service) {
  for (auto& incident : store_.incidents().open())
    if (incident.service == service) return std::move(incident);
  return std::nullopt;
}

Registration Engine::register_deployment(const NewDeployment& deployment) {
  return core::register_deployment(settings_.services, store_, templates_, clock_.now(), deployment);
}

json::value Engine::save_brief(const Request& request, const std::string& service,
                               const std::map<std::string, std::string, std::less<>>& given) {
  json::object lines;
  for (const auto& [field, text] : given)
    if (!text.empty()) lines[field] = text;
  if (!lines.empty()) {
    if (const auto previous = brief(service); previous.is_object())
      for (auto field : model::brief_fields)
        if (!lines.contains(field) && previous.get_object().contains(field)) lines[field] = previous.at(field);
    store_.deploys().add_brief({0, service, "", display_name(request.who), "command", json::serialize(lines)});
  }
  return brief(service);
}

boost::asio::awaitable<void> Engine::status_update(const Request& request, model::Incident incident,
                                                   std::string text) {
  co_await status_.human_update(incident, request.who, std::move(text));
}

bool Engine::snooze(const Request& request, std::int64_t incident, std::chrono::minutes by) {
  return status_.snooze(incident, by, request.who);
}

model::Incident Engine::open_for_decision(const Request& request, const config::Service& service) {
  return open_or_join(service, request.who, "deciding: roll back or fix forward?", request.where.channel);
}

boost::asio::awaitable<Outcome<bool>> Engine::decide(const Request& request, model::Incident incident,
                                                     std::string path, std::string chosen, std::string walk_id) {
  const auto* service = settings_.services.find(incident.service);
  const auto facts = co_await known_facts(settings_.prometheus_url, store_, *service, clock_.now());
  const auto& tree = DecisionTree::builtin();
  const auto w = walk(tree, path, facts);
  if (!w.error.empty()) co_return Outcome<bool>::refused(w.error);
  if (walk_id.empty()) walk_id = new_walk_id();
  const auto number_of = [&](const Walk::Step& step) {
    for (std::size_t i = 0; i < w.steps.size(); ++i)
      if (w.steps[i].question == step.question) return i + 1;
    return w.steps.size() + 1;
  };
  for (const auto& step : w.steps)
    if (!step.known && step.question->id == chosen) {
      // The question (this walk, this point in it) is answered once, whoever presses first.
      const auto source = "decide:" + std::to_string(incident.id) + ":" + walk_id + ":" + step.question->id;
      if (auto refusal = answer_once(incident.id, EventKind::decision_answer, display_name(request.who),
                                     templates_.render("event_decision_answer", step_context(step, number_of(step))), source))
        co_return Outcome<bool>::refused(*refusal);
    }
  for (const auto& step : w.answered_now)
    store_.timeline().append(incident.id, EventKind::decision_answer, bot_actor,
                             templates_.render("event_decision_answer", step_context(step, number_of(step))));
  json::array known;
  for (const auto& step : w.answered_now) known.push_back(step_context(step, number_of(step)));
  if (w.ask) {
    auto question = render("decide_question", {{"service", incident.service},
                                               {"incident", incident.id},
                                               {"check", w.ask->check},
                                               {"number", w.steps.size() + 1},
                                               {"question", w.ask->text},
                                               {"known", known}});
    for (const auto& answer : w.ask->answers)
      question.buttons.push_back(
          {answer.label, model::button("goaround.decide", model::buttons::Decision{incident.id, w.path_with(answer.value), walk_id})});
    co_await post_in_incident(store_, transport_, incident, question);
    co_return Outcome<bool>{true, ""};
  }
  json::array path_steps;
  for (const auto& step : w.steps) path_steps.push_back(step_context(step, number_of(step)));
  const json::object verdict{{"service", incident.service}, {"incident", incident.id},
                             {"verdict", w.outcome->verdict}, {"reason", w.outcome->reason},
                             {"known", known}, {"steps", path_steps},
                             {"memory", go_around_memory(store_, incident.service, std::numeric_limits<std::int64_t>::max(),
                                                         clock_.now())},
                             // Without a real go-around on record, the drill's numbers are the measured time.
                             {"practice", service ? practice_memory(store_, *service, clock_.now()) : json::value(nullptr)}};
  auto message = render("decide_outcome", verdict);
  store_.timeline().append(incident.id, EventKind::decision, display_name(request.who),
                           templates_.render("event_decision", verdict),
                           model::encode(model::events::Decision{w.outcome->verdict, w.outcome->id}));
  if (w.outcome->go_around)
    message.buttons.push_back({"Go around now", model::button("goaround.go", model::buttons::Incident{incident.id}),
                               chat::ButtonStyle::danger});
  // FLAG OFF: the flag the deploy registered, one press away, when the service can switch it.
  if (w.outcome->turns_flag_off && service && service->flags)
    if (const auto flag = deployed_detail(store_, incident.service, "feature_flag"); flag && config::is_flag_key(*flag))
      message.buttons.push_back({"Turn flag " + *flag + " off",
                                 model::button("goaround.flag-off", model::buttons::FlagOff{incident.id, *flag}),
                                 chat::ButtonStyle::danger});
  co_await post_in_incident(store_, transport_, incident, message);
  co_return Outcome<bool>{true, ""};
}

}  // namespace goaround::core
