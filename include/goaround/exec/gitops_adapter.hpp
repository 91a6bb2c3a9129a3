#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <utility>

#include "goaround/exec/adapter.hpp"
#include "goaround/exec/process.hpp"

namespace goaround::exec {

// Whether a revision a controller applied includes a commit (the GitOps clone knows).
using Includes = std::function<boost::asio::awaitable<bool>(std::string revision, std::string sha)>;

// The controller that reconciles a pushed revert into the cluster, and how a go-around waits for
// it: Argo CD (argocd_adapter.cpp) or Flux (flux_reconciler.cpp).
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // What the card says is waited for, with the commands.
  virtual std::string describe() const = 0;
  // Pre-flight: the controller's object can be read now, so that a wrong name or missing
  // access is found before the revert is pushed (a push cannot be taken back).
  virtual boost::asio::awaitable<Check> reachable() = 0;
  // Asks the controller to reconcile now, then waits until what it applied includes `revert`
  // and it is healthy, or the service's timeout passes.
  virtual boost::asio::awaitable<Outcome> follow(std::string revert, Includes includes, ProgressFn on_progress) = 0;
  // The controller's state now: applied the revert, and healthy.
  virtual boost::asio::awaitable<std::vector<Check>> checks(std::string revert, Includes includes) = 0;
};

std::unique_ptr<Reconciler> argocd_reconciler(const config::ArgoCdTarget& app, const config::Tools& tools,
                                              std::chrono::milliseconds timeout);
std::unique_ptr<Reconciler> flux_reconciler(const config::GitOpsTarget::Wait& wait, const config::Tools& tools,
                                            std::chrono::milliseconds timeout);

// GitOps: the way back is reverting the bad commit in the repository the controller syncs
// from ("in a GitOps world you roll back by reverting the Git commit"). It works in a clone
// of its own under the data folder, fetched (never cloned again) before every plan:
// - plan: the newest commit under the service's path that is neither a revert nor reverted is
//   the bad change (so a second go-around goes one further back instead of undoing the first);
//   with `--to SHA`, every commit under the path after SHA, newest first; the target is the
//   state before it;
//   pre-flight: the repository answers with the configured credentials, the revert applies
//   cleanly, the commit is not reverted already;
// - execute: `git revert --no-commit` (the plan's command), a commit whose message names the
//   go-around's intent, then `git push` (the plan's second command); a push refused because
//   someone pushed meanwhile is replayed on the new tip, at most three times; never forced;
// - wait, with a reconciler: the controller applied a revision that includes the revert and is
//   healthy;
// - verify: the remote branch holds the revert, its tree under the path is as the revert left it,
//   and with a reconciler, the controller's checks.
// Credentials never reach argv: the ssh key through GIT_SSH_COMMAND, an https token as an
// Authorization header through GIT_CONFIG_*; git never prompts.
class GitOpsAdapter final : public Adapter {
 public:
  GitOpsAdapter(const config::Service& service, const config::Tools& tools, std::filesystem::path clone,
                std::unique_ptr<Reconciler> reconciler = nullptr);
  ~GitOpsAdapter() override;

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  // The registered commit is the bad change when it is on the branch under the path and not
  // undone yet; newer commits there are listed, and stay.
  boost::asio::awaitable<Plan> plan_undo(std::string change) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

 private:
  struct Commit {
    std::string sha, short_sha, subject, author, date;
    std::string reverts;  // the commit this one reverts ("This reverts commit …" in its message), if any
  };
  boost::asio::awaitable<Plan> plan_of(std::optional<std::string> target_revision, std::optional<std::string> registered);
  std::vector<std::string> git(std::vector<std::string> args) const;
  boost::asio::awaitable<ProcessResult> run(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Clones the repository once, else fetches the branch; then the clone's work tree is the
  // remote branch's tip. A failed result says why the remote did not answer.
  boost::asio::awaitable<ProcessResult> sync() const;
  // Commits under the path in `range` (e.g. "origin/main", "abc..origin/main"), newest first.
  boost::asio::awaitable<std::vector<Commit>> commits(const std::string& range, int limit) const;
  // What a commit changed in image lines under the path, as "image: A → B" (empty: none).
  boost::asio::awaitable<std::string> image_change(const std::string& sha) const;
  std::string remote_branch() const { return "origin/" + target_.branch; }
  // The clone is one work tree: a plan's trial revert, an execution's revert and commit and a
  // history read must not interleave at their co_awaits. Each holds it while it works.
  class CloneHold {
   public:
    explicit CloneHold(bool& busy) : busy_(&busy) {}
    CloneHold(CloneHold&& other) noexcept : busy_(std::exchange(other.busy_, nullptr)) {}
    CloneHold(const CloneHold&) = delete;
    CloneHold& operator=(const CloneHold&) = delete;
    CloneHold& operator=(CloneHold&&) = delete;
    ~CloneHold() {
      if (busy_) *busy_ = false;
    }

   private:
    bool* busy_;
  };
  boost::asio::awaitable<CloneHold> hold_clone();
  // Whether `revision` (what a controller applied) includes commit `sha`.
  boost::asio::awaitable<bool> includes(std::string revision, std::string sha);
  Includes includes_fn();

  config::GitOpsTarget target_;
  config::Tools tools_;
  std::filesystem::path clone_;
  std::chrono::milliseconds timeout_;
  bool clone_busy_ = false;
  std::unique_ptr<Reconciler> reconciler_;
};

}  // namespace goaround::exec
