#include "goaround/store/store.hpp"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace goaround::store {
namespace {

std::optional<std::string> optional_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

constexpr const char* incident_columns =
    "id, service, environment, state, opened_at, closed_at, opened_by, reason, channel, thread, "
    "commander, summary";

Incident read_incident(SQLite::Statement& q) {
  return Incident{q.getColumn(0).getInt64(),  q.getColumn(1).getString(),
                  q.getColumn(2).getString(), q.getColumn(3).getString(),
                  q.getColumn(4).getString(), optional_text(q.getColumn(5)),
                  q.getColumn(6).getString(), q.getColumn(7).getString(),
                  q.getColumn(8).getString(), q.getColumn(9).getString(),
                  q.getColumn(10).getString(), q.getColumn(11).getString()};
}

std::optional<double> optional_real(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

constexpr const char* schedule_columns =
    "s.incident_id, s.interval_seconds, s.next_due_at, s.last_posted_at, s.last_human_at, "
    "s.reminded_at, s.detection_value, s.last_value";

Schedule read_schedule(SQLite::Statement& q) {
  return Schedule{q.getColumn(0).getInt64(),
                  std::chrono::seconds(q.getColumn(1).getInt64()),
                  q.getColumn(2).getString(),
                  optional_text(q.getColumn(3)),
                  optional_text(q.getColumn(4)),
                  optional_text(q.getColumn(5)),
                  optional_real(q.getColumn(6)),
                  optional_real(q.getColumn(7))};
}

template <typename T>
void bind_optional(SQLite::Statement& q, int index, const std::optional<T>& value) {
  if (value) q.bind(index, *value);
  else q.bind(index);
}

constexpr const char* execution_columns =
    "id, incident_id, service, adapter, argv, from_revision, to_revision, requested_by, reason, "
    "state, created_at, confirmed_by, started_at, finished_at, exit_code, output_tail, "
    "verification, plan, owner, taken_over_by";

Execution read_execution(SQLite::Statement& q) {
  Execution e;
  e.id = q.getColumn(0).getInt64();
  e.incident_id = q.getColumn(1).getInt64();
  e.service = q.getColumn(2).getString();
  e.adapter = q.getColumn(3).getString();
  e.argv_json = q.getColumn(4).getString();
  e.from_revision = q.getColumn(5).getString();
  e.to_revision = q.getColumn(6).getString();
  e.requested_by = q.getColumn(7).getString();
  e.reason = q.getColumn(8).getString();
  e.state = q.getColumn(9).getString();
  e.created_at = q.getColumn(10).getString();
  e.confirmed_by = optional_text(q.getColumn(11));
  e.started_at = optional_text(q.getColumn(12));
  e.finished_at = optional_text(q.getColumn(13));
  if (!q.getColumn(14).isNull()) e.exit_code = q.getColumn(14).getInt();
  e.output_tail = q.getColumn(15).getString();
  e.verification = q.getColumn(16).getString();
  e.plan_json = q.getColumn(17).getString();
  e.owner = q.getColumn(18).getString();  // NULL reads as ""
  e.taken_over_by = q.getColumn(19).getString();
  return e;
}



}  // namespace

Store::Store(const std::filesystem::path& file, const time::Clock& clock, std::chrono::milliseconds busy)
    : busy_timeout(busy), db_(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE), clock_(clock) {
  db_.setBusyTimeout(static_cast<int>(busy_timeout.count()));
  // Turning a new file to WAL needs the file to itself and does not wait on the busy handler:
  // two processes opening a new data folder together retry here instead of failing.
  for (auto waited = std::chrono::milliseconds(0);; waited += std::chrono::milliseconds(20)) {
    try {
      db_.exec("PRAGMA journal_mode = WAL");
      break;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() != SQLITE_BUSY && e.getErrorCode() != SQLITE_LOCKED) || waited >= busy_timeout) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  db_.exec("PRAGMA synchronous = FULL");
  db_.exec("PRAGMA foreign_keys = ON");
  migrate(db_);
}

// Heartbeats are compared across processes, so never the bot's own (possibly virtual) clock.
std::int64_t Store::unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Store::schema_version() { return store::schema_version(db_); }

Store::Opened Store::open_or_join_incident(const std::string& service,
                                           const std::string& environment,
                                           const std::string& opened_by,
                                           const std::string& reason,
                                           const std::string& channel) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement find(db_, std::string("SELECT ") + incident_columns +
                                  " FROM incidents WHERE service = ? AND state = 'open'");
  find.bind(1, service);
  if (find.executeStep()) return {read_incident(find), false};
  SQLite::Statement insert(
      db_,
      "INSERT INTO incidents (service, environment, state, opened_at, opened_by, reason, channel)"
      " VALUES (?, ?, 'open', ?, ?, ?, ?)");
  insert.bind(1, service);
  insert.bind(2, environment);
  insert.bind(3, now());
  insert.bind(4, opened_by);
  insert.bind(5, reason);
  insert.bind(6, channel);
  insert.exec();
  const auto id = db_.getLastInsertRowid();
  tx.commit();
  return {*incident(id), true};
}

