#include "goaround/store/sqlite_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

namespace goaround::store::sqlite {
namespace {

constexpr const char* deployment_columns =
    "id, service, environment, revision, registered_at, registered_by, migration_kind, data";

model::Deployment read_deployment(SQLite::Statement& q) {
  return model::Deployment{q.getColumn(0).getInt64(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                           q.getColumn(6).getString(), q.getColumn(7).getString()};
}

constexpr const char* freeze_columns = "id, scope, reason, frozen_by, frozen_at, incident_id";

constexpr const char* rejection_columns =
    "id, service, revision, image, reason, rejected_by, rejected_at, incident_id, execution_id";

model::Rejection read_rejection(SQLite::Statement& q) {
  model::Rejection r{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                     q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
                     q.getColumn(6).getString(), std::nullopt, std::nullopt};
  if (!q.getColumn(7).isNull()) r.incident_id = q.getColumn(7).getInt64();
  if (!q.getColumn(8).isNull()) r.execution_id = q.getColumn(8).getInt64();
  return r;
}

model::Freeze read_freeze(SQLite::Statement& q) {
  model::Freeze f{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                  q.getColumn(3).getString(), q.getColumn(4).getString(), std::nullopt};
  if (!q.getColumn(5).isNull()) f.incident_id = q.getColumn(5).getInt64();
  return f;
}

}  // namespace

std::int64_t SqliteDeploys::add_deployment(const model::Deployment& d) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO deployments (service, environment, revision, registered_at,"
                      " registered_by, migration_kind, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, d.service);
  q.bind(2, d.environment);
  q.bind(3, d.revision);
  q.bind(4, d.registered_at.empty() ? c_.now() : d.registered_at);
  q.bind(5, d.registered_by);
  q.bind(6, d.migration_kind);
  q.bind(7, d.data_json);
  q.exec();
  return c_.db.getLastInsertRowid();
}

std::optional<model::Deployment> SqliteDeploys::latest_deployment(const std::string& service) {
  return latest_of(service, std::nullopt);
}

std::optional<model::Deployment> SqliteDeploys::deployment_before(const std::string& service, const std::string& at) {
  return latest_of(service, at);
}

std::optional<model::Deployment> SqliteDeploys::latest_of(const std::string& service,
                                                          const std::optional<std::string>& at) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + deployment_columns + " FROM deployments WHERE service = ?" +
                                 (at ? " AND registered_at <= ?" : "") + " ORDER BY registered_at DESC, id DESC LIMIT 1");
  q.bind(1, service);
  if (at) q.bind(2, *at);
  if (!q.executeStep()) return std::nullopt;
  return read_deployment(q);
}

std::int64_t SqliteDeploys::add_brief(const model::Brief& b) {
  SQLite::Statement q(c_.db,
                      "INSERT INTO briefs (service, created_at, author, text, data) VALUES (?, ?, ?, ?, ?)");
  q.bind(1, b.service);
  q.bind(2, c_.now());
  q.bind(3, b.author);
  q.bind(4, b.text);
  q.bind(5, b.data_json);
  q.exec();
  return c_.db.getLastInsertRowid();
}

