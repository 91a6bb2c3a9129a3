#pragma once
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "goaround/model/events.hpp"
#include "goaround/model/records.hpp"
#include "goaround/time/clock.hpp"

// Where the timeline and its neighbours are kept, one interface per aggregate. Every call is
// its own transaction: atomic, and on disk when it returns; compare-and-set calls say whether
// they changed anything. No backend type or open transaction crosses these interfaces, so a
// second backend (PostgreSQL) implements the same calls.
namespace goaround::store {

class Incidents {
 public:
  virtual ~Incidents() = default;
  // Opens an incident for the service, or returns the one already open (opened=false).
  struct Opened {
    model::Incident incident;
    bool opened = false;
  };
  virtual Opened open_or_join(const std::string& service, const std::string& environment,
                              const std::string& opened_by, const std::string& reason,
                              const std::string& channel) = 0;
  virtual void set_thread(std::int64_t incident_id, const std::string& thread) = 0;
  virtual void set_commander(std::int64_t incident_id, const std::string& person_id) = 0;
  // Resolves the incident and ends its status cadence, atomically; false if it was not open.
  virtual bool close(std::int64_t incident_id, const std::string& summary) = 0;
  virtual std::optional<model::Incident> find(std::int64_t id) = 0;
  virtual std::optional<model::Incident> latest() = 0;
  virtual std::vector<model::Incident> open() = 0;
  // The newest `limit` incidents, open or closed, newest first.
  virtual std::vector<model::Incident> recent(int limit) = 0;

