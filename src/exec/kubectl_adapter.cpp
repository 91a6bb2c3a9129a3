#include "goaround/exec/kubectl_adapter.hpp"
#include "goaround/exec/tool_support.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>

namespace goaround::exec {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using model::at;
using tool::last_line;
using tool::parse_json;
using tool::read_timeout;
using model::text_at;
using tool::to_int;

constexpr auto revision_annotation = "deployment.kubernetes.io/revision";

int count_at(const json::value& v, std::initializer_list<std::string_view> path) {
  return static_cast<int>(model::number_at(v, path).value_or(0));
}

Revision revision_of(const json::value& object) { return tool::revision_of(object, revision_annotation); }

Progress progress_of(const json::value& deployment) {
  return {count_at(deployment, {"spec", "replicas"}), count_at(deployment, {"status", "updatedReplicas"}),
          count_at(deployment, {"status", "readyReplicas"}),
          count_at(deployment, {"status", "availableReplicas"}), ""};
}

bool same_progress(const Progress& a, const Progress& b) {
  return a.desired == b.desired && a.updated == b.updated && a.ready == b.ready &&
         a.available == b.available;
}

Outcome failed(const ProcessResult& result, std::string tail) {
  return tool::failed(result, classify_kubectl_failure(result),
                      last_line(result.err.empty() ? result.out : result.err), std::move(tail));
}

}  // namespace

Failure classify_kubectl_failure(const ProcessResult& result) {
  return tool::classify(result, {{"(NotFound)", Failure::not_found},
                                 {"(Forbidden)", Failure::forbidden},
                                 {"unable to find specified revision", Failure::revision_missing},
                                 {"unable to find the specified revision", Failure::revision_missing},
                                 {"exceeded its progress deadline", Failure::progress_deadline_exceeded},
                                 {"timed out waiting for the condition", Failure::timeout}});
}

KubectlAdapter::KubectlAdapter(asio::any_io_executor executor, const config::Service& service,
                               const config::Tools& tools)
    : executor_(std::move(executor)),
      target_(service.kubectl.value()),
      tools_(tools),
      timeout_(service.timeout) {}

std::vector<std::string> KubectlAdapter::kubectl(std::vector<std::string> args) const {
  return tool::kubectl_argv(tools_, target_.namespace_name, target_.context, std::move(args));
}

asio::awaitable<ProcessResult> KubectlAdapter::run(std::vector<std::string> argv,
                                                   std::chrono::milliseconds timeout,
                                                   LineFn on_line) const {
  co_return co_await run_process({std::move(argv), tool::environment(tools_), timeout},
                                 std::move(on_line));
}

asio::awaitable<tool::OwnedRevisions> KubectlAdapter::read_owned() const {
  co_return co_await tool::read_owned([this](std::vector<std::string> argv) { return run(std::move(argv), read_timeout); },
                                      [this](std::vector<std::string> args) { return kubectl(std::move(args)); },
                                      "deployment", target_.deployment, "deployment readable", revision_annotation);
}

asio::awaitable<History> KubectlAdapter::history() {
  co_return tool::history_of(co_await read_owned(), revision_annotation);
}

