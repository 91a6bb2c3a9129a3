#include "goaround/exec/argo_rollouts_adapter.hpp"

#include <boost/json.hpp>

#include <map>

#include "goaround/exec/tool_support.hpp"

namespace goaround::exec {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto revision_annotation = "rollout.argoproj.io/revision";
constexpr auto pod_template_hash = "rollouts-pod-template-hash";

Revision revision_of(const json::value& object) { return tool::revision_of(object, revision_annotation); }

std::string_view strategy_name(config::RolloutStrategy s) {
  return s == config::RolloutStrategy::bluegreen ? "blueGreen" : "canary";
}

}  // namespace

Failure classify_argo_rollouts_failure(const ProcessResult& result) {
  return tool::classify(result, {{"not found", Failure::not_found},
                                 {"(Forbidden)", Failure::forbidden},
                                 {"unable to find specified revision", Failure::revision_missing},
                                 {"ProgressDeadlineExceeded", Failure::progress_deadline_exceeded},
                                 {"Rollout status watch exceeded timeout", Failure::timeout}});
}

ArgoRolloutsAdapter::ArgoRolloutsAdapter(asio::any_io_executor, const config::Service& service,
                                         const config::Tools& tools)
    : target_(service.argo_rollouts.value()), tools_(tools), timeout_(service.timeout) {}

std::vector<std::string> ArgoRolloutsAdapter::plugin(std::vector<std::string> args) const {
  args.insert(args.begin(), tools_.argo_rollouts);
  args.insert(args.end(), {"-n", target_.namespace_name});
  if (!target_.context.empty()) args.push_back("--context=" + target_.context);
  return args;
}

std::vector<std::string> ArgoRolloutsAdapter::kubectl(std::vector<std::string> args) const {
  return tool::kubectl_argv(tools_, target_.namespace_name, target_.context, std::move(args));
}

std::vector<std::string> ArgoRolloutsAdapter::abort_argv() const {
  return plugin({"abort", target_.rollout});
}

asio::awaitable<ProcessResult> ArgoRolloutsAdapter::run(std::vector<std::string> argv,
                                                        std::chrono::milliseconds timeout,
                                                        LineFn on_line) const {
  co_return co_await run_process({std::move(argv), tool::environment(tools_), timeout},
                                 std::move(on_line));
}

asio::awaitable<tool::OwnedRevisions> ArgoRolloutsAdapter::read_owned() const {
  co_return co_await tool::read_owned([this](std::vector<std::string> argv) { return run(std::move(argv), tool::read_timeout); },
                                      [this](std::vector<std::string> args) { return kubectl(std::move(args)); },
                                      "rollout", target_.rollout, "rollout readable", revision_annotation);
}

asio::awaitable<History> ArgoRolloutsAdapter::history() {
  co_return tool::history_of(co_await read_owned(), revision_annotation);
}

