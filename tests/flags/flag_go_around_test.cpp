// The flag go-around end to end, against the run's real Unleash: the headless CLI, the console
// beside a running serve (the card's "Turn flag X off instead" and the FLAG OFF verdict's
// button) and Slack payloads (who may call stop). Each reads the flag back from Unleash.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <atomic>
#include <thread>

#include "support/headless_bot.hpp"
#include "support/launchdarkly_standin.hpp"
#include "support/process.hpp"
#include "support/served_bot.hpp"
#include "support/slack_emulator.hpp"
#include "support/unleash.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {


// checkout's flags: block on the run's Unleash; the token comes from the environment.
std::string flags_block(const testing::Unleash& unleash) {
  ::setenv("GOAROUND_TEST_UNLEASH_TOKEN", unleash.token().c_str(), 1);
  return "    flags:\n      provider: unleash\n      url: " + unleash.url() +
         "\n      token: ${GOAROUND_TEST_UNLEASH_TOKEN}\n      project: default\n      environment: production\n";
}

std::string services(const testing::Unleash& unleash) {
  return R"(services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms }
)" + flags_block(unleash);
}

}  // namespace

TEST_CASE("goaround rollback checkout --flag KEY --yes turns the real flag off, verifies it, and the timeline and "
          "the debrief say so with the duration") {
  const auto unleash = testing::Unleash::shared();
  const auto key = unleash.new_flag("new-checkout-flow", "production");
  testing::TempDir dir;
  const auto config = dir.write_config("\n" + services(unleash)).string();

  const auto ran = testing::run_goaround(
      {"--config", config, "rollback", "checkout", "--flag", key, "--yes", "--reason", "double charges since 14:02"});
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("Flag: " + key + " in production (unleash) · now on"));
  CHECK_THAT(ran.out, Contains("POST " + unleash.url() + "/api/admin/projects/default/features/" + key +
                               "/environments/production/off"));
  CHECK_THAT(ran.out, Contains("Flag " + key + " of checkout turned off and verified in "));
  CHECK_THAT(ran.out + ran.err, !Contains(unleash.token()));
  CHECK(unleash.enabled(key, "production") == false);
  CHECK(unleash.disabled_by(key) == "goaround-tests");

  const auto timeline = testing::run_goaround({"--config", config, "timeline"});
  INFO(timeline.out);
  CHECK_THAT(timeline.out, Contains("flag " + key + " on → off"));
  CHECK_THAT(timeline.out, Contains("Turning flag " + key + " of checkout off in production"));
  CHECK_THAT(timeline.out, Contains("turned off and verified in "));
  CHECK_THAT(timeline.out, Contains("confirmed the go-around of checkout turning flag " + key + " off"));
  const auto debrief = testing::run_goaround({"--config", config, "debrief"});
  INFO(debrief.out << debrief.err);
  REQUIRE(debrief.exit_code == 0);
  CHECK_THAT(debrief.out, Contains("checkout's flag " + key + " was turned off in "));
  CHECK_THAT(debrief.out, Contains("and verified."));
  // Like any go-around, it froze checkout's deploys until the debrief.
  CHECK_THAT(timeline.out, Contains("froze"));

  // Again: the flag is off already; nothing is called, and the exit says "not started".
  const auto again = testing::run_goaround({"--config", config, "rollback", "checkout", "--flag", key, "--yes"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 3);
  CHECK_THAT(again.out, Contains("already off in production"));
}

TEST_CASE("goaround rollback --flag refuses what cannot work, with the reason, and calls nothing") {
  const auto unleash = testing::Unleash::shared();
  testing::TempDir dir;
  const auto config = dir.write_config("\n" + services(unleash) + R"(
  - name: payments
    environment: prod
    adapter: sim
)").string();
  const auto no_flags = testing::run_goaround({"--config", config, "rollback", "payments", "--flag", "x", "--yes"});
  CHECK(no_flags.exit_code == 3);
  CHECK_THAT(no_flags.out + no_flags.err, Contains("payments has no `flags:` block"));
  const auto both = testing::run_goaround({"--config", config, "rollback", "checkout", "--flag", "x", "--to", "40", "--yes"});
  CHECK(both.exit_code == 3);
  CHECK_THAT(both.out + both.err, Contains("give --flag or --to, not both"));
  const auto bad = testing::run_goaround({"--config", config, "rollback", "checkout", "--flag", "a/../b", "--yes"});
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.out + bad.err, Contains("is not a flag key"));

  // A flags: block that cannot work is caught by check-config.
  const auto broken = dir.write("broken.yaml", R"(services:
  - name: checkout
    environment: prod
    adapter: sim
    flags: { provider: flagsmith, url: "http://127.0.0.1:1", token: literal-secret }
)");
  const auto checked = testing::run_goaround({"check-config", broken.string()});
  CHECK(checked.exit_code != 0);
  CHECK_THAT(checked.err + checked.out, Contains("is not one of unleash, launchdarkly"));
  CHECK_THAT(checked.err + checked.out, Contains("must be an environment reference"));
  CHECK_THAT(checked.err + checked.out, Contains("flags.environment is required"));
}

