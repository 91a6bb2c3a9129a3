// The flag switch against a real Unleash (the run's shared server) and a LaunchDarkly stand-in
// that checks each request as LaunchDarkly documents it.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>

#include "goaround/exec/flag_adapter.hpp"
#include "support/launchdarkly_standin.hpp"
#include "support/unleash.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

namespace {

template <typename T>
T run(boost::asio::awaitable<T> step) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, std::move(step), boost::asio::use_future);
  io.run();
  return done.get();
}


config::FlagsTarget unleash_flags(const testing::Unleash& unleash, const std::string& token) {
  return {config::FlagProvider::unleash, unleash.url(), config::Secret(token, "${UNLEASH_TOKEN}"), "default", "production"};
}

const exec::Check* check_named(const exec::Plan& plan, const std::string& name) {
  for (const auto& c : plan.preflight)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("unleash: a flag that is on is planned, turned off with the exact call shown, and read back off") {
  const auto unleash = testing::Unleash::shared();
  const auto key = unleash.new_flag("new-checkout-flow", "production");
  exec::FlagAdapter flags(unleash_flags(unleash, unleash.token()));

  const auto plan = run(flags.plan(key));
  for (const auto& c : plan.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  REQUIRE(plan.ready());
  CHECK(plan.preflight.size() == 3);
  CHECK(plan.route == "flag");
  CHECK(plan.flag == key);
  CHECK(plan.current.number == "on");
  CHECK(plan.argv == std::vector<std::string>{"POST", unleash.url() + "/api/admin/projects/default/features/" + key +
                                                          "/environments/production/off"});
  // The token is sent, never shown.
  CHECK(exec::command_line(plan.argv).find(unleash.token()) == std::string::npos);

  std::vector<std::string> said;
  const auto outcome = run(flags.execute(plan, [&](const exec::Progress& p) { said.push_back(p.detail); }));
  INFO(outcome.message);
  REQUIRE(outcome.ok());
  CHECK(outcome.exit_code == 200);
  CHECK(said == std::vector<std::string>{"turning flag " + key + " off in production"});
  CHECK(unleash.enabled(key, "production") == false);
  CHECK(unleash.enabled(key, "development") == false);  // only the configured environment was touched
  CHECK(unleash.disabled_by(key) == "goaround-tests");  // Unleash's own audit names the token

  const auto verified = run(flags.verify(plan));
  REQUIRE(verified.checks.size() == 1);
  CHECK(verified.passed);
  CHECK(verified.checks[0].detail == "read back: off");
  // The plan survives a restart as JSON (a takeover verifies from it).
  const auto again = exec::plan_from_json(exec::to_json(plan));
  CHECK(again.route == "flag");
  CHECK(again.flag == key);
}

TEST_CASE("unleash: pre-flight refuses a missing flag, a flag already off, a refused token and a server that is gone") {
  const auto unleash = testing::Unleash::shared();
  exec::FlagAdapter flags(unleash_flags(unleash, unleash.token()));

  SECTION("missing") {
    const auto plan = run(flags.plan(testing::Unleash::fresh_key("nobody-made-it")));
    CHECK_FALSE(plan.ready());
    REQUIRE(check_named(plan, "flag exists"));
    CHECK_FALSE(check_named(plan, "flag exists")->passed);
    CHECK_THAT(check_named(plan, "flag exists")->detail, Contains("no flag nobody-made-it"));
  }
  SECTION("already off") {
    const auto key = unleash.new_flag("already-off");
    const auto plan = run(flags.plan(key));
    CHECK_FALSE(plan.ready());
    REQUIRE(check_named(plan, "flag is on"));
    CHECK_THAT(check_named(plan, "flag is on")->detail, Contains("already off in production"));
  }
  SECTION("a token Unleash refuses") {
    const auto key = unleash.new_flag("guarded", "production");
    exec::FlagAdapter refused(unleash_flags(unleash, "*:*.not-a-token"));
    const auto plan = run(refused.plan(key));
    CHECK_FALSE(plan.ready());
    REQUIRE(check_named(plan, "flag API reachable"));
    CHECK_THAT(check_named(plan, "flag API reachable")->detail, Contains("refused the token (401)"));
    CHECK(unleash.enabled(key, "production") == true);
  }
  SECTION("an environment Unleash does not have") {
    const auto key = unleash.new_flag("staged", "production");
    auto target = unleash_flags(unleash, unleash.token());
    target.environment = "prodution";
    exec::FlagAdapter misspelt(target);
    const auto plan = run(misspelt.plan(key));
    CHECK_FALSE(plan.ready());
    CHECK_THAT(check_named(plan, "flag API reachable")->detail, Contains("no environment `prodution`"));
  }
  SECTION("no server") {
    auto target = unleash_flags(unleash, unleash.token());
    target.url = "http://127.0.0.1:1";
    exec::FlagAdapter gone(target);
    const auto plan = run(gone.plan("any-flag"));
    CHECK_FALSE(plan.ready());
    CHECK_THAT(check_named(plan, "flag API reachable")->detail, Contains("did not answer"));
  }
  SECTION("a key that cannot be sent") {
    const auto plan = run(flags.plan(std::string("../features")));
    CHECK_FALSE(plan.ready());
    CHECK(plan.argv.empty());
  }
}

TEST_CASE("launchdarkly: the semantic patch turnFlagOff, with the go-around's intent as its comment") {
  testing::LaunchDarklyStandin launchdarkly("shop", "api-0123-test");
  launchdarkly.set("new-checkout-flow", "production", true);
  launchdarkly.set("new-checkout-flow", "staging", true);
  exec::FlagAdapter flags({config::FlagProvider::launchdarkly, launchdarkly.url(),
                           config::Secret("api-0123-test", "${LD_TOKEN}"), "shop", "production"});

  auto plan = run(flags.plan(std::string("new-checkout-flow")));
  for (const auto& c : plan.preflight) UNSCOPED_INFO(c.name << ": " << c.detail);
  REQUIRE(plan.ready());
  REQUIRE(plan.argv.size() == 3);
  CHECK(plan.argv[0] == "PATCH");
  CHECK(plan.argv[1] == launchdarkly.url() + "/api/v2/flags/shop/new-checkout-flow");
  CHECK(boost::json::parse(plan.argv[2]) ==
        boost::json::parse(R"({"environmentKey":"production","instructions":[{"kind":"turnFlagOff"}]})"));
  plan.intent = "Go-around: incident #3, called by alice: double charges.";
  REQUIRE(run(flags.execute(plan, [](const exec::Progress&) {})).ok());
  CHECK(launchdarkly.on("new-checkout-flow", "production") == false);
  CHECK(launchdarkly.on("new-checkout-flow", "staging") == true);
  CHECK(run(flags.verify(plan)).passed);

  const auto seen = launchdarkly.seen();
  REQUIRE(seen.size() == 3);  // read, patch, read back
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].target == "/api/v2/flags/shop/new-checkout-flow?env=production");
  CHECK(seen[1].method == "PATCH");
  CHECK(seen[1].authorization == "api-0123-test");
  CHECK(seen[1].content_type == "application/json; domain-model=launchdarkly.semanticpatch");
  CHECK(boost::json::parse(seen[1].body).at("comment") == "Go-around: incident #3, called by alice: double charges.");

  SECTION("an API the stand-in refuses fails the execution, saying what LaunchDarkly answered") {
    exec::FlagAdapter wrong({config::FlagProvider::launchdarkly, launchdarkly.url(),
                             config::Secret("api-other", "${LD_TOKEN}"), "shop", "production"});
    const auto outcome = run(wrong.execute(plan, [](const exec::Progress&) {}));
    CHECK(outcome.failure == exec::Failure::forbidden);
    CHECK_THAT(outcome.message, Contains("answered 401"));
  }
}
