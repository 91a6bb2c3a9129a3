#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "goaround/chat/message.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/core/deploys.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/incidents.hpp"
#include "goaround/debrief/debrief.hpp"
#include "goaround/debrief/timeline_export.hpp"
#include "goaround/model/records.hpp"
#include "goaround/schedule/status_scheduler.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::core {

// Who asked, and where.
struct Request {
  chat::Person who;
  chat::Place where;
};

// What an engine call gives back: its value, or the problem to tell the person who asked.
template <class T>
struct Outcome {
  std::optional<T> value;
  std::string problem;

  static Outcome refused(std::string why) { return {std::nullopt, std::move(why)}; }
  explicit operator bool() const { return value.has_value(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
};

// The one owner of the timeline: every call that changes an incident records the typed entry
// and then says it where the incident lives, in one step, so nothing is said that is not on
// record. Commands parse, call one of these, and answer the person; they never see the store
// or a transport.
class Engine {
 public:
  // What the engine reads of the configuration.
  struct Settings {
    config::Services services;
    std::filesystem::path data_dir;  // debriefs are written under it
    std::string prometheus_url;      // the error rate for decisions, the metric for debriefs
    static Settings of(const config::Config& config);
  };
  Engine(Settings settings, store::Store& store, const chat::Templates& templates, chat::Transport& transport,
         GoAround& go_around, schedule::StatusScheduler& status, boost::asio::any_io_executor executor,
         const time::Clock& clock);

  const config::Services& services() const { return settings_.services; }
  const chat::Templates& templates() const { return templates_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  // Go-arounds confirmed and not yet ended.
  std::size_t in_flight() const;

  // Answers to the person who asked (only they see it), or to everyone where they asked.
  void whisper(const Request& request, const chat::Message& message);
  boost::asio::awaitable<void> say_here(const Request& request, chat::Message message);
  // A form for the person (Slack: a modal); false where none can open.
  boost::asio::awaitable<bool> open_form(const Request& request, chat::Form form);

  // --- reading
  // For templates/history.mustache: the service's revisions, newest first, each with its age and
  // what go-arounds did with it (rolled back from, verified healthy, failed to reach); the
  // newest ten unless `all` (a kubectl Deployment keeps ten by default, a helm release more).
  boost::asio::awaitable<boost::json::object> history(std::string service, bool all);  // by value: the frame keeps it
  // For templates/incidents.mustache: the newest `limit` incidents, their state and durations.
  boost::json::object incidents(int limit);
  IncidentChoice choose_incident(const chat::Place& where, std::optional<std::string> named);
  // The incident of that number if it is still open (a button's).
  std::optional<model::Incident> open_incident(std::int64_t id);
  std::optional<model::Incident> latest_incident();
  // For templates/timeline.mustache.
  boost::json::object timeline(const model::Incident& incident, debrief::TimelineView view = {});
  std::optional<model::Event> entry(std::int64_t id);
  // Every open incident, its running go-around, last result and latest entry (templates/status).
  boost::json::object overview();
  // The service's latest brief for a template (null when there is none).
  boost::json::value brief(const std::string& service);

  // --- what people type and press, recorded in the incident it concerns: the one named, the
  // open one of the service named, else the one open where it happened (its thread, or the only
  // one in the channel); false when there is none (yet), or several and none is named.
  struct Concern {
    std::optional<std::string> service;
    std::optional<std::int64_t> incident;
    std::optional<std::int64_t> execution;
  };
  // `action`: a pressed button's action, kept beside its words.
  bool record_in_place(const Request& request, const Concern& concern, model::EventKind kind, const std::string& text,
                       const std::optional<std::string>& action = std::nullopt);

  // --- for the bot's own voices (triggers): an entry, and an entry said in its incident
  void record(std::int64_t incident, model::EventKind kind, const std::string& actor, const std::string& text,
              const boost::json::object& payload = {});
  boost::asio::awaitable<void> record_and_say(model::Incident incident, model::EventKind kind, std::string actor,
                                              std::string text, boost::json::object payload, chat::Message message);
  // Said outside any incident (a channel's announcement).
  boost::asio::awaitable<void> say_in(chat::Place place, chat::Message message);
  // Opens an incident for the service (or joins the open one), with `who` as its commander.
  model::Incident open_or_join(const config::Service& service, const chat::Person& who, const std::string& reason,
                               const std::string& fallback_channel);
  // A go-around a trigger calls (GoAround::automatic).
  boost::asio::awaitable<std::optional<chat::Message>> automatic(std::string service, chat::Person trigger,
                                                                 std::string reason);

  // --- the go-around
  // With `flag`, the go-around turns that flag off instead of rolling back.
  boost::asio::awaitable<GoAround::Proposal> propose(const Request& request, std::string service,
                                                     std::optional<std::string> to, std::string reason,
                                                     std::optional<std::string> flag = std::nullopt);
  // A drill of the service on its twin (GoAround::propose_drill).
  boost::asio::awaitable<GoAround::Proposal> propose_drill(const Request& request, std::string service, std::string reason);
  // "Turn flag X off instead" (a rollback card, the FLAG OFF verdict): a flag go-around in
  // the incident, for its reason.
  boost::asio::awaitable<GoAround::Proposal> propose_flag_off(const Request& request, model::Incident incident,
                                                              std::string flag);
  // The go-around a suggestion, prompt or decision offered ("Go around"): the incident's service,
  // for the reason the incident has come to: its latest decision when one was made (an incident
  // opened to decide has only a placeholder for a reason), else why it was opened.
  boost::asio::awaitable<GoAround::Proposal> propose_for(const Request& request, model::Incident incident);
  // After a failed go-around: the card again for the same target, or for the revision before it.
  boost::asio::awaitable<GoAround::Proposal> propose_again(const Request& request, std::int64_t failed, bool further);
  // Calls the service's escalate_to people in the incident, on record.
  boost::asio::awaitable<Outcome<bool>> escalate(const Request& request, model::Incident incident);
  // Whether the incident's last go-around that ran failed (closing it then asks first).
  std::optional<model::Execution> last_run_failed(const model::Incident& incident);
  // Starts it (authorization, the service lock) and runs it in the background; the message
  // for the person when it is refused.
  std::optional<chat::Message> confirm(const Request& request, std::int64_t execution);
  std::optional<chat::Message> cancel(const Request& request, std::int64_t execution);

  // --- the scribe
  // A note, word for word; returns when it was written.
  std::string note(const Request& request, const model::Incident& incident, const std::string& text);
  // Resolves the incident: withdraws waiting cards, stops the cadence, asks whether the trigger
  // was right. Refused while its go-around runs or when it is closed already.
  boost::asio::awaitable<Outcome<model::Incident>> close(const Request& request, model::Incident incident,
                                                         std::string summary);
  // The answer to "was the trigger right?"; returns the line recorded.
  Outcome<std::string> review_trigger(const Request& request, std::int64_t incident, bool correct);
  // A corrective action and its owner; returns the line recorded.
  std::string add_action(const Request& request, const model::Incident& incident, const std::string& text,
                         const std::string& owner);
  // Corrects a note or captured message (never what the bot recorded); returns the timeline.
  Outcome<boost::json::object> revise(const Request& request, std::int64_t entry, model::EventRevision revision);
  // "Hold" under a suggestion: on record, and said in the incident.
  boost::asio::awaitable<void> hold(const Request& request, model::Incident incident);
  // Writes the debrief into the data folder (or `markdown_path`), shares it in the incident and
  // lifts what the go-around froze.
  boost::asio::awaitable<debrief::Written> debrief(const Request& request, model::Incident incident,
                                                  std::optional<std::filesystem::path> markdown_path = {});

  // --- change freezes: the message for the person when there was nothing to do
  boost::asio::awaitable<std::optional<chat::Message>> freeze(const Request& request, std::string scope,
                                                              std::string reason);
  boost::asio::awaitable<std::optional<chat::Message>> unfreeze(const Request& request, std::string scope);
  // --- rejected revisions (CI's registration of one answers 409), said in the service's open
  // incident if it has one: the message for the person when there was nothing to do. What
  // was typed may be a revision number, an image or its tag.
  boost::asio::awaitable<std::optional<chat::Message>> reject(const Request& request, std::string service,
                                                              std::string revision, std::string reason);
  boost::asio::awaitable<std::optional<chat::Message>> accept(const Request& request, std::string service,
                                                              std::string revision);
  // CI's deployment registration.
  Registration register_deployment(const NewDeployment& deployment);

  // --- briefs: records the lines given over the previous brief's; returns the brief
  boost::json::value save_brief(const Request& request, const std::string& service,
                                const std::map<std::string, std::string, std::less<>>& lines);

  // --- status
  boost::asio::awaitable<void> status_update(const Request& request, model::Incident incident, std::string text);
  bool snooze(const Request& request, std::int64_t incident, std::chrono::minutes by);

  // --- roll back or fix forward?
  // Opens (or joins) the service's incident for the decision.
  model::Incident open_for_decision(const Request& request, const config::Service& service);
  // Replays `path`, records the person's answer to `chosen` (if any) and what facts answered,
  // then asks the next question or gives the verdict, in the incident. A question of a `walk`
  // is answered once: a second press is refused with who answered when. An empty walk starts one.
  boost::asio::awaitable<Outcome<bool>> decide(const Request& request, model::Incident incident, std::string path,
                                               std::string chosen, std::string walk);

 private:
  // Records a button's answer under `source` unless someone answered it first; then the
  // refusal says who, when and what.
  std::optional<std::string> answer_once(std::int64_t incident, model::EventKind kind, const std::string& who,
                                         const std::string& text, const std::string& source,
                                         const boost::json::object& data = {});
  static std::string new_walk_id();
  std::optional<model::Incident> open_incident_of(const std::string& service);

  chat::Message render(std::string_view name, const boost::json::value& context) const;

  Settings settings_;
  store::Store& store_;
  const chat::Templates& templates_;
  chat::Transport& transport_;
  GoAround& go_around_;
  schedule::StatusScheduler& status_;
  boost::asio::any_io_executor executor_;
  const time::Clock& clock_;
};

}  // namespace goaround::core