TEST_CASE("the console beside serve: a rollback card offers the deploy's flag instead, and the FLAG OFF verdict "
          "has the button, and both turn the real flag off") {
  const auto unleash = testing::Unleash::shared();
  const auto key = unleash.new_flag("payment-retries", "production");
  testing::HeadlessBot served("freeze_until_debrief: false\n" + services(unleash));
  const auto config = (served.dir.path() / "goaround.yaml").string();
  const auto registered = served.post("/v1/deployments", R"({"service":"checkout","environment":"prod","revision":"42",
      "image":"shop/checkout:v2.4.0","migration":"destructive","feature_flag":")" + key + R"("})");
  REQUIRE(registered.status == 201);

  SECTION("the card's Turn flag X off instead") {
    const auto console = testing::run_goaround({"--config", config}, "/rollback checkout 5xx since v2.4.0\n3\n1\n");
    INFO(console.out << console.err);
    CHECK_THAT(console.out, Contains("[3] Turn flag " + key + " off instead"));
    CHECK_THAT(console.out, Contains("Flag: " + key + " in production (unleash) · now on"));
    CHECK_THAT(console.out, Contains("Flag " + key + " of checkout turned off and verified"));
    CHECK(unleash.enabled(key, "production") == false);
    // The rollback card it replaced was withdrawn: the service was not rolled back.
    CHECK(served.count("SELECT count(*) FROM executions WHERE state = 'succeeded'") == 1);
    CHECK(served.count("SELECT count(*) FROM executions WHERE state = 'cancelled'") == 1);
  }
  SECTION("the decision tree's FLAG OFF") {
    // Users are hit (asked), rollback is not safe (the destructive migration, known), the blast
    // radius is stable and no fix is ready (asked), a flag exists (the registration, known).
    const auto console = testing::run_goaround({"--config", config}, "/rollback decide checkout\n1\n2\n2\n1\n1\n");
    INFO(console.out << console.err);
    CHECK_THAT(console.out, Contains("Decision for checkout: FLAG OFF."));
    CHECK_THAT(console.out, Contains("[1] Turn flag " + key + " off"));
    CHECK_THAT(console.out, Contains("Flag " + key + " of checkout turned off and verified"));
    CHECK(unleash.enabled(key, "production") == false);
  }
}

TEST_CASE("through Slack payloads: a flag go-around honours who may call stop, and the press by one who may turns "
          "the real flag off") {
  const auto unleash = testing::Unleash::shared();
  const auto key = unleash.new_flag("new-search", "production");
  testing::SlackEmulator slack;
  testing::ServedBot served(slack, "    allowed: { users: [U111] }\n" + flags_block(unleash));
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  auto command = testing::fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["command"] = "/rollback";
  command.at("payload").as_object()["text"] = "checkout --flag " + key + " search results empty";
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_call([&](const auto& calls) { return testing::posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  CHECK(testing::posted(slack.calls(), "chat.postMessage", "Flag: " + key + " in production (unleash)"));
  std::this_thread::sleep_for(300ms);

  auto stranger = testing::confirm_press("stranger");
  stranger.at("payload").as_object()["user"].as_object()["id"] = "U999";
  REQUIRE(slack.deliver(stranger));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return testing::posted(calls, "response_url", "is not allowed to call stop"); }));
  CHECK(unleash.enabled(key, "production") == true);

  REQUIRE(slack.deliver(testing::confirm_press("member")));
  REQUIRE(slack.wait_for_call([&](const auto& calls) {
    return testing::posted(calls, "chat.postMessage", "Flag *" + key + "* of *checkout* turned off and verified");
  }));
  CHECK(unleash.enabled(key, "production") == false);
  const auto logs = served.stop();
  CHECK_THAT(logs, !Contains(unleash.token()));
}

TEST_CASE("a flag go-around killed while the flag call is answered slowly is taken over by the next run and re-checked "
          "through the flag switch, in a flag's words") {
  testing::LaunchDarklyStandin launchdarkly("shop", "api-0123-test");
  launchdarkly.set("new-checkout-flow", "production", true);
  launchdarkly.delay_patch_answers(2500ms);
  ::setenv("GOAROUND_TEST_LD_TOKEN", "api-0123-test", 1);
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 1, step: 10ms }
    flags:
      provider: launchdarkly
      url: )" + launchdarkly.url() + R"(
      token: ${GOAROUND_TEST_LD_TOKEN}
      project: shop
      environment: production
)").string();
  // Killed 300 ms after the announcement: the PATCH has arrived, its answer has not.
  REQUIRE_FALSE(testing::kill_goaround_at({"rollback", "checkout", "--flag", "new-checkout-flow", "--yes", "--config", config},
                                          "Turning flag new-checkout-flow of checkout off", 300ms)
                    .empty());
  CHECK(launchdarkly.on("new-checkout-flow", "production") == false);

  const auto next = testing::run_goaround({"timeline", "--config", config});
  CHECK_THAT(next.out, !Contains("interrupted"));  // reading does not take anything over
  const auto again = testing::run_goaround({"rollback", "checkout", "--flag", "new-checkout-flow", "--yes", "--config", config});
  INFO(again.out << again.err);
  CHECK_THAT(again.out, Contains("The goaround process that was turning flag new-checkout-flow of checkout off (go-around #1"));
  CHECK_THAT(again.out, Contains("Live state of checkout after the interrupted go-around #1: flag new-checkout-flow is off "
                                 "and verified."));
  CHECK_THAT(again.out, Contains("✓ flag new-checkout-flow is off in production: read back: off"));
  // The flag is off already: the new card says so and nothing more is called.
  CHECK(again.exit_code == 3);
  CHECK_THAT(again.out, Contains("already off in production"));
}
