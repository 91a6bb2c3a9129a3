#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/asio/read_until.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "support/kube_standin.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

// The real goaround and the real kubectl against the Kubernetes API stand-in on loopback.
struct Cluster {
  explicit Cluster(const std::string& timeout = "20s") {
    testing::StandinDeployment checkout;
    checkout.namespace_name = "shop";
    checkout.name = "checkout";
    checkout.images = {"registry.local/checkout:1.40", "registry.local/checkout:1.41",
                       "registry.local/checkout:1.42"};
    checkout.change_causes = {"deploy 1.40", "deploy 1.41", "deploy 1.42"};
    api.add_deployment(checkout);
    kubeconfig = api.write_kubeconfig(dir.path(), "prod");
    config = write_config("goaround.yaml", "", "  kubectl: /usr/bin/kubectl\n  kubeconfig: " + kubeconfig.string() + "\n",
                          timeout);
  }
  // A configuration of the checkout service on the stand-in: `top` before `tools`, `tools`
  // (lines indented by two) besides the kube cache.
  std::string write_config(const std::string& name, const std::string& top, const std::string& tools,
                           const std::string& timeout = "20s") const {
    return dir.write(name, "data_dir: " + (dir.path() / "var").string() + "\n" + top + "tools:\n" + tools +
                               "  kube_cache_dir: " + (dir.path() / "kube-cache").string() + R"(
services:
  - name: checkout
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: shop, deployment: checkout }
    timeout: )" + timeout + "\n")
        .string();
  }
  testing::Ran rollback(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"rollback", "checkout", "--yes", "--config", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run_goaround(args);
  }
  std::string query(const std::string& sql) const {
    SQLite::Database db((dir.path() / "var" / "goaround.db").string());
    SQLite::Statement q(db, sql);
    return q.executeStep() ? q.getColumn(0).getString() : "";
  }

  testing::KubeStandin api;
  testing::TempDir dir;
  std::filesystem::path kubeconfig;
  std::string config;
};

}  // namespace

TEST_CASE("a kubectl go-around runs the real kubectl end to end, with progress and verification") {
  Cluster cluster;
  cluster.api.set_rollout("shop", "checkout", testing::RolloutBehaviour::stepwise, 150ms);
  const auto ran = testing::run_goaround({"--config", cluster.config}, "/rollback checkout\n1\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("Current revision: 3 · registry.local/checkout:1.42 · \"deploy 1.42\""));
  CHECK_THAT(ran.out, Contains("Target revision:  2 · registry.local/checkout:1.41 · \"deploy 1.41\""));
  CHECK_THAT(ran.out, Contains("Rolling back checkout to revision 2: `/usr/bin/kubectl rollout undo "
                               "deployment/checkout --to-revision=2 -n shop --context=prod --cache-dir="));
  CHECK_THAT(ran.out, Contains("then following it with `/usr/bin/kubectl rollout status deployment/checkout --timeout=20s"));
  CHECK_THAT(ran.out, Contains("--to-revision=2 -n shop --context=prod"));
  CHECK_THAT(ran.out, Contains(", then `/usr/bin/kubectl rollout status deployment/checkout"));  // on the card
  CHECK_THAT(ran.out, Contains("3/3 ready"));
  CHECK_THAT(ran.out, Contains("✓ live template is the target's: live revision 4 runs registry.local/checkout:1.41"));
  CHECK_THAT(ran.out, Contains("rolled back to revision 2 and verified"));
  CHECK(cluster.api.live_image("shop", "checkout") == "registry.local/checkout:1.41");
  CHECK(cluster.query("SELECT exit_code FROM executions WHERE id = 1") == "0");
  CHECK_THAT(cluster.query("SELECT output_tail FROM executions WHERE id = 1"),
             Contains("deployment.apps/checkout rolled back"));

  // The history as kubectl reads it: revision 2's ReplicaSet came back as 4, so the go-around
  // is matched by image where the number no longer runs it.
  const auto history = testing::run_goaround({"--config", cluster.config}, "/rollback history checkout\n");
  INFO(history.out);
  CHECK_THAT(history.out, Contains("Revisions of checkout (prod) · live: revision 4"));
  CHECK_THAT(history.out, Contains("▶ 4 (live) · registry.local/checkout:1.41 · made under a minute ago · \"deploy 1.41\""));
  CHECK_THAT(history.out, Contains("✓ go-around #1 returned to it and verified it healthy (incident #1, "));
  CHECK_THAT(history.out, Contains("• 3 · registry.local/checkout:1.42 · made under a minute ago · \"deploy 1.42\""));
  CHECK_THAT(history.out, Contains("↩ go-around #1 rolled back from it (incident #1, "));
  CHECK_THAT(history.out, Contains("• 1 · registry.local/checkout:1.40"));
}

TEST_CASE("a kubectl rollout that exceeds its progress deadline is reported as failed") {
  Cluster cluster;
  cluster.api.set_rollout("shop", "checkout", testing::RolloutBehaviour::deadline_exceeded, 100ms);
  const auto ran = cluster.rollback();
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("FAILED"));
  CHECK_THAT(ran.out, Contains("progress deadline exceeded: error: deployment \"checkout\" exceeded its progress deadline"));
}

TEST_CASE("a kubectl rollout that never finishes times out and says so") {
  Cluster cluster("2s");
  cluster.api.set_rollout("shop", "checkout", testing::RolloutBehaviour::stuck, 100ms);
  const auto ran = cluster.rollback();
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("timeout: error: timed out waiting for the condition"));
}

