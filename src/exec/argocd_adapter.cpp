#include "goaround/exec/argocd_adapter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>

#include "goaround/exec/tool_support.hpp"

namespace goaround::exec {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// One entry of status.history: what was synced, by id.
struct Deployment {
  std::string revision;  // git SHA or chart version
  std::string deployed_at;
};

std::map<std::int64_t, Deployment> history_of(const json::value& app) {
  std::map<std::int64_t, Deployment> out;
  if (const auto* entries = model::at(app, {"status", "history"}); entries && entries->is_array())
    for (const auto& e : entries->get_array())
      if (const auto id = model::number_at(e, {"id"}))
        out[*id] = {model::text_at(e, {"revision"}), model::text_at(e, {"deployedAt"})};
  return out;
}

Revision revision_of(std::int64_t id, const Deployment& d) {
  return {std::to_string(id), d.revision, d.deployed_at.empty() ? "" : "deployed " + d.deployed_at, d.deployed_at};
}

std::string short_sha(const std::string& revision) { return revision.substr(0, 7); }

// A plan stored for the git route, run where the service no longer has its gitops block (the
// configuration changed between planning and running).
Outcome no_git_route() {
  Outcome refused;
  refused.failure = Failure::tool_failed;
  refused.message = "this go-around reverts in git, but the service has no gitops block any more; plan it again";
  return refused;
}

}  // namespace

std::string argocd_error(const ProcessResult& result) {
  const auto line = tool::error_line(result);
  if (const auto logged = tool::parse_json(line))
    if (const auto msg = model::text_at(*logged, {"msg"}); !msg.empty()) return msg;
  return line;
}

Failure classify_argocd_failure(const ProcessResult& result) {
  return tool::classify(
      result, {{"does not have deployment", Failure::revision_missing},
               {"should have at least two successful deployments", Failure::revision_missing},
               {"waiting for app", Failure::timeout},
               {"code = NotFound", Failure::not_found},
               {"code = PermissionDenied", Failure::forbidden},
               {"code = Unauthenticated", Failure::forbidden}});
}

ArgoCdAdapter::ArgoCdAdapter(asio::any_io_executor, const config::Service& service, const config::Tools& tools,
                             std::unique_ptr<GitOpsAdapter> git_route)
    : target_(service.argocd.value()), tools_(tools), timeout_(service.timeout), git_route_(std::move(git_route)) {}

namespace {

std::vector<std::string> argocd_argv(const config::ArgoCdTarget& target, const config::Tools& tools,
                                     std::vector<std::string> args) {
  args.insert(args.begin(), tools.argocd);
  if (!target.server.empty()) args.insert(args.end(), {"--server", target.server});
  if (target.grpc_web) args.push_back("--grpc-web");
  if (target.plaintext) args.push_back("--plaintext");
  return args;
}

asio::awaitable<ProcessResult> run_argocd(const config::ArgoCdTarget& target, const config::Tools& tools,
                                          std::vector<std::string> argv, std::chrono::milliseconds timeout,
                                          LineFn on_line = {}) {
  std::map<std::string, std::string> token;
  if (!target.auth_token.empty()) token.emplace("ARGOCD_AUTH_TOKEN", target.auth_token.reveal());
  co_return co_await run_process({std::move(argv), tool::environment(tools, std::move(token)), timeout},
                                 std::move(on_line));
}

// Argo CD reconciling a pushed revert: it polls git every few minutes and an app serving errors
// is often Healthy to it, so the wait asks it to refresh until it has synced a revision that
// includes the revert, then waits for the sync and health.
class ArgoCdReconciler final : public Reconciler {
 public:
  ArgoCdReconciler(config::ArgoCdTarget app, config::Tools tools, std::chrono::milliseconds timeout)
      : app_(std::move(app)), tools_(std::move(tools)), timeout_(timeout) {}

  std::string describe() const override {
    return "Argo CD app " + app_.app + ": `" + command_line(argv({"app", "get", app_.app, "--refresh", "-o", "json"})) +
           "` until it synced the revert, then `" + command_line(wait_argv()) + "`";
  }

