#pragma once
#include "goaround/exec/adapter.hpp"
#include "goaround/exec/tool_support.hpp"
#include "goaround/exec/process.hpp"

namespace goaround::exec {

// Argo Rollouts through the kubectl plugin binary (run directly, flags after the subcommand).
// Plan from `kubectl get rollout -o json` and the Rollout's ReplicaSets (annotation
// rollout.argoproj.io/revision); execute `abort` (traffic back to stable at once) then
// `undo --to-revision=N` (Plan::argv: the command that changes the spec) and follow with
// `status --timeout`; verify the live Rollout and, for blue-green, that the active Service
// selects the stable ReplicaSet's pod-template hash.
class ArgoRolloutsAdapter final : public Adapter {
 public:
  ArgoRolloutsAdapter(boost::asio::any_io_executor executor, const config::Service& service,
                      const config::Tools& tools);

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

  // The abort that execute() runs before Plan::argv (also named in a pre-flight check).
  std::vector<std::string> abort_argv() const;

 private:
  boost::asio::awaitable<tool::OwnedRevisions> read_owned() const;
  std::vector<std::string> plugin(std::vector<std::string> args) const;
  std::vector<std::string> kubectl(std::vector<std::string> args) const;
  boost::asio::awaitable<ProcessResult> run(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout,
                                            LineFn on_line = {}) const;

  config::ArgoRolloutsTarget target_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
};

// What the plugin's and kubectl's error output means in the adapter's terms.
Failure classify_argo_rollouts_failure(const ProcessResult& result);

}  // namespace goaround::exec
