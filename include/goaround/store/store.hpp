#pragma once
#include <SQLiteCpp/Database.h>
#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "goaround/model/codec.hpp"
#include "goaround/model/events.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::store {

struct Incident {
  std::int64_t id = 0;
  std::string service;
  std::string environment;
  std::string state;  // open | resolved
  std::string opened_at;
  std::optional<std::string> closed_at;
  std::string opened_by;
  std::string reason;
  std::string channel;
  std::string thread;
  std::string commander;  // the person id the status reminders mention
  std::string summary;    // given when closed
};

// One line of the scribe's log.
struct Event {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  std::string at;  // UTC, milliseconds
  model::EventKind kind = model::EventKind::other;
  std::string actor;
  std::string text;
  boost::json::object data;  // the kind's payload (model::events)
  std::optional<std::int64_t> revises;  // set on a revision row: the entry it corrects
  std::optional<std::string> source;    // where a captured entry came from
  bool revised = false;    // in the latest view: the text or time was corrected
  bool withdrawn = false;  // in the latest view: marked withdrawn (never deleted)

  template <class Payload> Payload payload() const { return model::decode<Payload>(data); }
};

struct EventRevision {
  std::optional<std::string> text;
  std::optional<std::string> at;  // corrected event time, UTC with ms
  std::optional<bool> withdrawn;  // unset: as the entry is now
};

// One go-around: planned when its card is shown, then cancelled, or running → a final state.
struct Execution {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  std::string service;
  std::string adapter;
  std::string argv_json;
  std::string from_revision;
  std::string to_revision;
  std::string requested_by;
  std::string reason;
  std::string state;  // planned | cancelled | running | succeeded | failed | interrupted
  std::string created_at;
  std::optional<std::string> confirmed_by;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;
  std::optional<int> exit_code;
  std::string output_tail;
  std::string verification;
  std::string plan_json;  // the adapter's plan, so a restarted bot can re-check the live state
  std::string owner;      // the process running it (Owner::id); empty before it runs
  std::string taken_over_by;  // the process that found its owner dead, if one did
};

// A goaround process, as the owner of the go-arounds it runs. Its id is unique across hosts
// and restarts (host, pid, start time and a random nonce).
struct Owner {
  std::string id;
  std::string host;
  long pid = 0;
  std::string started_at;
  // The kernel boot and pid namespace the pid belongs to: only an owner with the same machine
  // can be checked by its pid (containers on one host share hostnames and pid 1).
  std::string machine;
};

// A running execution and its owner as last seen.
struct RunningExecution {
  Execution execution;
  std::optional<Owner> owner;  // unset: no owner row (a bot from before owners)
  std::optional<std::int64_t> heartbeat_ms;  // wall-clock Unix ms of the owner's last renewal
};

// When an incident's next status update is due, and what the last ones were.
struct Schedule {
  std::int64_t incident_id = 0;
  std::chrono::seconds interval{0};
  std::string next_due_at;
  std::optional<std::string> last_posted_at;
  std::optional<std::string> last_human_at;
  std::optional<std::string> reminded_at;  // reminder sent for the current cycle
  std::optional<double> detection_value;   // the service's metric when the incident opened
  std::optional<double> last_value;        // …at the last status update
};

// A corrective action from the debrief (/rollback action).
struct Action {
  std::int64_t id = 0;
  std::int64_t incident_id = 0;
  std::string text;
  std::string owner;
  std::string created_by;
  std::string created_at;
};

struct ServiceLock {
  std::string service;
  std::int64_t execution_id = 0;
  std::string holder;
  std::string acquired_at;
};

// A deployment CI registered (POST /v1/deployments); `data_json` carries image, previous
// revision, feature flag and whatever else CI sent.
struct Deployment {
  std::int64_t id = 0;
  std::string service;
  std::string environment;
  std::string revision;
  std::string registered_at;
  std::string registered_by;
  std::string migration_kind;  // none | additive | destructive
  std::string data_json = "{}";
};

// The go-around brief: five lines before takeoff; the five lines are in `data_json`.
struct Brief {
  std::int64_t id = 0;
  std::string service;
  std::string created_at;
  std::string author;
  std::string text;  // where it came from: "form", "ci", "command"
  std::string data_json = "{}";
};

