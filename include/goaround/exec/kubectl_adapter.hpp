#pragma once
#include "goaround/exec/adapter.hpp"
#include "goaround/exec/tool_support.hpp"
#include "goaround/exec/process.hpp"

namespace goaround::exec {

// Deployments through the real kubectl: plan from the Deployment and its owned ReplicaSets
// (the history), `rollout undo --to-revision=N`, progress from the Deployment's status while
// `rollout status` follows the rollout, and verification against the live object.
class KubectlAdapter final : public Adapter {
 public:
  KubectlAdapter(boost::asio::any_io_executor executor, const config::Service& service,
                 const config::Tools& tools);

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

 private:
  boost::asio::awaitable<tool::OwnedRevisions> read_owned() const;
  std::vector<std::string> kubectl(std::vector<std::string> args) const;
  boost::asio::awaitable<ProcessResult> run(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout,
                                            LineFn on_line = {}) const;

  boost::asio::any_io_executor executor_;
  config::KubectlTarget target_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
};

// What kubectl's error output means, in the adapter's terms ("Error from server (NotFound)…").
Failure classify_kubectl_failure(const ProcessResult& result);

}  // namespace goaround::exec
