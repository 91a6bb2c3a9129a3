// A GitOps go-around through the real binary: `goaround rollback storefront --yes` reverts the
// bad commit in a real bare repository, and the timeline and the debrief say what ran.
#include <catch2/catch.hpp>

#include "support/git_remote.hpp"
#include "support/headless_bot.hpp"
#include "support/process.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

TEST_CASE("gitops through the CLI: the revert is pushed, verified, and in the timeline and the debrief") {
  testing::GitRemote remote;
  const auto bad = remote.head("main");
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
services:
  - name: storefront
    environment: prod
    adapter: gitops
    gitops:
      repo: )" + remote.url() + R"(
      branch: main
      path: apps/storefront/
      author: { name: goaround, email: goaround@shop.example }
)");
  const auto ran = testing::run_goaround(
      {"--config", config.string(), "rollback", "storefront", "--yes", "--reason", "5xx since v2.4.0"});
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("revert --no-commit " + bad));
  CHECK_THAT(ran.out, Contains("push origin HEAD:refs/heads/main"));
  // The remote: one revert on top, by goaround, naming the incident and why.
  CHECK(remote.log("%s", "-2 main") == "Revert \"storefront v2.4.0\"\nstorefront v2.4.0");
  CHECK(remote.log("%an", "-1 main") == "goaround");
  CHECK_THAT(remote.log("%B", "-1 main"), Contains("Go-around: incident #1, called by"));
  CHECK_THAT(remote.log("%B", "-1 main"), Contains(": 5xx since v2.4.0."));
  CHECK(remote.show("main:apps/storefront/deployment.yaml") == remote.show("main~2:apps/storefront/deployment.yaml"));
  // The clone it worked in lives under the data folder, and is reused.
  CHECK(std::filesystem::exists(dir.path() / "var" / "gitops" / "storefront" / ".git"));

  const auto timeline = testing::run_goaround({"--config", config.string(), "timeline", "--all"});
  INFO(timeline.out);
  CHECK_THAT(timeline.out, Contains("revert --no-commit"));
  CHECK_THAT(timeline.out, Contains("committed"));
  CHECK_THAT(timeline.out, Contains("revert on the branch"));
  const auto debrief = testing::run_goaround({"--config", config.string(), "debrief"});
  INFO(debrief.out << debrief.err);
  CHECK(debrief.exit_code == 0);
  CHECK_THAT(debrief.out, Contains("git -C"));
}

TEST_CASE("gitops beside serve: the commit CI registered is what the go-around reverts, and --to takes a commit SHA") {
  testing::GitRemote remote;
  const auto registered = remote.head("main");  // storefront v2.4.0
  remote.commit("apps/storefront/service.yaml", "kind: Service\n", "storefront service");
  testing::HeadlessBot served(R"(freeze_until_debrief: false
services:
  - name: storefront
    environment: prod
    adapter: gitops
    gitops: { repo: )" + remote.url() + R"(, branch: main, path: apps/storefront/ }
)");
  const auto config = (served.dir.path() / "goaround.yaml").string();
  const auto bad_commit = served.post("/v1/deployments", R"({"service":"storefront","environment":"prod","revision":"v2.4.0","commit":"not-a-sha"})");
  CHECK(bad_commit.status == 400);
  CHECK_THAT(bad_commit.body, Contains("`commit` must be a commit SHA"));
  REQUIRE(served.post("/v1/deployments", R"({"service":"storefront","environment":"prod","revision":"v2.4.0","commit":")" +
                                             registered + R"("})").status == 201);

  const auto ran = testing::run_goaround({"--config", config, "rollback", "storefront", "--yes", "v2.4.0 breaks checkout"});
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("is the deployment CI registered; newer changes under apps/storefront/ stay"));
  CHECK_THAT(ran.out, Contains("\"storefront v2.4.0 (person)\" · under a minute old"));  // the commit's age
  CHECK(remote.log("%s", "-1 main") == "Revert \"storefront v2.4.0\"");
  CHECK(remote.show("main:apps/storefront/service.yaml") == "kind: Service");

  // --to a commit: everything under the path after it goes (here the service and the revert of v2.4.0).
  const auto start = remote.head("main~4");  // storefront v2.3.9
  const auto to = testing::run_goaround({"--config", config, "rollback", "storefront", "--to", start.substr(0, 8), "--yes"});
  INFO(to.out << to.err);
  CHECK(to.exit_code == 0);
  CHECK(remote.show("main:apps/storefront/deployment.yaml") == remote.show(start + ":apps/storefront/deployment.yaml"));
  const auto not_sha = testing::run_goaround({"--config", config, "rollback", "storefront", "--to", "HEAD~1", "--yes"});
  CHECK(not_sha.exit_code == 3);
  CHECK_THAT(not_sha.out + not_sha.err, Contains("is not a commit: give its SHA"));
}
