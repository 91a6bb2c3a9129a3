// Drills end to end: the go-around practised on a service's staging twin through the headless
// CLI (the real kubectl against the API stand-in), the console (a virtual clock that passes
// practice_every) and Slack payloads; the next production card and its debrief quote the drill.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "support/kube_standin.hpp"
#include "support/process.hpp"
#include "support/served_bot.hpp"
#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

std::string sql(const testing::TempDir& dir, const std::string& query) {
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, query);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

// A simulated checkout with a simulated staging twin.
std::string simulated_with_twin(const testing::TempDir& dir, const std::string& sim, const std::string& twin_sim,
                                const std::string& extra = "") {
  return dir.write_config("\nservices:\n  - name: checkout\n    environment: prod\n    adapter: sim\n    sim: " +
                                        sim + "\n    drill:\n      environment: staging\n      sim: " + twin_sim + "\n" + extra)
      .string();
}

// checkout in production (shop) and its staging twin (shop-staging) on one stand-in API, under
// the contexts prod and staging of one kubeconfig, as a laptop's kubeconfig has them.
struct TwoEnvironments {
  TwoEnvironments() {
    for (const auto* ns : {"shop", "shop-staging"}) {
      testing::StandinDeployment checkout;
      checkout.namespace_name = ns;
      checkout.name = "checkout";
      checkout.replicas = 2;
      checkout.images = {"registry.local/checkout:1.40", "registry.local/checkout:1.41", "registry.local/checkout:1.42"};
      checkout.change_causes = {"deploy 1.40", "deploy 1.41", "deploy 1.42"};
      api.add_deployment(checkout);
      api.set_rollout(ns, "checkout", testing::RolloutBehaviour::stepwise, 100ms);
    }
    const auto kubeconfig = api.write_kubeconfig(dir.path(), "prod");
    std::stringstream text;
    text << std::ifstream(kubeconfig).rdbuf();
    auto contents = text.str();
    contents.replace(contents.find("contexts:\n"), 10,
                     "contexts:\n- name: staging\n  context:\n    cluster: standin\n    user: standin-user\n");
    std::ofstream(kubeconfig) << contents;
    config = dir.write_config("\ntools:\n  kubectl: /usr/bin/kubectl\n  kubeconfig: " + kubeconfig.string() +
                                            "\n  kube_cache_dir: " + (dir.path() / "kube-cache").string() + R"(
services:
  - name: checkout
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: shop, deployment: checkout }
    # Production's users are checked after its rollback; this one is down, the twin's is not checked.
    verify: { health_url: "http://127.0.0.1:9/healthz" }
    timeout: 20s
    drill:
      environment: staging
      kubectl: { context: staging, namespace: shop-staging, deployment: checkout }
    practice_every: 30d
)")
                 .string();
  }
  testing::Ran goaround(std::vector<std::string> args) const {
    args.insert(args.end(), {"--config", config});
    return testing::run_goaround(args);
  }

  testing::KubeStandin api;
  testing::TempDir dir;
  std::string config;
};

}  // namespace

