#pragma once
#include "goaround/exec/adapter.hpp"
#include "goaround/exec/tool_support.hpp"
#include "goaround/exec/process.hpp"

namespace goaround::exec {

// Helm releases: plan from `helm history -o json` (the last known-good revision, not helm's
// "current − 1"), `helm rollback REL REV --wait --timeout`, its output lines as progress, and
// verification from `helm status -o json`.
class HelmAdapter final : public Adapter {
 public:
  HelmAdapter(boost::asio::any_io_executor executor, const config::Service& service,
              const config::Tools& tools);

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

 private:
  // `helm history -o json`: what plan and history read.
  boost::asio::awaitable<tool::JsonRead> read_history() const;
  std::vector<std::string> helm(std::vector<std::string> args) const;
  boost::asio::awaitable<ProcessResult> run(std::vector<std::string> argv,
                                            std::chrono::milliseconds timeout,
                                            LineFn on_line = {}) const;

  config::HelmTarget target_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
};

// What helm's error output means in the adapter's terms ("Error: release: not found"…).
Failure classify_helm_failure(const ProcessResult& result);
// The images a release's rendered manifest runs (`helm get manifest`): every workload's pod
// template, CronJobs' and Pods' too, init containers first, each once; nullopt when it is not YAML.
std::optional<std::vector<std::string>> manifest_images(std::string_view manifest);

}  // namespace goaround::exec
