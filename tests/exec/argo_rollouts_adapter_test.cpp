#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "goaround/exec/argo_rollouts_adapter.hpp"
#include "support/tools/standin_tools.hpp"

using namespace goaround;
using namespace goaround::exec;
using Catch::Matchers::Contains;
using goaround::testing::complete;
using goaround::testing::StandinTools;
using Argv = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

// The recorded Rollout (fixtures/argo-rollouts) is ks-guestbook-ui in default.
constexpr auto name = "ks-guestbook-ui";
constexpr auto image = "quay.io/argoprojlabs/argocd-e2e-container";

config::Service guestbook(config::RolloutStrategy strategy,
                          std::chrono::milliseconds timeout = 5min) {
  config::Service service;
  service.name = "guestbook";
  service.adapter = config::AdapterKind::argo_rollouts;
  service.argo_rollouts = config::ArgoRolloutsTarget{
      "prod", "default", name, strategy,
      strategy == config::RolloutStrategy::bluegreen ? "ks-guestbook-ui-active" : ""};
  service.timeout = timeout;
  return service;
}

Argv plugin(Argv args) {
  args.insert(args.begin(), StandinTools::path("kubectl-argo-rollouts"));
  args.insert(args.end(), {"-n", "default", "--context=prod"});
  return args;
}
Argv kubectl(Argv args) {
  args.insert(args.begin(), StandinTools::path("kubectl"));
  args.insert(args.end(), {"-n", "default", "--context=prod"});
  return args;
}
const Argv get_rollout = kubectl({"get", "rollout", name, "-o", "json"});
const Argv get_replicasets =
    kubectl({"get", "replicasets", "-l", "app=ks-guestbook-ui", "-o", "json"});
const Argv get_service = kubectl({"get", "service", "ks-guestbook-ui-active", "-o", "json"});
const Argv abort_rollout = plugin({"abort", name});
Argv undo(const std::string& revision) {
  return plugin({"undo", name, "--to-revision=" + revision});
}
Argv status(const std::string& timeout = "300s") {
  return plugin({"status", name, "--timeout", timeout});
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  throw std::logic_error("unreachable");
}

struct Run : testing::AdapterRun<ArgoRolloutsAdapter> {
  explicit Run(const config::Service& service) : AdapterRun(service) {}
};

}  // namespace

TEST_CASE(
    "argo-rollouts: the plan reads the Rollout and its ReplicaSets and announces the undo, naming "
    "the abort before it") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  const auto plan = run.plan();
  CHECK(plan.ready());
  CHECK(plan.current.number == "3");
  CHECK(plan.current.image == std::string(image) + ":0.3");
  CHECK(plan.target.number == "2");
  CHECK(plan.target.image == std::string(image) + ":0.2");
  CHECK(plan.argv == undo("2"));
  CHECK(plan.wait_argv == status());
  CHECK(check(plan.preflight, "traffic back to stable first").detail ==
        "`" + command_line(abort_rollout) +
            "` runs before the undo: it sends all traffic to the stable ReplicaSet at once");
  CHECK(check(plan.preflight, "active Service as configured").passed);
  CHECK(check(plan.preflight, "target revision exists").detail ==
        "its ReplicaSet is still there (history: 1, 2, 3)");
  CHECK(run.standin.calls() == std::vector<Argv>{get_rollout, get_replicasets});
}

TEST_CASE(
    "argo-rollouts: blue-green aborts, undoes, follows the status, and verifies the active Service "
    "selects stable") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  const auto plan = run.plan();
  const auto outcome = run.execute(plan);
  CHECK(outcome.ok());
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.message == "rollout ks-guestbook-ui is Healthy");
  CHECK(run.progress ==
        std::vector<std::string>{command_line(abort_rollout), "rollout 'ks-guestbook-ui' aborted",
                                 command_line(undo("2")), "rollout 'ks-guestbook-ui' undo",
                                 "Progressing - more replicas need to be updated",
                                 "Progressing - updated replicas are still becoming available",
                                 "Healthy"});

  const auto verification = run.verify(plan);
  CHECK(verification.passed);
  CHECK(check(verification.checks, "live template is the target's").detail ==
        "live revision 4 runs " + std::string(image) + ":0.2");
  CHECK(check(verification.checks, "rollout healthy").detail == "Healthy");
  CHECK(check(verification.checks, "active Service selects stable").detail ==
        "service ks-guestbook-ui-active selects rollouts-pod-template-hash=dc689d967, stable "
        "ReplicaSet is dc689d967");
  CHECK(run.standin.calls() == std::vector<Argv>{get_rollout, get_replicasets, abort_rollout,
                                                 undo("2"), status(), get_rollout, get_service});
}

