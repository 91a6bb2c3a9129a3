#include "goaround/debrief/debrief.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <tuple>
#include <utility>

#include "goaround/chat/mrkdwn.hpp"
#include "goaround/debrief/timeline_export.hpp"
#include "goaround/exec/adapter.hpp"
#include "goaround/libs/optional_library.hpp"

namespace goaround::debrief {
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t timeline_limit = 200;  // the rest is in `goaround timeline export`
constexpr std::size_t trigger_note_limit = 20;


using model::EventKind;

// What was said in Slack's mrkdwn, as the Markdown file shows it (**bold**, glyphs, links).
std::string markdown(std::string_view said) { return chat::from_mrkdwn(said, chat::Rendering::markdown); }

bool result_verified(const model::Event& e) {
  return e.kind == EventKind::result && e.payload<model::events::Result>().result == model::Outcome::verified;
}

// A card whose pre-flight stopped the go-around before anyone could confirm it.
bool blocked_card(const model::Event& e) {
  if (e.kind != EventKind::card) return false;
  const auto checks = e.payload<model::events::Card>().preflight;
  return std::any_of(checks.begin(), checks.end(), [](const auto& c) { return !c.passed; });
}

json::value span(const std::optional<time::TimePoint>& from, const std::optional<time::TimePoint>& to) {
  // A clock that did not move (the virtual one) measured nothing: no "in 0 ms".
  if (!from || !to || *to <= *from) return nullptr;
  return json::string(time::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(*to - *from)));
}

std::vector<model::Event> story(store::Store& store, const model::Incident& incident) {
  return store.timeline().events(incident.id, model::chatter_kinds());
}

}  // namespace

namespace {

std::optional<time::TimePoint> last_deploy(store::Store& store, const model::Incident& incident) {
  const auto deployment = store.deploys().deployment_before(incident.service, incident.opened_at);
  if (!deployment) return std::nullopt;
  return time::stored_time(deployment->registered_at);
}

}  // namespace

Milestones milestones(const model::Incident& incident, const std::vector<model::Event>& events,
                      std::optional<time::TimePoint> deploy) {
  Milestones m;
  m.detection = time::stored_time(incident.opened_at);
  m.deploy = deploy;
  std::optional<time::TimePoint> confirmed;
  for (const auto& e : events) {
    const auto at = time::stored_time(e.at);
    // Go-arounds of one service run one at a time: a command opens the next span, its result
    // closes it.
    if (e.kind == EventKind::confirmation) confirmed = at;
    const bool open_span = !m.go_arounds.empty() && !m.go_arounds.back().end;
    // One that never gave a result (interrupted, or cut off) ends where the next one starts.
    if ((e.kind == EventKind::command || e.kind == EventKind::interrupted) && open_span) m.go_arounds.back().end = at;
    if (e.kind == EventKind::command)
      m.go_arounds.push_back({static_cast<int>(m.go_arounds.size()) + 1, std::exchange(confirmed, std::nullopt), at, {}, {}});
    if (e.kind == EventKind::result && open_span) {
      m.go_arounds.back().end = at;
      m.go_arounds.back().outcome = e.payload<model::events::Result>().result;
    }
    if (e.kind == EventKind::confirmation && !m.decision) m.decision = at;
    if (e.kind == EventKind::command && !m.rollback_start) m.rollback_start = at;
    if (e.kind == EventKind::result && !m.rollback_end) m.rollback_end = at;
    if (result_verified(e) && !m.recovery) m.recovery = at;
    if (e.kind == EventKind::status_update) m.status_posts.push_back(at);
  }
  if (incident.closed_at) m.closed = time::stored_time(*incident.closed_at);
  m.start = m.deploy.value_or(m.detection);
  m.end = incident.closed_at ? time::stored_time(*incident.closed_at) : m.detection;
  if (!events.empty()) m.end = std::max(m.end, time::stored_time(events.back().at));
  m.end = std::max(m.end, m.start + 1min);  // a chart spans at least a minute, so its ticks can be round
  return m;
}

Milestones milestones(store::Store& store, const model::Incident& incident) {
  return milestones(incident, story(store, incident), last_deploy(store, incident));
}