TEST_CASE("goaround drill runs the prepared path on the staging twin with the real kubectl, and the next production "
          "card and its debrief quote it") {
  TwoEnvironments cluster;

  const auto drill = cluster.goaround({"drill", "checkout", "--yes"});
  INFO(drill.out << drill.err);
  REQUIRE(drill.exit_code == 0);
  CHECK_THAT(drill.out, Contains("🎯 DRILL · practising the go-around of checkout on its staging twin"));
  CHECK_THAT(drill.out, Contains("Go-around: checkout (drill) (staging)"));
  CHECK_THAT(drill.out, Contains("🎯 DRILL · Rolling back checkout (drill) to revision 2: `/usr/bin/kubectl rollout undo "
                                 "deployment/checkout --to-revision=2 -n shop-staging --context=staging"));
  CHECK_THAT(drill.out, Contains("🎯 DRILL · checkout (drill) rolled back to revision 2 and verified"));
  CHECK_THAT(drill.out, Contains("Phases: pre-flight "));
  // The twin went back; production did not move.
  CHECK(cluster.api.live_image("shop-staging", "checkout") == "registry.local/checkout:1.41");
  CHECK(cluster.api.live_image("shop", "checkout") == "registry.local/checkout:1.42");
  // No freeze and nothing ruled out: production's deploys go on. The drill's incident closed
  // itself with its measured phases.
  CHECK(sql(cluster.dir, "SELECT count(*) FROM freezes") == "0");
  CHECK(sql(cluster.dir, "SELECT count(*) FROM rejected_revisions") == "0");
  CHECK(sql(cluster.dir, "SELECT service || ' ' || environment || ' ' || state FROM incidents WHERE id = 1") ==
        "checkout (drill) staging resolved");
  CHECK_THAT(sql(cluster.dir, "SELECT summary FROM incidents WHERE id = 1"),
             Contains("Drill of checkout verified: pre-flight "));
  const auto phases = boost::json::parse(sql(cluster.dir, "SELECT data FROM timeline_events WHERE kind = 'result'"));
  CHECK(phases.at("drill_of") == "checkout");
  CHECK(phases.at("execute_ms").as_int64() >= 100);  // two replicas, 100 ms a step
  CHECK(phases.at("verify_ms").as_int64() >= 0);

  const auto rollback = cluster.goaround({"rollback", "checkout", "--yes", "--reason", "5xx after 1.42"});
  INFO(rollback.out << rollback.err);
  CHECK_THAT(rollback.out, Contains("Practised under a minute ago in staging: executed in "));
  CHECK_THAT(rollback.out, !Contains("DRILL"));
  CHECK_THAT(rollback.out, !Contains("Never practised"));
  // Production's health check is down: it ran, but did not verify; like any go-around it froze.
  CHECK(rollback.exit_code == 1);
  CHECK(cluster.api.live_image("shop", "checkout") == "registry.local/checkout:1.41");
  CHECK(sql(cluster.dir, "SELECT count(*) FROM freezes") == "1");

  const auto debrief = cluster.goaround({"debrief", "2"});
  INFO(debrief.out << debrief.err);
  REQUIRE(debrief.exit_code == 0);
  CHECK_THAT(debrief.out, Contains("- Against the last drill ("));
  CHECK_THAT(debrief.out, Contains(" in staging, incident #1, verified):"));
  CHECK_THAT(debrief.out, Contains("  - execute: "));
  CHECK_THAT(debrief.out, Contains(" in the drill: "));
  CHECK_THAT(debrief.out, Contains("  - differed: verification check `health http://127.0.0.1:9/healthz` only here"));
  CHECK_THAT(debrief.out, Contains("  - failed only in production: health http://127.0.0.1:9/healthz: cannot connect"));
  CHECK_THAT(debrief.out, !Contains("differed: the command"));
}

TEST_CASE("a service that was never practised says so on its card and in its debrief, and has no drill to run") {
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
services:
  - name: payments
    environment: prod
    adapter: sim
    sim: { revisions: 5, replicas: 1, step: 10ms }
)").string();
  const auto refused = testing::run_goaround({"drill", "payments", "--yes", "--config", config});
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Contains("payments has no `drill:` twin to practise on"));
  const auto unknown = testing::run_goaround({"drill", "nope", "--yes", "--config", config});
  CHECK(unknown.exit_code == 3);
  CHECK_THAT(unknown.out, Contains("Unknown service or subcommand `nope`"));

  const auto rollback = testing::run_goaround({"rollback", "payments", "--yes", "--config", config});
  INFO(rollback.out << rollback.err);
  REQUIRE(rollback.exit_code == 0);
  CHECK_THAT(rollback.out, Contains("Never practised: the first rollback of payments would be improvised "
                                    "(give it a drill: twin in staging)."));
  const auto debrief = testing::run_goaround({"debrief", "--config", config});
  CHECK_THAT(debrief.out, Contains("- It was never practised: no drill of payments ran before this go-around"));
}

TEST_CASE("the console: a drill, the production card and debrief that quote it, then a month later one reminder with "
          "Run a drill, whose press shows the drill's card") {
  testing::TempDir dir;
  const auto config = simulated_with_twin(dir, "{ revisions: 5, replicas: 2, step: 10ms }",
                                          "{ revisions: 5, replicas: 2, step: 10ms }", "    practice_every: 30d\n");
  // Drilled at once; 29 days later nothing is due; at 31 days one reminder, and no second one.
  const auto console = testing::run_goaround({"--config", config, "--clock", "virtual"},
                                             "/rollback drill checkout before the freeze\n1\n:wait\n/rollback checkout\n1\n:wait\n"
                                             "/rollback debrief\n"
                                             ":advance 29d\n:advance 2d\n:advance 1h\nRun a drill\n");
  INFO(console.out << console.err);
  CHECK(console.exit_code == 0);
  CHECK_THAT(console.out, Contains("Requested by operator · reason: before the freeze"));
  CHECK_THAT(console.out, Contains("🎯 DRILL · checkout (drill) rolled back to revision 4 and verified"));
  CHECK_THAT(console.out, Contains("Practised under a minute ago in staging: executed in "));
  std::stringstream debrief;
  debrief << std::ifstream(dir.path() / "var" / "debriefs" / "incident-2.md").rdbuf();
  CHECK_THAT(debrief.str(), Contains("- Against the last drill ("));
  CHECK_THAT(debrief.str(), Contains("  - the same steps as practised"));
  const auto reminder = console.out.find("Time to practise the go-around of checkout");
  REQUIRE(reminder != std::string::npos);
  CHECK(console.out.find("Time to practise", reminder + 1) == std::string::npos);
  CHECK_THAT(console.out, Contains("the last drill was 31 days ago in staging, and practice is due every 30 days"));
  CHECK_THAT(console.out, Contains("[1] Run a drill"));
  // The press: a fresh drill card on the twin.
  CHECK(console.out.find("Go-around: checkout (drill) (staging) · incident #3", reminder) != std::string::npos);
}