TEST_CASE(
    "argo-rollouts: a canary paused mid-way is aborted and undone, and verified without a "
    "Service") {
  Run run(guestbook(config::RolloutStrategy::canary));
  run.standin.set("ROLLOUT_STRATEGY", "canary");
  const auto plan = run.plan();
  CHECK(plan.ready());
  CHECK(plan.argv == undo("2"));
  CHECK(run.execute(plan).ok());
  const auto verification = run.verify(plan);
  CHECK(verification.passed);
  CHECK(verification.checks.size() == 2);
  CHECK(run.standin.calls().back() == get_rollout);
}

TEST_CASE("argo-rollouts: a strategy that differs from the configuration fails pre-flight") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  run.standin.set("ROLLOUT_STRATEGY", "canary");
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  CHECK(check(plan.preflight, "strategy as configured").detail ==
        "the rollout has no spec.strategy.blueGreen; fix `strategy` in the configuration");
}

TEST_CASE(
    "argo-rollouts: a revision without its ReplicaSet is refused in pre-flight, and is revision "
    "missing when it goes later") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  const auto unknown = run.plan("7");
  CHECK_FALSE(unknown.ready());
  CHECK(check(unknown.preflight, "target revision exists").detail ==
        "no ReplicaSet carries revision 7; the history has 1, 2, 3 (older ReplicaSets are removed "
        "beyond revisionHistoryLimit)");

  const auto plan = run.plan();
  CHECK(plan.ready());
  run.standin.set("ROLLOUT_GC");
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::revision_missing);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.message == "unable to find specified revision 2 in history");
}

TEST_CASE("argo-rollouts: a status watch that runs out is a timeout") {
  Run run(guestbook(config::RolloutStrategy::bluegreen, 1s));
  run.standin.set("ROLLOUT_STATUS", "timeout");
  const auto plan = run.plan();
  CHECK(plan.wait_argv == status("1s"));
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::timeout);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.message == "Rollout status watch exceeded timeout");
}

TEST_CASE(
    "argo-rollouts: a rolled-back ReplicaSet past its progress deadline fails execution and "
    "verification") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  run.standin.set("ROLLOUT_STATUS", "degraded");
  const auto plan = run.plan();
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::progress_deadline_exceeded);
  CHECK(outcome.message ==
        "The rollout is in a degraded state with message: ProgressDeadlineExceeded: ReplicaSet "
        "\"ks-guestbook-ui-dc689d967\" has timed out progressing.");
  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  CHECK_FALSE(check(verification.checks, "rollout healthy").passed);
}

TEST_CASE("argo-rollouts: verification fails while the active Service still selects the old pods") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  run.standin.set("ROLLOUT_SERVICE_STALE");
  const auto plan = run.plan();
  CHECK(run.execute(plan).ok());
  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  const auto& selects = check(verification.checks, "active Service selects stable");
  CHECK_FALSE(selects.passed);
  CHECK(selects.detail ==
        "service ks-guestbook-ui-active selects rollouts-pod-template-hash=7b9c6d5f4, stable "
        "ReplicaSet is dc689d967");
}

TEST_CASE("argo-rollouts: an unknown Rollout fails pre-flight in kubectl's words") {
  auto service = guestbook(config::RolloutStrategy::canary);
  service.argo_rollouts->rollout = "search";
  Run run(service);
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  CHECK(check(plan.preflight, "rollout readable").detail ==
        "Error from server (NotFound): rollouts.argoproj.io \"search\" not found");
  CHECK(run.execute(plan).failure == Failure::not_found);
}

TEST_CASE("argo-rollouts: the history is the Rollout's ReplicaSets newest first, the live one named") {
  Run run(guestbook(config::RolloutStrategy::bluegreen));
  const auto history = run.history();
  CHECK(history.problem.empty());
  CHECK(history.live == "3");
  REQUIRE(history.revisions.size() >= 2);
  CHECK(history.revisions[0].number == "3");
  CHECK(history.revisions[0].image == std::string(image) + ":0.3");
  CHECK(history.revisions[1].number == "2");
  CHECK(history.revisions[1].image == std::string(image) + ":0.2");
}
