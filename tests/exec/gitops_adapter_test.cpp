// The GitOps adapter against real git: bare repositories on the local filesystem holding a
// manifest history, changed behind the adapter's back as another person (or CI) would.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "goaround/exec/gitops_adapter.hpp"
#include "support/git_remote.hpp"
#include "support/http_call.hpp"
#include "support/kube_standin.hpp"
#include "support/temp_dir.hpp"
#include "support/tools/standin_tools.hpp"

using namespace goaround;
using namespace goaround::exec;
using Catch::Matchers::Contains;
using goaround::testing::complete;

namespace {

config::Service storefront(const std::string& repo) {
  config::Service service;
  service.name = "storefront";
  service.adapter = config::AdapterKind::gitops;
  service.gitops = config::GitOpsTarget{repo, "main", "apps/storefront/", "", {}, "goaround", "goaround@example.com"};
  return service;
}

struct Run {
  explicit Run(const config::Service& service) : adapter(service, tools, work.path() / "clone") {}
  testing::TempDir work;
  config::Tools tools;
  boost::asio::io_context io;
  GitOpsAdapter adapter;
  std::vector<std::string> progress;
  Plan plan(std::optional<std::string> to = std::nullopt) { return complete(io, adapter.plan(to)); }
  Plan plan_undo(const std::string& commit) { return complete(io, adapter.plan_undo(commit)); }
  Outcome execute(const Plan& plan) {
    return complete(io, adapter.execute(plan, [&](const Progress& p) { progress.push_back(p.detail); }));
  }
  Verification verify(const Plan& plan) { return complete(io, adapter.verify(plan)); }
};

const Check& check(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  FAIL("no check named " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("gitops: the plan reverts the newest commit under the path, says what it changes and the exact commands") {
  testing::GitRemote remote;
  const auto bad = remote.head("main");
  Run run(storefront(remote.url()));
  const auto plan = run.plan();
  INFO(plan.preflight.size());
  CHECK(plan.ready());
  CHECK(plan.current.number == bad.substr(0, 7));
  CHECK(plan.current.image == "image: shop/storefront:v2.4.0");
  CHECK_THAT(plan.current.change_cause, Contains("storefront v2.4.0"));
  CHECK(plan.target.image == "image: shop/storefront:v2.3.9");
  CHECK(plan.target.number == remote.head("main~1").substr(0, 7));  // the state before the bad commit
  CHECK(plan.argv == std::vector<std::string>{"git", "-C", (run.work.path() / "clone").string(), "revert",
                                              "--no-commit", bad});
  CHECK(plan.wait_argv.back() == "HEAD:refs/heads/main");
  CHECK_THAT(check(plan.preflight, "commits to revert").detail,
             Contains("image: shop/storefront:v2.3.9 → shop/storefront:v2.4.0"));
  CHECK(remote.head("main") == bad);  // planning pushes nothing
}

TEST_CASE("gitops: a go-around leaves one revert on the branch, its tree under the path the target's, and is verified") {
  testing::GitRemote remote;
  const auto bad = remote.head("main");
  Run run(storefront(remote.url()));
  auto plan = run.plan();
  REQUIRE(plan.ready());
  plan.intent = "incident #4, called by alice: 5xx after v2.4.0";
  const auto outcome = run.execute(plan);
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  // The remote, commit by commit: the three it had, then the revert, by goaround, on top.
  CHECK(remote.log("%s") == "Revert \"storefront v2.4.0\"\nstorefront v2.4.0\nsearch v1\nstorefront v2.3.9\nstart");
  CHECK(remote.head("main~1") == bad);
  CHECK(remote.log("%an <%ae>", "-1 main") == "goaround <goaround@example.com>");
  const auto message = remote.log("%B", "-1 main");
  CHECK_THAT(message, Contains("Go-around: incident #4, called by alice: 5xx after v2.4.0."));
  CHECK_THAT(message, Contains("This reverts commit " + bad + "."));
  CHECK(remote.show("main:apps/storefront/deployment.yaml") == remote.show("main~2:apps/storefront/deployment.yaml"));
  const auto verified = run.verify(plan);
  CHECK(verified.passed);
  CHECK(check(verified.checks, "path as the revert left it").passed);
  // A second go-around goes one further back instead of undoing the first.
  const auto again = run.plan();
  for (const auto& c : again.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  INFO(again.current.change_cause);
  CHECK(again.current.change_cause.starts_with("storefront v2.3.9"));
}

TEST_CASE("gitops: someone pushes between plan and push, and the revert is replayed on the new tip, never forced") {
  testing::GitRemote remote;
  const auto bad = remote.head("main");
  Run run(storefront(remote.url()));
  auto plan = run.plan();
  REQUIRE(plan.ready());
  const auto theirs = remote.commit("apps/search/deployment.yaml", "image: shop/search:v2\n", "search v2");
  const auto outcome = run.execute(plan);
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  CHECK(remote.log("%s") ==
        "Revert \"storefront v2.4.0\"\nsearch v2\nstorefront v2.4.0\nsearch v1\nstorefront v2.3.9\nstart");
  CHECK(remote.head("main~1") == theirs);  // their commit kept, ours on top
  CHECK(run.verify(plan).passed);
}

TEST_CASE("gitops: a revert that would conflict is refused in pre-flight and nothing is pushed") {
  testing::GitRemote remote;
  // The bad commit also touched a shared file that a later commit (outside the path) changed.
  remote.commit("apps/storefront/deployment.yaml", testing::GitRemote::manifest("v2.5.0"), "storefront v2.5.0");
  std::filesystem::create_directories(remote.person / "shared");
  std::ofstream(remote.person / "shared/versions.txt") << "storefront=v2.5.0\n";
  std::ofstream(remote.person / "apps/storefront/deployment.yaml") << testing::GitRemote::manifest("v2.6.0");
  remote.git("-C " + remote.person.string() + " add -A");
  remote.git("-C " + remote.person.string() + " commit -q -m 'storefront v2.6.0'");
  remote.git("-C " + remote.person.string() + " push -q origin main");
  remote.commit("shared/versions.txt", "storefront=v2.6.0 (pinned)\n", "pin versions");
  const auto before = remote.head("main");
  Run run(storefront(remote.url()));
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  const auto& clean = check(plan.preflight, "revert applies cleanly");
  CHECK_FALSE(clean.passed);
  CHECK_THAT(clean.detail, Contains("shared/versions.txt"));
  CHECK(remote.head("main") == before);
}

TEST_CASE("gitops: a deploy key that cannot be read is said plainly, and nothing runs") {
  auto service = storefront("git@127.0.0.1:shop/deploy.git");
  service.gitops->ssh_key_file = "/etc/goaround/missing-deploy-key";
  Run run(service);
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  CHECK(check(plan.preflight, "repository reachable").detail ==
        "the deploy key /etc/goaround/missing-deploy-key (gitops.ssh_key_file) cannot be read");
}

TEST_CASE("gitops: a repository that does not answer fails pre-flight with git's words") {
  testing::TempDir nowhere;
  Run run(storefront("file://" + (nowhere.path() / "no-such.git").string()));
  const auto plan = run.plan();
  CHECK_FALSE(plan.ready());
  CHECK_THAT(check(plan.preflight, "repository reachable").detail, Contains("does not appear to be a git repository"));
}

TEST_CASE("gitops: --to reverts every commit under the path after the target, newest first") {
  testing::GitRemote remote;
  remote.commit("apps/storefront/deployment.yaml", testing::GitRemote::manifest("v2.5.0"), "storefront v2.5.0");
  const auto first = remote.head("main~3");  // storefront v2.3.9
  Run run(storefront(remote.url()));
  auto plan = run.plan(first.substr(0, 10));
  for (const auto& c : plan.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  REQUIRE(plan.ready());
  CHECK(plan.argv.size() == 7);  // git -C clone revert --no-commit v2.5.0 v2.4.0
  CHECK(plan.target.image == "image: shop/storefront:v2.3.9");
  plan.intent = "incident #5, called by bob";
  REQUIRE(run.execute(plan).ok());
  CHECK(remote.show("main:apps/storefront/deployment.yaml") == remote.show(first + ":apps/storefront/deployment.yaml"));
  CHECK(run.verify(plan).passed);
}

TEST_CASE("gitops: the commit CI registered is the bad change, and newer changes under the path are listed and stay") {
  testing::GitRemote remote;
  const auto registered = remote.head("main");  // storefront v2.4.0
  remote.commit("apps/storefront/service.yaml", "kind: Service\n", "storefront service");
  const auto newer = remote.head("main");
  Run run(storefront(remote.url()));
  auto plan = run.plan_undo(registered.substr(0, 12));
  for (const auto& c : plan.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  REQUIRE(plan.ready());
  REQUIRE(plan.argv.size() == 6);
  CHECK(plan.argv.back() == registered);  // that commit alone
  CHECK_THAT(check(plan.preflight, "registered commit").detail, Contains("newer changes under apps/storefront/ stay: " + newer.substr(0, 7)));
  // A registered commit that is not a change under the path: the newest change is planned,
  // and the card says why.
  const auto fallback = run.plan_undo(remote.head("main~2"));  // search v1, outside the path
  CHECK_THAT(check(fallback.preflight, "registered commit").detail, Contains("is not a change under apps/storefront/"));
  CHECK(fallback.argv.back() == newer);

  plan.intent = "incident #2, called by ci";
  REQUIRE(run.execute(plan).ok());
  CHECK(remote.show("main:apps/storefront/deployment.yaml") == remote.show(registered + "~1:apps/storefront/deployment.yaml"));
  CHECK(remote.show("main:apps/storefront/service.yaml") == "kind: Service");
  CHECK(remote.log("%s", "-1 main") == "Revert \"storefront v2.4.0\"");

}

TEST_CASE("gitops: over the network (git daemon on loopback), the revert is fetched, pushed and verified the same way") {
  testing::GitRemote remote;
  const auto port = testing::free_port();
  const auto pid_file = remote.dir.path() / "daemon.pid";
  testing::GitRemote::git("daemon --detach --reuseaddr --export-all --enable=receive-pack --listen=127.0.0.1 --port=" +
                          std::to_string(port) + " --base-path=" + remote.dir.path().string() +
                          " --pid-file=" + pid_file.string() + " " + remote.dir.path().string());
  struct StopDaemon {
    std::filesystem::path pid_file;
    ~StopDaemon() {
      long pid = 0;
      std::ifstream(pid_file) >> pid;
      if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGTERM);
    }
  } stop{pid_file};
  const auto url = "git://127.0.0.1:" + std::to_string(port) + "/deploy.git";
  Run run(storefront(url));
  auto plan = run.plan();
  for (int i = 0; i < 50 && !plan.ready(); ++i) {  // the daemon may take a moment to listen
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    plan = run.plan();
  }
  REQUIRE(plan.ready());
  CHECK_THAT(check(plan.preflight, "repository reachable").detail, Contains(url));
  plan.intent = "incident #9, called by carol";
  const auto outcome = run.execute(plan);
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  CHECK(remote.log("%s", "-1 main") == "Revert \"storefront v2.4.0\"");
  CHECK(run.verify(plan).passed);
}

TEST_CASE("gitops with wait.flux_kustomization: the real kubectl asks Flux to reconcile the source and the "
          "Kustomization, the wait ends when it applied the revert, and verification checks it") {
  testing::GitRemote remote;
  testing::KubeStandin api;
  api.add_flux_kustomization("flux-system", "storefront", remote.bare, "main");
  testing::TempDir work;
  auto service = storefront(remote.url());
  service.gitops->wait.flux_namespace = "flux-system";
  service.gitops->wait.flux_name = "storefront";
  service.timeout = std::chrono::seconds(20);
  config::Tools tools;
  tools.kubeconfig = api.write_kubeconfig(work.path(), "prod").string();
  tools.kube_cache_dir = (work.path() / "kube-cache").string();
  boost::asio::io_context io;
  GitOpsAdapter adapter(service, tools, work.path() / "clone", flux_reconciler(service.gitops->wait, tools, service.timeout));

  auto plan = complete(io, adapter.plan(std::nullopt));
  for (const auto& c : plan.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  REQUIRE(plan.ready());
  CHECK_THAT(check(plan.preflight, "reconciled by").detail, Contains("Flux Kustomization flux-system/storefront"));
  CHECK_THAT(check(plan.preflight, "reconciled by").detail, Contains("reconcile.fluxcd.io/requestedAt=<now>"));
  plan.intent = "incident #4, called by dave";
  std::vector<std::string> progress;
  const auto outcome = complete(io, adapter.execute(plan, [&](const Progress& p) { progress.push_back(p.detail); }));
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  CHECK_THAT(outcome.message, Contains("flux-system/storefront applied it and is Ready"));
  const auto revert = remote.head("main");
  CHECK(api.flux_applied("flux-system", "storefront") == "main@sha1:" + revert);
  // Flux was asked the way `flux reconcile kustomization --with-source` asks: the source first.
  std::vector<std::string> patches;
  for (const auto& r : api.requests())
    if (r.starts_with("PATCH")) patches.push_back(r);
  REQUIRE(patches.size() == 2);
  CHECK_THAT(patches[0], Contains("/gitrepositories/storefront"));
  CHECK_THAT(patches[1], Contains("/kustomizations/storefront"));
  CHECK(std::any_of(progress.begin(), progress.end(), [](const std::string& p) { return p.starts_with("waiting for flux-system/storefront"); }));

  const auto verified = complete(io, adapter.verify(plan));
  for (const auto& c : verified.checks) UNSCOPED_INFO(c.name << ": " << c.detail);
  CHECK(verified.passed);
  CHECK(check(verified.checks, "kustomization applied the revert").passed);
  CHECK(check(verified.checks, "kustomization ready").passed);
}

TEST_CASE("gitops with wait.argocd_app: the go-around waits until the app synced a revision with the revert") {
  testing::GitRemote remote;
  testing::StandinTools standin;
  standin.set("ARGOCD_AUTOSYNC");
  standin.set("ARGOCD_GIT", remote.bare.string());
  testing::TempDir work;
  auto service = storefront(remote.url());
  service.gitops->wait.argocd_app = "storefront";
  // No token in the configuration: the CLI finds its own, here the one the pod's environment holds.
  struct PodToken {
    PodToken() { ::setenv("ARGOCD_AUTH_TOKEN", "argocd-token-from-the-pod", 1); }
    ~PodToken() { ::unsetenv("ARGOCD_AUTH_TOKEN"); }
  } pod_token;
  boost::asio::io_context io;
  GitOpsAdapter adapter(service, standin.tools(), work.path() / "clone",
                        argocd_reconciler(config::ArgoCdTarget{.app = "storefront"}, standin.tools(), service.timeout));
  auto plan = complete(io, adapter.plan(std::nullopt));
  REQUIRE(plan.ready());
  CHECK_THAT(check(plan.preflight, "reconciled by").detail, Contains("argocd app wait storefront --sync --health"));
  plan.intent = "incident #6, called by erin";
  const auto outcome = complete(io, adapter.execute(plan, [](const Progress&) {}));
  INFO(outcome.message << "\n" << outcome.output_tail);
  REQUIRE(outcome.ok());
  CHECK_THAT(outcome.message, Contains("storefront synced it and is healthy"));
  const auto verified = complete(io, adapter.verify(plan));
  CHECK(verified.passed);
  CHECK(check(verified.checks, "application synced the revert").passed);
}
