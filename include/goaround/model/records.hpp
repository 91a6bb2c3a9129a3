#pragma once
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "goaround/model/codec.hpp"
#include "goaround/model/events.hpp"

// The records of the timeline and around it, as every part of the bot sees them; the store
// keeps them, but nothing here knows how.
namespace goaround::model {

enum class IncidentState { open, resolved };
BOOST_DESCRIBE_ENUM(IncidentState, open, resolved)

// planned when its card is shown, then cancelled, or running and then one of the last three.
enum class ExecutionState { planned, cancelled, running, succeeded, failed, interrupted };
BOOST_DESCRIBE_ENUM(ExecutionState, planned, cancelled, running, succeeded, failed, interrupted)

std::string_view to_string(IncidentState state);
std::string_view to_string(ExecutionState state);
// For reading rows back: false when the name is not a state.
bool parse(std::string_view name, IncidentState& state);
bool parse(std::string_view name, ExecutionState& state);

struct Incident {
  std::int64_t id = 0;
  std::string service;
  std::string environment;
  IncidentState state = IncidentState::open;
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
  ExecutionState state = ExecutionState::planned;
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
  // A flag go-around's flag (its plan's route "flag"); empty for a rollback.
  std::string flag() const;
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
  // A detail CI gave with it (image, feature_flag, commit…), when it gave that one as text.
  std::optional<std::string> detail(std::string_view key) const;
};

// The go-around brief: five lines before takeoff; the five lines are in `data_json`.
// The five lines of the go-around brief, as stored in a brief's data.
inline constexpr std::string_view brief_fields[] = {"changes", "signals", "stop", "rollback", "not_fixing"};

struct Brief {
  std::int64_t id = 0;
  std::string service;
  std::string created_at;
  std::string author;
  std::string text;  // where it came from: "form", "ci", "command"
  std::string data_json = "{}";
};

// A brief ready for a template: its lines, author, time and origin (null when there is none).
boost::json::value brief_context(const std::optional<Brief>& brief);

// Deploys of a service (or of every service: scope "*") held while people sort out an abort.
struct Freeze {
  std::int64_t id = 0;
  std::string scope;
  std::string reason;
  std::string frozen_by;
  std::string frozen_at;
  std::optional<std::int64_t> incident_id;  // set when a go-around froze it (lifted by the debrief)
};

// A revision ruled out for a service, by a go-around that left it or by a person: registering it
// again is refused until someone accepts it.
struct Rejection {
  std::int64_t id = 0;
  std::string service;
  std::string revision;  // the adapter's revision number, or what the person typed (a tag, a sha)
  std::string image;     // what it ran, when known: CI registers images, not revision numbers
  std::string reason;
  std::string rejected_by;
  std::string rejected_at;
  std::optional<std::int64_t> incident_id;
  std::optional<std::int64_t> execution_id;  // the go-around that rolled back from it
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
  ExecutionState state = ExecutionState::failed;  // succeeded | failed | interrupted
  std::optional<int> exit_code;
  std::string output_tail;
  std::string verification;
};

}  // namespace goaround::model
