#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "goaround/config/config.hpp"

namespace goaround::exec {

struct Revision {
  std::string number;
  std::string image;
  std::string change_cause;
  std::string created;  // when the tool says it was made or deployed (RFC 3339), if it does
};

// What a service has run, as its tool remembers it.
struct History {
  std::vector<Revision> revisions;  // newest first
  std::string live;                 // the live revision's number
  std::string problem;              // why the tool could not be read; empty when it was
};

// One pre-flight or verification check, with what was seen.
struct Check {
  std::string name;
  bool passed = false;
  std::string detail;
  // Not passed, but not blocking either: what could not be checked, for the person to weigh
  // before confirming (a registry that did not answer).
  bool warning = false;
};

// What a go-around will do, decided before anyone confirms it.
struct Plan {
  Revision current;
  Revision target;
  std::vector<std::string> argv;  // exactly what will run; shown to people as is
  std::vector<std::string> wait_argv;  // what execute() runs next to follow the rollout, if any
  std::vector<Check> preflight;
  // Who called the go-around and why, in the incident's words ("incident #4, called by alice:
  // 5xx after 1.42"): set by the engine once planned, for adapters that write it down (a
  // revert commit's message).
  std::string intent;
  // Which way back the plan takes when its adapter knows more than one: "" its own, "git" a
  // revert in the GitOps repository (argocd under auto-sync), "flag" a flag turned off.
  std::string route;
  std::string flag;  // route "flag": the key of the flag turned off
  // The image references the target runs, for adapters that know them (a pod template, a
  // release's manifest): the runway check asks their registries for each. Empty: not known.
  std::vector<std::string> target_images;

  bool ready() const;  // every pre-flight check passed
};

// Rollout progress in a Deployment's terms; tools that report no counts (helm --wait,
// argocd app wait) leave desired at 0 and say what they are doing in `detail`.
struct Progress {
  int desired = 0;
  int updated = 0;
  int ready = 0;
  int available = 0;
  std::string detail;
};

// Why an execution failed, in the words an on-call engineer would search for.
enum class Failure {
  none,
  not_found,
  forbidden,
  revision_missing,
  progress_deadline_exceeded,
  timeout,
  tool_missing,
  tool_failed
};
std::string_view to_string(Failure failure);

struct Outcome {
  Failure failure = Failure::none;
  std::optional<int> exit_code;
  std::string output_tail;
  std::string message;  // one line: what happened
  bool ok() const { return failure == Failure::none; }
};

struct Verification {
  bool passed = false;
  std::vector<Check> checks;
};

using ProgressFn = std::function<void(const Progress&)>;

// A way of rolling a service back: plan → (pre-flight inside the plan) → execute with
// progress → verify. Adapters report; they never talk to chat or storage.
class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) = 0;
  // A plan that undoes one known change: the commit CI registered as deployed. Adapters that
  // return to revisions rather than revert changes plan as without a target.
  virtual boost::asio::awaitable<Plan> plan_undo(std::string change) { co_return co_await plan(std::nullopt); }
  virtual boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) = 0;
  virtual boost::asio::awaitable<Verification> verify(const Plan& plan) = 0;
  // Read only: the revisions a go-around could return to (/rollback history).
  virtual boost::asio::awaitable<History> history() = 0;
};

// The adapter of every configured service, built once at start-up.
class Adapters {
 public:
  // `work_dir`: where adapters keep what they need between go-arounds (the GitOps clones).
  Adapters(boost::asio::any_io_executor executor, config::Services services, const config::Tools& tools,
           const std::filesystem::path& work_dir);
  ~Adapters();
  // nullptr for a service that is not configured.
  Adapter* find(const std::string& service);
  // The service's flag switch; nullptr when it has no `flags:` block.
  Adapter* flags(const std::string& service);
  // The adapter that carries a plan out: the flag switch for a flag plan, else the service's.
  Adapter* of(const std::string& service, const Plan& plan);

 private:
  std::map<std::string, std::unique_ptr<Adapter>> adapters_;
  std::map<std::string, std::unique_ptr<Adapter>> flags_;
};

}  // namespace goaround::exec

namespace goaround::exec {
// argv as one line a person could paste into a POSIX shell: words with anything beyond
// [A-Za-z0-9_./=:,@%+-] are single-quoted.
std::string command_line(const std::vector<std::string>& argv);
}  // namespace goaround::exec

#include <boost/json/value.hpp>

namespace goaround::exec {
// A plan as JSON and back, so that it can be stored with its execution and a restarted bot
// can verify what an interrupted go-around left behind.
boost::json::value to_json(const Plan& plan);
Plan plan_from_json(const boost::json::value& json);
}  // namespace goaround::exec
