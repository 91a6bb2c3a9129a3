#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <chrono>
#include <map>
#include <set>
#include <optional>
#include <string>

#include "goaround/chat/message.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/exec/adapter.hpp"
#include "goaround/store/store.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::core {

struct Request;

// Whether this person may call stop on this service: the local operator always, anyone when
// the service names nobody, otherwise a listed user or a member of a listed group.
bool may_call_stop(const config::Service& service, const chat::Person& person);

using Result = model::Outcome;

// This process as the owner of the go-arounds it runs: its identity, how often it renews its
// heartbeat while it runs any, and how old a heartbeat may get before any other goaround
// process may take that process's go-arounds over.
struct Ownership {
  model::Owner owner;
  std::chrono::milliseconds lease{std::chrono::seconds(10)};
  std::chrono::milliseconds renew_every() const { return lease / 5; }
  // host, pid, start time and a random nonce: unique across hosts and restarts.
  static Ownership of_this_process(std::chrono::milliseconds lease);
  // Whether a running execution's owner (another process) is gone: its heartbeat is older
  // than the lease, or it is on this host and its process no longer exists.
  bool dead(const model::RunningExecution& running) const;
};

// The go-around engine: plan → card → confirm → announce → execute with progress → verify
// → result. Every step is written to the timeline before anyone is told about it.
// The incident's latest go-around that ran (not planned, not cancelled), before `before` if given.
std::optional<model::Execution> last_run(store::Store& store, std::int64_t incident,
                                         std::optional<std::int64_t> before = std::nullopt);
// The revision number before a numeric target ("41" gives "40"); nullopt for 1 or a non-number.
std::optional<std::string> revision_before(std::string_view target);
// What the service's earlier go-arounds (those before execution `before`) measured, for the card:
// how many and how they ended, the median time to execute and from incident to verified, the
// last outcome and how long ago; null when there is none.
boost::json::value go_around_memory(store::Store& store, const std::string& service, std::int64_t before,
                                    time::TimePoint now);

// For the production card: the service's last drill (on its twin, drill_name()), with how long
// it took to execute and to verify; {"never": true} when there has been none; overdue when
// practice_every has passed since.
boost::json::value practice_memory(store::Store& store, const config::Service& service, time::TimePoint now);
// The same, from a drill already read (store::last_drill of the service's twin).
boost::json::value practice_memory(const std::optional<store::Drill>& drill, const config::Service& service,
                                   time::TimePoint now);

// The runway check: each of the target's images (Plan::target_images) asked for in its
// registry, when that registry is under `registries:` (one check per image; none without
// registries). A missing image fails; a registry that did not answer or refused us is a warning.
boost::asio::awaitable<std::vector<exec::Check>> runway_checks(std::vector<std::string> images,
                                                               std::vector<config::Registry> registries);

class GoAround {
 public:
  // What the go-around reads of the configuration.
  struct Settings {
    config::Services services;
    std::string prometheus_url;  // for the services' metric checks (verify.query)
    bool freeze_until_debrief = true;
    std::vector<config::Registry> registries;  // the runway check's
    static Settings of(const config::Config& config);
  };
  GoAround(Settings settings, store::Store& store, exec::Adapters& adapters,
           const chat::Templates& templates, chat::Transport& transport,
           const time::Clock& clock, Ownership ownership);

  struct Proposal {
    std::optional<std::int64_t> execution_id;  // set when a confirmable card was posted
    std::optional<chat::Message> refusal;      // for the person who asked, otherwise
  };
  // Plans a go-around and posts its card in the incident (opening one if none is open).
  // With `flag`, the go-around turns that flag off (the service's `flags:` provider) instead
  // of rolling the service back.
  boost::asio::awaitable<Proposal> propose(const Request& request, const std::string& service,
                                           std::optional<std::string> to_revision,
                                           std::string reason, std::optional<std::string> flag = std::nullopt);

  // A drill: the same card, pre-flight, execution and verification on the service's drill
  // twin, labelled DRILL, with no freeze and no page; each phase measured and recorded, and
  // the drill's incident closed with its result.
  boost::asio::awaitable<Proposal> propose_drill(const Request& request, const std::string& service, std::string reason);

  // A go-around a trigger asked for: the same card, announcement and verification, confirmed
  // by the trigger itself. Refused (the message says why) while the service's deploys are
  // frozen (people are in charge) or a go-around of it is running; otherwise it is started and
  // runs on its own.
  boost::asio::awaitable<std::optional<chat::Message>> automatic(const std::string& service,
                                                                 const chat::Person& trigger,
                                                                 std::string reason);

