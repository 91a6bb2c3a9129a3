// What has been: a service's revisions beside what go-arounds did with them (/rollback history),
// and the recent incidents with how long each took (/rollback incidents).
#include <boost/json.hpp>

#include <algorithm>
#include <map>


#include "goaround/core/engine.hpp"
#include "goaround/exec/adapter.hpp"

namespace goaround::core {
namespace json = boost::json;

namespace {

constexpr std::size_t history_shown = 10;

// How long something took, as the result said it: "1.6 s", "3 h 12 min".
std::string took(std::chrono::milliseconds d) {
  if (d < std::chrono::seconds(1)) return "under a second";
  if (d < std::chrono::minutes(1)) return time::format_duration(d);
  return time::format_age(d);
}

// A go-around as a revision's history line: which one, in which incident, when it ended.
json::object mention(const model::Execution& e) {
  return {{"execution", e.id}, {"incident", e.incident_id}, {"at", e.finished_at.value_or(e.created_at)},
          {"by", e.confirmed_by.value_or(e.requested_by)}};
}

// The row of a go-around's end of the change (`side`: its plan's current or target, `number`
// as recorded): that number while it still runs the same image; else the newest revision
// running that image, since kubectl renumbers a revision it returns to (2 comes back as 4).
std::optional<std::size_t> row_of(const std::vector<exec::Revision>& revisions, const std::string& number,
                                  const exec::Revision& side) {
  for (std::size_t i = 0; i < revisions.size(); ++i)
    if (revisions[i].number == number && (side.image.empty() || revisions[i].image == side.image)) return i;
  if (!side.image.empty())
    for (std::size_t i = 0; i < revisions.size(); ++i)  // newest first
      if (revisions[i].image == side.image) return i;
  return std::nullopt;
}

// A measured phase as people say it; null when not measured.
json::value phase_took(std::optional<std::int64_t> ms) {
  if (!ms) return nullptr;
  return json::string(time::format_phase(std::chrono::milliseconds(*ms)));
}

}  // namespace

boost::asio::awaitable<json::object> Engine::history(std::string service, bool all) {
  json::object out{{"service", service}};
  if (const auto* configured = settings_.services.find(service)) out["environment"] = configured->environment;
  const auto read = co_await go_around_.history(service);
  if (!read) co_return out;
  if (!read->problem.empty()) {
    out["problem"] = read->problem;
    co_return out;
  }
  out["live"] = read->live;
  const auto ran = store_.executions().ran_for(service, 200);
  // Each go-around's rows: the revision it rolled back from and the one it went to.
  std::vector<std::optional<std::size_t>> from_rows, to_rows;
  for (const auto& e : ran) {
    boost::system::error_code ec;
    const auto plan = exec::plan_from_json(json::parse(e.plan_json, ec));
    from_rows.push_back(row_of(read->revisions, e.from_revision, plan.current));
    to_rows.push_back(row_of(read->revisions, e.to_revision, plan.target));
  }
  const auto rejections = store_.deploys().rejections(service);
  json::array revisions;
  const std::size_t shown = all ? read->revisions.size() : std::min(read->revisions.size(), history_shown);
  if (shown < read->revisions.size()) out["left_out"] = read->revisions.size() - shown;
  for (std::size_t index = 0; index < shown; ++index) {
    const auto& revision = read->revisions[index];
    json::object row{{"number", revision.number},
                     {"image", revision.image},
                     {"change_cause", revision.change_cause},
                     {"live", revision.number == read->live}};
    if (const auto created = time::parse_rfc3339(revision.created))
      row["age"] = time::format_age(std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - *created));
    json::array rolled_back_from, verified, failed_to;
    for (std::size_t i = 0; i < ran.size(); ++i) {
      const auto& e = ran[i];
      if (from_rows[i] == index) rolled_back_from.push_back(mention(e));
      if (to_rows[i] != index) continue;
      if (e.state == model::ExecutionState::succeeded) verified.push_back(mention(e));
      else if (e.state == model::ExecutionState::failed) failed_to.push_back(mention(e));
    }
    if (const auto rejected = rejection_of(rejections, revision.number, revision.image))
      row["rejected"] = rejection_context(*rejected, clock_.now());
    row["rolled_back_from"] = std::move(rolled_back_from);
    row["verified"] = std::move(verified);
    row["failed_to"] = std::move(failed_to);
    revisions.push_back(std::move(row));
  }
  out["choose"] = !revisions.empty();
  out["revisions"] = std::move(revisions);
  co_return out;
}

