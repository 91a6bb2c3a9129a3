#include "goaround/store/sql_store.hpp"

namespace goaround::store::sql {
namespace {

constexpr const char* incident_columns =
    "id, service, environment, state, opened_at, closed_at, opened_by, reason, channel, thread, "
    "commander, summary";

model::Incident read_incident(const Row& r) {
  model::Incident i;
  i.id = r.int64(0);
  i.service = r.text(1);
  i.environment = r.text(2);
  model::parse(r.text(3), i.state);  // the table's CHECK admits only states
  i.opened_at = r.text(4);
  i.closed_at = r.optional_text(5);
  i.opened_by = r.text(6);
  i.reason = r.text(7);
  i.channel = r.text(8);
  i.thread = r.text(9);
  i.commander = r.text(10);
  i.summary = r.text(11);
  return i;
}

std::optional<model::Incident> first_incident(const Result& result) {
  if (!result.first()) return std::nullopt;
  return read_incident(*result.first());
}

constexpr const char* schedule_columns =
    "s.incident_id, s.interval_seconds, s.next_due_at, s.last_posted_at, s.last_human_at, "
    "s.reminded_at, s.detection_value, s.last_value";

model::Schedule read_schedule(const Row& r) {
  return model::Schedule{r.int64(0),           std::chrono::seconds(r.int64(1)), r.text(2),
                         r.optional_text(3),   r.optional_text(4),               r.optional_text(5),
                         r.optional_real(6),   r.optional_real(7)};
}

constexpr const char* insert_schedule =
    "INSERT INTO status_schedules (incident_id, interval_seconds, next_due_at, last_posted_at, last_human_at,"
    " reminded_at, detection_value, last_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

// The schedule's columns after incident_id, as parameters in schedule_columns' order.
std::vector<Value> schedule_values(const model::Schedule& s) {
  return {static_cast<std::int64_t>(s.interval.count()), s.next_due_at,
          optional_value(s.last_posted_at),              optional_value(s.last_human_at),
          optional_value(s.reminded_at),                 optional_value(s.detection_value),
          optional_value(s.last_value)};
}

}  // namespace

Incidents::Opened Incidents::open_or_join(const std::string& service, const std::string& environment,
                                          const std::string& opened_by, const std::string& reason,
                                          const std::string& channel) {
  // The partial unique index admits one open incident per service: whoever inserts first
  // opens it, everyone else (another replica too) joins it. Reading first spends no id on a
  // join (PostgreSQL's sequences advance on a refused insert; incident numbers are read aloud).
  for (;;) {
    if (auto open_one = first_incident(c_.db.run(
            std::string("SELECT ") + incident_columns + " FROM incidents WHERE service = ? AND state = 'open'",
            {service})))
      return {*open_one, false};
    if (auto inserted = first_incident(c_.db.run(
            std::string("INSERT INTO incidents (service, environment, state, opened_at, opened_by, reason, channel)"
                        " VALUES (?, ?, 'open', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ") +
                incident_columns,
            {service, environment, c_.now(), opened_by, reason, channel})))
      return {*inserted, true};
  }
}

void Incidents::set_thread(std::int64_t incident_id, const std::string& thread) {
  c_.db.run("UPDATE incidents SET thread = ? WHERE id = ?", {thread, incident_id});
}

void Incidents::set_commander(std::int64_t incident_id, const std::string& person_id) {
  c_.db.run("UPDATE incidents SET commander = ? WHERE id = ?", {person_id, incident_id});
}

bool Incidents::close(std::int64_t incident_id, const std::string& summary) {
  WriteTransaction tx(c_.db);
  const auto closed = c_.db.run(
      "UPDATE incidents SET state = 'resolved', closed_at = ?, summary = ? WHERE id = ? AND state = 'open'",
      {c_.now(), summary, incident_id});
  if (closed.changed != 1) return false;
  c_.db.run("DELETE FROM status_schedules WHERE incident_id = ?", {incident_id});
  tx.commit();
  return true;
}

std::optional<model::Incident> Incidents::find(std::int64_t id) {
  return first_incident(c_.db.run(std::string("SELECT ") + incident_columns + " FROM incidents WHERE id = ?", {id}));
}

std::optional<model::Incident> Incidents::latest() {
  return first_incident(
      c_.db.run(std::string("SELECT ") + incident_columns + " FROM incidents ORDER BY id DESC LIMIT 1"));
}

std::vector<model::Incident> Incidents::recent(int limit) {
  return read_all(c_.db.run(std::string("SELECT ") + incident_columns + " FROM incidents ORDER BY id DESC LIMIT ?",
                            {std::int64_t{limit}}),
                  read_incident);
}

std::vector<model::Incident> Incidents::open() {
  return read_all(
      c_.db.run(std::string("SELECT ") + incident_columns + " FROM incidents WHERE state = 'open' ORDER BY id"),
      read_incident);
}

std::int64_t Incidents::add_action(std::int64_t incident_id, const std::string& text, const std::string& owner,
                                   const std::string& created_by) {
  return c_.db
      .run("INSERT INTO actions (incident_id, text, owner, created_by, created_at) VALUES (?, ?, ?, ?, ?)"
           " RETURNING id",
           {incident_id, text, owner, created_by, c_.now()})
      .first()
      ->int64(0);
}

std::vector<model::Action> Incidents::actions(std::int64_t incident_id) {
  return read_all(c_.db.run("SELECT id, incident_id, text, owner, created_by, created_at FROM actions"
                            " WHERE incident_id = ? ORDER BY id",
                            {incident_id}),
                  [](const Row& r) {
                    return model::Action{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5)};
                  });
}