void Store::set_incident_thread(std::int64_t incident_id, const std::string& thread) {
  SQLite::Statement q(db_, "UPDATE incidents SET thread = ? WHERE id = ?");
  q.bind(1, thread);
  q.bind(2, incident_id);
  q.exec();
}

void Store::set_commander(std::int64_t incident_id, const std::string& person_id) {
  SQLite::Statement q(db_, "UPDATE incidents SET commander = ? WHERE id = ?");
  q.bind(1, person_id);
  q.bind(2, incident_id);
  q.exec();
}

bool Store::close_incident(std::int64_t incident_id, const std::string& summary) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement close(db_,
                          "UPDATE incidents SET state = 'resolved', closed_at = ?, summary = ?"
                          " WHERE id = ? AND state = 'open'");
  close.bind(1, now());
  close.bind(2, summary);
  close.bind(3, incident_id);
  if (close.exec() != 1) return false;
  SQLite::Statement stop(db_, "DELETE FROM status_schedules WHERE incident_id = ?");
  stop.bind(1, incident_id);
  stop.exec();
  tx.commit();
  return true;
}

std::optional<Schedule> Store::schedule(std::int64_t incident_id) {
  SQLite::Statement q(db_, std::string("SELECT ") + schedule_columns +
                               " FROM status_schedules s WHERE s.incident_id = ?");
  q.bind(1, incident_id);
  if (!q.executeStep()) return std::nullopt;
  return read_schedule(q);
}

std::vector<Schedule> Store::schedules() {
  SQLite::Statement q(db_, std::string("SELECT ") + schedule_columns +
                               " FROM status_schedules s JOIN incidents i ON i.id = s.incident_id"
                               " WHERE i.state = 'open' ORDER BY s.next_due_at");
  std::vector<Schedule> out;
  while (q.executeStep()) out.push_back(read_schedule(q));
  return out;
}

void Store::save_schedule(const Schedule& s) {
  SQLite::Statement q(db_,
                      "INSERT INTO status_schedules (incident_id, interval_seconds, next_due_at,"
                      " last_posted_at, last_human_at, reminded_at, detection_value, last_value)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET"
                      " interval_seconds = excluded.interval_seconds,"
                      " next_due_at = excluded.next_due_at, last_posted_at = excluded.last_posted_at,"
                      " last_human_at = excluded.last_human_at, reminded_at = excluded.reminded_at,"
                      " detection_value = excluded.detection_value, last_value = excluded.last_value");
  q.bind(1, s.incident_id);
  q.bind(2, static_cast<std::int64_t>(s.interval.count()));
  q.bind(3, s.next_due_at);
  bind_optional(q, 4, s.last_posted_at);
  bind_optional(q, 5, s.last_human_at);
  bind_optional(q, 6, s.reminded_at);
  bind_optional(q, 7, s.detection_value);
  bind_optional(q, 8, s.last_value);
  q.exec();
}

