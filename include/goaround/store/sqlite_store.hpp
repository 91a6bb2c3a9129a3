#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "goaround/store/store.hpp"

namespace goaround::store {

// Applies the numbered migrations above the database's current version, up to `up_to`
// (all when nullopt), in one write transaction; each is recorded in schema_migrations.
void migrate(SQLite::Database& db, std::optional<int> up_to = std::nullopt);
int schema_version(SQLite::Database& db);
int latest_schema_version();

namespace sqlite {

// What the aggregates on one connection share: the database and the clock that stamps rows.
struct Connection {
  SQLite::Database db;
  const time::Clock& clock;
  const std::chrono::milliseconds busy;
  std::string now() const { return time::format_utc(clock.now()); }
};

// The file opened for the aggregates: WAL, synchronous=FULL, foreign keys on, `busy` as the
// busy timeout, and migrated to the latest schema.
SQLite::Database open_database(const std::filesystem::path& file, std::chrono::milliseconds busy);

std::optional<std::string> optional_text(const SQLite::Column& column);
template <typename T>
void bind_optional(SQLite::Statement& statement, int index, const std::optional<T>& value) {
  if (value) statement.bind(index, *value);
  else statement.bind(index);
}

class SqliteIncidents final : public Incidents {
 public:
  explicit SqliteIncidents(Connection& c) : c_(c) {}
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

class SqliteSchedules final : public Schedules {
 public:
  explicit SqliteSchedules(Connection& c) : c_(c) {}
  std::optional<model::Schedule> find(std::int64_t incident_id) override;
  std::vector<model::Schedule> of_open_incidents() override;
  void save(const model::Schedule& schedule) override;

 private:
  Connection& c_;
};

class SqliteTimeline final : public Timeline {
 public:
  explicit SqliteTimeline(Connection& c) : c_(c) {}
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

class SqliteExecutions final : public Executions {
 public:
  explicit SqliteExecutions(Connection& c) : c_(c) {}
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

class SqliteDeploys final : public Deploys {
 public:
  explicit SqliteDeploys(Connection& c) : c_(c) {}
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

 private:
  // The latest registered (at or before `at`, when given).
  std::optional<model::Deployment> latest_of(const std::string& service, const std::optional<std::string>& at);
  Connection& c_;
};

class SqliteEnvelopes final : public Envelopes {
 public:
  explicit SqliteEnvelopes(Connection& c) : c_(c) {}
  std::vector<bool> record(const std::vector<EnvelopeIds>& envelopes) override;
  std::vector<std::string> since(time::TimePoint since) override;
  int prune(time::TimePoint before) override;

 private:
  Connection& c_;
};

}  // namespace sqlite

// The timeline in one SQLite file: WAL, foreign keys on, a busy timeout, and
// synchronous=FULL so that every write is on disk before the bot answers anyone.
// One per thread; a connection is not safe to share across threads.
class SqliteStore final : public Store {
 public:
  // `busy`: how long a statement waits for another connection's write lock before failing.
  SqliteStore(const std::filesystem::path& file, const time::Clock& clock,
              std::chrono::milliseconds busy = std::chrono::seconds(5));

  Incidents& incidents() override { return incidents_; }
  Schedules& schedules() override { return schedules_; }
  Timeline& timeline() override { return timeline_; }
  Executions& executions() override { return executions_; }
  Deploys& deploys() override { return deploys_; }
  Envelopes& envelopes() override { return envelopes_; }
  int schema_version() override;
  bool writable(std::string& why) override;

 private:
  sqlite::Connection connection_;
  sqlite::SqliteIncidents incidents_{connection_};
  sqlite::SqliteSchedules schedules_{connection_};
  sqlite::SqliteTimeline timeline_{connection_};
  sqlite::SqliteExecutions executions_{connection_};
  sqlite::SqliteDeploys deploys_{connection_};
  sqlite::SqliteEnvelopes envelopes_{connection_};
};

}  // namespace goaround::store