asio::awaitable<Plan> KubectlAdapter::plan(std::optional<std::string> target_revision) {
  Plan plan;
  const auto deployment_ref = "deployment/" + target_.deployment;
  const auto finish = [&](const std::string& target) {
    plan.target.number = target;
    plan.argv = kubectl({"rollout", "undo", deployment_ref, "--to-revision=" + target});
    plan.wait_argv = kubectl({"rollout", "status", deployment_ref, "--timeout=" + tool::go_seconds(timeout_)});
  };
  const auto read = co_await read_owned();
  const auto& deployment = read.workload;
  if (read.workload_unreadable) {
    plan.preflight.push_back(*read.workload_unreadable);
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  plan.current = revision_of(*deployment);
  const bool paused = at(*deployment, {"spec", "paused"}) &&
                      at(*deployment, {"spec", "paused"})->is_bool() &&
                      at(*deployment, {"spec", "paused"})->get_bool();
  plan.preflight.push_back({"deployment readable", true,
                            "deployment.apps/" + target_.deployment + " in " +
                                target_.namespace_name + " is at revision " +
                                plan.current.number});
  plan.preflight.push_back({"not paused", !paused,
                            paused ? "the Deployment is paused; kubectl refuses to roll back a "
                                     "paused deployment (kubectl rollout resume first)"
                                   : "rollouts are not paused"});

  const auto& history = read.revisions;
  if (read.history_unreadable) {
    plan.preflight.push_back(*read.history_unreadable);
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  // Like kubectl: "previous" is the second-highest revision, not the last healthy one.
  std::optional<int> wanted = target_revision ? to_int(*target_revision) : std::nullopt;
  if (!target_revision && history.size() >= 2) wanted = std::prev(history.end(), 2)->first;
  std::string known;
  for (const auto& [n, _] : history) known += (known.empty() ? "" : ", ") + std::to_string(n);
  const auto found = wanted ? history.find(*wanted) : history.end();
  finish(wanted ? std::to_string(*wanted) : target_revision.value_or("previous"));
  if (found == history.end()) {
    plan.preflight.push_back(
        {"target revision exists", false,
         (wanted ? "no ReplicaSet carries revision " + std::to_string(*wanted)
                 : std::string("there is no previous revision")) +
             "; the history has " + (known.empty() ? "none" : known) +
             " (older ReplicaSets are removed beyond revisionHistoryLimit)"});
    co_return plan;
  }
  plan.target = found->second;
  plan.target_images = tool::image_list(plan.target.image);
  plan.preflight.push_back({"target revision exists", true,
                            "its ReplicaSet is still there (history: " + known + ")"});
  const bool differs = plan.target.image != plan.current.image;
  plan.preflight.push_back({"target differs from current", differs,
                            differs ? plan.current.image + " → " + plan.target.image
                                    : "revision " + plan.target.number + " runs " +
                                          plan.target.image +
                                          ", the same as live; kubectl would skip the rollback"});
  co_return plan;
}

asio::awaitable<Outcome> KubectlAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  using namespace asio::experimental::awaitable_operators;
  const auto undo = co_await run(plan.argv, read_timeout);
  std::string tail = undo.tail();
  if (!undo.ok()) co_return failed(undo, tail);
  if (undo.out.find("skipped rollback") != std::string::npos) {
    // kubectl exits 0 here, but nothing changed: that is not a rollback.
    Outcome outcome;
    outcome.failure = Failure::tool_failed;
    outcome.exit_code = 0;
    outcome.message = "kubectl skipped the rollback: " + last_line(undo.out);
    outcome.output_tail = tail;
    co_return outcome;
  }

  bool following = true;
  ProcessResult status;
  auto follow = [&]() -> asio::awaitable<void> {
    status = co_await run(plan.wait_argv, timeout_ + 10s);
    following = false;
  };
  // rollout status decides; meanwhile the Deployment's own counters drive the progress bar.
  auto watch_counters = [&]() -> asio::awaitable<void> {
    Progress last{-1, -1, -1, -1, ""};
    asio::steady_timer pause(executor_);
    while (following) {
      const auto got = co_await run(kubectl({"get", "deployment/" + target_.deployment, "-o", "json"}),
                                    read_timeout);
      if (const auto object = got.ok() ? parse_json(got.out) : std::nullopt) {
        const auto now = progress_of(*object);
        if (!same_progress(now, last)) on_progress(now);
        last = now;
      }
      pause.expires_after(300ms);
      co_await pause.async_wait(asio::use_awaitable);
    }
  };
  co_await (follow() && watch_counters());
  tail += "\n" + status.tail();
  if (!status.ok()) co_return failed(status, tail);
  Outcome outcome;
  outcome.exit_code = 0;
  outcome.message = last_line(status.out);
  outcome.output_tail = tail;
  co_return outcome;
}

asio::awaitable<Verification> KubectlAdapter::verify(const Plan& plan) {
  Verification v;
  const auto got =
      co_await run(kubectl({"get", "deployment/" + target_.deployment, "-o", "json"}), read_timeout);
  const auto deployment = got.ok() ? parse_json(got.out) : std::nullopt;
  if (!deployment) {
    v.checks.push_back({"deployment readable", false, failed(got, "").message});
    co_return v;
  }
  const auto live = revision_of(*deployment);
  const bool on_target = live.image == plan.target.image;
  v.checks.push_back({"live template is the target's", on_target,
                      "live revision " + live.number + " runs " + live.image +
                          (on_target ? "" : "; expected " + plan.target.image)});
  // The same test as `kubectl rollout status` (docs/tools.md §1.7), read off the object.
  const auto p = progress_of(*deployment);
  const auto observed = count_at(*deployment, {"status", "observedGeneration"}) >=
                        count_at(*deployment, {"metadata", "generation"});
  const auto replicas = count_at(*deployment, {"status", "replicas"});
  bool deadline_exceeded = false;
  if (const auto* conditions = at(*deployment, {"status", "conditions"}); conditions && conditions->is_array())
    for (const auto& c : conditions->get_array())
      deadline_exceeded = deadline_exceeded || text_at(c, {"reason"}) == "ProgressDeadlineExceeded";
  const bool complete = observed && p.updated == p.desired && replicas == p.updated &&
                        p.available >= p.updated && !deadline_exceeded;
  v.checks.push_back({"rollout complete", complete,
                      std::to_string(p.ready) + "/" + std::to_string(p.desired) + " ready, " +
                          std::to_string(p.available) + " available" +
                          (deadline_exceeded ? ", progress deadline exceeded" : "") +
                          (observed ? "" : ", spec change not yet observed")});
  v.passed = on_target && complete;
  co_return v;
}

}  // namespace goaround::exec
