#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "goaround/chat/message.hpp"
#include "goaround/chat/templates.hpp"
#include "goaround/config/config.hpp"
#include "goaround/store/store.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::core {

// CI's deployment registration (the HTTP listener's POST /v1/deployments).
struct Registration {
  enum class Outcome { registered, invalid, unknown_service, frozen, rejected };
  Outcome outcome = Outcome::invalid;
  std::string message;  // why not, for CI's log; or what was registered
  std::int64_t deployment = 0;
};
// What CI registers (POST /v1/deployments), as the listener decoded it from the request.
struct NewDeployment {
  std::string service;
  std::string environment;
  std::string revision;
  std::string migration = "none";  // none | additive | destructive
  std::string registered_by = "ci";
  std::map<std::string, std::string> details;  // image, previous_revision, feature_flag
  std::map<std::string, std::string> brief;    // any of the five lines (model::brief_fields)
};
// Refuses unknown services and frozen ones, and records the deployment and the brief it carries.
Registration register_deployment(config::Services services, store::Store& store, const chat::Templates& templates,
                                 time::TimePoint now, const NewDeployment& deployment);

// The service's latest registered deployment for templates: revision, age, migration kind and
// whether it is destructive (null when none was registered).
// A detail the service's latest registered deployment gave (its feature_flag, its commit), if any.
std::optional<std::string> deployed_detail(store::Store& store, const std::string& service, std::string_view key);
boost::json::value deployment_context(store::Store& store, const std::string& service,
                                      std::chrono::system_clock::time_point now);

struct Invocation;
// The scope a freeze command names: "*" for `all`, else a configured service; otherwise the
// person is told the known services and there is none.
std::optional<std::string> freeze_scope(const Invocation& call, const std::string& word);

// Change freezes: deploys of a service (or of all: "*") held while people sort out an abort,
// each set and lift announced where the service's incidents go.
class ChangeFreeze {
 public:
  ChangeFreeze(config::Services services, store::Store& store, const chat::Templates& templates,
               chat::Transport& transport, const time::Clock& clock)
      : services_(services), store_(store), templates_(templates), transport_(transport), clock_(clock) {}

  // The message for the person who asked when it was frozen already; a freeze set by a
  // go-around (`incident`) is announced in its thread and lifted by its debrief.
  boost::asio::awaitable<std::optional<chat::Message>> freeze(const chat::Place& where,
                                                              const std::string& scope,
                                                              const std::string& reason,
                                                              const std::string& by,
                                                              std::optional<std::int64_t> incident);
  boost::asio::awaitable<std::optional<chat::Message>> unfreeze(const chat::Place& where,
                                                                const std::string& scope,
                                                                const std::string& by);
  // The debrief of an incident is written: lift what its go-around froze.
  boost::asio::awaitable<void> debriefed(const model::Incident& incident, const std::string& by);

 private:
  chat::Place announce_place(const chat::Place& where, const std::string& scope) const;
  // The freezes over `scope`: those holding the service, or all of them for "*".
  std::vector<model::Freeze> over(const std::string& scope) const;
  // `context` with the freezes still holding `scope`, each in words.
  boost::json::object holding(const std::string& scope, boost::json::object context) const;

  config::Services services_;
  store::Store& store_;
  const chat::Templates& templates_;
  chat::Transport& transport_;
  const time::Clock& clock_;
};

// Each freeze in words (who, why, until what), for a message that lists what holds deploys.
boost::json::array freeze_holds(const chat::Templates& templates, const std::vector<model::Freeze>& freezes,
                                time::TimePoint now);

// Whether what a person typed names this revision: its number, its image or the image's tag.
bool names_revision(const std::string& number, const std::string& image, const std::string& typed);
// Whether a rejection rules out this revision or image. By image when the rejection knows one
// (a registration's image, or its revision as the image's tag); else by the revision typed.
bool rules_out(const model::Rejection& rejection, const std::string& revision, const std::string& image);
// The first of `rejections` that rules out this revision or image, if one does.
std::optional<model::Rejection> rejection_of(const std::vector<model::Rejection>& rejections,
                                             const std::string& revision, const std::string& image);
// The same among the service's rejections, read from the store.
std::optional<model::Rejection> rejection_of(store::Store& store, const std::string& service,
                                             const std::string& revision, const std::string& image);
// A rejection for templates: service, rejected_revision, _image, _by, _reason, _at, _in (the
// incident), _from (the go-around).
boost::json::object rejection_context(const model::Rejection& rejection, time::TimePoint now);

// Rejected revisions: the one a go-around rolled back from, or one a person names. Registering
// one again is refused (409) until it is accepted; a card going back to one warns.
class Rejections {
 public:
  Rejections(store::Store& store, const chat::Templates& templates, chat::Transport& transport,
             const time::Clock& clock)
      : store_(store), templates_(templates), transport_(transport), clock_(clock) {}

  // Said in the incident's thread (recorded there) or where asked; the message for the person
  // when it was rejected already.
  boost::asio::awaitable<std::optional<chat::Message>> reject(const chat::Place& where, model::Rejection rejection);
  // Lifts the rejections of `revision` (a revision number or an image); the message for the
  // person when there was none.
  boost::asio::awaitable<std::optional<chat::Message>> accept(const chat::Place& where, std::string service,
                                                              std::string revision, std::string by,
                                                              std::optional<std::int64_t> incident);

 private:
  store::Store& store_;
  const chat::Templates& templates_;
  chat::Transport& transport_;
  const time::Clock& clock_;
};

}  // namespace goaround::core
