// Deploy-side records: registered deployments, briefs and change freezes.
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "goaround/store/store.hpp"

namespace goaround::store {

namespace {

constexpr const char* freeze_columns = "id, scope, reason, frozen_by, frozen_at, incident_id";

Freeze read_freeze(SQLite::Statement& q) {
  Freeze f{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
           q.getColumn(3).getString(), q.getColumn(4).getString(), std::nullopt};
  if (!q.getColumn(5).isNull()) f.incident_id = q.getColumn(5).getInt64();
  return f;
}

}  // namespace

bool Store::writable(std::string& why) {
  // A probe answers at once: a lock held elsewhere is "not ready" now, not after 5 s of waiting
  // on the loop that also serves everything else.
  db_.setBusyTimeout(500);
  bool ok = true;
  try {
    db_.exec("BEGIN IMMEDIATE");
    db_.exec("ROLLBACK");
  } catch (const std::exception& e) {
    why = e.what();
    ok = false;
  }
  db_.setBusyTimeout(static_cast<int>(busy_timeout.count()));
  return ok;
}

bool Store::has_event(std::int64_t incident_id, model::EventKind kind) {
  SQLite::Statement q(db_, "SELECT EXISTS (SELECT 1 FROM timeline_events WHERE incident_id = ? AND kind = ?)");
  q.bind(1, incident_id);
  q.bind(2, std::string(model::to_string(kind)));
  q.executeStep();
  return q.getColumn(0).getInt() == 1;
}

std::optional<std::string> Store::last_go_around_end(const std::string& service) {
  SQLite::Statement q(db_, "SELECT MAX(finished_at) FROM executions WHERE service = ?");
  q.bind(1, service);
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::int64_t Store::add_deployment(const Deployment& d) {
  SQLite::Statement q(db_,
                      "INSERT INTO deployments (service, environment, revision, registered_at,"
                      " registered_by, migration_kind, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, d.service);
  q.bind(2, d.environment);
  q.bind(3, d.revision);
  q.bind(4, d.registered_at.empty() ? now() : d.registered_at);
  q.bind(5, d.registered_by);
  q.bind(6, d.migration_kind);
  q.bind(7, d.data_json);
  q.exec();
  return db_.getLastInsertRowid();
}

std::optional<Deployment> Store::latest_deployment(const std::string& service) {
  SQLite::Statement q(db_,
                      "SELECT id, service, environment, revision, registered_at, registered_by,"
                      " migration_kind, data FROM deployments WHERE service = ?"
                      " ORDER BY registered_at DESC, id DESC LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return Deployment{q.getColumn(0).getInt64(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
                    q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                    q.getColumn(6).getString(), q.getColumn(7).getString()};
}

std::int64_t Store::add_brief(const Brief& b) {
  SQLite::Statement q(db_,
                      "INSERT INTO briefs (service, created_at, author, text, data) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, b.service);
  q.bind(2, now());
  q.bind(3, b.author);
  q.bind(4, b.text);
  q.bind(5, b.data_json);
  q.exec();
  return db_.getLastInsertRowid();
}

std::optional<Brief> Store::latest_brief(const std::string& service) {
  SQLite::Statement q(db_,
                      "SELECT id, service, created_at, author, text, data FROM briefs"
                      " WHERE service = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return Brief{q.getColumn(0).getInt64(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
               q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()};
}

bool Store::freeze(const Freeze& f) {
  // The partial unique index refuses a second active freeze on a scope.
  SQLite::Statement q(db_,
                      "INSERT OR IGNORE INTO freezes (scope, reason, frozen_by, frozen_at, incident_id)"
                      " VALUES (?, ?, ?, ?, ?)");
  q.bind(1, f.scope);
  q.bind(2, f.reason);
  q.bind(3, f.frozen_by);
  q.bind(4, now());
  if (f.incident_id) q.bind(5, *f.incident_id);
  else q.bind(5);
  return q.exec() == 1;
}

std::optional<Freeze> Store::active_freeze(const std::string& service) {
  // A service's own freeze says more than the blanket one, so it comes first.
  SQLite::Statement q(db_, std::string("SELECT ") + freeze_columns +
                               " FROM freezes WHERE lifted_at IS NULL AND scope IN (?, '*')"
                               " ORDER BY scope = '*', id LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return read_freeze(q);
}

std::vector<Freeze> Store::active_freezes() {
  SQLite::Statement q(db_, std::string("SELECT ") + freeze_columns +
                               " FROM freezes WHERE lifted_at IS NULL ORDER BY id");
  std::vector<Freeze> out;
  while (q.executeStep()) out.push_back(read_freeze(q));
  return out;
}

bool Store::unfreeze(const std::string& scope, const std::string& by) {
  SQLite::Statement q(db_, "UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE scope = ? AND lifted_at IS NULL");
  q.bind(1, now());
  q.bind(2, by);
  q.bind(3, scope);
  return q.exec() > 0;
}

std::vector<std::string> Store::unfreeze_incident(std::int64_t incident_id, const std::string& by) {
  SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement find(db_, "SELECT scope FROM freezes WHERE incident_id = ? AND lifted_at IS NULL");
  find.bind(1, incident_id);
  std::vector<std::string> scopes;
  while (find.executeStep()) scopes.push_back(find.getColumn(0).getString());
  SQLite::Statement lift(db_, "UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE incident_id = ? AND lifted_at IS NULL");
  lift.bind(1, now());
  lift.bind(2, by);
  lift.bind(3, incident_id);
  lift.exec();
  tx.commit();
  return scopes;
}

}  // namespace goaround::store