json::value go_around_memory(store::Store& store, const std::string& service, std::int64_t before,
                             time::TimePoint now) {
  using std::chrono::milliseconds;
  std::vector<milliseconds> execute, recover;
  int count = 0, verified = 0;
  std::optional<model::Execution> last;
  std::map<std::int64_t, std::optional<time::TimePoint>> opened;  // by incident: one read each
  for (const auto& e : store.executions().ran_for(service, 200)) {
    if (e.id >= before || e.state == model::ExecutionState::running) continue;
    ++count;
    if (!last) last = e;  // newest first
    if (!e.started_at || !e.finished_at) continue;
    execute.push_back(std::chrono::duration_cast<milliseconds>(time::stored_time(*e.finished_at) - time::stored_time(*e.started_at)));
    if (e.state != model::ExecutionState::succeeded) continue;
    ++verified;
    auto [at, unread] = opened.try_emplace(e.incident_id);
    if (unread)
      if (const auto incident = store.incidents().find(e.incident_id)) at->second = time::stored_time(incident->opened_at);
    if (at->second) recover.push_back(std::chrono::duration_cast<milliseconds>(time::stored_time(*e.finished_at) - *at->second));
  }
  if (!last) return nullptr;
  const auto median = [](std::vector<milliseconds> values) -> json::value {
    if (values.empty()) return nullptr;
    std::sort(values.begin(), values.end());
    return json::string(took(values[values.size() / 2]));
  };
  json::object out{{"count", count}, {"verified", verified}, {"median_execute", median(execute)},
                   {"median_recovery", median(recover)}, {"last_state", model::to_string(last->state)},
                   {"last_execution", last->id}};
  if (count > verified) out["not_verified"] = count - verified;
  if (count == 1) out["once"] = true;  // "took", not the median of one
  if (last->finished_at)
    out["last_age"] = time::format_age(std::chrono::duration_cast<milliseconds>(now - time::stored_time(*last->finished_at)));
  return out;
}

json::value practice_memory(store::Store& store, const config::Service& service, time::TimePoint now) {
  return practice_memory(store::last_drill(store, config::drill_name(service.name)), service, now);
}

json::value practice_memory(const std::optional<store::Drill>& drill, const config::Service& service,
                            time::TimePoint now) {
  using std::chrono::milliseconds;
  if (!drill) return json::object{{"never", true}, {"twin", service.drill != nullptr}};
  const auto since = std::chrono::duration_cast<milliseconds>(now - time::stored_time(*drill->execution.finished_at));
  json::object out{{"age", time::format_age(since)},
                   {"environment", drill->environment},
                   {"execute", phase_took(drill->result.execute_ms)},
                   {"verify", phase_took(drill->result.verify_ms)},
                   {"verified", drill->result.result == model::Outcome::verified},
                   {"outcome", std::string(model::in_words(drill->result.result))},
                   {"incident", drill->execution.incident_id},
                   {"execution", drill->execution.id}};
  if (service.practice_every.count() > 0 && since > service.practice_every)
    out["overdue"] = time::format_age(service.practice_every);
  return out;
}

json::object Engine::incidents(int limit) {
  const auto now = clock_.now();
  const auto between = [](const std::string& from, const std::string& to) {
    return took(std::chrono::duration_cast<std::chrono::milliseconds>(time::stored_time(to) - time::stored_time(from)));
  };
  json::array rows;
  for (const auto& incident : store_.incidents().recent(limit)) {
    json::object row{{"incident", incident.id},
                     {"service", incident.service},
                     {"environment", incident.environment},
                     {"opened_at", incident.opened_at},
                     {"opened_by", incident.opened_by},
                     {"reason", incident.reason},
                     {"summary", incident.summary},
                     {"open", incident.state == model::IncidentState::open}};
    if (incident.closed_at) row["closed_after"] = between(incident.opened_at, *incident.closed_at);
    else row["open_for"] = between(incident.opened_at, time::format_utc(now));
    json::array go_arounds;
    std::optional<std::string> mitigated;
    for (const auto& e : store_.executions().of_incident(incident.id)) {
      if (e.state == model::ExecutionState::planned) continue;  // a card still waiting, or one that expired
      go_arounds.push_back({{"execution", e.id}, {"from", e.from_revision}, {"to", e.to_revision},
                            {"state", model::to_string(e.state)}});
      if (!mitigated && e.state == model::ExecutionState::succeeded && e.finished_at)
        mitigated = between(incident.opened_at, *e.finished_at);
    }
    if (mitigated) row["mitigated_after"] = *mitigated;
    row["go_arounds"] = std::move(go_arounds);
    rows.push_back(std::move(row));
  }
  return {{"incidents", std::move(rows)}, {"limit", limit}};
}

}  // namespace goaround::core
