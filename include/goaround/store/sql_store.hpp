#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "goaround/store/sql.hpp"
#include "goaround/store/store.hpp"

namespace goaround::store {

namespace sql {

// Applies the numbered migrations above the database's current version, up to `up_to`
// (all when nullopt), in one write transaction; each is recorded in schema_migrations.
// Replicas starting together migrate once: the second waits for the first's transaction,
// then finds nothing to do.
void migrate(Session& db, std::optional<int> up_to = std::nullopt);
int schema_version(Session& db);
int latest_schema_version();

// What the aggregates on one connection share: the session and the clock that stamps rows.
struct Connection {
  Session& db;
  const time::Clock& clock;
  std::string now() const { return time::format_utc(clock.now()); }
};

class Incidents final : public store::Incidents {
 public:
  explicit Incidents(Connection& c) : c_(c) {}
  Opened open_or_join(const std::string& service, const std::string& environment, const std::string& opened_by,
                      const std::string& reason, const std::string& channel) override;
  void set_thread(std::int64_t incident_id, const std::string& thread) override;
  void set_commander(std::int64_t incident_id, const std::string& person_id) override;
  bool close(std::int64_t incident_id, const std::string& summary) override;
  std::optional<model::Incident> find(std::int64_t id) override;
  std::optional<model::Incident> latest() override;
  std::vector<model::Incident> recent(int limit) override;
  std::vector<model::Incident> open() override;
  std::int64_t add_action(std::int64_t incident_id, const std::string& text, const std::string& owner,
                          const std::string& created_by) override;
  std::vector<model::Action> actions(std::int64_t incident_id) override;

 private:
  Connection& c_;
};

class Schedules final : public store::Schedules {
 public:
  explicit Schedules(Connection& c) : c_(c) {}
  std::optional<model::Schedule> find(std::int64_t incident_id) override;
  std::vector<model::Schedule> of_open_incidents() override;
  void save(const model::Schedule& schedule) override;
  model::Schedule start(const model::Schedule& schedule) override;
  bool claim(const model::Schedule& seen, const model::Schedule& next, const Fence& fence) override;

 private:
  Connection& c_;
};

class Timeline final : public store::Timeline {
 public:
  explicit Timeline(Connection& c) : c_(c) {}
  std::int64_t append(std::int64_t incident_id, model::EventKind kind, const std::string& actor,
                      const std::string& text, const boost::json::object& data = {}) override;
  void append_many(std::int64_t incident_id, const std::vector<NewEvent>& events) override;
  std::vector<model::Event> events(std::int64_t incident_id, const std::vector<model::EventKind>& skip = {}) override;
  std::vector<model::Event> rows(std::int64_t incident_id, const std::vector<model::EventKind>& skip = {}) override;
  std::optional<model::Event> find(std::int64_t id) override;
  bool has(std::int64_t incident_id, model::EventKind kind) override;
  std::optional<std::int64_t> capture(std::int64_t incident_id, model::EventKind kind, const std::string& actor,
                                      const std::string& text, const std::string& at, const std::string& source,
                                      const boost::json::object& data = {}) override;
  std::optional<model::Event> by_source(const std::string& source) override;
  std::int64_t revise(std::int64_t event_id, const model::EventRevision& revision, const std::string& editor) override;

 private:
  Connection& c_;
};

class Executions final : public store::Executions {
 public:
  explicit Executions(Connection& c) : c_(c) {}
  std::int64_t create(const model::NewExecution& planned) override;
  std::optional<model::Execution> find(std::int64_t id) override;
  bool cancel(std::int64_t id) override;
  bool start(std::int64_t id, const std::string& confirmed_by, const std::string& owner) override;
  bool finish(std::int64_t id, const model::ExecutionFinish& finish, const std::string& owner) override;
  bool owns(std::int64_t id, const std::string& owner) override;
  void renew_owner(const model::Owner& owner) override;
  std::vector<model::RunningExecution> running_with_owners(const std::string& service = "") override;
  bool take_over(const model::RunningExecution& seen, const std::string& by) override;
  void record_recheck(std::int64_t id, const std::string& verification) override;
  std::optional<model::Execution> running(const std::string& service) override;
  std::optional<model::Execution> latest(std::int64_t incident_id) override;
  std::vector<model::Execution> of_incident(std::int64_t incident_id) override;
  std::vector<model::Execution> ran_for(const std::string& service, int limit) override;
  std::optional<model::ServiceLock> service_lock(const std::string& service) override;
  std::optional<std::string> last_end(const std::string& service) override;