namespace {

// A go-around's command as a prepared step: its options and how many operands, without the
// values that name one environment's target (context, namespace, revision).
std::vector<std::string> step_shape(const std::vector<std::string>& argv) {
  std::vector<std::string> shape;
  for (const auto& word : argv) shape.push_back(word.rfind('-', 0) == 0 ? word.substr(0, word.find('=')) : "_");
  return shape;
}

// "11.0 s slower (+27%)", "as practised" within a tenth or 100 ms.
std::string phase_verdict(std::int64_t here_ms, std::int64_t drill_ms) {
  const auto difference = here_ms - drill_ms;
  if (std::llabs(difference) < 100 || std::llabs(difference) * 10 < drill_ms) return "as practised";
  auto verdict = time::format_phase(std::chrono::milliseconds(std::llabs(difference))) +
                 (difference > 0 ? " slower" : " faster");
  if (drill_ms > 0) verdict += " (" + std::string(difference > 0 ? "+" : "") + std::to_string(difference * 100 / drill_ms) + "%)";
  return verdict;
}

// "Did the rollback work as practised?", from the numbers: the incident's last go-around
// against the service's last drill before it; null for a drill's own incident.
json::value as_practised(store::Store& store, const model::Incident& incident, const config::Service* service,
                         const std::optional<model::Execution>& last) {
  if ((service && !service->drill_of.empty()) || !last || !last->started_at) return nullptr;
  const auto drill = store::last_drill(store, config::drill_name(incident.service), last->started_at);
  if (!drill) return json::object{{"never", true}};
  json::object out{{"at", *drill->execution.finished_at},
                   {"environment", drill->environment},
                   {"incident", drill->execution.incident_id},
                   {"outcome", std::string(model::in_words(drill->result.result))}};
  const auto here = store::recorded_result(store, *last);
  json::array phases;
  if (here)
    for (const auto& [name, mine, theirs] : {std::tuple{"execute", here->execute_ms, drill->result.execute_ms},
                                             std::tuple{"verify", here->verify_ms, drill->result.verify_ms}})
      if (mine && theirs)
        phases.push_back({{"name", name},
                          {"here", time::format_phase(std::chrono::milliseconds(*mine))},
                          {"drill", time::format_phase(std::chrono::milliseconds(*theirs))},
                          {"verdict", phase_verdict(*mine, *theirs)}});
  out["phases"] = std::move(phases);
  // The prepared path's steps: the command and what followed it, the checks before and after.
  json::array steps;
  const auto plan = exec::plan_from_json(json::parse(last->plan_json));
  const auto practised = exec::plan_from_json(json::parse(drill->execution.plan_json));
  for (const auto& [what, mine, theirs] : {std::tuple{"the command", &plan.argv, &practised.argv},
                                           std::tuple{"the wait", &plan.wait_argv, &practised.wait_argv}})
    if (step_shape(*mine) != step_shape(*theirs))
      steps.push_back(json::string(std::string(what) + ": `" + exec::command_line(*mine) + "` here, `" +
                                   exec::command_line(*theirs) + "` in the drill"));
  const auto names = [](const auto& checks) {  // pre-flight (exec::Check) or recorded (events::Check)
    std::set<std::string> out;
    for (const auto& c : checks) out.insert(c.name);
    return out;
  };
  const auto only = [&](const char* phase, const std::set<std::string>& a, const std::set<std::string>& b, const char* where) {
    for (const auto& name : a)
      if (!b.contains(name)) steps.push_back(json::string(std::string(phase) + " check `" + name + "` only " + where));
  };
  only("pre-flight", names(plan.preflight), names(practised.preflight), "here");
  only("pre-flight", names(practised.preflight), names(plan.preflight), "in the drill");
  json::array failed_here;
  if (here) {
    only("verification", names(here->checks), names(drill->result.checks), "here");
    only("verification", names(drill->result.checks), names(here->checks), "in the drill");
    for (const auto& check : here->checks) {
      if (check.passed) continue;
      const auto same = std::find_if(drill->result.checks.begin(), drill->result.checks.end(),
                                     [&](const auto& c) { return c.name == check.name; });
      if (same == drill->result.checks.end() || same->passed)
        failed_here.push_back(json::string(check.name + ": " + check.detail));
    }
  }
  out["steps"] = std::move(steps);
  out["failed_here"] = std::move(failed_here);
  return out;
}

json::object context_of(store::Store& store, const model::Incident& incident,
                        const std::vector<model::Event>& events, const Milestones& m,
                        const config::Service* service, const std::string& chart) {
  const auto executions = store.executions().of_incident(incident.id);

  json::array timeline;
  std::size_t omitted = 0;
  json::array trigger_notes, reviews, verifications;
  std::size_t denials = 0, refusals = 0, interruptions = 0, blocked_cards = 0;
  for (const auto& e : events) {
    if (e.withdrawn) continue;
    const auto at = time::stored_time(e.at);
    if (timeline.size() < timeline_limit)
      timeline.push_back({{"at", e.at}, {"kind", model::to_string(e.kind)},
                          {"actor", chat::markdown_cell(e.actor)}, {"text", chat::markdown_cell(markdown(e.text))}});
    else
      ++omitted;
    // What people saw before they decided is the trigger as it was experienced.
    if ((e.kind == EventKind::note || e.kind == EventKind::trigger || e.kind == EventKind::message ||
         e.kind == EventKind::marked) &&
        (!m.decision || at <= *m.decision)) {
      trigger_notes.push_back({{"at", e.at}, {"actor", e.actor}, {"text", markdown(e.text)}});
      // What was seen just before the decision matters most; keep the latest few.
      if (trigger_notes.size() > trigger_note_limit) trigger_notes.erase(trigger_notes.begin());
    }
    if (e.kind == EventKind::trigger_review) reviews.push_back({{"actor", e.actor}, {"text", markdown(e.text)}});
    if (e.kind == EventKind::verification) verifications.push_back({{"at", e.at}, {"text", markdown(e.text)}});
    denials += e.kind == EventKind::denial;
    refusals += e.kind == EventKind::refusal;
    interruptions += e.kind == EventKind::interrupted;
    blocked_cards += blocked_card(e);
  }

  json::array commands;
  for (const auto& x : executions) {
    if (x.state == model::ExecutionState::planned || x.state == model::ExecutionState::cancelled) continue;
    const auto plan = exec::plan_from_json(json::parse(x.plan_json));
    const auto started = x.started_at ? std::optional(time::stored_time(*x.started_at)) : std::nullopt;
    const auto finished = x.finished_at ? std::optional(time::stored_time(*x.finished_at)) : std::nullopt;
    commands.push_back({{"command", exec::command_line(plan.argv)},
                        {"exit_code", x.exit_code ? json::value(*x.exit_code) : json::value("none")},
                        {"state", model::to_string(x.state)},
                        {"started_at", x.started_at.value_or("")},
                        {"took", span(started, finished)}});
  }

  const auto decide = span(m.detection, m.decision);
  json::array lessons;
  if (m.decision && *m.decision - m.detection > 10min)
    lessons.push_back(json::string("Deciding took " + std::string(decide.as_string()) +
                                   ": agree the abort thresholds in the deploy brief, so the call is made before the approach."));
  if (!m.decision)
    lessons.push_back(json::string("No go-around was confirmed: if one was needed, what stopped the call?"));
  if (blocked_cards)
    lessons.push_back(json::string("A pre-flight check failed: keep rollback targets around (revision history) and practise the rollback."));
  if (denials)
    lessons.push_back(json::string(std::to_string(denials) + " request(s) to call stop were denied: check who is allowed for " + incident.service + "."));
  if (refusals)
    lessons.push_back(json::string("A second go-around was asked for while one ran: the thread must show the running one more clearly."));
  if (interruptions)
    lessons.push_back(json::string("The bot stopped mid-rollback: run it where it survives the incident it handles."));
  if (m.rollback_end && !m.recovery)
    lessons.push_back(json::string("The rollback did not verify: the abort path itself needs attention before the next deploy."));
  if (service && service->verify.health_url.empty() && service->verify.query.empty())
    lessons.push_back(json::string("Only the rollout was verified: give " + incident.service + " a health URL or a metric check (verify)."));
  if (lessons.empty())
    lessons.push_back(json::string("Nothing in the timeline slowed the abort: keep practising it."));

  json::array actions;
  for (const auto& a : store.incidents().actions(incident.id))
    actions.push_back({{"text", a.text}, {"owner", a.owner}, {"by", a.created_by}});

  json::object durations{{"deploy_to_detection", span(m.deploy, m.detection)},
                         {"detection_to_decision", decide},
                         {"decision_to_rollback", span(m.decision, m.rollback_start)},
                         {"rollback", span(m.rollback_start, m.rollback_end)},
                         {"time_to_recovery", span(m.detection, m.recovery)}};
  // The last go-around that ran: a card cancelled after it changes nothing that happened.
  const auto ran = std::find_if(executions.rbegin(), executions.rend(), [](const model::Execution& x) {
    return x.state != model::ExecutionState::planned && x.state != model::ExecutionState::cancelled;
  });
  const auto last = ran == executions.rend() ? std::optional<model::Execution>() : *ran;
  auto context = incident_fields(incident);
  json::object debriefed{
      {"closed_at", incident.closed_at ? json::value(*incident.closed_at) : json::value(nullptr)},
      {"summary", incident.summary.empty() ? json::value(nullptr) : json::value(incident.summary)},
      {"reason", incident.reason.empty() ? json::value(nullptr) : json::value(incident.reason)},
      {"rolled_back", last && last->state == model::ExecutionState::succeeded},
      {"from", last ? json::value(last->from_revision) : json::value(nullptr)},
      {"to", last ? json::value(last->to_revision) : json::value(nullptr)},
      {"flag", last && !last->flag().empty() ? json::value(last->flag()) : json::value(nullptr)},
      {"recovered", m.recovery.has_value()},
      {"trigger_notes", std::move(trigger_notes)},
      {"reviews", std::move(reviews)},
      {"timeline", std::move(timeline)},
      {"omitted", omitted ? json::value(omitted) : json::value(nullptr)},
      {"commands", std::move(commands)},
      {"durations", std::move(durations)},
      {"verifications", std::move(verifications)},
      {"practice", as_practised(store, incident, service, last)},
      {"lessons", std::move(lessons)},
      {"actions", std::move(actions)},
      {"chart", chart.empty() ? json::value(nullptr) : json::value(chart)},
      {"brief", model::brief_context(store.deploys().latest_brief(incident.service))}};
  for (auto& field : debriefed) context[field.key()] = std::move(field.value());
  return context;
}

}  // namespace

