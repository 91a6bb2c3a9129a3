#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "goaround/exec/helm_adapter.hpp"
#include "support/tools/standin_tools.hpp"

using namespace goaround;
using namespace goaround::exec;
using Catch::Matchers::Contains;
using goaround::testing::complete;
using goaround::testing::StandinTools;
using Argv = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

config::Service cart(std::chrono::milliseconds timeout = 5min) {
  config::Service service;
  service.name = "cart";
  service.adapter = config::AdapterKind::helm;
  service.helm = config::HelmTarget{"prod", "shop", "cart"};
  service.timeout = timeout;
  return service;
}

const std::string helm = StandinTools::path("helm");
const Argv history = {helm, "history", "cart",           "-o",  "json",
                      "-n", "shop",    "--kube-context", "prod"};
const Argv status = {helm, "status", "cart", "-o", "json", "-n", "shop", "--kube-context", "prod"};
const Argv manifest = {helm, "get", "manifest", "cart", "--revision", "3", "-n", "shop", "--kube-context", "prod"};
Argv rollback(const std::string& revision, const std::string& timeout = "300s") {
  return {helm,    "rollback", "cart", revision,         "--wait", "--timeout",
          timeout, "-n",       "shop", "--kube-context", "prod"};
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  throw std::logic_error("unreachable");
}

struct Run : testing::AdapterRun<HelmAdapter> {
  explicit Run(std::chrono::milliseconds timeout = 5min) : AdapterRun(cart(timeout)) {}
};

}  // namespace

TEST_CASE(
    "helm: the plan goes back to the previous deployed revision and names the exact rollback") {
  Run run;
  const auto plan = run.plan();
  CHECK(plan.ready());
  CHECK(plan.current.number == "4");
  CHECK(plan.target.number == "3");
  CHECK(plan.target.image == "foo-0.1.0-beta.1 (app 1.0)");
  CHECK(plan.target.change_cause == "Release mock");
  CHECK(plan.argv == rollback("3"));
  CHECK(plan.wait_argv.empty());
  CHECK(check(plan.preflight, "target was deployed").detail == "revision 3 is superseded");
  // The target's images, from its manifest (init containers, the CronJob's, each once).
  CHECK(plan.target_images == std::vector<std::string>{"registry.local/shop/cart-migrate:1.3", "registry.local/shop/cart:1.3",
                                                       "registry.local/shop/proxy:2.0"});
  CHECK(run.standin.calls() == std::vector<Argv>{history, manifest});
}

TEST_CASE("helm: a manifest that cannot be read is a warning that the images were not checked, never a silent pass") {
  Run run;
  run.standin.set("HELM_MANIFEST_FORBIDDEN");
  const auto plan = run.plan();
  const auto& readable = check(plan.preflight, "target images readable");
  CHECK(readable.warning);
  CHECK_THAT(readable.detail, Contains("secrets is forbidden"));
  CHECK_THAT(readable.detail, Contains("cannot be checked in their registries"));
  CHECK(plan.ready());  // a warning: the person weighs it
  CHECK(plan.target_images.empty());
  CHECK_FALSE(exec::manifest_images("kind: [unclosed").has_value());
  CHECK(exec::manifest_images("---\n# Source: x/templates/pod.yaml\nkind: Pod\nspec:\n  containers:\n    - image: busybox\n") ==
        std::vector<std::string>{"busybox"});
}

TEST_CASE("helm: a failed upgrade on top is skipped, and asking for it is refused in pre-flight") {
  Run run;
  run.standin.set("HELM_FAILED_UPGRADE");
  const auto plan = run.plan();
  CHECK(plan.ready());
  CHECK(plan.current.number == "4");
  CHECK(plan.target.number == "3");

  const auto to_failed = run.plan("5");
  CHECK_FALSE(to_failed.ready());
  const auto& deployed = check(to_failed.preflight, "target was deployed");
  CHECK_FALSE(deployed.passed);
  CHECK(deployed.detail ==
        "revision 5 is failed; it never ran to completion, so it is no known-good state");
}

TEST_CASE("helm: a revision outside the history or already live is refused before anything runs") {
  Run run;
  const auto missing = run.plan("9");
  CHECK_FALSE(missing.ready());
  CHECK(check(missing.preflight, "target revision exists").detail ==
        "release cart has no revision 9 in its history (3..4)");
  const auto live = run.plan("4");
  CHECK_FALSE(live.ready());
  CHECK(check(live.preflight, "target differs from current").detail ==
        "revision 4 is already deployed");
  CHECK(run.standin.calls() == std::vector<Argv>{history, history});
}

TEST_CASE("helm: an unknown release fails pre-flight in helm's words") {
  Run run;
  run.standin.set("HELM_NOT_FOUND");
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  const auto& readable = check(plan.preflight, "release history readable");
  CHECK_FALSE(readable.passed);
  CHECK(readable.detail == "release: not found");
}