std::int64_t Store::add_action(std::int64_t incident_id, const std::string& text,
                               const std::string& owner, const std::string& created_by) {
  SQLite::Statement q(db_,
                      "INSERT INTO actions (incident_id, text, owner, created_by, created_at)"
                      " VALUES (?, ?, ?, ?, ?)");
  q.bind(1, incident_id);
  q.bind(2, text);
  q.bind(3, owner);
  q.bind(4, created_by);
  q.bind(5, now());
  q.exec();
  return db_.getLastInsertRowid();
}

std::vector<Action> Store::actions(std::int64_t incident_id) {
  SQLite::Statement q(db_,
                      "SELECT id, incident_id, text, owner, created_by, created_at FROM actions"
                      " WHERE incident_id = ? ORDER BY id");
  q.bind(1, incident_id);
  std::vector<Action> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(),
                   q.getColumn(5).getString()});
  return out;
}

std::optional<Incident> Store::incident(std::int64_t id) {
  SQLite::Statement q(db_, std::string("SELECT ") + incident_columns + " FROM incidents WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_incident(q);
}

std::optional<Incident> Store::latest_incident() {
  SQLite::Statement q(db_, std::string("SELECT ") + incident_columns +
                               " FROM incidents ORDER BY id DESC LIMIT 1");
  if (!q.executeStep()) return std::nullopt;
  return read_incident(q);
}

std::vector<Incident> Store::open_incidents() {
  SQLite::Statement q(db_, std::string("SELECT ") + incident_columns +
                               " FROM incidents WHERE state = 'open' ORDER BY id");
  std::vector<Incident> out;
  while (q.executeStep()) out.push_back(read_incident(q));
  return out;
}

std::int64_t Store::append_event(std::int64_t incident_id, model::EventKind kind,
                                 const std::string& actor, const std::string& text,
                                 const boost::json::object& data) {
  SQLite::Statement q(db_,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                      " VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, incident_id);
  q.bind(2, now());
  q.bind(3, std::string(model::to_string(kind)));
  q.bind(4, actor);
  q.bind(5, text);
  q.bind(6, boost::json::serialize(data));
  q.exec();
  return db_.getLastInsertRowid();
}

namespace {

// The payload column always holds a JSON object; anything else reads as no details.
boost::json::object read_payload(const std::string& text) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return {};
  return std::move(parsed.get_object());
}

constexpr const char* event_row_columns =
    "id, incident_id, at, kind, actor, text, data, revises, source";

Event read_event_row(SQLite::Statement& q) {
  return Event{q.getColumn(0).getInt64(),
               q.getColumn(1).getInt64(),
               q.getColumn(2).getString(),
               model::event_kind(q.getColumn(3).getString()),
               q.getColumn(4).getString(),
               q.getColumn(5).getString(),
               read_payload(q.getColumn(6).getString()),
               q.getColumn(7).isNull() ? std::nullopt : std::optional(q.getColumn(7).getInt64()),
               optional_text(q.getColumn(8))};
}

}  // namespace

std::vector<Event> Store::events(std::int64_t incident_id, const std::vector<model::EventKind>& skip_kinds) {
  // One pass over the rows in the order written: each revision overrides its original's
  // time and text (the last revision wins), then the view is ordered by time.
  auto rows = event_rows(incident_id, skip_kinds);
  std::unordered_map<std::int64_t, std::size_t> latest;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].revises) latest[*rows[i].revises] = i;
  std::vector<Event> view;
  view.reserve(rows.size() - latest.size());
  for (auto& e : rows) {
    if (e.revises) continue;
    if (const auto it = latest.find(e.id); it != latest.end()) {
      const auto& revision = rows[it->second];
      e.at = revision.at;
      e.text = revision.text;
      e.revised = true;
      e.withdrawn = revision.payload<model::events::Revision>().withdrawn;
    }
    view.push_back(std::move(e));
  }
  const auto by_time = [](const Event& a, const Event& b) { return a.at < b.at; };
  if (!std::is_sorted(view.begin(), view.end(), by_time))  // only edits of times unsort it
    std::stable_sort(view.begin(), view.end(), by_time);
  return view;
}