TEST_CASE("through Slack payloads: the reminder of a never-practised service, its Run a drill button, the drill, "
          "and the production card that quotes it") {
  testing::SlackEmulator slack;
  testing::ServedBot served(slack,
                            "    drill:\n      environment: staging\n      sim: { revisions: 9, replicas: 2, step: 20ms }\n"
                            "    practice_every: 30d\n",
                            "", "prometheus: { url: \"http://127.0.0.1:9\", poll_interval: 200ms }\n");
  REQUIRE(slack.wait_for_connections(1));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "it has never been practised");
  }));
  CHECK(testing::posted(slack.calls(), "chat.postMessage", "goaround.drill:checkout"));
  std::this_thread::sleep_for(600ms);  // three more ticks: still one reminder
  const auto calls = slack.calls();
  CHECK(std::count_if(calls.begin(), calls.end(), [](const auto& call) {
          return call.method == "chat.postMessage" && boost::json::serialize(call.body).find("Time to practise") != std::string::npos;
        }) == 1);

  auto press = testing::fixture("socket_block_actions_envelope.json");
  auto& action = press.at("payload").at("actions").as_array()[0].as_object();
  action["action_id"] = "goaround.drill:checkout";
  action["value"] = "goaround.drill:checkout";
  press.as_object()["envelope_id"] = "drill-press";
  REQUIRE(slack.deliver(press));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "goaround.confirm:1") &&
           testing::posted(calls, "chat.postMessage", "*DRILL* · practising the go-around of checkout");
  }));
  std::this_thread::sleep_for(300ms);
  REQUIRE(slack.deliver(testing::confirm_press("confirm-drill")));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "🎯 DRILL · *checkout (drill)* rolled back to revision 8 and verified");
  }));

  REQUIRE(slack.deliver(testing::rollback_command("production")));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "Practised under a minute ago in staging: executed in ");
  }));
  std::this_thread::sleep_for(300ms);
  auto confirm = testing::confirm_press("confirm-production");
  auto& confirm_action = confirm.at("payload").at("actions").as_array()[0].as_object();
  confirm_action["action_id"] = confirm_action["value"] = "goaround.confirm:2";
  REQUIRE(slack.deliver(confirm));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "*checkout* rolled back to revision 41 and verified");
  }));
  auto debrief = testing::rollback_command("debrief");
  debrief.at("payload").as_object()["text"] = "debrief 2";
  REQUIRE(slack.deliver(debrief));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return std::any_of(calls.begin(), calls.end(), [](const auto& c) { return c.method == "files.completeUploadExternal"; });
  }));
  served.stop();
  std::stringstream written;
  written << std::ifstream(served.dir.path() / "var" / "debriefs" / "incident-2.md").rdbuf();
  INFO(written.str());
  CHECK_THAT(written.str(), Contains("- Against the last drill ("));
  CHECK_THAT(written.str(), Contains(" in staging, incident #1, verified):"));
  CHECK_THAT(written.str(), Contains("  - the same steps as practised"));
}

TEST_CASE("a drill killed mid-run is taken over by the next run: interrupted, re-checked, its incident closed, and "
          "the production card does not quote it") {
  testing::TempDir dir;
  const auto config = simulated_with_twin(dir, "{ revisions: 9, replicas: 1, step: 10ms }",
                                          "{ revisions: 9, replicas: 4, step: 400ms }");
  REQUIRE_FALSE(testing::kill_goaround_at({"drill", "checkout", "--yes", "--config", config}, "1/4 ready").empty());
  CHECK(sql(dir, "SELECT state FROM executions WHERE id = 1") == "running");

  // Production is not held by its twin's lock, and the next run takes the drill over first.
  const auto rollback = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config});
  INFO(rollback.out << rollback.err);
  CHECK(rollback.exit_code == 0);
  CHECK_THAT(rollback.out, Contains("The goaround process that was rolling back checkout (drill) to revision 8"));
  CHECK(sql(dir, "SELECT state FROM executions WHERE id = 1") == "interrupted");
  CHECK(sql(dir, "SELECT state || ' ' || summary FROM incidents WHERE id = 1") ==
        "resolved Drill of checkout interrupted: its process stopped mid-run, so it measured nothing; run it again");
  CHECK_THAT(rollback.out, Contains("Never practised: the first rollback of checkout would be improvised."));
  CHECK(sql(dir, "SELECT count(*) FROM service_locks") == "0");
}
