#pragma once
#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What the scribe writes: every kind of timeline entry, and the structured details each kind
// carries. Stored as the kind's name and its payload as JSON (model/codec.hpp).
namespace goaround::model {

enum class EventKind {
  incident_opened,
  typed,    // a command someone typed in the incident's place
  pressed,  // a button someone pressed there
  note,
  message,  // a chat message captured from the incident's thread
  marked,   // a chat message someone marked for the timeline (a reaction)
  revision,  // a correction of another entry (append-only)
  card,
  refusal,
  denial,
  confirmation,
  cancellation,
  command,  // the go-around's command, announced as it runs
  progress,
  verification,
  result,
  execution_lost,
  interrupted,
  trigger,
  go_around_prompt,
  hold,
  decision_answer,
  decision,
  status_update,
  status_reminder,
  snooze,
  freeze,
  unfreeze,
  action,
  trigger_review,
  debrief,
  closed,
  escalation,  // after a failed go-around: the people to page were called
  rejection,   // a revision ruled out for the service: CI may not register it again
  acceptance,  // a rejected revision let through again
  other,  // a kind written by a newer version of goaround: shown as it is
};
BOOST_DESCRIBE_ENUM(EventKind, incident_opened, typed, pressed, note, message, marked, revision, card,
                    refusal, denial, confirmation, cancellation, command, progress, verification,
                    result, execution_lost, interrupted, trigger, go_around_prompt, hold,
                    decision_answer, decision, status_update, status_reminder, snooze, freeze,
                    unfreeze, action, trigger_review, debrief, closed, escalation, rejection, acceptance, other)

// The actor of what the bot records itself.
inline constexpr const char* bot_actor = "goaround";

std::string_view to_string(EventKind kind);
// The kind of a stored name; `other` for a name this version does not know.
EventKind event_kind(std::string_view name);

// Cadence chatter and progress ticks: kept for the export, never part of the story a debrief or
// a status update tells. The one definition of noise.
bool is_chatter(EventKind kind);
const std::vector<EventKind>& chatter_kinds();

// How a go-around ended.
enum class Outcome { verified, verification_failed, failed };
BOOST_DESCRIBE_ENUM(Outcome, verified, verification_failed, failed)
// As a sentence says it: "verified", "did not verify", "failed".
std::string_view in_words(Outcome outcome);

namespace events {

// typed, pressed, note: who it was (the chat id behind the display name); pressed: the action
// behind the button's words, which are the entry's text.
struct Attribution {
  std::string person;
  std::optional<std::string> action;
};
BOOST_DESCRIBE_STRUCT(Attribution, (), (person, action))

struct IncidentOpened {
  std::string opened_by;
};
BOOST_DESCRIBE_STRUCT(IncidentOpened, (), (opened_by))

// message, marked: where the chat message was; `marked_by` for a marked one.
struct Captured {
  std::string channel;
  std::string ts;
  std::optional<std::string> marked_by;
};
BOOST_DESCRIBE_STRUCT(Captured, (), (channel, ts, marked_by))

struct Revision {
  std::string edited_at;
  bool withdrawn = false;
};
BOOST_DESCRIBE_STRUCT(Revision, (), (edited_at, withdrawn))

struct RevisionRef {
  std::string number;
  std::string image;
  std::string change_cause;
};
BOOST_DESCRIBE_STRUCT(RevisionRef, (), (number, image, change_cause))

struct Check {
  std::string name;
  bool passed = false;
  std::string detail;
  bool warning = false;  // not passed, not blocking: for the person to weigh
};
BOOST_DESCRIBE_STRUCT(Check, (), (name, passed, detail, warning))

// A card was shown: the plan as the person saw it (execution 0 when pre-flight failed).
struct Card {
  std::int64_t execution = 0;
  std::string requested_by;
  std::vector<std::string> argv;
  RevisionRef current;
  RevisionRef target;
  std::vector<Check> preflight;
};
BOOST_DESCRIBE_STRUCT(Card, (), (execution, requested_by, argv, current, target, preflight))

// denial, confirmation, cancellation, refusal: which go-around, and who, where known.
struct ExecutionStep {
  std::optional<std::int64_t> execution;
  std::optional<std::string> person;
  std::optional<std::string> requested_by;
  std::optional<std::int64_t> running_execution;  // a refusal: the go-around that holds the service
};
BOOST_DESCRIBE_STRUCT(ExecutionStep, (), (execution, person, requested_by, running_execution))

struct Command {
  std::vector<std::string> argv;
};
BOOST_DESCRIBE_STRUCT(Command, (), (argv))

struct Progress {
  int desired = 0;
  int updated = 0;
  int ready = 0;
  int available = 0;
  std::string bar;
  std::string service;
  bool counts = false;
  std::optional<std::string> detail;
};
BOOST_DESCRIBE_STRUCT(Progress, (), (desired, updated, ready, available, bar, service, counts, detail))

// After the go-around's run, or the re-check of an interrupted one (`to`, `execution`).
struct Verification {
  bool passed = false;
  std::vector<Check> checks;
  std::string service;
  std::optional<std::string> to;
  std::optional<std::int64_t> execution;
  std::optional<std::string> flag;  // a flag go-around's re-check: the flag that should be off
};
BOOST_DESCRIBE_STRUCT(Verification, (), (passed, checks, service, to, execution, flag))

struct Result {
  std::string service;
  std::string target;
  std::string from;
  std::string duration;
  std::int64_t duration_ms = 0;
  std::string failure;
  std::string message;
  std::vector<Check> checks;
  Outcome result = Outcome::failed;
  std::int64_t incident = 0;
  std::optional<int> exit_code;
  std::string output_tail;
  std::optional<std::string> flag;  // a flag go-around: the flag turned off
  // How long each phase took: planning with its pre-flight checks (card shown), the tool's
  // run, and the verification; what a drill measured is what the production card quotes.
  std::optional<std::int64_t> preflight_ms;
  std::optional<std::int64_t> execute_ms;
  std::optional<std::int64_t> verify_ms;
  std::optional<std::string> drill_of;  // a drill: the production service it practised for
  std::optional<std::int64_t> execution;
};
BOOST_DESCRIBE_STRUCT(Result, (), (service, target, from, duration, duration_ms, failure, message, checks,
                                   result, incident, exit_code, output_tail, flag, preflight_ms, execute_ms,
                                   verify_ms, drill_of, execution))

struct ExecutionLost {
  std::int64_t execution = 0;
  std::string owner;
  std::string taken_over_by;
};
BOOST_DESCRIBE_STRUCT(ExecutionLost, (), (execution, owner, taken_over_by))

struct Interrupted {
  std::string service;
  std::int64_t execution = 0;
  std::string from;
  std::string to;
  std::string confirmed_by;
  std::string started_at;
  std::string taken_over_by;
  std::optional<std::string> owner;      // host (pid) of the process that died
  std::optional<std::string> last_seen;  // its last heartbeat
  std::optional<std::string> flag;       // a flag go-around: the flag it was turning off
};
BOOST_DESCRIBE_STRUCT(Interrupted, (), (service, execution, from, to, confirmed_by, started_at,
                                        taken_over_by, owner, last_seen, flag))

struct Trigger {
  std::string service;
  std::string trigger;
  std::string query;
  std::string value;
  std::string threshold;
  std::string comparison;  // above | below
  std::string held;
  std::string must_hold;  // how long the breach must last before it fires
  std::string severity;
  std::optional<std::string> cooldown_until;  // an automatic go-around waits for the cooldown
  std::optional<std::string> outside_window;  // the deploy is older than the watch window
  std::optional<std::int64_t> incident;
};
BOOST_DESCRIBE_STRUCT(Trigger, (), (service, trigger, query, value, threshold, comparison, held, must_hold,
                                    severity, cooldown_until, outside_window, incident))

struct Decision {
  std::string verdict;
  std::string outcome;
};
BOOST_DESCRIBE_STRUCT(Decision, (), (verdict, outcome))

struct StatusUpdate {
  bool human = false;
  std::optional<double> value;  // the service's metric when it was posted
};
BOOST_DESCRIBE_STRUCT(StatusUpdate, (), (human, value))

struct TriggerReview {
  bool correct = false;
  std::string person;
};
BOOST_DESCRIBE_STRUCT(TriggerReview, (), (correct, person))

}  // namespace events
}  // namespace goaround::model