 private:
  // Inside the caller's transaction: the service is free again.
  void release_service_lock(std::int64_t execution_id);
  Connection& c_;
};

class Deploys final : public store::Deploys {
 public:
  explicit Deploys(Connection& c) : c_(c) {}
  std::int64_t add_deployment(const model::Deployment& deployment) override;
  std::optional<model::Deployment> latest_deployment(const std::string& service) override;
  std::optional<model::Deployment> deployment_before(const std::string& service, const std::string& at) override;
  std::int64_t add_brief(const model::Brief& brief) override;
  std::optional<model::Brief> latest_brief(const std::string& service) override;
  bool freeze(const model::Freeze& freeze) override;
  std::vector<model::Freeze> freezes_holding(const std::string& service) override;
  std::vector<model::Freeze> active_freezes() override;
  bool unfreeze(const std::string& scope, const std::string& by) override;
  std::vector<std::string> unfreeze_incident(std::int64_t incident_id, const std::string& by) override;
  bool reject(const model::Rejection& rejection) override;
  std::vector<model::Rejection> rejections(const std::string& service) override;
  std::optional<model::Rejection> accept(const std::string& service, const std::string& revision,
                                         const std::string& by) override;
  bool claim_practice_reminder(const std::string& service, const std::string& since) override;

 private:
  // The latest registered (at or before `at`, when given).
  std::optional<model::Deployment> latest_of(const std::string& service, const std::optional<std::string>& at);
  Connection& c_;
};

class Envelopes final : public store::Envelopes {
 public:
  explicit Envelopes(Connection& c) : c_(c) {}
  std::vector<bool> record(const std::vector<EnvelopeIds>& envelopes) override;
  std::vector<std::string> since(time::TimePoint since) override;
  int prune(time::TimePoint before) override;

 private:
  Connection& c_;
};

class Leases final : public store::Leases {
 public:
  explicit Leases(Connection& c) : c_(c) {}
  std::optional<Grant> acquire(const std::string& name, const std::string& holder,
                               std::chrono::milliseconds ttl) override;
  void release(const std::string& name, const std::string& holder) override;
  std::optional<std::string> holder(const std::string& name) override;

 private:
  Connection& c_;
};

}  // namespace sql

// Every aggregate on one session: what a backend hands the bot. Migrates the database to the
// latest schema on opening.
class SqlStore : public Store {
 public:
  SqlStore(std::unique_ptr<sql::Session> session, const time::Clock& clock);

  Incidents& incidents() override { return incidents_; }
  Schedules& schedules() override { return schedules_; }
  Timeline& timeline() override { return timeline_; }
  Executions& executions() override { return executions_; }
  Deploys& deploys() override { return deploys_; }
  Envelopes& envelopes() override { return envelopes_; }
  Leases& leases() override { return leases_; }
  int schema_version() override { return sql::schema_version(*session_); }
  bool writable(std::string& why) override { return session_->writable(why); }
  sql::Session& session() { return *session_; }

 private:
  std::unique_ptr<sql::Session> session_;
  sql::Connection connection_;
  sql::Incidents incidents_{connection_};
  sql::Schedules schedules_{connection_};
  sql::Timeline timeline_{connection_};
  sql::Executions executions_{connection_};
  sql::Deploys deploys_{connection_};
  sql::Envelopes envelopes_{connection_};
  sql::Leases leases_{connection_};
};

}  // namespace goaround::store