std::vector<Event> Store::event_rows(std::int64_t incident_id,
                                     const std::vector<model::EventKind>& skip_kinds) {
  // Revisions are always read: they may revise an entry of any kind that is read.
  std::string sql = std::string("SELECT ") + event_row_columns +
                    " FROM timeline_events WHERE incident_id = ?";
  if (!skip_kinds.empty()) {
    sql += " AND (revises IS NOT NULL OR kind NOT IN (?";
    for (std::size_t i = 1; i < skip_kinds.size(); ++i) sql += ", ?";
    sql += "))";
  }
  SQLite::Statement q(db_, sql + " ORDER BY id");
  q.bind(1, incident_id);
  for (std::size_t i = 0; i < skip_kinds.size(); ++i)
    q.bind(static_cast<int>(i) + 2, std::string(model::to_string(skip_kinds[i])));
  std::vector<Event> out;
  while (q.executeStep()) out.push_back(read_event_row(q));
  return out;
}

std::optional<Event> Store::event(std::int64_t id) {
  SQLite::Statement q(db_, std::string("SELECT ") + event_row_columns +
                               " FROM timeline_events WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_event_row(q);
}

std::optional<Event> Store::event_by_source(const std::string& source) {
  SQLite::Statement q(db_, std::string("SELECT ") + event_row_columns +
                               " FROM timeline_events WHERE source = ? AND revises IS NULL");
  q.bind(1, source);
  if (!q.executeStep()) return std::nullopt;
  return read_event_row(q);
}

std::optional<std::int64_t> Store::capture_event(std::int64_t incident_id, model::EventKind kind,
                                                 const std::string& actor, const std::string& text,
                                                 const std::string& at, const std::string& source,
                                                 const boost::json::object& data) {
  SQLite::Statement q(db_,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, source)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  q.bind(1, incident_id);
  q.bind(2, at);
  q.bind(3, std::string(model::to_string(kind)));
  q.bind(4, actor);
  q.bind(5, text);
  q.bind(6, boost::json::serialize(data));
  q.bind(7, source);
  if (q.exec() != 1) return std::nullopt;
  return db_.getLastInsertRowid();
}

std::int64_t Store::revise_event(std::int64_t event_id, const EventRevision& revision,
                                 const std::string& editor) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  // Revisions build on the latest view of the entry, so a text edit keeps a corrected time.
  const auto original = event(event_id);
  if (!original || original->revises) throw std::invalid_argument("no such timeline entry");
  std::string at = original->at, text = original->text;
  bool withdrawn = false;
  for (const auto& e : events(original->incident_id))
    if (e.id == event_id) {
      at = e.at;
      text = e.text;
      withdrawn = e.withdrawn;
    }
  SQLite::Statement q(db_,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data, revises)"
                      " VALUES (?, ?, 'revision', ?, ?, ?, ?)");
  q.bind(1, original->incident_id);
  q.bind(2, revision.at.value_or(at));
  q.bind(3, editor);
  q.bind(4, revision.text.value_or(text));
  q.bind(5, boost::json::serialize(model::encode(
                model::events::Revision{now(), revision.withdrawn.value_or(withdrawn)})));
  q.bind(6, event_id);
  q.exec();
  const auto id = db_.getLastInsertRowid();
  tx.commit();
  return id;
}

void Store::append_events(std::int64_t incident_id, const std::vector<NewEvent>& events) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(db_,
                      "INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                      " VALUES (?, ?, ?, ?, ?, ?)");
  const auto at = now();
  for (const auto& e : events) {
    q.bind(1, incident_id);
    q.bind(2, at);
    q.bind(3, std::string(model::to_string(e.kind)));
    q.bind(4, e.actor);
    q.bind(5, e.text);
    q.bind(6, boost::json::serialize(e.data));
    q.exec();
    q.reset();
  }
  tx.commit();
}

std::int64_t Store::create_execution(const NewExecution& p) {
  SQLite::Statement q(db_,
                      "INSERT INTO executions (incident_id, service, adapter, argv, from_revision,"
                      " to_revision, requested_by, reason, state, created_at, plan)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?)");
  q.bind(1, p.incident_id);
  q.bind(2, p.service);
  q.bind(3, p.adapter);
  q.bind(4, p.argv_json);
  q.bind(5, p.from_revision);
  q.bind(6, p.to_revision);
  q.bind(7, p.requested_by);
  q.bind(8, p.reason);
  q.bind(9, now());
  q.bind(10, p.plan_json);
  q.exec();
  return db_.getLastInsertRowid();
}

