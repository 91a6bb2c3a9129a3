#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "goaround/exec/argocd_adapter.hpp"
#include "support/git_remote.hpp"
#include "support/tools/standin_tools.hpp"

using namespace goaround;
using namespace goaround::exec;
using Catch::Matchers::Contains;
using goaround::testing::complete;
using goaround::testing::StandinTools;
using Argv = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

constexpr auto token = "argocd-token-must-stay-out-of-argv";
constexpr auto bad_commit = "5f3c2a1e9d8b7c6a5f4e3d2c1b0a998877665544";
constexpr auto good_commit = "ea8759964626a583667a2bfd08f334ec2070040a";

config::Service storefront(std::chrono::milliseconds timeout = 5min, bool with_token = true) {
  config::Service service;
  service.name = "storefront";
  service.adapter = config::AdapterKind::argocd;
  service.argocd = config::ArgoCdTarget{
      "storefront", "argocd.example.internal:443",
      with_token ? config::Secret(token, "${ARGOCD_AUTH_TOKEN}") : config::Secret(), true, false};
  service.timeout = timeout;
  return service;
}

const std::string argocd = StandinTools::path("argocd");
Argv with_connection(Argv argv) {
  argv.insert(argv.begin(), argocd);
  argv.insert(argv.end(), {"--server", "argocd.example.internal:443", "--grpc-web"});
  return argv;
}
const Argv get = with_connection({"app", "get", "storefront", "-o", "json"});
Argv rollback(const std::string& id) {
  return with_connection({"app", "rollback", "storefront", id});
}
Argv wait(const std::string& seconds = "300") {
  return with_connection({"app", "wait", "storefront", "--health", "--timeout", seconds});
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  throw std::logic_error("unreachable");
}

struct Run : testing::AdapterRun<ArgoCdAdapter> {
  explicit Run(const config::Service& service = storefront()) : AdapterRun(service) {}
};

}  // namespace

TEST_CASE(
    "argocd: the plan rolls back to the history entry before the live one, token in the "
    "environment only") {
  Run run;
  const auto plan = run.plan();
  CHECK(plan.ready());
  CHECK(plan.current.number == "23");
  CHECK(plan.current.image == bad_commit);
  CHECK(plan.target.number == "22");
  CHECK(plan.target.image == good_commit);
  CHECK(plan.target.change_cause == "deployed 2024-03-05T07:32:44Z");
  CHECK(plan.argv == rollback("22"));
  CHECK(plan.wait_argv == wait());
  CHECK(check(plan.preflight, "application readable").detail ==
        "application storefront is Synced, Degraded, at history id 23");
  CHECK(check(plan.preflight, "target differs from current").detail == "5f3c2a1 → ea87599");
  CHECK(run.standin.calls() == std::vector<Argv>{get});
  CHECK(run.standin.read("argocd-token") == token);
}

TEST_CASE("argocd: with auto-sync on, pre-flight refuses and offers the revert in git instead") {
  Run run;
  run.standin.set("ARGOCD_AUTOSYNC");
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  const auto& off = check(plan.preflight, "auto-sync is off");
  CHECK_FALSE(off.passed);
  CHECK_THAT(off.detail,
             Contains("would re-apply the bad commit 5f3c2a1e9d8b7c6a5f4e3d2c1b0a998877665544"));
  CHECK_THAT(off.detail,
             Contains("revert commit 5f3c2a1e9d8b7c6a5f4e3d2c1b0a998877665544 in the config "
                      "repo https://github.com/foo/manifests-velero.git"));
  CHECK_THAT(off.detail,
             Contains("app sync storefront --server argocd.example.internal:443 --grpc-web`"));

  // Argo CD itself refuses too, should anything run the rollback regardless.
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::tool_failed);
  CHECK(outcome.exit_code == 20);
  CHECK(outcome.message ==
        "rpc error: code = FailedPrecondition desc = rollback cannot be initiated when auto-sync "
        "is enabled");
  CHECK(run.standin.calls() == std::vector<Argv>{get, rollback("22")});
}

TEST_CASE(
    "argocd: the rollback syncs the old revision, the wait reports progress, and verification sees "
    "it healthy") {
  Run run;
  const auto plan = run.plan();
  const auto outcome = run.execute(plan);
  CHECK(outcome.ok());
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.message == "application storefront synced to history id 22 and healthy");
  CHECK(std::find(run.progress.begin(), run.progress.end(),
                  "Sync Revision:      ea8759964626a583667a2bfd08f334ec2070040a") !=
        run.progress.end());
  CHECK(std::find(run.progress.begin(), run.progress.end(), "Health Status:      Healthy") !=
        run.progress.end());

  const auto verification = run.verify(plan);
  CHECK(verification.passed);
  CHECK(check(verification.checks, "live revision is the target's").detail ==
        "newest deployment is ea87599");
  CHECK(check(verification.checks, "application healthy").detail == "health is Healthy");
  CHECK(check(verification.checks, "sync operation succeeded").detail ==
        "operation Succeeded: successfully synced (all tasks run)");
  const auto calls = run.standin.calls();
  CHECK(calls == std::vector<Argv>{get, rollback("22"), wait(), get});
  for (const auto& argv : calls) CHECK(std::find(argv.begin(), argv.end(), token) == argv.end());
}

