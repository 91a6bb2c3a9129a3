#include <catch2/catch.hpp>

#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

constexpr const char* config_text = R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 1ms }
    status_interval: 15m
)";

const chat::Person alice{"U0ALICE", "alice", {}, false};
const chat::Person bob{"U2", "bob", {}, false};

struct Incident : testing::BotHarness {
  Incident() : BotHarness(config_text) {
    metric_values = {0.041};  // at detection
    type(alice, "checkout --reason '5xx at 4.1%'");
    tick();  // the cadence starts with the incident
  }
  long count(const std::string& kind) {
    const auto k = kinds();
    return std::count(k.begin(), k.end(), kind);
  }
};

}  // namespace

TEST_CASE("nothing is posted before the cadence is due") {
  Incident h;
  h.clock.advance(14min);
  h.tick();
  CHECK(h.count("status_reminder") == 0);
  CHECK(h.count("status_update") == 0);
  CHECK(h.store.schedules().find(1)->detection_value == Approx(0.041));
}

TEST_CASE("when due, the commander is reminded first, then the bot posts its own update") {
  Incident h;
  h.clock.advance(15min);
  h.tick();
  CHECK(h.count("status_reminder") == 1);
  CHECK_THAT(h.posted(), Contains("<@U0ALICE> a status update for incident #1 (checkout) is due"));
  CHECK(h.transport.last("post")->message.buttons.size() == 2);
  h.clock.advance(1min);
  h.tick();
  CHECK(h.count("status_update") == 0);  // still inside the grace period
  h.metric_values = {0.006};
  h.clock.advance(2min);
  h.tick();
  REQUIRE(h.count("status_update") == 1);
  const auto update = h.posted();
  CHECK_THAT(update, Contains("*Status update · checkout · incident #1*"));
  CHECK_THAT(update, Contains("Go-around: card shown, waiting for confirmation (42 → 41)"));
  CHECK_THAT(update, Contains("Metric: 0.041 at detection → 0.006 now, falling"));
  CHECK_THAT(update, Contains("Next update in 15 minutes."));
  CHECK(h.count("status_reminder") == 1);
}

TEST_CASE("a human update goes out in the same format and resets the clock") {
  Incident h;
  h.clock.advance(10min);
  h.metric_values = {0.02};
  h.type(alice, "status rolled back, error rate falling, next update in 15 minutes");
  CHECK_THAT(h.posted(), Contains("*Status update · checkout · incident #1* from alice"));
  CHECK_THAT(h.posted(), Contains("rolled back, error rate falling"));
  CHECK_THAT(h.posted(), Contains("Metric: 0.041 at detection → 0.02 now, falling"));
  h.clock.advance(10min);  // 20 minutes in: the old due time has passed, the new one has not
  h.tick();
  CHECK(h.count("status_reminder") == 0);
  h.clock.advance(5min);
  h.tick();
  CHECK(h.count("status_reminder") == 1);
}

TEST_CASE("snoozing a reminder pushes the next update out") {
  Incident h;
  h.clock.advance(15min);
  h.tick();
  h.press(alice, h.card_action("Snooze 30m"));
  CHECK_THAT(h.whispered(), Contains("Snoozed the status reminder for incident #1 by 30 minutes"));
  CHECK(h.kinds().back() == "snooze");
  h.clock.advance(29min);
  h.tick();
  CHECK(h.count("status_reminder") == 1);
  CHECK(h.count("status_update") == 0);
  h.clock.advance(2min);
  h.tick();
  CHECK(h.count("status_reminder") == 2);
}

TEST_CASE("a restart keeps the clock: a new scheduler on the same database picks up the cadence") {
  Incident h;
  h.clock.advance(15min);
  h.tick();  // reminder sent by the first scheduler
  schedule::StatusScheduler restarted(h.config.service_list(), h.store, h.leadership, h.templates, h.transport, h.clock,
                                      [](const config::Service&) -> boost::asio::awaitable<std::optional<double>> {
                                        co_return std::nullopt;
                                      });
  h.clock.advance(4min);
  boost::asio::co_spawn(h.io, restarted.tick(), boost::asio::detached);
  h.settle();
  CHECK(h.count("status_reminder") == 1);
  CHECK(h.count("status_update") == 1);
}

TEST_CASE("ticks missed while the bot was down give one catch-up update, not a burst") {
  Incident h;
  h.clock.advance(2h);  // eight intervals missed
  h.tick();
  h.tick();
  CHECK(h.count("status_update") == 1);
  CHECK(h.count("status_reminder") == 0);
  const auto next = time::parse_utc(h.store.schedules().find(1)->next_due_at);
  CHECK(*next == h.clock.now() + 15min);
}

TEST_CASE("closing the incident stops the cadence and asks whether the trigger was right") {
  Incident h;
  h.type(alice, "close rolled back; error rate at baseline");
  CHECK_THAT(h.posted(), Contains("Incident #1 (checkout) closed by alice: rolled back; error rate at baseline"));
  CHECK_FALSE(h.store.schedules().find(1));
  h.clock.advance(1h);
  h.tick();
  CHECK(h.count("status_reminder") == 0);
  CHECK(h.count("status_update") == 0);
  h.press(alice, h.card_action("Trigger was right"));
  CHECK(h.kinds().back() == "trigger_review");
  CHECK(h.store.timeline().events(1).back().payload<model::events::TriggerReview>().correct);
  // The question is answered once: a second press (either button, anyone) records nothing.
  const auto reviews = [&] {
    const auto kinds = h.kinds();
    return std::count(kinds.begin(), kinds.end(), "trigger_review");
  };
  h.press(bob, h.card_action("Trigger was wrong"));
  CHECK_THAT(h.whispered(), Contains("Already answered by alice at "));
  CHECK_THAT(h.whispered(), Contains("UTC: alice says the trigger was right."));
  h.press(alice, h.card_action("Trigger was right"));
  CHECK(reviews() == 1);
  h.type(alice, "status too late --incident 1");
  CHECK_THAT(h.whispered(), Contains("incident #1 is closed"));
}

TEST_CASE("a running go-around cannot be closed under it") {
  Incident h;
  const auto confirm = h.card_action("Confirm go-around");
  boost::asio::co_spawn(
      h.io,
      [&]() -> boost::asio::awaitable<void> {
        co_await h.registry.press(h.engine, {alice, {"C0INCIDENTS", ""}}, confirm);
        co_await h.registry.dispatch(h.engine, {alice, {"C0INCIDENTS", ""}}, "close");
      },
      boost::asio::detached);
  h.settle();
  CHECK_THAT(h.whispered(), Contains("go-around #1 is still running; close after its result"));
  CHECK(h.store.incidents().find(1)->state == model::IncidentState::open);
  h.type(alice, "close");
  CHECK(h.store.incidents().find(1)->state == model::IncidentState::resolved);
}

TEST_CASE("corrective actions need an owner") {
  Incident h;
  h.type(alice, "action add a canary step for checkout @bob");
  REQUIRE(h.store.incidents().actions(1).size() == 1);
  CHECK(h.store.incidents().actions(1)[0].owner == "@bob");
  CHECK(h.store.incidents().actions(1)[0].text == "add a canary step for checkout");
  CHECK(h.kinds().back() == "action");
  h.type(alice, "action nobody owns this");
  CHECK_THAT(h.whispered(), Contains("an action needs what to do and an @owner"));
}