  // The debrief's corrective actions.
  virtual std::int64_t add_action(std::int64_t incident_id, const std::string& text, const std::string& owner,
                                  const std::string& created_by) = 0;
  virtual std::vector<model::Action> actions(std::int64_t incident_id) = 0;
};

// Proof of leadership carried by the work that must happen once: the lease's name, its
// holder and the fencing token it was granted. A write fenced by a token that is no longer
// the lease's (a deposed leader's late write) changes nothing.
struct Fence {
  std::string lease;
  std::string holder;
  std::int64_t token = 0;
};

// The status cadence of open incidents.
class Schedules {
 public:
  virtual ~Schedules() = default;
  virtual std::optional<model::Schedule> find(std::int64_t incident_id) = 0;
  virtual std::vector<model::Schedule> of_open_incidents() = 0;  // soonest due first
  virtual void save(const model::Schedule& schedule) = 0;
  // Starts the incident's cadence unless it has one; returns the one stored either way.
  virtual model::Schedule start(const model::Schedule& schedule) = 0;
  // Moves the cadence from `seen` to `next` if nobody moved it meanwhile (its due time and
  // reminder are still the ones seen) and the fence still holds; false, changing nothing,
  // when another process claimed this post first. Claim first, then post: never twice.
  virtual bool claim(const model::Schedule& seen, const model::Schedule& next, const Fence& fence) = 0;
};

// Leases on the database's clock: one holder per name until it stops renewing.
class Leases {
 public:
  virtual ~Leases() = default;
  struct Grant {
    std::int64_t token = 0;       // rises on every change of holder: the fencing token
    std::int64_t expires_ms = 0;  // Unix ms, database clock
    std::int64_t now_ms = 0;      // the database clock when granted
  };
  // Takes the lease when it is free or expired, or renews it when `holder` has it; nullopt
  // when another holder's lease is still running.
  virtual std::optional<Grant> acquire(const std::string& name, const std::string& holder,
                                       std::chrono::milliseconds ttl) = 0;
  // Ends `holder`'s lease now (a clean shutdown hands over without waiting for expiry).
  virtual void release(const std::string& name, const std::string& holder) = 0;
  // Who holds it, while it runs.
  virtual std::optional<std::string> holder(const std::string& name) = 0;
};

// The scribe's log: append-only; corrections are revision rows.
class Timeline {
 public:
  virtual ~Timeline() = default;
  virtual std::int64_t append(std::int64_t incident_id, model::EventKind kind, const std::string& actor,
                              const std::string& text, const boost::json::object& data = {}) = 0;
  // Many entries in one transaction (bulk capture, benchmarks).
  struct NewEvent {
    model::EventKind kind;
    std::string actor, text;
    boost::json::object data = {};
  };
  virtual void append_many(std::int64_t incident_id, const std::vector<NewEvent>& events) = 0;
  // The timeline as people read it: each entry in its latest revision, by time; entries of
  // `skip` are not read at all (a debrief has no use for 90,000 progress ticks).
  virtual std::vector<model::Event> events(std::int64_t incident_id,
                                           const std::vector<model::EventKind>& skip = {}) = 0;
  // Every row, originals and revisions, in the order written: the full record.
  virtual std::vector<model::Event> rows(std::int64_t incident_id,
                                         const std::vector<model::EventKind>& skip = {}) = 0;
  virtual std::optional<model::Event> find(std::int64_t id) = 0;
  // Whether the incident's timeline has an entry of this kind (without reading the timeline).
  virtual bool has(std::int64_t incident_id, model::EventKind kind) = 0;
  // Records a captured entry once per source; nullopt when that source was already recorded.
  virtual std::optional<std::int64_t> capture(std::int64_t incident_id, model::EventKind kind,
                                              const std::string& actor, const std::string& text,
                                              const std::string& at, const std::string& source,
                                              const boost::json::object& data = {}) = 0;
  virtual std::optional<model::Event> by_source(const std::string& source) = 0;
  // Appends a revision of an entry (the original stays on record); throws std::invalid_argument
  // when there is no such original entry.
  virtual std::int64_t revise(std::int64_t event_id, const model::EventRevision& revision,
                              const std::string& editor) = 0;
};

// Go-arounds, the one-per-service lock, and the processes that own running ones.
class Executions {
 public:
  virtual ~Executions() = default;
  virtual std::int64_t create(const model::NewExecution& planned) = 0;
  virtual std::optional<model::Execution> find(std::int64_t id) = 0;
  // planned → cancelled; false when it was no longer planned.
  virtual bool cancel(std::int64_t id) = 0;
  // Takes the service lock and marks the execution running, owned by `owner`, atomically.
  // False (and no change) when another execution holds the lock or this one is no longer planned.
  virtual bool start(std::int64_t id, const std::string& confirmed_by, const std::string& owner) = 0;
  // Records the outcome and releases the service lock, atomically, if the execution is still
  // running and still `owner`'s (compare-and-set); false, changing nothing, when it is not:
  // another process took it over and a late writer must not overwrite that.
  virtual bool finish(std::int64_t id, const model::ExecutionFinish& finish, const std::string& owner) = 0;
  // Still running and still this owner's.
  virtual bool owns(std::int64_t id, const std::string& owner) = 0;
  // Writes this process's owner row with a fresh heartbeat (at start and on every renewal);
  // the heartbeat is wall-clock Unix time (time::unix_ms), whatever clock the bot runs on.
  virtual void renew_owner(const model::Owner& owner) = 0;
  // Running executions (of `service`, or all), with their owners' heartbeats.
  virtual std::vector<model::RunningExecution> running_with_owners(const std::string& service = "") = 0;
  // Marks a running execution interrupted, taken over by `by`, and frees its service, if it is
  // still running, still `seen.owner`'s and that owner's heartbeat still the one seen
  // (compare-and-set); false when another process took it first or the owner renewed meanwhile.
  virtual bool take_over(const model::RunningExecution& seen, const std::string& by) = 0;
  // What the re-check after a takeover found, on the interrupted execution.
  virtual void record_recheck(std::int64_t id, const std::string& verification) = 0;
  virtual std::optional<model::Execution> running(const std::string& service) = 0;
  virtual std::optional<model::Execution> latest(std::int64_t incident_id) = 0;
  virtual std::vector<model::Execution> of_incident(std::int64_t incident_id) = 0;
  // The service's go-arounds that ran (neither planned nor cancelled), newest first.
  virtual std::vector<model::Execution> ran_for(const std::string& service, int limit) = 0;
  virtual std::optional<model::ServiceLock> service_lock(const std::string& service) = 0;
  // When the service's last go-around ended, if one did.
  virtual std::optional<std::string> last_end(const std::string& service) = 0;
};

// What CI registered, the go-around briefs, and change freezes.
class Deploys {
 public:
  virtual ~Deploys() = default;
  virtual std::int64_t add_deployment(const model::Deployment& deployment) = 0;
  virtual std::optional<model::Deployment> latest_deployment(const std::string& service) = 0;
  // The last deployment registered at or before `at` (UTC text): what an incident followed.
  virtual std::optional<model::Deployment> deployment_before(const std::string& service, const std::string& at) = 0;
  virtual std::int64_t add_brief(const model::Brief& brief) = 0;
  virtual std::optional<model::Brief> latest_brief(const std::string& service) = 0;
  // Freezes `scope` (a service or "*"). People's freeze and each go-around's are kept side by
  // side; false when that one (people's, or this incident's) holds the scope already.
  virtual bool freeze(const model::Freeze& freeze) = 0;
  // Every freeze holding this service's deploys (its own, then "*"s), oldest first.
  virtual std::vector<model::Freeze> freezes_holding(const std::string& service) = 0;
  virtual std::vector<model::Freeze> active_freezes() = 0;
  // Lifts people's freeze on `scope` (a go-around's lifts with its debrief); false when none.
  virtual bool unfreeze(const std::string& scope, const std::string& by) = 0;
  // Lifts the freezes an incident's go-around set; returns the scopes lifted.
  virtual std::vector<std::string> unfreeze_incident(std::int64_t incident_id, const std::string& by) = 0;
  // Rules a revision out for its service; false when it is rejected already.
  virtual bool reject(const model::Rejection& rejection) = 0;
  // The service's rejected revisions, newest first.
  virtual std::vector<model::Rejection> rejections(const std::string& service) = 0;
  // Lets a rejected revision through again; returns what it lifted, if it was rejected.
  virtual std::optional<model::Rejection> accept(const std::string& service, const std::string& revision,
                                                 const std::string& by) = 0;
  // Claims the practice reminder of a service for the lapse since its last drill ended (`since`,
  // "" for never): true exactly once per service and lapse, whichever replica asks.
  virtual bool claim_practice_reminder(const std::string& service, const std::string& since) = 0;
};

// A delivered Socket Mode envelope: its id, and the Events API event id it carries, if any.
struct EnvelopeIds {
  std::string envelope_id;
  std::string event_id;
  std::string kind;
};

// Which Socket Mode envelopes were delivered (at-most-once work across restarts and processes).
class Envelopes {
 public:
  virtual ~Envelopes() = default;
  // Remembers delivered envelopes in one transaction (one fsync for the lot); for each, true
  // when neither its envelope id nor its event id had been recorded before. Throws on a store
  // error, recording none of them.
  virtual std::vector<bool> record(const std::vector<EnvelopeIds>& envelopes) = 0;
  // Envelope and event ids (events as "event:ID") recorded at or after `since`.
  virtual std::vector<std::string> since(time::TimePoint since) = 0;
  // Forgets ids recorded before `before` (Slack redelivers for minutes, not days).
  virtual int prune(time::TimePoint before) = 0;
};

// A drill that ran to its result, as the production card and the debrief quote it.
struct Drill {
  model::Execution execution;
  model::events::Result result;  // its phases (execute_ms, verify_ms) and checks
  std::string environment;       // where it ran (its incident's)
};

class Store;
// The latest drill under `twin` (config::drill_name of the service) that ended before
// `before` (stored UTC; at it counts too), or ever; an interrupted one measured nothing and is skipped.
std::optional<Drill> last_drill(Store& store, const std::string& twin, std::optional<std::string> before = std::nullopt);
// The result a finished go-around recorded in its incident, with its phases.
std::optional<model::events::Result> recorded_result(Store& store, const model::Execution& execution);

// One backend's connection, with every aggregate on it.
class Store {
 public:
  virtual ~Store() = default;
  virtual Incidents& incidents() = 0;
  virtual Schedules& schedules() = 0;
  virtual Timeline& timeline() = 0;
  virtual Executions& executions() = 0;
  virtual Deploys& deploys() = 0;
  virtual Envelopes& envelopes() = 0;
  virtual Leases& leases() = 0;

  virtual int schema_version() = 0;
  // The store takes a write lock now (for /readyz), waiting briefly; false with the reason in `why`.
  virtual bool writable(std::string& why) = 0;
};

}  // namespace goaround::store
