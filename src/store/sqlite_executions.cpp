#include "goaround/store/sqlite_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace goaround::store::sqlite {
namespace {

constexpr const char* execution_columns =
    "id, incident_id, service, adapter, argv, from_revision, to_revision, requested_by, reason, "
    "state, created_at, confirmed_by, started_at, finished_at, exit_code, output_tail, "
    "verification, plan, owner, taken_over_by";

model::Execution read_execution(SQLite::Statement& q) {
  model::Execution e;
  e.id = q.getColumn(0).getInt64();
  e.incident_id = q.getColumn(1).getInt64();
  e.service = q.getColumn(2).getString();
  e.adapter = q.getColumn(3).getString();
  e.argv_json = q.getColumn(4).getString();
  e.from_revision = q.getColumn(5).getString();
  e.to_revision = q.getColumn(6).getString();
  e.requested_by = q.getColumn(7).getString();
  e.reason = q.getColumn(8).getString();
  model::parse(q.getColumn(9).getString(), e.state);  // the table's CHECK admits only states
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

std::int64_t SqliteExecutions::create(const model::NewExecution& p) {
  SQLite::Statement q(c_.db,
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
  q.bind(9, c_.now());
  q.bind(10, p.plan_json);
  q.exec();
  return c_.db.getLastInsertRowid();
}

std::optional<model::Execution> SqliteExecutions::find(std::int64_t id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

bool SqliteExecutions::cancel(std::int64_t id) {
  SQLite::Statement q(c_.db,
                      "UPDATE executions SET state = 'cancelled', finished_at = ?"
                      " WHERE id = ? AND state = 'planned'");
  q.bind(1, c_.now());
  q.bind(2, id);
  return q.exec() == 1;
}

bool SqliteExecutions::start(std::int64_t id, const std::string& confirmed_by, const std::string& owner) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  const auto planned = find(id);
  if (!planned || planned->state != model::ExecutionState::planned) return false;
  SQLite::Statement lock(c_.db,
                         "INSERT INTO service_locks (service, execution_id, holder, acquired_at)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT (service) DO NOTHING");
  lock.bind(1, planned->service);
  lock.bind(2, id);
  lock.bind(3, confirmed_by);
  lock.bind(4, c_.now());
  if (lock.exec() != 1) return false;
  SQLite::Statement run(c_.db,
                        "UPDATE executions SET state = 'running', confirmed_by = ?, started_at = ?,"
                        " owner = ? WHERE id = ? AND state = 'planned'");
  run.bind(1, confirmed_by);
  run.bind(2, c_.now());
  run.bind(3, owner);
  run.bind(4, id);
  if (run.exec() != 1) return false;
  tx.commit();
  return true;
}

bool SqliteExecutions::finish(std::int64_t id, const model::ExecutionFinish& f, const std::string& owner) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(c_.db,
                      "UPDATE executions SET state = ?, finished_at = ?, exit_code = ?,"
                      " output_tail = ?, verification = ?"
                      " WHERE id = ? AND state = 'running' AND owner = ?");
  q.bind(1, std::string(model::to_string(f.state)));
  q.bind(2, c_.now());
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

void SqliteExecutions::release_service_lock(std::int64_t execution_id) {
  SQLite::Statement unlock(c_.db, "DELETE FROM service_locks WHERE execution_id = ?");
  unlock.bind(1, execution_id);
  unlock.exec();
}

bool SqliteExecutions::owns(std::int64_t id, const std::string& owner) {
  SQLite::Statement q(c_.db, "SELECT 1 FROM executions WHERE id = ? AND state = 'running' AND owner = ?");
  q.bind(1, id);
  q.bind(2, owner);
  return q.executeStep();
}

void SqliteExecutions::renew_owner(const model::Owner& owner) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO owners (owner, host, pid, started_at, heartbeat_ms, machine)"
                      " VALUES (?, ?, ?, ?, ?, ?)"
                      " ON CONFLICT (owner) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms");
  q.bind(1, owner.id);
  q.bind(2, owner.host);
  q.bind(3, static_cast<std::int64_t>(owner.pid));
  q.bind(4, owner.started_at);
  q.bind(5, time::unix_ms());
  q.bind(6, owner.machine);
  q.exec();
}

std::vector<model::RunningExecution> SqliteExecutions::running_with_owners(const std::string& service) {
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
  SQLite::Statement q(c_.db, sql);
  if (!service.empty()) q.bind(1, service);
  std::vector<model::RunningExecution> out;
  while (q.executeStep()) {
    model::RunningExecution running{read_execution(q), std::nullopt, std::nullopt};
    if (!q.getColumn(20).isNull()) {
      running.owner = model::Owner{q.getColumn(20).getString(), q.getColumn(21).getString(),
                            static_cast<long>(q.getColumn(22).getInt64()), q.getColumn(23).getString(),
                            q.getColumn(25).getString()};
      running.heartbeat_ms = q.getColumn(24).getInt64();
    }
    out.push_back(std::move(running));
  }
  return out;
}

bool SqliteExecutions::take_over(const model::RunningExecution& seen, const std::string& by) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(c_.db,
                      "UPDATE executions SET state = 'interrupted', finished_at = ?, taken_over_by = ?"
                      " WHERE id = ? AND state = 'running' AND COALESCE(owner, '') = ?"
                      " AND COALESCE((SELECT heartbeat_ms FROM owners WHERE owners.owner = executions.owner), -1) = ?");
  q.bind(1, c_.now());
  q.bind(2, by);
  q.bind(3, seen.execution.id);
  q.bind(4, seen.execution.owner);
  q.bind(5, seen.heartbeat_ms.value_or(-1));
  if (q.exec() != 1) return false;
  release_service_lock(seen.execution.id);
  tx.commit();
  return true;
}