std::optional<model::Brief> SqliteDeploys::latest_brief(const std::string& service) {
  SQLite::Statement q(c_.db,
                      "SELECT id, service, created_at, author, text, data FROM briefs"
                      " WHERE service = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, service);
  if (!q.executeStep()) return std::nullopt;
  return model::Brief{q.getColumn(0).getInt64(),  q.getColumn(1).getString(), q.getColumn(2).getString(),
               q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString()};
}

bool SqliteDeploys::freeze(const model::Freeze& f) {
  // The partial unique index refuses a second active freeze on a scope.
  SQLite::Statement q(c_.db,
                      "INSERT OR IGNORE INTO freezes (scope, reason, frozen_by, frozen_at, incident_id)"
                      " VALUES (?, ?, ?, ?, ?)");
  q.bind(1, f.scope);
  q.bind(2, f.reason);
  q.bind(3, f.frozen_by);
  q.bind(4, c_.now());
  if (f.incident_id) q.bind(5, *f.incident_id);
  else q.bind(5);
  return q.exec() == 1;
}

std::vector<model::Freeze> SqliteDeploys::freezes_holding(const std::string& service) {
  // A service's own freeze says more than the blanket one, so it comes first.
  SQLite::Statement q(c_.db, std::string("SELECT ") + freeze_columns +
                               " FROM freezes WHERE lifted_at IS NULL AND scope IN (?, '*')"
                               " ORDER BY scope = '*', id");
  q.bind(1, service);
  std::vector<model::Freeze> out;
  while (q.executeStep()) out.push_back(read_freeze(q));
  return out;
}

std::vector<model::Freeze> SqliteDeploys::active_freezes() {
  SQLite::Statement q(c_.db, std::string("SELECT ") + freeze_columns +
                               " FROM freezes WHERE lifted_at IS NULL ORDER BY id");
  std::vector<model::Freeze> out;
  while (q.executeStep()) out.push_back(read_freeze(q));
  return out;
}

bool SqliteDeploys::unfreeze(const std::string& scope, const std::string& by) {
  SQLite::Statement q(c_.db, "UPDATE freezes SET lifted_at = ?, lifted_by = ?"
                             " WHERE scope = ? AND incident_id IS NULL AND lifted_at IS NULL");
  q.bind(1, c_.now());
  q.bind(2, by);
  q.bind(3, scope);
  return q.exec() > 0;
}

std::vector<std::string> SqliteDeploys::unfreeze_incident(std::int64_t incident_id, const std::string& by) {
  SQLite::Transaction tx(c_.db, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement find(c_.db, "SELECT scope FROM freezes WHERE incident_id = ? AND lifted_at IS NULL");
  find.bind(1, incident_id);
  std::vector<std::string> scopes;
  while (find.executeStep()) scopes.push_back(find.getColumn(0).getString());
  SQLite::Statement lift(c_.db, "UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE incident_id = ? AND lifted_at IS NULL");
  lift.bind(1, c_.now());
  lift.bind(2, by);
  lift.bind(3, incident_id);
  lift.exec();
  tx.commit();
  return scopes;
}

bool SqliteDeploys::reject(const model::Rejection& r) {
  // The partial unique index keeps one active rejection per revision.
  SQLite::Statement q(c_.db,
                      "INSERT OR IGNORE INTO rejected_revisions (service, revision, image, reason, rejected_by,"
                      " rejected_at, incident_id, execution_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, r.service);
  q.bind(2, r.revision);
  q.bind(3, r.image);
  q.bind(4, r.reason);
  q.bind(5, r.rejected_by);
  q.bind(6, c_.now());
  if (r.incident_id) q.bind(7, *r.incident_id);
  else q.bind(7);
  if (r.execution_id) q.bind(8, *r.execution_id);
  else q.bind(8);
  return q.exec() == 1;
}

std::vector<model::Rejection> SqliteDeploys::rejections(const std::string& service) {
  SQLite::Statement q(c_.db, std::string("SELECT ") + rejection_columns +
                               " FROM rejected_revisions WHERE service = ? AND accepted_at IS NULL ORDER BY id DESC");
  q.bind(1, service);
  std::vector<model::Rejection> out;
  while (q.executeStep()) out.push_back(read_rejection(q));
  return out;
}

std::optional<model::Rejection> SqliteDeploys::accept(const std::string& service, const std::string& revision,
                                                      const std::string& by) {
  SQLite::Statement q(c_.db, std::string("UPDATE rejected_revisions SET accepted_by = ?, accepted_at = ?"
                                         " WHERE service = ? AND revision = ? AND accepted_at IS NULL RETURNING ") +
                                 rejection_columns);
  q.bind(1, by);
  q.bind(2, c_.now());
  q.bind(3, service);
  q.bind(4, revision);
  // SQLite makes the whole change on the first step; the unique index leaves at most one row.
  if (!q.executeStep()) return std::nullopt;
  return read_rejection(q);
}

}  // namespace goaround::store::sqlite