asio::awaitable<Plan> ArgoRolloutsAdapter::plan(std::optional<std::string> target_revision) {
  Plan plan;
  const auto& name = target_.rollout;
  const auto finish = [&](const std::string& target) {
    plan.target.number = target;
    plan.argv = plugin({"undo", name, "--to-revision=" + target});
    plan.wait_argv = plugin({"status", name, "--timeout", tool::go_seconds(timeout_)});
  };
  const auto read = co_await read_owned();
  const auto& rollout = read.workload;
  if (read.workload_unreadable) {
    plan.preflight.push_back(*read.workload_unreadable);
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  plan.current = revision_of(*rollout);
  const auto phase = model::text_at(*rollout, {"status", "phase"});
  plan.preflight.push_back({"rollout readable", true,
                            "rollout " + name + " in " + target_.namespace_name +
                                " is at revision " + plan.current.number +
                                (phase.empty() ? "" : ", " + phase)});
  const auto strategy = strategy_name(target_.strategy);
  const bool strategy_matches = model::at(*rollout, {"spec", "strategy", strategy}) != nullptr;
  plan.preflight.push_back({"strategy as configured", strategy_matches,
                            strategy_matches
                                ? "spec.strategy." + std::string(strategy)
                                : "the rollout has no spec.strategy." + std::string(strategy) +
                                      "; fix `strategy` in the configuration"});
  if (target_.strategy == config::RolloutStrategy::bluegreen) {
    const auto active = model::text_at(*rollout, {"spec", "strategy", "blueGreen", "activeService"});
    const bool same = active == target_.active_service;
    plan.preflight.push_back({"active Service as configured", same,
                              same ? "active Service " + active
                                   : "the rollout's active Service is `" + active +
                                         "`, the configuration says `" + target_.active_service +
                                         "`"});
  }
  plan.preflight.push_back(
      {"traffic back to stable first", true,
       "`" + command_line(abort_argv()) +
           "` runs before the undo: it sends all traffic to the stable ReplicaSet at once"});

  const auto& history = read.revisions;
  if (read.history_unreadable) {
    plan.preflight.push_back(*read.history_unreadable);
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  std::optional<int> wanted = target_revision ? tool::to_int(*target_revision) : std::nullopt;
  if (!target_revision && history.size() >= 2) wanted = std::prev(history.end(), 2)->first;
  std::string known;
  for (const auto& [n, _] : history) known += (known.empty() ? "" : ", ") + std::to_string(n);
  const auto found = wanted ? history.find(*wanted) : history.end();
  finish(wanted ? std::to_string(*wanted) : target_revision.value_or("previous"));
  if (found == history.end()) {
    plan.preflight.push_back({"target revision exists", false,
                              (wanted ? "no ReplicaSet carries revision " + std::to_string(*wanted)
                                      : std::string("there is no previous revision")) +
                                  "; the history has " + (known.empty() ? "none" : known) +
                                  " (older ReplicaSets are removed beyond revisionHistoryLimit)"});
    co_return plan;
  }
  plan.target = found->second;
  plan.target_images = tool::image_list(plan.target.image);
  plan.preflight.push_back(
      {"target revision exists", true, "its ReplicaSet is still there (history: " + known + ")"});
  const bool differs = plan.target.image != plan.current.image;
  plan.preflight.push_back({"target differs from current", differs,
                            differs ? plan.current.image + " → " + plan.target.image
                                    : "revision " + plan.target.number + " runs " +
                                          plan.target.image + ", the same as live"});
  co_return plan;
}

asio::awaitable<Outcome> ArgoRolloutsAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  const auto report = [&](std::string_view line) { on_progress({0, 0, 0, 0, std::string(line)}); };
  report(command_line(abort_argv()));
  const auto aborted = co_await run(abort_argv(), tool::read_timeout, report);
  std::string tail = aborted.tail();
  const auto failed = [&](const ProcessResult& r) {
    return tool::failed(r, classify_argo_rollouts_failure(r), tool::error_line(r), tail);
  };
  if (!aborted.ok()) co_return failed(aborted);

  report(command_line(plan.argv));
  const auto undone = co_await run(plan.argv, tool::read_timeout, report);
  tail += "\n" + undone.tail();
  if (!undone.ok()) co_return failed(undone);
  if (undone.out.find("skipped rollback") != std::string::npos) {
    // The plugin exits 0 here, but the spec did not change: that is not a rollback.
    Outcome outcome;
    outcome.failure = Failure::tool_failed;
    outcome.exit_code = 0;
    outcome.message = "the plugin skipped the rollback: " + tool::last_line(undone.out);
    outcome.output_tail = tail;
    co_return outcome;
  }

  const auto status = co_await run(plan.wait_argv, timeout_ + 30s, report);
  tail += "\n" + status.tail();
  if (!status.ok()) co_return failed(status);
  Outcome outcome;
  outcome.exit_code = 0;
  outcome.message = "rollout " + target_.rollout + " is " + tool::last_line(status.out);
  outcome.output_tail = tail;
  co_return outcome;
}

asio::awaitable<Verification> ArgoRolloutsAdapter::verify(const Plan& plan) {
  Verification v;
  const auto got =
      co_await run(kubectl({"get", "rollout", target_.rollout, "-o", "json"}), tool::read_timeout);
  const auto rollout = got.ok() ? tool::parse_json(got.out) : std::nullopt;
  if (!rollout) {
    v.checks.push_back(
        {"rollout readable", false, tool::unusable(got, tool::error_line(got), "kubectl")});
    co_return v;
  }
  const auto live = revision_of(*rollout);
  const bool on_target = live.image == plan.target.image;
  v.checks.push_back({"live template is the target's", on_target,
                      "live revision " + live.number + " runs " + live.image +
                          (on_target ? "" : "; expected " + plan.target.image)});
  const auto phase = model::text_at(*rollout, {"status", "phase"});
  const auto message = model::text_at(*rollout, {"status", "message"});
  const bool healthy = phase == "Healthy";
  v.checks.push_back(
      {"rollout healthy", healthy,
       (phase.empty() ? "no phase reported" : phase) + (message.empty() ? "" : ": " + message)});
  v.passed = on_target && healthy;
  if (target_.strategy != config::RolloutStrategy::bluegreen) co_return v;

  // Blue-green: traffic follows the active Service's selector, which the controller points at
  // the stable ReplicaSet once the rollback is promoted.
  const auto stable = model::text_at(*rollout, {"status", "stableRS"});
  const auto service = co_await run(
      kubectl({"get", "service", target_.active_service, "-o", "json"}), tool::read_timeout);
  const auto parsed = service.ok() ? tool::parse_json(service.out) : std::nullopt;
  const auto selected =
      parsed ? model::text_at(*parsed, {"spec", "selector", pod_template_hash}) : std::string();
  const bool points_at_stable = parsed && !stable.empty() && selected == stable;
  v.checks.push_back({"active Service selects stable", points_at_stable,
                      !parsed
                          ? tool::unusable(service, tool::error_line(service), "kubectl")
                          : "service " + target_.active_service + " selects " + pod_template_hash +
                                "=" + (selected.empty() ? "(none)" : selected) +
                                ", stable ReplicaSet is " + (stable.empty() ? "(none)" : stable)});
  v.passed = v.passed && points_at_stable;
  co_return v;
}

}  // namespace goaround::exec