  // Confirmation: checks who may call stop and takes the service's lock. Returns the
  // message for the person when it is refused; otherwise call run().
  std::optional<chat::Message> start(const Request& request, std::int64_t execution_id);
  // Executes a started go-around to its end: announce, execute, verify, result.
  boost::asio::awaitable<Result> run(std::int64_t execution_id);
  std::optional<chat::Message> cancel(const Request& request, std::int64_t execution_id);
  // Cards still waiting in an incident stop waiting (the incident closed).
  void withdraw_cards(std::int64_t incident_id, const std::string& why);

  // Go-arounds (of `service`, or all) whose owning process stopped renewing its heartbeat
  // (it died mid-rollback) are taken over: marked interrupted in the timeline and the
  // incident, their service freed, the live state re-checked. Any process may do it; exactly
  // one does each. Called at start-up, before a card is planned, and periodically by serve.
  boost::asio::awaitable<void> recover(std::string service = "");  // by value: it lives in the coroutine frame

  // Go-arounds between start() and the end of run().
  std::size_t in_flight() const { return in_flight_; }

  // The service's revisions as its tool keeps them; nullopt for a service not configured.
  boost::asio::awaitable<std::optional<exec::History>> history(std::string service);  // by value: the frame keeps it

 private:
  // The buttons under a failed result: retry, one revision further, the decision tree, escalate.
  std::vector<chat::Button> next_steps(const model::Execution& failed, const std::string& target) const;
  boost::json::value last_failed(const model::Execution& execution) const;
  struct Pending {
    exec::Plan plan;
    chat::Place place;
    std::string card;  // handle of the posted card
    std::string requested_by;
    std::string reason;
    std::string service;
    std::int64_t incident_id = 0;
    std::int64_t preflight_ms = 0;  // planning and its pre-flight checks took this long
    boost::json::value practice;    // practice_memory() when planned; null on a drill's card
  };
  boost::asio::awaitable<Result> run_steps(std::int64_t execution_id);
  // While this process runs go-arounds: renews the heartbeat every renew_every() and notices
  // any it lost to a takeover; ends when none is left.
  boost::asio::awaitable<void> keep_owned();
  // Still ours (running, or finished by us); when another process took it over, says so in
  // the incident once (without waiting for the chat) and remembers it.
  bool still_owned(std::int64_t execution_id);
  // After a takeover: the notice in the incident and the re-check of the live state.
  boost::asio::awaitable<void> say_taken_over(const model::RunningExecution& stale);
  void withdraw_card(std::int64_t execution_id, const std::string& why);

  // The adapter's verification plus the service's own checks (health URL, metric).
  boost::asio::awaitable<exec::Verification> verify_all(const std::string& service,
                                                        exec::Adapter& adapter,
                                                        const exec::Plan& plan);
  boost::json::object card_context(const model::Execution& execution, const Pending& pending);
  // The card's buttons: confirm and cancel when it may run, and the flag the last deploy named
  // when a rollback card's service can turn it off instead.
  std::vector<chat::Button> card_buttons(const model::Execution& planned, const Pending& pending) const;
  chat::Message render(std::string_view name, const boost::json::value& context) const;
  chat::Message unknown_service(const std::string& name) const;
  // The service's lock is held: the refusal to show, and whose go-around holds it.
  struct Busy {
    chat::Message message;
    std::int64_t execution = 0;
    std::optional<std::int64_t> incident;
  };
  std::optional<Busy> refusal_if_busy(const std::string& service);
  std::int64_t record(std::int64_t incident, model::EventKind kind, const std::string& actor,
                      const std::string& text, const boost::json::object& data = {});

  Settings settings_;
  store::Store& store_;
  exec::Adapters& adapters_;
  const chat::Templates& templates_;
  chat::Transport& transport_;
  const time::Clock& clock_;
  std::map<std::int64_t, Pending> pending_;
  std::size_t in_flight_ = 0;
  Ownership ownership_;
  std::set<std::int64_t> running_here_;  // started by this process, not yet finished
  std::set<std::int64_t> lost_;          // taken over by another process while we ran them
  bool keeping_owned_ = false;           // keep_owned() is running
  std::optional<boost::asio::steady_timer> heartbeat_;  // keep_owned()'s, while it runs
  std::optional<boost::asio::any_io_executor> executor_;  // where run() runs
};

std::string display_name(const chat::Person& person);

}  // namespace goaround::core