TEST_CASE(
    "helm: the rollback runs with --wait and the service's timeout, and verification sees the new "
    "revision") {
  Run run;
  const auto plan = run.plan();
  const auto outcome = run.execute(plan);
  CHECK(outcome.ok());
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.message == "Rollback was a success! Happy Helming!");
  CHECK(run.progress == std::vector<std::string>{"Rollback was a success! Happy Helming!"});

  const auto verification = run.verify(plan);
  CHECK(verification.passed);
  CHECK(check(verification.checks, "release deployed").detail == "revision 5 is deployed");
  CHECK(check(verification.checks, "live revision restores the target").detail ==
        "revision 5: Rollback to 3");
  CHECK(run.standin.calls() == std::vector<Argv>{history, manifest, rollback("3"), status});
}

TEST_CASE("helm: a revision gone by the time of the rollback is reported as revision missing") {
  Run run;
  const auto plan = run.plan();
  run.standin.set("HELM_FORGET", "3");
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::revision_missing);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.message == "release has no 3 version");
}

TEST_CASE(
    "helm: a wait that runs out is a timeout, and verification then finds the release failed") {
  Run run(1s);
  run.standin.set("HELM_WAIT_TIMEOUT");
  const auto plan = run.plan();
  CHECK(plan.argv == rollback("3", "1s"));
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::timeout);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.message == "release cart failed: context deadline exceeded");
  CHECK_THAT(outcome.output_tail,
             Contains("Error: release cart failed: context deadline exceeded"));

  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  const auto& deployed = check(verification.checks, "release deployed");
  CHECK_FALSE(deployed.passed);
  CHECK(deployed.detail == "revision 5 is failed");
}

TEST_CASE("helm: verification fails when another upgrade lands right after the rollback") {
  Run run;
  run.standin.set("HELM_RACING_UPGRADE");
  const auto plan = run.plan();
  CHECK(run.execute(plan).ok());
  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  const auto& restored = check(verification.checks, "live revision restores the target");
  CHECK_FALSE(restored.passed);
  CHECK(restored.detail ==
        "revision 6: Upgrade complete; expected a revision after 4 saying `Rollback to 3`");
}

TEST_CASE(
    "helm: a helm binary that is not there is named in pre-flight and is tool_missing on execute") {
  StandinTools standin;
  auto tools = standin.tools();
  tools.helm = "/nonexistent/helm";
  boost::asio::io_context io;
  HelmAdapter adapter(io.get_executor(), cart(), tools);
  const auto plan = complete(io, adapter.plan(std::nullopt));
  CHECK_FALSE(plan.ready());
  CHECK_THAT(plan.preflight.at(0).detail, Contains("`/nonexistent/helm` was not found"));
  const auto outcome = complete(io, adapter.execute(plan, [](const Progress&) {}));
  CHECK(outcome.failure == Failure::tool_missing);
}

TEST_CASE("adapters: helm, argocd and argo-rollouts services get their adapters") {
  config::Config config;
  config.services.push_back(cart());
  auto storefront = cart();
  storefront.name = "storefront";
  storefront.adapter = config::AdapterKind::argocd;
  storefront.argocd = config::ArgoCdTarget{"storefront", "", {}, false, false};
  config.services.push_back(storefront);
  auto search = cart();
  search.name = "search";
  search.adapter = config::AdapterKind::argo_rollouts;
  search.argo_rollouts =
      config::ArgoRolloutsTarget{"", "shop", "search", config::RolloutStrategy::canary, ""};
  config.services.push_back(search);
  boost::asio::io_context io;
  Adapters adapters(io.get_executor(), config.service_list(), config.tools, std::filesystem::temp_directory_path());
  CHECK(dynamic_cast<HelmAdapter*>(adapters.find("cart")));
  CHECK(adapters.find("storefront"));
  CHECK(adapters.find("search"));
}

TEST_CASE("helm: the history lists the release's revisions newest first, a failed one marked, the deployed one live") {
  Run run;
  run.standin.set("HELM_FAILED_UPGRADE");
  const auto history = run.history();
  CHECK(history.problem.empty());
  CHECK(history.live == "4");
  REQUIRE(history.revisions.size() == 3);
  CHECK(history.revisions[0].number == "5");
  CHECK_THAT(history.revisions[0].change_cause, Contains("failed"));
  CHECK(history.revisions[1].number == "4");
  CHECK(history.revisions[1].image == "foo-0.1.0-beta.1 (app 1.0)");
  CHECK(history.revisions[1].created == "1977-09-02T22:04:05Z");
  CHECK(history.revisions[2].change_cause == "Release mock");
  CHECK(run.standin.calls() == std::vector<Argv>{::history});
}

TEST_CASE("helm: a release that cannot be read gives its history's problem in helm's words") {
  Run run;
  run.standin.set("HELM_NOT_FOUND");
  const auto history = run.history();
  CHECK(history.revisions.empty());
  CHECK_THAT(history.problem, Contains("not found"));
}
