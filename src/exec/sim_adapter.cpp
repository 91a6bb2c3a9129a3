#include "goaround/exec/sim_adapter.hpp"
#include "goaround/exec/tool_support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>

namespace goaround::exec {
namespace asio = boost::asio;

namespace {
std::optional<int> revision_number(const std::string& text) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}
}  // namespace

SimAdapter::SimAdapter(asio::any_io_executor executor, std::string deployment,
                       config::SimSettings settings)
    : executor_(std::move(executor)),
      deployment_(std::move(deployment)),
      settings_(std::move(settings)),
      live_(settings_.revisions),
      status_{settings_.replicas, settings_.replicas, settings_.replicas, settings_.replicas, ""} {}

Revision SimAdapter::revision(int number) const {
  const auto version = "1." + std::to_string(number);
  return {std::to_string(number), settings_.image + ":" + version, "deploy " + version};
}

bool SimAdapter::replicaset_present(int number) const {
  // revision_missing models revisionHistoryLimit: 0: only the live ReplicaSet is kept.
  return settings_.failure != config::SimFailure::revision_missing || number == live_;
}

asio::awaitable<Plan> SimAdapter::plan(std::optional<std::string> target_revision) {
  Plan plan;
  plan.current = revision(live_);
  const auto wanted = target_revision ? revision_number(*target_revision)
                                      : std::optional<int>(live_ - 1);
  const bool in_history = wanted && *wanted >= 1 && *wanted <= settings_.revisions;
  plan.target = in_history ? revision(*wanted)
                           : Revision{target_revision.value_or(std::to_string(live_ - 1)), "", ""};
  plan.target_images = tool::image_list(plan.target.image);
  plan.argv = {"sim", "rollout", "undo", "deployment/" + deployment_,
               "--to-revision=" + plan.target.number};
  plan.preflight.push_back(
      {"target revision exists", in_history,
       in_history ? "revision " + plan.target.number + " is in the history (1.." +
                        std::to_string(settings_.revisions) + ")"
                  : "revision " + plan.target.number + " is not in the history (1.." +
                        std::to_string(settings_.revisions) + ")"});
  if (in_history) {
    const bool present = replicaset_present(*wanted);
    plan.preflight.push_back(
        {"target ReplicaSet still present", present,
         present ? "ReplicaSet for revision " + plan.target.number + " has the pod template"
                 : "ReplicaSet for revision " + plan.target.number +
                       " was garbage-collected (revisionHistoryLimit); nothing to roll back to"});
    const bool differs = *wanted != live_;
    plan.preflight.push_back({"target differs from current", differs,
                              differs ? "live is " + plan.current.number
                                      : "revision " + plan.target.number + " is already live"});
  }
  co_return plan;
}

asio::awaitable<History> SimAdapter::history() {
  History history;
  history.live = std::to_string(live_);
  for (int n = settings_.revisions; n >= 1; --n)
    if (replicaset_present(n)) history.revisions.push_back(revision(n));
  co_return history;
}

asio::awaitable<Outcome> SimAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  Outcome outcome;
  const auto target = revision_number(plan.target.number);
  if (!target || !replicaset_present(*target)) {
    outcome.failure = Failure::revision_missing;
    outcome.exit_code = 1;
    outcome.message = "error: unable to find specified revision " + plan.target.number +
                      " in history";
    outcome.output_tail = outcome.message;
    co_return outcome;
  }
  live_ = *target;
  std::string tail = "deployment.apps/" + deployment_ + " rolled back\n";
  status_ = {settings_.replicas, 0, 0, 0, ""};
  on_progress(status_);
  const bool pods_become_ready = settings_.failure != config::SimFailure::never_ready;
  const auto started = std::chrono::steady_clock::now();
  asio::steady_timer timer(executor_);
  while (status_.ready < status_.desired) {
    if (std::chrono::steady_clock::now() - started >= settings_.progress_deadline) {
      outcome.failure = Failure::progress_deadline_exceeded;
      outcome.exit_code = 1;
      outcome.message = "deployment \"" + deployment_ + "\" exceeded its progress deadline";
      outcome.output_tail = tail + "error: " + outcome.message;
      co_return outcome;
    }
    timer.expires_after(settings_.step);
    co_await timer.async_wait(asio::use_awaitable);
    if (status_.updated < status_.desired) ++status_.updated;
    if (pods_become_ready) status_.ready = status_.available = status_.updated;
    tail += "Waiting for deployment \"" + deployment_ + "\" rollout to finish: " +
            std::to_string(status_.ready) + " of " + std::to_string(status_.desired) +
            " updated replicas are available...\n";
    on_progress(status_);
  }
  outcome.exit_code = 0;
  outcome.message = "deployment \"" + deployment_ + "\" successfully rolled out";
  outcome.output_tail = tail + outcome.message;
  co_return outcome;
}

asio::awaitable<Verification> SimAdapter::verify(const Plan& plan) {
  Verification v;
  const bool on_target = std::to_string(live_) == plan.target.number;
  v.checks.push_back({"live revision is the target", on_target,
                      "live revision " + std::to_string(live_)});
  const bool all_ready = status_.ready == status_.desired && status_.updated == status_.desired;
  v.checks.push_back({"rollout status", all_ready,
                      std::to_string(status_.ready) + "/" + std::to_string(status_.desired) +
                          " replicas ready"});
  v.passed = on_target && all_ready;
  co_return v;
}

}  // namespace goaround::exec
