#include "goaround/store/sqlite_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace goaround::store::sqlite {
namespace {

constexpr const char* incident_columns =
    "id, service, environment, state, opened_at, closed_at, opened_by, reason, channel, thread, "
    "commander, summary";

model::Incident read_incident(SQLite::Statement& q) {
  model::Incident i;
  i.id = q.getColumn(0).getInt64();
  i.service = q.getColumn(1).getString();
  i.environment = q.getColumn(2).getString();
  model::parse(q.getColumn(3).getString(), i.state);  // the table's CHECK admits only states
  i.opened_at = q.getColumn(4).getString();
  i.closed_at = optional_text(q.getColumn(5));
  i.opened_by = q.getColumn(6).getString();
  i.reason = q.getColumn(7).getString();
  i.channel = q.getColumn(8).getString();
  i.thread = q.getColumn(9).getString();
  i.commander = q.getColumn(10).getString();
  i.summary = q.getColumn(11).getString();
  return i;
}

std::optional<double> optional_real(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

constexpr const char* schedule_columns =
    "s.incident_id, s.interval_seconds, s.next_due_at, s.last_posted_at, s.last_human_at, "
    "s.reminded_at, s.detection_value, s.last_value";

model::Schedule read_schedule(SQLite::Statement& q) {
  return model::Schedule{q.getColumn(0).getInt64(),
                         std::chrono::seconds(q.getColumn(1).getInt64()),
                         q.getColumn(2).getString(),
                         optional_text(q.getColumn(3)),
                         optional_text(q.getColumn(4)),
                         optional_text(q.getColumn(5)),
                         optional_real(q.getColumn(6)),
                         optional_real(q.getColumn(7))};
}

}  // namespace

Incidents::Opened SqliteIncidents::open_or_join(const std::string& service,
                                           const std::string& environment,
                                           const std::string& opened_by,
                                           const std::string& reason,
                                           const std::string& channel) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement open_one(c_.db, std::string("SELECT ") + incident_columns +
                                  " FROM incidents WHERE service = ? AND state = 'open'");
  open_one.bind(1, service);
  if (open_one.executeStep()) return {read_incident(open_one), false};
  SQLite::Statement insert(
      c_.db,
      "INSERT INTO incidents (service, environment, state, opened_at, opened_by, reason, channel)"
      " VALUES (?, ?, 'open', ?, ?, ?, ?)");
  insert.bind(1, service);
  insert.bind(2, environment);
  insert.bind(3, c_.now());
  insert.bind(4, opened_by);
  insert.bind(5, reason);
  insert.bind(6, channel);
  insert.exec();
  const auto id = c_.db.getLastInsertRowid();
  tx.commit();
  return {*find(id), true};
}

void SqliteIncidents::set_thread(std::int64_t incident_id, const std::string& thread) {
  SQLite::Statement q(c_.db, "UPDATE incidents SET thread = ? WHERE id = ?");
  q.bind(1, thread);
  q.bind(2, incident_id);
  q.exec();
}

void SqliteIncidents::set_commander(std::int64_t incident_id, const std::string& person_id) {
  SQLite::Statement q(c_.db, "UPDATE incidents SET commander = ? WHERE id = ?");
  q.bind(1, person_id);
  q.bind(2, incident_id);
  q.exec();
}

bool SqliteIncidents::close(std::int64_t incident_id, const std::string& summary) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement close(c_.db,
                          "UPDATE incidents SET state = 'resolved', closed_at = ?, summary = ?"
                          " WHERE id = ? AND state = 'open'");
  close.bind(1, c_.now());
  close.bind(2, summary);
  close.bind(3, incident_id);
  if (close.exec() != 1) return false;
  SQLite::Statement stop(c_.db, "DELETE FROM status_schedules WHERE incident_id = ?");
  stop.bind(1, incident_id);
  stop.exec();
  tx.commit();
  return true;
}

std::optional<model::Incident> SqliteIncidents::find(std::int64_t id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + incident_columns + " FROM incidents WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_incident(q);
}

std::optional<model::Incident> SqliteIncidents::latest() {
  SQLite::Statement q(c_.db, std::string("SELECT ") + incident_columns +
                               " FROM incidents ORDER BY id DESC LIMIT 1");
  if (!q.executeStep()) return std::nullopt;
  return read_incident(q);
}

std::vector<model::Incident> SqliteIncidents::recent(int limit) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + incident_columns + " FROM incidents ORDER BY id DESC LIMIT ?");
  q.bind(1, limit);
  std::vector<model::Incident> out;
  while (q.executeStep()) out.push_back(read_incident(q));
  return out;
}

std::vector<model::Incident> SqliteIncidents::open() {
  SQLite::Statement q(c_.db, std::string("SELECT ") + incident_columns +
                               " FROM incidents WHERE state = 'open' ORDER BY id");
  std::vector<model::Incident> out;
  while (q.executeStep()) out.push_back(read_incident(q));
  return out;
}

std::int64_t SqliteIncidents::add_action(std::int64_t incident_id, const std::string& text,
                               const std::string& owner, const std::string& created_by) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO actions (incident_id, text, owner, created_by, created_at)"
                      " VALUES (?, ?, ?, ?, ?)");
  q.bind(1, incident_id);
  q.bind(2, text);
  q.bind(3, owner);
  q.bind(4, created_by);
  q.bind(5, c_.now());
  q.exec();
  return c_.db.getLastInsertRowid();
}

std::vector<model::Action> SqliteIncidents::actions(std::int64_t incident_id) {
  SQLite::Statement q(c_.db,
                      "SELECT id, incident_id, text, owner, created_by, created_at FROM actions"
                      " WHERE incident_id = ? ORDER BY id");
  q.bind(1, incident_id);
  std::vector<model::Action> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                   q.getColumn(3).getString(), q.getColumn(4).getString(),
                   q.getColumn(5).getString()});
  return out;
}

std::optional<model::Schedule> SqliteSchedules::find(std::int64_t incident_id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + schedule_columns +
                               " FROM status_schedules s WHERE s.incident_id = ?");
  q.bind(1, incident_id);
  if (!q.executeStep()) return std::nullopt;
  return read_schedule(q);
}

std::vector<model::Schedule> SqliteSchedules::of_open_incidents() {
  SQLite::Statement q(c_.db, std::string("SELECT ") + schedule_columns +
                               " FROM status_schedules s JOIN incidents i ON i.id = s.incident_id"
                               " WHERE i.state = 'open' ORDER BY s.next_due_at");
  std::vector<model::Schedule> out;
  while (q.executeStep()) out.push_back(read_schedule(q));
  return out;
}

void SqliteSchedules::save(const model::Schedule& s) {
  SQLite::Statement q(c_.db,
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

}  // namespace goaround::store::sqlite