TEST_CASE("argocd: a wait that runs out is a timeout in argocd's words") {
  Run run(storefront(1s));
  run.standin.set("ARGOCD_WAIT", "timeout");
  const auto plan = run.plan();
  CHECK(plan.wait_argv == wait("1"));
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::timeout);
  CHECK(outcome.exit_code == 20);
  CHECK(outcome.message == "timed out (1s) waiting for app \"storefront\" match desired state");
}

TEST_CASE("argocd: an application that turns Degraded fails the execution and the verification") {
  Run run;
  run.standin.set("ARGOCD_WAIT", "degraded");
  const auto plan = run.plan();
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::tool_failed);
  CHECK(outcome.message ==
        "application 'storefront' health state has transitioned from Progressing to Degraded");
  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  CHECK_FALSE(check(verification.checks, "application healthy").passed);
}

TEST_CASE("argocd: verification fails when git HEAD is synced again after the rollback") {
  Run run;
  run.standin.set("ARGOCD_RESYNC");
  const auto plan = run.plan();
  CHECK(run.execute(plan).ok());
  const auto verification = run.verify(plan);
  CHECK_FALSE(verification.passed);
  CHECK(check(verification.checks, "live revision is the target's").detail ==
        "newest deployment is 5f3c2a1; expected ea87599");
}

TEST_CASE(
    "argocd: a history id that does not exist is refused in pre-flight and is revision missing for "
    "argocd") {
  Run run;
  const auto plan = run.plan("99");
  CHECK_FALSE(plan.ready());
  CHECK(check(plan.preflight, "target in history").detail ==
        "application storefront has no history id 99 (ids 14..23)");
  CHECK(plan.argv == rollback("99"));
  const auto outcome = run.execute(plan);
  CHECK(outcome.failure == Failure::revision_missing);
  CHECK(outcome.message == "application 'storefront' does not have deployment id '99' in history");
}

TEST_CASE("argocd: an unknown application fails pre-flight with the server's answer") {
  Run run;
  run.standin.set("ARGOCD_NOT_FOUND");
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  CHECK(check(plan.preflight, "application readable").detail ==
        "rpc error: code = NotFound desc = applications.argoproj.io \"storefront\" not found");
}

TEST_CASE("argocd: without a configured token the CLI's refusal is reported as forbidden") {
  Run run(storefront(5min, false));
  const auto plan = run.plan();
  CHECK(check(plan.preflight, "application readable").detail ==
        "rpc error: code = Unauthenticated desc = no session information");
  CHECK(run.execute(plan).failure == Failure::forbidden);
}

TEST_CASE("argocd: the history is the application's deployments newest first, each with its commit and time") {
  Run run;
  const auto history = run.history();
  CHECK(history.problem.empty());
  CHECK(history.live == "23");
  REQUIRE(history.revisions.size() >= 2);
  CHECK(history.revisions[0].number == "23");
  CHECK(history.revisions[0].image == bad_commit);
  CHECK(history.revisions[1].number == "22");
  CHECK(history.revisions[1].image == good_commit);
  CHECK(history.revisions[1].created == "2024-03-05T07:32:44Z");
  CHECK(run.standin.calls() == std::vector<Argv>{get});
}

TEST_CASE("argocd: with auto-sync on and a gitops block, the go-around reverts in git, waits for the sync, verifies the app") {
  testing::GitRemote remote;
  const auto bad = remote.head("main");
  testing::StandinTools standin;
  standin.set("ARGOCD_AUTOSYNC");
  standin.set("ARGOCD_GIT", remote.bare.string());  // the controller follows main
  auto service = storefront();
  service.gitops = config::GitOpsTarget{remote.url(), "main", "apps/storefront/", "", {}, "goaround", "goaround@example.com"};
  testing::TempDir work;
  boost::asio::io_context io;
  ArgoCdAdapter adapter(io.get_executor(), service, standin.tools(),
                        std::make_unique<GitOpsAdapter>(service, standin.tools(), work.path() / "clone",
                                                        argocd_reconciler(*service.argocd, standin.tools(), service.timeout)));
  auto plan = complete(io, adapter.plan(std::nullopt));
  REQUIRE(plan.ready());
  CHECK(plan.route == "git");
  CHECK_THAT(check(plan.preflight, "auto-sync is on: the way back is git").detail,
             Contains("`argocd app rollback` would be undone by the controller"));
  CHECK(plan.argv.back() == bad);
  plan.intent = "incident #7, called by alice: 5xx";
  std::vector<std::string> progress;
  const auto outcome = complete(io, adapter.execute(plan, [&](const Progress& p) { progress.push_back(p.detail); }));
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  CHECK_THAT(outcome.message, Contains("storefront synced it and is healthy"));
  CHECK(remote.log("%s", "-1 main") == "Revert \"storefront v2.4.0\"");
  const auto verified = complete(io, adapter.verify(plan));
  CHECK(verified.passed);
  CHECK(check(verified.checks, "application synced the revert").passed);
  CHECK(check(verified.checks, "revert on the branch").passed);
  // Argo CD itself was only asked to refresh, read and wait: no `app rollback` under auto-sync.
  const auto calls = standin.calls();
  for (const auto& argv : calls) CHECK(std::find(argv.begin(), argv.end(), "rollback") == argv.end());
  CHECK(std::any_of(calls.begin(), calls.end(), [](const auto& argv) {
    return std::find(argv.begin(), argv.end(), "--refresh") != argv.end();
  }));
}