  asio::awaitable<Outcome> follow(std::string revert, Includes includes, ProgressFn on_progress) override {
    const auto report = [&](std::string_view line) { on_progress({0, 0, 0, 0, std::string(line)}); };
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (const auto deadline = std::chrono::steady_clock::now() + timeout_;;) {
      const auto got = co_await run(argv({"app", "get", app_.app, "--refresh", "-o", "json"}), tool::read_timeout);
      const auto app = got.ok() ? tool::parse_json(got.out) : std::nullopt;
      const auto synced = app ? model::text_at(*app, {"status", "sync", "revision"}) : std::string();
      if (co_await includes(synced, revert)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        Outcome late;
        late.failure = Failure::timeout;
        late.message = app_.app + " has not synced the revert " + short_sha(revert) + " within " +
                       tool::go_seconds(timeout_) + " (it is at " + (synced.empty() ? "an unknown revision" : short_sha(synced)) + ")";
        co_return late;
      }
      report("waiting for " + app_.app + " to sync " + short_sha(revert));
      pause.expires_after(2s);
      co_await pause.async_wait(asio::use_awaitable);
    }
    const auto wait = co_await run(wait_argv(), timeout_ + 30s, report);
    if (!wait.ok()) co_return tool::failed(wait, classify_argocd_failure(wait), argocd_error(wait), wait.tail());
    Outcome outcome;
    outcome.exit_code = 0;
    outcome.message = app_.app + " synced it and is healthy";
    outcome.output_tail = wait.tail();
    co_return outcome;
  }

  asio::awaitable<Check> reachable() override {
    const auto got = co_await run(argv({"app", "get", app_.app, "-o", "json"}), tool::read_timeout);
    const bool read = got.ok() && tool::parse_json(got.out);
    co_return Check{"application readable", read,
                    read ? "argocd reads " + app_.app : tool::unusable(got, argocd_error(got), "argocd")};
  }

  asio::awaitable<std::vector<Check>> checks(std::string revert, Includes includes) override {
    const auto got = co_await run(argv({"app", "get", app_.app, "-o", "json"}), tool::read_timeout);
    const auto app = got.ok() ? tool::parse_json(got.out) : std::nullopt;
    if (!app) co_return std::vector<Check>{{"application readable", false, tool::unusable(got, argocd_error(got), "argocd")}};
    // Synced to a revision that includes the revert (the branch may have moved on), and healthy.
    const auto synced = model::text_at(*app, {"status", "sync", "revision"});
    const bool included = co_await includes(synced, revert);
    const auto health = model::text_at(*app, {"status", "health", "status"});
    co_return std::vector<Check>{
        {"application synced the revert", included,
         app_.app + " is at " + short_sha(synced) + (included ? ", which includes " : ", without ") + "the revert " +
             short_sha(revert)},
        {"application healthy", health == "Healthy", "health is " + health}};
  }

 private:
  std::vector<std::string> argv(std::vector<std::string> args) const { return argocd_argv(app_, tools_, std::move(args)); }
  std::vector<std::string> wait_argv() const {
    return argv({"app", "wait", app_.app, "--sync", "--health", "--timeout", tool::whole_seconds(timeout_)});
  }
  asio::awaitable<ProcessResult> run(std::vector<std::string> command, std::chrono::milliseconds timeout,
                                     LineFn on_line = {}) const {
    co_return co_await run_argocd(app_, tools_, std::move(command), timeout, std::move(on_line));
  }