std::optional<Execution> Store::execution(std::int64_t id) {
  SQLite::Statement q(db_, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

bool Store::cancel_execution(std::int64_t id) {
  SQLite::Statement q(db_,
                      "UPDATE executions SET state = 'cancelled', finished_at = ?"
                      " WHERE id = ? AND state = 'planned'");
  q.bind(1, now());
  q.bind(2, id);
  return q.exec() == 1;
}

bool Store::start_execution(std::int64_t id, const std::string& confirmed_by, const std::string& owner) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  const auto planned = execution(id);
  if (!planned || planned->state != "planned") return false;
  SQLite::Statement lock(db_,
                         "INSERT INTO service_locks (service, execution_id, holder, acquired_at)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT (service) DO NOTHING");
  lock.bind(1, planned->service);
  lock.bind(2, id);
  lock.bind(3, confirmed_by);
  lock.bind(4, now());
  if (lock.exec() != 1) return false;
  SQLite::Statement run(db_,
                        "UPDATE executions SET state = 'running', confirmed_by = ?, started_at = ?,"
                        " owner = ? WHERE id = ? AND state = 'planned'");
  run.bind(1, confirmed_by);
  run.bind(2, now());
  run.bind(3, owner);
  run.bind(4, id);
  if (run.exec() != 1) return false;
  tx.commit();
  return true;
}

bool Store::finish_execution(std::int64_t id, const ExecutionFinish& f, const std::string& owner) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(db_,
                      "UPDATE executions SET state = ?, finished_at = ?, exit_code = ?,"
                      " output_tail = ?, verification = ?"
                      " WHERE id = ? AND state = 'running' AND owner = ?");
  q.bind(1, f.state);
  q.bind(2, now());
  if (f.exit_code) q.bind(3, *f.exit_code);
  else q.bind(3);
  q.bind(4, f.output_tail);
  q.bind(5, f.verification);
  q.bind(6, id);
  q.bind(7, owner);
  if (q.exec() != 1) return false;
  release_service_lock(id);
  tx.commit();
  return true;
}

void Store::release_service_lock(std::int64_t execution_id) {
  SQLite::Statement unlock(db_, "DELETE FROM service_locks WHERE execution_id = ?");
  unlock.bind(1, execution_id);
  unlock.exec();
}

bool Store::owns(std::int64_t id, const std::string& owner) {
  SQLite::Statement q(db_, "SELECT 1 FROM executions WHERE id = ? AND state = 'running' AND owner = ?");
  q.bind(1, id);
  q.bind(2, owner);
  return q.executeStep();
}

void Store::renew_owner(const Owner& owner) {
  SQLite::Statement q(db_,
                      "INSERT INTO owners (owner, host, pid, started_at, heartbeat_ms, machine)"
                      " VALUES (?, ?, ?, ?, ?, ?)"
                      " ON CONFLICT (owner) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms");
  q.bind(1, owner.id);
  q.bind(2, owner.host);
  q.bind(3, static_cast<std::int64_t>(owner.pid));
  q.bind(4, owner.started_at);
  q.bind(5, unix_ms());
  q.bind(6, owner.machine);
  q.exec();
}

