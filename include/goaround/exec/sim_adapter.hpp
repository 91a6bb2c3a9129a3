#pragma once
#include "goaround/exec/adapter.hpp"

namespace goaround::exec {

// An in-process simulated Deployment: revision history 1..N with N live, a rolling update
// that moves one replica per step, and injectable failures (pods that never become ready,
// old ReplicaSets garbage-collected). It talks like kubectl so the practice is realistic;
// it serves the local mode and the tests, never a real service.
class SimAdapter final : public Adapter {
 public:
  SimAdapter(boost::asio::any_io_executor executor, std::string deployment,
             config::SimSettings settings);

  boost::asio::awaitable<Plan> plan(std::optional<std::string> target_revision) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  boost::asio::awaitable<History> history() override;

  int live_revision() const { return live_; }

 private:
  Revision revision(int number) const;
  bool replicaset_present(int number) const;

  boost::asio::any_io_executor executor_;
  std::string deployment_;
  config::SimSettings settings_;
  int live_;
  Progress status_;
};

}  // namespace goaround::exec