json::object context(store::Store& store, const model::Incident& incident,
                     const config::Service* service, const std::string& chart) {
  const auto events = story(store, incident);
  return context_of(store, incident, events,
                    milestones(incident, events, last_deploy(store, incident)), service, chart);
}

Written write(store::Store& store, const chat::Templates& templates, const model::Incident& incident,
              const config::Service* service, const std::vector<verify::Sample>& metric,
              const std::filesystem::path& markdown_path) {
  Written out;
  out.markdown = markdown_path;
  auto stem = markdown_path;
  stem.replace_extension();
  out.svg = stem.string() + "-chart.svg";
  out.png = stem.string() + "-chart.png";
  if (markdown_path.has_parent_path()) std::filesystem::create_directories(markdown_path.parent_path());
  const auto events = story(store, incident);
  const auto m = milestones(incident, events, last_deploy(store, incident));
  std::string chart_left_out;
  try {
    const auto drawn = chart(m, {metric, service ? service->verify.query : "", service ? service->verify.below : std::nullopt},
                             "Incident #" + std::to_string(incident.id) + " · " + incident.service);
    std::ofstream(out.svg, std::ios::binary) << drawn.svg;
    std::ofstream(out.png, std::ios::binary) << drawn.png;
  } catch (const libs::Unavailable& e) {
    // The debrief matters more than its picture: it is written without one, and says why.
    spdlog::warn("debrief: {}; written without the chart", e.what());
    chart_left_out = e.what();
    out.svg.clear();
    out.png.clear();
  }
  auto context = context_of(store, incident, events, m, service, out.svg.filename().string());
  if (!chart_left_out.empty()) context["chart_left_out"] = chart_left_out;
  out.text = templates.render("debrief.md", context) + "\n";
  std::ofstream(out.markdown, std::ios::binary) << out.text;
  return out;
}

boost::asio::awaitable<Written> generate(store::Store& store, const chat::Templates& templates,
                                         const config::Service* service, std::string prometheus_url,
                                         const model::Incident& incident,
                                         const std::filesystem::path& markdown_path) {
  std::vector<verify::Sample> metric;
  if (service && !service->verify.query.empty() && !prometheus_url.empty()) {
    const auto m = milestones(store, incident);
    const auto step = std::max<std::chrono::seconds>(
        std::chrono::duration_cast<std::chrono::seconds>(m.end - m.start) / 200, 1s);
    auto range = co_await verify::prometheus_range(prometheus_url, service->verify.query,
                                                   m.start, m.end, step, 10s);
    metric = std::move(range.samples);
  }
  co_return write(store, templates, incident, service, metric, markdown_path);
}

std::filesystem::path default_path(const std::filesystem::path& data_dir, std::int64_t incident_id) {
  return data_dir / "debriefs" / ("incident-" + std::to_string(incident_id) + ".md");
}

}  // namespace goaround::debrief