std::vector<RunningExecution> Store::running_executions(const std::string& service) {
  // The execution columns qualified with "e." (owners shares some names), derived once.
  static const std::string qualified = [] {
    std::string out;
    for (std::string_view columns(execution_columns); !columns.empty();) {
      const auto comma = columns.find(", ");
      out += "e." + std::string(columns.substr(0, comma)) + ", ";
      columns = comma == std::string_view::npos ? "" : columns.substr(comma + 2);
    }
    return out;
  }();
  std::string sql = "SELECT " + qualified;
  sql += "o.owner, o.host, o.pid, o.started_at, o.heartbeat_ms, o.machine"
         " FROM executions e LEFT JOIN owners o ON o.owner = e.owner WHERE e.state = 'running'";
  if (!service.empty()) sql += " AND e.service = ?";
  sql += " ORDER BY e.id";
  SQLite::Statement q(db_, sql);
  if (!service.empty()) q.bind(1, service);
  std::vector<RunningExecution> out;
  while (q.executeStep()) {
    RunningExecution running{read_execution(q), std::nullopt, std::nullopt};
    if (!q.getColumn(20).isNull()) {
      running.owner = Owner{q.getColumn(20).getString(), q.getColumn(21).getString(),
                            static_cast<long>(q.getColumn(22).getInt64()), q.getColumn(23).getString(),
                            q.getColumn(25).getString()};
      running.heartbeat_ms = q.getColumn(24).getInt64();
    }
    out.push_back(std::move(running));
  }
  return out;
}

bool Store::take_over(const RunningExecution& seen, const std::string& by) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(db_,
                      "UPDATE executions SET state = 'interrupted', finished_at = ?, taken_over_by = ?"
                      " WHERE id = ? AND state = 'running' AND COALESCE(owner, '') = ?"
                      " AND COALESCE((SELECT heartbeat_ms FROM owners WHERE owners.owner = executions.owner), -1) = ?");
  q.bind(1, now());
  q.bind(2, by);
  q.bind(3, seen.execution.id);
  q.bind(4, seen.execution.owner);
  q.bind(5, seen.heartbeat_ms.value_or(-1));
  if (q.exec() != 1) return false;
  release_service_lock(seen.execution.id);
  tx.commit();
  return true;
}

void Store::record_recheck(std::int64_t id, const std::string& verification) {
  SQLite::Statement q(db_, "UPDATE executions SET verification = ? WHERE id = ? AND state = 'interrupted'");
  q.bind(1, verification);
  q.bind(2, id);
  q.exec();
}

std::optional<Execution> Store::running_execution(const std::string& service) {
  SQLite::Statement q(db_, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE service = ? AND state = 'running'"
                               " ORDER BY id DESC LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

std::optional<Execution> Store::latest_execution(std::int64_t incident_id) {
  SQLite::Statement q(db_, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE incident_id = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, incident_id);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

std::vector<Execution> Store::executions(std::int64_t incident_id) {
  SQLite::Statement q(db_, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE incident_id = ? ORDER BY id");
  q.bind(1, incident_id);
  std::vector<Execution> out;
  while (q.executeStep()) out.push_back(read_execution(q));
  return out;
}

std::vector<bool> Store::record_envelopes(const std::vector<EnvelopeIds>& envelopes) {
  SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement insert(db_,
                           "INSERT INTO processed_envelopes (envelope_id, received_at, kind) VALUES (?, ?, ?)"
                           " ON CONFLICT DO NOTHING");
  const auto received_at = now();
  const auto remember = [&](const std::string& id, const std::string& kind) {
    insert.reset();
    insert.bind(1, id);
    insert.bind(2, received_at);
    insert.bind(3, kind);
    return insert.exec() == 1;
  };
  std::vector<bool> fresh;
  for (const auto& e : envelopes) {
    bool is_new = remember(e.envelope_id, e.kind);
    if (!e.event_id.empty()) is_new = remember("event:" + e.event_id, e.kind) && is_new;
    fresh.push_back(is_new);
  }
  transaction.commit();
  return fresh;
}

std::vector<std::string> Store::envelopes_since(time::TimePoint since) {
  SQLite::Statement q(db_, "SELECT envelope_id FROM processed_envelopes WHERE received_at >= ?");
  q.bind(1, time::format_utc(since));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

int Store::prune_envelopes(time::TimePoint before) {
  SQLite::Statement q(db_, "DELETE FROM processed_envelopes WHERE received_at < ?");
  q.bind(1, time::format_utc(before));
  return q.exec();
}

std::optional<ServiceLock> Store::service_lock(const std::string& service) {
  SQLite::Statement q(db_,
                      "SELECT service, execution_id, holder, acquired_at FROM service_locks"
                      " WHERE service = ?");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return ServiceLock{q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getString(), q.getColumn(3).getString()};
}

}  // namespace goaround::store