// Deploys of a service (or of every service: scope "*") held while people sort out an abort.
struct Freeze {
  std::int64_t id = 0;
  std::string scope;
  std::string reason;
  std::string frozen_by;
  std::string frozen_at;
  std::optional<std::int64_t> incident_id;  // set when a go-around froze it (lifted by the debrief)
};

struct NewExecution {
  std::int64_t incident_id = 0;
  std::string service;
  std::string adapter;
  std::string argv_json;
  std::string from_revision;
  std::string to_revision;
  std::string requested_by;
  std::string reason;
  std::string plan_json = "{}";
};

struct ExecutionFinish {
  std::string state;  // succeeded | failed | interrupted
  std::optional<int> exit_code;
  std::string output_tail;
  std::string verification;
};

// Applies the numbered migrations above the database's current version, up to `up_to`
// (all when nullopt), in one write transaction; each is recorded in schema_migrations.
void migrate(SQLite::Database& db, std::optional<int> up_to = std::nullopt);
int schema_version(SQLite::Database& db);
int latest_schema_version();

// The incident timeline in one SQLite file: WAL, foreign keys on, a busy timeout, and
// synchronous=FULL so that every write is on disk before the bot answers anyone.
// One Store per thread; it is not safe to share across threads.
class Store {
 public:
  // `busy`: how long a statement waits for another connection's write lock before failing.
  Store(const std::filesystem::path& file, const time::Clock& clock,
        std::chrono::milliseconds busy = std::chrono::seconds(5));
  const std::chrono::milliseconds busy_timeout;

  int schema_version();
  SQLite::Database& database() { return db_; }
  // The database takes a write lock now (for /readyz); false with the reason in `why`.
  bool writable(std::string& why);

  // Opens an incident for the service, or returns the one already open (opened=false).
  struct Opened {
    Incident incident;
    bool opened = false;
  };
  Opened open_or_join_incident(const std::string& service, const std::string& environment,
                               const std::string& opened_by, const std::string& reason,
                               const std::string& channel);
  void set_incident_thread(std::int64_t incident_id, const std::string& thread);
  void set_commander(std::int64_t incident_id, const std::string& person_id);
  // Resolves the incident and ends its status cadence, atomically; false if it was not open.
  bool close_incident(std::int64_t incident_id, const std::string& summary);

  std::optional<Schedule> schedule(std::int64_t incident_id);
  std::vector<Schedule> schedules();  // of open incidents
  void save_schedule(const Schedule& schedule);

  std::int64_t add_action(std::int64_t incident_id, const std::string& text,
                          const std::string& owner, const std::string& created_by);
  std::vector<Action> actions(std::int64_t incident_id);
  std::optional<Incident> incident(std::int64_t id);
  std::optional<Incident> latest_incident();
  std::vector<Incident> open_incidents();

  std::int64_t append_event(std::int64_t incident_id, model::EventKind kind,
                            const std::string& actor, const std::string& text,
                            const boost::json::object& data = {});
  // The timeline as people read it: each entry in its latest revision, by time; entries of
  // `skip_kinds` are not read at all (a debrief has no use for 90,000 progress ticks).
  std::vector<Event> events(std::int64_t incident_id, const std::vector<model::EventKind>& skip_kinds = {});
  // Every row, originals and revisions, in the order written: the full record.
  std::vector<Event> event_rows(std::int64_t incident_id,
                                const std::vector<model::EventKind>& skip_kinds = {});
  std::optional<Event> event(std::int64_t id);
  // Whether the incident's timeline has an entry of this kind (without reading the timeline).
  bool has_event(std::int64_t incident_id, model::EventKind kind);
  // Records a captured entry once per source; nullopt when that source was already recorded.
  std::optional<std::int64_t> capture_event(std::int64_t incident_id, model::EventKind kind,
                                            const std::string& actor, const std::string& text,
                                            const std::string& at, const std::string& source,
                                            const boost::json::object& data = {});
  std::optional<Event> event_by_source(const std::string& source);
  // Appends a revision of an entry (append-only: the original stays on record).
  std::int64_t revise_event(std::int64_t event_id, const EventRevision& revision,
                            const std::string& editor);
  // Many events in one transaction (bulk capture, benchmarks).
  struct NewEvent {
    model::EventKind kind;
    std::string actor, text;
    boost::json::object data = {};
  };
  void append_events(std::int64_t incident_id, const std::vector<NewEvent>& events);