void SqliteExecutions::record_recheck(std::int64_t id, const std::string& verification) {
  SQLite::Statement q(c_.db, "UPDATE executions SET verification = ? WHERE id = ? AND state = 'interrupted'");
  q.bind(1, verification);
  q.bind(2, id);
  q.exec();
}

std::optional<model::Execution> SqliteExecutions::running(const std::string& service) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE service = ? AND state = 'running'"
                               " ORDER BY id DESC LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

std::optional<model::Execution> SqliteExecutions::latest(std::int64_t incident_id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE incident_id = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, incident_id);
  if (!q.executeStep()) return std::nullopt;
  return read_execution(q);
}

std::vector<model::Execution> SqliteExecutions::of_incident(std::int64_t incident_id) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE incident_id = ? ORDER BY id");
  q.bind(1, incident_id);
  std::vector<model::Execution> out;
  while (q.executeStep()) out.push_back(read_execution(q));
  return out;
}

std::vector<model::Execution> SqliteExecutions::ran_for(const std::string& service, int limit) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + execution_columns +
                               " FROM executions WHERE service = ? AND state NOT IN ('planned', 'cancelled')"
                               " ORDER BY id DESC LIMIT ?");
  q.bind(1, service);
  q.bind(2, limit);
  std::vector<model::Execution> out;
  while (q.executeStep()) out.push_back(read_execution(q));
  return out;
}

std::optional<model::ServiceLock> SqliteExecutions::service_lock(const std::string& service) {
  SQLite::Statement q(c_.db,
                      "SELECT service, execution_id, holder, acquired_at FROM service_locks"
                      " WHERE service = ?");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return model::ServiceLock{q.getColumn(0).getString(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getString(), q.getColumn(3).getString()};
}

std::optional<std::string> SqliteExecutions::last_end(const std::string& service) {
  SQLite::Statement q(c_.db, "SELECT MAX(finished_at) FROM executions WHERE service = ?");
  q.bind(1, service);
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return q.getColumn(0).getString();
}

}  // namespace goaround::store::sqlite