TEST_CASE("kubectl's refusals become pre-flight failures and nothing runs") {
  Cluster cluster;
  const auto missing = cluster.rollback({"--to", "99"});
  CHECK(missing.exit_code == 3);
  CHECK_THAT(missing.out, Contains("✗ target revision exists: no ReplicaSet carries revision 99; the history has 1, 2, 3"));
  cluster.api.set_forbidden("shop", "checkout", true);
  const auto forbidden = cluster.rollback();
  CHECK(forbidden.exit_code == 3);
  CHECK_THAT(forbidden.out, Contains("✗ deployment readable: Error from server (Forbidden): deployments.apps \"checkout\" is forbidden"));
  CHECK(cluster.api.live_image("shop", "checkout") == "registry.local/checkout:1.42");
}

TEST_CASE("a kubectl go-around killed mid-rollback is re-checked against the cluster on restart") {
  Cluster cluster;
  cluster.api.set_rollout("shop", "checkout", testing::RolloutBehaviour::stepwise, 400ms);
  {
    asio::io_context io;
    asio::readable_pipe out(io);
    bp::process bot(io, GOAROUND_BINARY, {"rollback", "checkout", "--yes", "--config", cluster.config},
                    bp::process_stdio{nullptr, out, nullptr});
    std::string seen;
    boost::system::error_code ec;
    asio::read_until(out, asio::dynamic_buffer(seen), "Progress:", ec);  // the undo is in
    REQUIRE_FALSE(ec);
    ::kill(bot.id(), SIGKILL);
    bot.wait(ec);
  }
  CHECK(cluster.query("SELECT state FROM executions WHERE id = 1") == "running");
  std::this_thread::sleep_for(2s);  // the cluster finishes the rollout without the bot
  CHECK(cluster.query("SELECT state FROM executions WHERE id = 1") == "running");  // timeline only reads
  const auto console = testing::run_goaround({"--config", cluster.config}, "");
  INFO(console.out << console.err);
  CHECK_THAT(console.out, Contains("The goaround process that was rolling back checkout to revision 2"));
  CHECK_THAT(console.out, Contains("after the interrupted go-around #1: on revision 2 and verified."));
  CHECK(cluster.query("SELECT state FROM executions WHERE id = 1") == "interrupted");
  CHECK(cluster.query("SELECT count(*) FROM service_locks") == "0");
}

namespace {

// Sets variables for the goaround children started while it lives, as a pod or a shell would.
struct EnvironmentOfTheBot {
  explicit EnvironmentOfTheBot(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {
    for (const auto& [name, value] : vars_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~EnvironmentOfTheBot() {
    for (const auto& [name, value] : vars_) ::unsetenv(name.c_str());
  }
  std::map<std::string, std::string> vars_;
};

}  // namespace

TEST_CASE("the real kubectl finds KUBECONFIG in the environment alone, and tools get the pod's "
          "environment and none of the bot's secrets") {
  Cluster cluster;
  // A kubectl that writes down the environment it was given, then is the real one.
  const auto seen = cluster.dir.path() / "kubectl-environment";
  const auto kubectl = cluster.dir.write("kubectl", "#!/bin/sh\n/usr/bin/env >> '" + seen.string() +
                                                        "'\nexec /usr/bin/kubectl \"$@\"\n");
  std::filesystem::permissions(kubectl, std::filesystem::perms::owner_all);
  const auto http_token = cluster.dir.write("http-token", "http-token-from-a-file\n");
  // No tools.kubeconfig: KUBECONFIG comes from the environment alone.
  const auto config = cluster.write_config(
      "env.yaml",
      "slack: { app_token: \"${TEST_SLACK_APP_TOKEN}\", bot_token: \"${TEST_SLACK_BOT_TOKEN}\" }\n"
      "http: { listen: 127.0.0.1:0, token_file: " + http_token.string() + " }\n",
      "  kubectl: " + kubectl.string() + "\n");
  const EnvironmentOfTheBot pod({{"KUBECONFIG", cluster.kubeconfig.string()},
                                 {"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                 {"KUBERNETES_SERVICE_PORT", "443"},
                                 {"HTTPS_PROXY", "http://127.0.0.1:9"},
                                 {"HTTP_PROXY", "http://127.0.0.1:9"},
                                 {"NO_PROXY", "127.0.0.1,localhost"},
                                 {"AWS_PROFILE", "prod-deployer"},
                                 {"TEST_SLACK_APP_TOKEN", "xapp-1-A1-must-not-leak"},
                                 {"TEST_SLACK_BOT_TOKEN", "xoxb-must-not-leak"},
                                 {"COPY_OF_THE_TOKEN", "xoxb-must-not-leak"}});
  const auto ran = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("rolled back to revision 2 and verified"));
  CHECK(cluster.api.live_image("shop", "checkout") == "registry.local/checkout:1.41");
  std::ifstream in(seen);
  const std::string environment{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const auto* arrived : {"KUBECONFIG=", "KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443",
                              "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
                              "AWS_PROFILE=prod-deployer"})
    CHECK_THAT(environment, Contains(arrived));
  for (const auto* withheld : {"must-not-leak", "TEST_SLACK_APP_TOKEN", "TEST_SLACK_BOT_TOKEN",
                               "COPY_OF_THE_TOKEN", "http-token-from-a-file"})
    CHECK_THAT(environment, !Contains(withheld));
}
