#include "goaround/store/sql_store.hpp"

namespace goaround::store::sql {
namespace {

constexpr const char* deployment_columns =
    "id, service, environment, revision, registered_at, registered_by, migration_kind, data";

model::Deployment read_deployment(const Row& r) {
  return model::Deployment{r.int64(0), r.text(1), r.text(2), r.text(3),
                           r.text(4),  r.text(5), r.text(6), r.text(7)};
}

constexpr const char* freeze_columns = "id, scope, reason, frozen_by, frozen_at, incident_id";

constexpr const char* rejection_columns =
    "id, service, revision, image, reason, rejected_by, rejected_at, incident_id, execution_id";

model::Rejection read_rejection(const Row& r) {
  return model::Rejection{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5),
                          r.text(6),  r.optional_int64(7), r.optional_int64(8)};
}

model::Freeze read_freeze(const Row& r) {
  return model::Freeze{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.optional_int64(5)};
}

}  // namespace

std::int64_t Deploys::add_deployment(const model::Deployment& d) {
  return c_.db
      .run("INSERT INTO deployments (service, environment, revision, registered_at,"
           " registered_by, migration_kind, data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
           {d.service, d.environment, d.revision, d.registered_at.empty() ? c_.now() : d.registered_at,
            d.registered_by, d.migration_kind, d.data_json})
      .first()
      ->int64(0);
}

std::optional<model::Deployment> Deploys::latest_deployment(const std::string& service) {
  return latest_of(service, std::nullopt);
}

std::optional<model::Deployment> Deploys::deployment_before(const std::string& service, const std::string& at) {
  return latest_of(service, at);
}

std::optional<model::Deployment> Deploys::latest_of(const std::string& service, const std::optional<std::string>& at) {
  std::vector<Value> parameters{service};
  if (at) parameters.emplace_back(*at);
  const auto result = c_.db.run(std::string("SELECT ") + deployment_columns + " FROM deployments WHERE service = ?" +
                                    (at ? " AND registered_at <= ?" : "") +
                                    " ORDER BY registered_at DESC, id DESC LIMIT 1",
                                parameters);
  if (!result.first()) return std::nullopt;
  return read_deployment(*result.first());
}

std::int64_t Deploys::add_brief(const model::Brief& b) {
  return c_.db
      .run("INSERT INTO briefs (service, created_at, author, text, data) VALUES (?, ?, ?, ?, ?) RETURNING id",
           {b.service, c_.now(), b.author, b.text, b.data_json})
      .first()
      ->int64(0);
}

std::optional<model::Brief> Deploys::latest_brief(const std::string& service) {
  const auto result = c_.db.run(
      "SELECT id, service, created_at, author, text, data FROM briefs WHERE service = ? ORDER BY id DESC LIMIT 1",
      {service});
  if (!result.first()) return std::nullopt;
  const auto& r = *result.first();
  return model::Brief{r.int64(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5)};
}

bool Deploys::claim_practice_reminder(const std::string& service, const std::string& since) {
  // The primary key makes the claim: a second replica's insert changes nothing.
  return c_.db
             .run("INSERT INTO practice_reminders (service, since, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                  {service, since, c_.now()})
             .changed == 1;
}

bool Deploys::freeze(const model::Freeze& f) {
  // The partial unique index refuses a second active freeze on a scope.
  return c_.db
             .run("INSERT INTO freezes (scope, reason, frozen_by, frozen_at, incident_id)"
                  " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                  {f.scope, f.reason, f.frozen_by, c_.now(), optional_value(f.incident_id)})
             .changed == 1;
}

std::vector<model::Freeze> Deploys::freezes_holding(const std::string& service) {
  // A service's own freeze says more than the blanket one, so it comes first.
  return read_all(c_.db.run(std::string("SELECT ") + freeze_columns +
                                               " FROM freezes WHERE lifted_at IS NULL AND scope IN (?, '*')"
                                               " ORDER BY scope = '*', id",
                                           {service}),
                                 read_freeze);
}

std::vector<model::Freeze> Deploys::active_freezes() {
  return read_all(
      c_.db.run(std::string("SELECT ") + freeze_columns + " FROM freezes WHERE lifted_at IS NULL ORDER BY id"),
      read_freeze);
}

bool Deploys::unfreeze(const std::string& scope, const std::string& by) {
  return c_.db
             .run("UPDATE freezes SET lifted_at = ?, lifted_by = ?"
                  " WHERE scope = ? AND incident_id IS NULL AND lifted_at IS NULL",
                  {c_.now(), by, scope})
             .changed > 0;
}

std::vector<std::string> Deploys::unfreeze_incident(std::int64_t incident_id, const std::string& by) {
  const auto lifted = c_.db.run(
      "UPDATE freezes SET lifted_at = ?, lifted_by = ? WHERE incident_id = ? AND lifted_at IS NULL RETURNING scope",
      {c_.now(), by, incident_id});
  return read_all(lifted, [](const Row& r) { return r.text(0); });
}

bool Deploys::reject(const model::Rejection& r) {
  // The partial unique index keeps one active rejection per revision.
  return c_.db
             .run("INSERT INTO rejected_revisions (service, revision, image, reason, rejected_by,"
                  " rejected_at, incident_id, execution_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                  {r.service, r.revision, r.image, r.reason, r.rejected_by, c_.now(), optional_value(r.incident_id),
                   optional_value(r.execution_id)})
             .changed == 1;
}

std::vector<model::Rejection> Deploys::rejections(const std::string& service) {
  return read_all(
      c_.db.run(std::string("SELECT ") + rejection_columns +
                    " FROM rejected_revisions WHERE service = ? AND accepted_at IS NULL ORDER BY id DESC",
                {service}),
      read_rejection);
}

std::optional<model::Rejection> Deploys::accept(const std::string& service, const std::string& revision,
                                                const std::string& by) {
  // The unique index leaves at most one active row to lift.
  const auto lifted = c_.db.run(std::string("UPDATE rejected_revisions SET accepted_by = ?, accepted_at = ?"
                                            " WHERE service = ? AND revision = ? AND accepted_at IS NULL RETURNING ") +
                                    rejection_columns,
                                {by, c_.now(), service, revision});
  if (!lifted.first()) return std::nullopt;
  return read_rejection(*lifted.first());
}

}  // namespace goaround::store::sql