  config::ArgoCdTarget app_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Reconciler> argocd_reconciler(const config::ArgoCdTarget& app, const config::Tools& tools,
                                              std::chrono::milliseconds timeout) {
  return std::make_unique<ArgoCdReconciler>(app, tools, timeout);
}

std::vector<std::string> ArgoCdAdapter::argocd(std::vector<std::string> args) const {
  return argocd_argv(target_, tools_, std::move(args));
}

asio::awaitable<ProcessResult> ArgoCdAdapter::run(std::vector<std::string> argv,
                                                  std::chrono::milliseconds timeout,
                                                  LineFn on_line) const {
  co_return co_await run_argocd(target_, tools_, std::move(argv), timeout, std::move(on_line));
}

asio::awaitable<tool::JsonRead> ArgoCdAdapter::read_app() const {
  const auto got = co_await run(argocd({"app", "get", target_.app, "-o", "json"}), tool::read_timeout);
  tool::JsonRead read{got.ok() ? tool::parse_json(got.out) : std::nullopt, ""};
  if (!read.json) read.problem = tool::unusable(got, argocd_error(got), "argocd");
  co_return read;
}

asio::awaitable<Plan> ArgoCdAdapter::plan(std::optional<std::string> target_revision) {
  co_return co_await plan_of(std::move(target_revision), std::nullopt);
}

asio::awaitable<Plan> ArgoCdAdapter::plan_undo(std::string change) {
  co_return co_await plan_of(std::nullopt, std::move(change));
}

asio::awaitable<Plan> ArgoCdAdapter::plan_of(std::optional<std::string> target_revision, std::optional<std::string> change) {
  Plan plan;
  const auto& app_name = target_.app;
  const auto finish = [&](const std::string& id) {
    plan.target.number = id;
    plan.argv = argocd({"app", "rollback", app_name, id});
    plan.wait_argv =
        argocd({"app", "wait", app_name, "--health", "--timeout", tool::whole_seconds(timeout_)});
  };
  const auto read = co_await read_app();
  const auto& app = read.json;
  if (!app) {
    plan.preflight.push_back({"application readable", false, read.problem});
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  const auto history = history_of(*app);
  const auto sync = model::text_at(*app, {"status", "sync", "status"});
  const auto health = model::text_at(*app, {"status", "health", "status"});
  plan.preflight.push_back(
      {"application readable", !history.empty(),
       history.empty() ? "application " + app_name + " has no deployment history"
                       : "application " + app_name + " is " + sync + ", " + health +
                             ", at history id " + std::to_string(history.rbegin()->first)});
  if (history.empty()) {
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  const auto& [current_id, current] = *history.rbegin();
  plan.current = revision_of(current_id, current);

  // In a GitOps world (rollbacks and roll-forward): with auto-sync the controller owns the cluster state; a rollback would be
  // reverted on the next sync (and Argo CD refuses it). Git is where the bad change must go.
  const bool automated = model::at(*app, {"spec", "syncPolicy", "automated"}) != nullptr;
  const auto repo = model::text_at(*app, {"spec", "source", "repoURL"});
  if (automated && git_route_) {
    auto by_git = change ? co_await git_route_->plan_undo(*change) : co_await git_route_->plan(target_revision);
    by_git.route = "git";
    by_git.preflight.insert(
        by_git.preflight.begin(),
        {"auto-sync is on: the way back is git", true,
         "auto-sync is on (spec.syncPolicy.automated): `argocd app rollback` would be undone by the controller, "
         "so the go-around reverts the bad commit in git and waits for " + app_name + " to sync it"});
    co_return by_git;
  }
  plan.preflight.push_back(
      {"auto-sync is off", !automated,
       automated ? "auto-sync is on (spec.syncPolicy.automated): Argo CD refuses `app rollback`, "
                   "and its controller would re-apply the bad commit " +
                       current.revision + " from git anyway. Take the GitOps path: revert commit " +
                       current.revision + " in the config repo" + (repo.empty() ? "" : " " + repo) +
                       " (git revert --no-edit " + current.revision + ", then push), then `" +
                       command_line(argocd({"app", "sync", app_name})) + "`"
                 : "auto-sync is off; a rollback will stay until someone syncs again"});

  // Like `argocd app rollback` without an id: the entry before the live one.
  std::optional<std::int64_t> wanted;
  if (target_revision) {
    if (const auto n = tool::to_int(*target_revision)) wanted = *n;
  } else if (history.size() >= 2) {
    wanted = std::prev(history.end(), 2)->first;
  }
  const auto found = wanted ? history.find(*wanted) : history.end();
  finish(wanted ? std::to_string(*wanted) : target_revision.value_or("previous"));
  if (found == history.end()) {
    plan.preflight.push_back(
        {"target in history", false,
         wanted ? "application " + app_name + " has no history id " + std::to_string(*wanted) +
                      " (ids " + std::to_string(history.begin()->first) + ".." +
                      std::to_string(current_id) + ")"
         : target_revision ? "`" + *target_revision + "` is not a history id"
                           : "only one deployment in the history; nothing to go back to"});
    co_return plan;
  }
  plan.target = revision_of(found->first, found->second);
  plan.preflight.push_back(
      {"target in history", true,
       "history id " + plan.target.number + " deployed " + short_sha(plan.target.image)});
  const bool differs = found->second.revision != current.revision;
  plan.preflight.push_back(
      {"target differs from current", differs,
       differs ? short_sha(current.revision) + " → " + short_sha(found->second.revision)
               : "history id " + plan.target.number + " deployed " + short_sha(current.revision) +
                     ", the revision that is live; a rollback would change nothing"});
  co_return plan;
}

asio::awaitable<History> ArgoCdAdapter::history() {
  History history;
  const auto read = co_await read_app();
  if (!read.json) {
    history.problem = read.problem;
    co_return history;
  }
  const auto deployments = history_of(*read.json);
  for (auto it = deployments.rbegin(); it != deployments.rend(); ++it)
    history.revisions.push_back(revision_of(it->first, it->second));
  if (!deployments.empty()) history.live = std::to_string(deployments.rbegin()->first);
  co_return history;
}

asio::awaitable<Outcome> ArgoCdAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  const auto report = [&](std::string_view line) { on_progress({0, 0, 0, 0, std::string(line)}); };
  if (plan.route == "git") {
    if (!git_route_) co_return no_git_route();
    co_return co_await git_route_->execute(plan, on_progress);  // its reconciler is this app
  }
  // `app rollback` waits for its sync operation; `app wait --health` then for the workloads.
  const auto rollback = co_await run(plan.argv, timeout_ + 30s, report);
  std::string tail = rollback.tail();
  if (!rollback.ok())
    co_return tool::failed(rollback, classify_argocd_failure(rollback), argocd_error(rollback),
                           tail);
  const auto wait = co_await run(plan.wait_argv, timeout_ + 30s, report);
  tail += "\n" + wait.tail();
  if (!wait.ok())
    co_return tool::failed(wait, classify_argocd_failure(wait), argocd_error(wait), tail);
  Outcome outcome;
  outcome.exit_code = 0;
  outcome.message =
      "application " + target_.app + " synced to history id " + plan.target.number + " and healthy";
  outcome.output_tail = tail;
  co_return outcome;
}

asio::awaitable<Verification> ArgoCdAdapter::verify(const Plan& plan) {
  Verification v;
  if (plan.route == "git" && !git_route_) {
    v.checks.push_back({"git route configured", false, no_git_route().message});
    co_return v;
  }
  if (plan.route == "git") co_return co_await git_route_->verify(plan);  // with this app's checks
  const auto read = co_await read_app();
  const auto& app = read.json;
  if (!app) {
    v.checks.push_back({"application readable", false, read.problem});
    v.passed = false;
    co_return v;
  }
  // The rollback's sync is the newest history entry; it must have deployed the target's revision.
  const auto history = history_of(*app);
  const auto live = history.empty() ? std::string() : history.rbegin()->second.revision;
  const bool on_target = !live.empty() && live == plan.target.image;
  v.checks.push_back({"live revision is the target's", on_target,
                      "newest deployment is " + (live.empty() ? "none" : short_sha(live)) +
                          (on_target ? "" : "; expected " + short_sha(plan.target.image))});
  const auto health = model::text_at(*app, {"status", "health", "status"});
  v.checks.push_back({"application healthy", health == "Healthy", "health is " + health});
  const auto phase = model::text_at(*app, {"status", "operationState", "phase"});
  const auto message = model::text_at(*app, {"status", "operationState", "message"});
  v.checks.push_back({"sync operation succeeded", phase == "Succeeded",
                      "operation " + (phase.empty() ? "unknown" : phase) +
                          (message.empty() ? "" : ": " + message)});
  v.passed = on_target && health == "Healthy" && phase == "Succeeded";
  co_return v;
}

}  // namespace goaround::exec
