#pragma once
#include "goaround/exec/adapter.hpp"
#include "goaround/exec/gitops_adapter.hpp"
#include "goaround/exec/tool_support.hpp"
#include "goaround/exec/process.hpp"

namespace goaround::exec {

// Argo CD Applications: plan from `argocd app get -o json` (status.history), refusal when
// auto-sync is on (the controller would re-apply the bad commit; the way out is a revert in
// git), `argocd app rollback APP ID`, then `argocd app wait APP --health`, and verification
// from the Application. The auth token travels only in ARGOCD_AUTH_TOKEN, never in argv.
// With a `gitops:` block beside it, auto-sync is no dead end: the plan takes the git route
// (revert the bad commit, push), then waits for Argo CD to sync it and turn Healthy, and
// verifies both the branch and the Application.
class ArgoCdAdapter final : public Adapter {
 public:
  ArgoCdAdapter(boost::asio::any_io_executor executor, const config::Service& service,
                const config::Tools& tools, std::unique_ptr<GitOpsAdapter> git_route = nullptr);

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  // Under auto-sync with a git route: the revert of the commit CI registered; else as plan().
  boost::asio::awaitable<Plan> plan_undo(std::string change) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

 private:
  boost::asio::awaitable<Plan> plan_of(std::optional<std::string> target_revision, std::optional<std::string> change);
  // `argocd app get -o json`: what plan, verify and history read.
  boost::asio::awaitable<tool::JsonRead> read_app() const;
  std::vector<std::string> argocd(std::vector<std::string> args) const;
  boost::asio::awaitable<ProcessResult> run(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout,
                                            LineFn on_line = {}) const;

  config::ArgoCdTarget target_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<GitOpsAdapter> git_route_;
};

// What argocd's error output means in the adapter's terms (gRPC codes, history ids, waits).
Failure classify_argocd_failure(const ProcessResult& result);

// argocd's error as one line: the `msg` of v3's JSON log line, else the line as printed.
std::string argocd_error(const ProcessResult& result);

}  // namespace goaround::exec
