#include "goaround/store/sql_store.hpp"

namespace goaround::store::sql {
namespace {

constexpr const char* execution_columns =
    "id, incident_id, service, adapter, argv, from_revision, to_revision, requested_by, reason, "
    "state, created_at, confirmed_by, started_at, finished_at, exit_code, output_tail, "
    "verification, plan, owner, taken_over_by";
constexpr int execution_column_count = 20;

model::Execution read_execution(const Row& r) {
  model::Execution e;
  e.id = r.int64(0);
  e.incident_id = r.int64(1);
  e.service = r.text(2);
  e.adapter = r.text(3);
  e.argv_json = r.text(4);
  e.from_revision = r.text(5);
  e.to_revision = r.text(6);
  e.requested_by = r.text(7);
  e.reason = r.text(8);
  model::parse(r.text(9), e.state);  // the table's CHECK admits only states
  e.created_at = r.text(10);
  e.confirmed_by = r.optional_text(11);
  e.started_at = r.optional_text(12);
  e.finished_at = r.optional_text(13);
  if (const auto code = r.optional_int64(14)) e.exit_code = static_cast<int>(*code);
  e.output_tail = r.text(15);
  e.verification = r.text(16);
  e.plan_json = r.text(17);
  e.owner = r.text(18);  // NULL reads as ""
  e.taken_over_by = r.text(19);
  return e;
}

std::optional<model::Execution> first_execution(const Result& result) {
  if (!result.first()) return std::nullopt;
  return read_execution(*result.first());
}

std::string select_executions(std::string_view where) {
  return std::string("SELECT ") + execution_columns + " FROM executions " + std::string(where);
}

}  // namespace

std::int64_t Executions::create(const model::NewExecution& p) {
  return c_.db
      .run("INSERT INTO executions (incident_id, service, adapter, argv, from_revision,"
           " to_revision, requested_by, reason, state, created_at, plan)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?) RETURNING id",
           {p.incident_id, p.service, p.adapter, p.argv_json, p.from_revision, p.to_revision, p.requested_by,
            p.reason, c_.now(), p.plan_json})
      .first()
      ->int64(0);
}

std::optional<model::Execution> Executions::find(std::int64_t id) {
  return first_execution(c_.db.run(select_executions("WHERE id = ?"), {id}));
}

bool Executions::cancel(std::int64_t id) {
  return c_.db
             .run("UPDATE executions SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'planned'",
                  {c_.now(), id})
             .changed == 1;
}

bool Executions::start(std::int64_t id, const std::string& confirmed_by, const std::string& owner) {
  WriteTransaction tx(c_.db);
  const auto planned = find(id);
  if (!planned || planned->state != model::ExecutionState::planned) return false;
  const auto locked = c_.db.run(
      "INSERT INTO service_locks (service, execution_id, holder, acquired_at) VALUES (?, ?, ?, ?)"
      " ON CONFLICT (service) DO NOTHING",
      {planned->service, id, confirmed_by, c_.now()});
  if (locked.changed != 1) return false;
  const auto running = c_.db.run(
      "UPDATE executions SET state = 'running', confirmed_by = ?, started_at = ?, owner = ?"
      " WHERE id = ? AND state = 'planned'",
      {confirmed_by, c_.now(), owner, id});
  if (running.changed != 1) return false;
  tx.commit();
  return true;
}

bool Executions::finish(std::int64_t id, const model::ExecutionFinish& f, const std::string& owner) {
  WriteTransaction tx(c_.db);
  const auto finished = c_.db.run(
      "UPDATE executions SET state = ?, finished_at = ?, exit_code = ?, output_tail = ?, verification = ?"
      " WHERE id = ? AND state = 'running' AND owner = ?",
      {std::string(model::to_string(f.state)), c_.now(), optional_value(f.exit_code), f.output_tail, f.verification,
       id, owner});
  if (finished.changed != 1) return false;
  release_service_lock(id);
  tx.commit();
  return true;
}

void Executions::release_service_lock(std::int64_t execution_id) {
  c_.db.run("DELETE FROM service_locks WHERE execution_id = ?", {execution_id});
}

bool Executions::owns(std::int64_t id, const std::string& owner) {
  return c_.db.run("SELECT 1 FROM executions WHERE id = ? AND state = 'running' AND owner = ?", {id, owner}).first();
}

void Executions::renew_owner(const model::Owner& owner) {
  c_.db.run("INSERT INTO owners (owner, host, pid, started_at, heartbeat_ms, machine) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (owner) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
            {owner.id, owner.host, static_cast<std::int64_t>(owner.pid), owner.started_at, time::unix_ms(),
             owner.machine});
}

std::vector<model::RunningExecution> Executions::running_with_owners(const std::string& service) {
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
  std::string statement = "SELECT " + qualified;
  statement +=
      "o.owner, o.host, o.pid, o.started_at, o.heartbeat_ms, o.machine"
      " FROM executions e LEFT JOIN owners o ON o.owner = e.owner WHERE e.state = 'running'";
  std::vector<Value> parameters;
  if (!service.empty()) {
    statement += " AND e.service = ?";
    parameters.emplace_back(service);
  }
  return read_all(c_.db.run(statement + " ORDER BY e.id", parameters), [](const Row& r) {
    model::RunningExecution running{read_execution(r), std::nullopt, std::nullopt};
    constexpr int o = execution_column_count;
    if (!r.null(o)) {
      running.owner = model::Owner{r.text(o), r.text(o + 1), static_cast<long>(r.int64(o + 2)), r.text(o + 3),
                                   r.text(o + 5)};
      running.heartbeat_ms = r.int64(o + 4);
    }
    return running;
  });
}

bool Executions::take_over(const model::RunningExecution& seen, const std::string& by) {
  WriteTransaction tx(c_.db);
  const auto taken = c_.db.run(
      "UPDATE executions SET state = 'interrupted', finished_at = ?, taken_over_by = ?"
      " WHERE id = ? AND state = 'running' AND COALESCE(owner, '') = ?"
      " AND COALESCE((SELECT heartbeat_ms FROM owners WHERE owners.owner = executions.owner), -1) = ?",
      {c_.now(), by, seen.execution.id, seen.execution.owner, seen.heartbeat_ms.value_or(-1)});
  if (taken.changed != 1) return false;
  release_service_lock(seen.execution.id);
  tx.commit();
  return true;
}

void Executions::record_recheck(std::int64_t id, const std::string& verification) {
  c_.db.run("UPDATE executions SET verification = ? WHERE id = ? AND state = 'interrupted'", {verification, id});
}

std::optional<model::Execution> Executions::running(const std::string& service) {
  return first_execution(
      c_.db.run(select_executions("WHERE service = ? AND state = 'running' ORDER BY id DESC LIMIT 1"), {service}));
}

std::optional<model::Execution> Executions::latest(std::int64_t incident_id) {
  return first_execution(c_.db.run(select_executions("WHERE incident_id = ? ORDER BY id DESC LIMIT 1"), {incident_id}));
}

std::vector<model::Execution> Executions::of_incident(std::int64_t incident_id) {
  return read_all(c_.db.run(select_executions("WHERE incident_id = ? ORDER BY id"), {incident_id}), read_execution);
}

std::vector<model::Execution> Executions::ran_for(const std::string& service, int limit) {
  return read_all(c_.db.run(select_executions("WHERE service = ? AND state NOT IN ('planned', 'cancelled')"
                                              " ORDER BY id DESC LIMIT ?"),
                            {service, std::int64_t{limit}}),
                  read_execution);
}

std::optional<model::ServiceLock> Executions::service_lock(const std::string& service) {
  const auto result =
      c_.db.run("SELECT service, execution_id, holder, acquired_at FROM service_locks WHERE service = ?", {service});
  if (!result.first()) return std::nullopt;
  const auto& r = *result.first();
  return model::ServiceLock{r.text(0), r.int64(1), r.text(2), r.text(3)};
}

std::optional<std::string> Executions::last_end(const std::string& service) {
  return c_.db.run("SELECT MAX(finished_at) FROM executions WHERE service = ?", {service}).first()->optional_text(0);
}

}  // namespace goaround::store::sql