  std::int64_t create_execution(const NewExecution& planned);
  std::optional<Execution> execution(std::int64_t id);
  // planned → cancelled; false when it was no longer planned.
  bool cancel_execution(std::int64_t id);
  // Takes the service lock and marks the execution running, owned by `owner`, atomically.
  // False (and no change) when another execution holds the lock or this one is no longer
  // planned.
  bool start_execution(std::int64_t id, const std::string& confirmed_by, const std::string& owner);
  // Records the outcome and releases the service lock, atomically, if the execution is still
  // running and still `owner`'s (compare-and-set); false, changing nothing, when it is not:
  // another process took it over and a late writer must not overwrite that.
  bool finish_execution(std::int64_t id, const ExecutionFinish& finish, const std::string& owner);
  // Still running and still this owner's.
  bool owns(std::int64_t id, const std::string& owner);

  // Writes this process's owner row with a fresh heartbeat (at start and on every renewal);
  // the heartbeat is wall-clock Unix time, whatever clock the bot runs on.
  void renew_owner(const Owner& owner);
  // Running executions (of `service`, or all), with their owners' heartbeats.
  std::vector<RunningExecution> running_executions(const std::string& service = "");
  // Marks a running execution interrupted, taken over by `by`, and frees its service, if it is
  // still running, still `seen.owner`'s and that owner's heartbeat still the one seen
  // (compare-and-set, in one write transaction); false when another process took it first or
  // the owner renewed meanwhile.
  bool take_over(const RunningExecution& seen, const std::string& by);
  // Wall-clock Unix ms, the heartbeats' clock.
  static std::int64_t unix_ms();
  // What the re-check after a takeover found, on the interrupted execution.
  void record_recheck(std::int64_t id, const std::string& verification);
  std::optional<Execution> running_execution(const std::string& service);
  std::optional<Execution> latest_execution(std::int64_t incident_id);
  std::vector<Execution> executions(std::int64_t incident_id);

  std::optional<ServiceLock> service_lock(const std::string& service);

  // When the service's last go-around ended, if one did.
  std::optional<std::string> last_go_around_end(const std::string& service);

  std::int64_t add_deployment(const Deployment& deployment);
  std::optional<Deployment> latest_deployment(const std::string& service);
  std::int64_t add_brief(const Brief& brief);
  std::optional<Brief> latest_brief(const std::string& service);

  // Freezes `scope` (a service or "*"); false when it was frozen already.
  bool freeze(const Freeze& freeze);
  // The freeze holding this service's deploys (its own, or "*"), if any.
  std::optional<Freeze> active_freeze(const std::string& service);
  std::vector<Freeze> active_freezes();
  // Lifts the freeze on `scope`; false when there was none.
  bool unfreeze(const std::string& scope, const std::string& by);
  // Lifts the freezes an incident's go-around set; returns the scopes lifted.
  std::vector<std::string> unfreeze_incident(std::int64_t incident_id, const std::string& by);

  // A delivered Socket Mode envelope: its id, and the Events API event id it carries, if any.
  struct EnvelopeIds {
    std::string envelope_id;
    std::string event_id;
    std::string kind;
  };
  // Remembers delivered envelopes in one transaction (one fsync for the lot); for each, true
  // when neither its envelope id nor its event id had been recorded before. Throws on a store
  // error, recording none of them.
  std::vector<bool> record_envelopes(const std::vector<EnvelopeIds>& envelopes);
  // Envelope and event ids (events as "event:ID") recorded at or after `since`.
  std::vector<std::string> envelopes_since(time::TimePoint since);
  // Forgets ids recorded before `before` (Slack redelivers for minutes, not days).
  int prune_envelopes(time::TimePoint before);

 private:
  std::string now() const { return time::format_utc(clock_.now()); }
  // Inside the caller's transaction: the service is free again.
  void release_service_lock(std::int64_t execution_id);

  SQLite::Database db_;
  const time::Clock& clock_;
};

}  // namespace goaround::store