std::optional<model::Schedule> Schedules::find(std::int64_t incident_id) {
  const auto result =
      c_.db.run(std::string("SELECT ") + schedule_columns + " FROM status_schedules s WHERE s.incident_id = ?",
                {incident_id});
  if (!result.first()) return std::nullopt;
  return read_schedule(*result.first());
}

std::vector<model::Schedule> Schedules::of_open_incidents() {
  return read_all(c_.db.run(std::string("SELECT ") + schedule_columns +
                            " FROM status_schedules s JOIN incidents i ON i.id = s.incident_id"
                            " WHERE i.state = 'open' ORDER BY s.next_due_at"),
                  read_schedule);
}

void Schedules::save(const model::Schedule& s) {
  auto parameters = schedule_values(s);
  parameters.insert(parameters.begin(), s.incident_id);
  c_.db.run(std::string(insert_schedule) +
            " ON CONFLICT (incident_id) DO UPDATE SET"
            " interval_seconds = excluded.interval_seconds,"
            " next_due_at = excluded.next_due_at, last_posted_at = excluded.last_posted_at,"
            " last_human_at = excluded.last_human_at, reminded_at = excluded.reminded_at,"
            " detection_value = excluded.detection_value, last_value = excluded.last_value",
            parameters);
}

model::Schedule Schedules::start(const model::Schedule& s) {
  auto parameters = schedule_values(s);
  parameters.insert(parameters.begin(), s.incident_id);
  // Never over a running cadence: a reminder another tick (or replica) claimed stays claimed.
  c_.db.run(std::string(insert_schedule) + " ON CONFLICT (incident_id) DO NOTHING", parameters);
  return find(s.incident_id).value_or(s);
}

bool Schedules::claim(const model::Schedule& seen, const model::Schedule& next, const Fence& fence) {
  auto parameters = schedule_values(next);
  for (Value v : std::initializer_list<Value>{seen.incident_id, seen.next_due_at, seen.reminded_at.value_or(""),
                                              fence.lease, fence.holder, fence.token})
    parameters.push_back(std::move(v));
  const auto moved = c_.db.run(
      std::string("UPDATE status_schedules SET interval_seconds = ?, next_due_at = ?, last_posted_at = ?,"
                  " last_human_at = ?, reminded_at = ?, detection_value = ?, last_value = ?"
                  " WHERE incident_id = ? AND next_due_at = ? AND COALESCE(reminded_at, '') = ?"
                  " AND EXISTS (SELECT 1 FROM leases WHERE name = ? AND holder = ? AND token = ? AND expires_ms > ") +
          std::string(now_ms(c_.db.dialect())) + ")",
      parameters);
  return moved.changed == 1;
}

}  // namespace goaround::store::sql
