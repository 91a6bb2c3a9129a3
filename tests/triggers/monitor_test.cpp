#include <catch2/catch.hpp>

#include <deque>

#include "goaround/metrics/metrics.hpp"
#include "goaround/triggers/triggers.hpp"
#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

const char* two_services = R"(
prometheus: { url: http://127.0.0.1:9 }
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 5, replicas: 1, step: 1ms }
    channel: C0INCIDENTS
    watch_window: 30m
    cooldown: 5m
    prompt_after: 10m
    triggers:
      - { name: high-errors, query: errors, threshold: 0.05, comparison: greater_than, for: 2m, severity: auto_rollback }
  - name: payments
    environment: prod
    adapter: sim
    sim: { revisions: 3, replicas: 1, step: 1ms }
    channel: C0PAY
    triggers:
      - { name: low-success, query: success, threshold: 0.9, comparison: less_than, for: 1m, severity: page_and_suggest }
      - { name: latency, query: latency, threshold: 2, for: 2m, severity: log_only }
)";

// The Monitor on the harness's virtual clock, reading values the test sets per query.
struct Watch {
  explicit Watch(testing::BotHarness& bot)
      : bot(bot), monitor(bot.engine, bot.store, bot.clock, [this](const std::string& q) -> boost::asio::awaitable<verify::QueryValue> {
          const auto it = values.find(q);
          if (it == values.end() || !it->second) co_return verify::QueryValue{std::nullopt, "empty result"};
          co_return verify::QueryValue{*it->second, ""};
        }) {}
  // Polls every 30 s of virtual time for `span`.
  void poll_for(std::chrono::milliseconds span) {
    for (auto t = 0ms; t < span; t += 30s) {
      bot.clock.advance(30s);
      boost::asio::co_spawn(bot.io, monitor.tick(), boost::asio::detached);
      bot.settle();
    }
  }
  testing::BotHarness& bot;
  std::map<std::string, std::optional<double>> values;
  triggers::Monitor monitor;
};

int go_arounds(testing::BotHarness& bot) {
  int n = 0;
  for (const auto& incident : bot.store.incidents().open())
    for (const auto& e : bot.store.executions().of_incident(incident.id)) n += e.state != model::ExecutionState::planned && e.state != model::ExecutionState::cancelled;
  return n;
}

}  // namespace

TEST_CASE("a condition fires once it has held for its for-duration, and again only after clearing") {
  config::Trigger t{"t", "q", 0.05, config::Comparison::greater_than, 2min, config::Severity::log_only};
  triggers::Condition c(t);
  const time::TimePoint start{};
  CHECK_FALSE(c.observe(0.01, start).breached);
  CHECK_FALSE(c.observe(0.05, start).breached);  // at the threshold is not over it
  CHECK_FALSE(c.observe(0.2, start + 1min).fires);
  CHECK_FALSE(c.observe(0.2, start + 2min + 59s).fires);  // held 1 min 59 s
  CHECK(c.observe(0.2, start + 3min).fires);
  CHECK_FALSE(c.observe(0.3, start + 4min).fires);  // fired once per breach
  c.lost();                                          // a failed query: the hold starts over
  CHECK_FALSE(c.observe(0.3, start + 5min).fires);
  CHECK(c.observe(0.3, start + 7min).fires);
  config::Trigger low{"l", "q", 0.9, config::Comparison::less_than, 0ms, config::Severity::log_only};
  triggers::Condition below(low);
  CHECK(below.observe(0.5, start).fires);
  CHECK_FALSE(below.observe(0.95, start).breached);
}

TEST_CASE("with a deploy to undo, the hold counts from the deploy and fires anew for it") {
  config::Trigger t{"t", "q", 0.05, config::Comparison::greater_than, 2min, config::Severity::auto_rollback};
  triggers::Condition c(t);
  const time::TimePoint start{};
  CHECK(c.observe(0.2, start).breached);
  CHECK(c.observe(0.2, start + 2min).fires);  // no deploy yet: held 2 min since the breach began
  const auto deploy = start + 10min;
  CHECK_FALSE(c.observe(0.2, deploy + 15ms, deploy).fires);  // breached before the deploy: not yet
  const auto step = c.observe(0.2, deploy + 1min, deploy);
  CHECK_FALSE(step.fires);
  CHECK(step.held == 1min);
  CHECK(c.observe(0.2, deploy + 2min, deploy).fires);  // its own full hold after the deploy
  CHECK_FALSE(c.observe(0.2, deploy + 3min, deploy).fires);
}

TEST_CASE("auto_rollback: a breach that began before the deploy waits its full for-duration after it") {
  testing::BotHarness bot(two_services);
  Watch watch(bot);
  watch.values["success"] = 0.99;
  watch.values["latency"] = 0.1;
  watch.values["errors"] = 0.2;
  watch.poll_for(5min);  // breached for 5 min with no deploy in the window: nothing automatic
  CHECK(go_arounds(bot) == 0);
  bot.store.deploys().add_deployment({0, "checkout", "prod", "5", "", "ci", "none", "{}"});
  watch.poll_for(90s);  // 90 s after the deploy, of the 2 min it must hold
  CHECK(go_arounds(bot) == 0);
  watch.poll_for(60s);
  CHECK(go_arounds(bot) == 1);
  CHECK_THAT(bot.store.incidents().open().front().reason, Contains("for 2 min"));
}

TEST_CASE("auto_rollback: after a deploy, a breach held for its for-duration goes around once — cooldown and broken queries do not") {
  testing::BotHarness bot(two_services);
  Watch watch(bot);
  auto& fires = metrics::process_metrics().trigger_fires;
  const auto fired_before = fires.value({"checkout", "high-errors", "auto_rollback"});
  bot.store.deploys().add_deployment({0, "checkout", "prod", "5", "", "ci", "none", "{}"});

  watch.values["success"] = 0.99;
  watch.values["latency"] = 0.1;
  watch.values["errors"] = 0.2;
  watch.poll_for(90s);  // held 60 s of the 2 min
  CHECK(go_arounds(bot) == 0);
  watch.poll_for(90s);
  CHECK(go_arounds(bot) == 1);
  CHECK(fires.value({"checkout", "high-errors", "auto_rollback"}) == fired_before + 1);
  const auto incident = bot.store.incidents().open().front();
  CHECK_THAT(incident.reason, Contains("trigger high-errors: 0.2 above 0.05 for 2 min"));
  CHECK_THAT(bot.transport.latest.at("m1").text, Contains("*Go-around: checkout*"));

  // Still breached: no second go-around. Cleared and breached again inside the cooldown: none.
  watch.poll_for(30s);
  watch.values["errors"] = 0.01;
  watch.poll_for(30s);
  watch.values["errors"] = 0.3;
  watch.poll_for(3min);
  CHECK(go_arounds(bot) == 1);
  const auto events = bot.store.timeline().events(incident.id);
  CHECK(std::any_of(events.begin(), events.end(), [](const auto& e) {
    return e.kind == model::EventKind::trigger && e.text.find("in cooldown until") != std::string::npos;
  }));

  // A broken query never acts, is said once in the channel, and is counted.
  const auto errors_before = metrics::process_metrics().trigger_evaluations.value({"checkout", "high-errors", "error"});
  const auto said = bot.transport.said.size();
  watch.values["errors"] = std::nullopt;
  watch.poll_for(5min);
  CHECK(go_arounds(bot) == 1);
  CHECK(metrics::process_metrics().trigger_evaluations.value({"checkout", "high-errors", "error"}) == errors_before + 10);
  int broken_posts = 0;
  for (auto i = said; i < bot.transport.said.size(); ++i)
    broken_posts += bot.transport.said[i].message.text.find("cannot be evaluated: empty result") != std::string::npos;
  CHECK(broken_posts == 1);
}

TEST_CASE("auto_rollback outside the watch window suggests — page_and_suggest posts the numbers with Go around and Hold") {
  testing::BotHarness bot(two_services);
  Watch watch(bot);
  const chat::Person alice{"U1", "alice", {}, false};
  // No deployment registered for checkout: outside any watch window.
  watch.values["errors"] = 0.5;
  watch.values["success"] = 0.7;
  watch.values["latency"] = 3;
  watch.poll_for(3min);
  CHECK(go_arounds(bot) == 0);
  std::map<std::string, std::string> suggestions;  // by service
  for (const auto& said : bot.transport.said)
    for (const auto* service : {"checkout", "payments"})
      if (said.message.text.find(std::string("Unstable approach: ") + service) != std::string::npos)
        suggestions[service] = said.message.text;
  REQUIRE(suggestions.size() == 2);
  CHECK_THAT(suggestions["checkout"], Contains("older than the 30 min watch window"));
  CHECK_THAT(suggestions["payments"], Contains("Trigger low-success: 0.7 is below the threshold 0.9"));
  CHECK_THAT(suggestions["payments"], Contains("it must hold 1 min"));

  // log_only wrote the payments timeline and posted nothing of its own.
  const auto open = bot.store.incidents().open();
  const auto payments = std::find_if(open.begin(), open.end(), [](const auto& i) { return i.service == "payments"; });
  REQUIRE(payments != open.end());
  const auto events = bot.store.timeline().events(payments->id);
  CHECK(std::any_of(events.begin(), events.end(), [](const auto& e) { return e.kind == model::EventKind::trigger && e.actor == "trigger latency"; }));

  // Hold is on record; Go around brings the card (the latest suggestion is checkout's).
  bot.press(alice, bot.card_action("Hold"));
  CHECK_THAT(bot.posted(), Contains("alice holds: no go-around on checkout"));
  bot.press(alice, bot.card_action("Go around"));
  CHECK_THAT(bot.posted(), Contains("*Go-around: checkout*"));

  // Checkout's incident has been open 10 minutes with the trigger firing and no go-around: ask.
  watch.poll_for(10min);
  CHECK_THAT(bot.posted(), Contains("has been open"));
  CHECK_THAT(bot.posted(), Contains("nobody has gone around"));
  const auto said = bot.transport.said.size();
  watch.poll_for(2min);
  for (auto i = said; i < bot.transport.said.size(); ++i)
    CHECK(bot.transport.said[i].message.text.find("nobody has gone around") == std::string::npos);
}

TEST_CASE("auto_rollback is refused while the service is frozen, and says why with the numbers") {
  testing::BotHarness bot(two_services);
  Watch watch(bot);
  const chat::Person alice{"U1", "alice", {}, false};
  watch.values["success"] = 0.99;
  watch.values["latency"] = 0.1;
  bot.store.deploys().add_deployment({0, "checkout", "prod", "5", "", "ci", "none", "{}"});
  bot.type(alice, "freeze checkout release review");
  watch.values["errors"] = 0.2;
  watch.poll_for(3min);
  CHECK(go_arounds(bot) == 0);
  CHECK(bot.store.incidents().open().empty());
  CHECK_THAT(bot.posted(), Contains("trigger high-errors would go around on checkout (trigger high-errors: 0.2 above 0.05"));
  CHECK_THAT(bot.posted(), Contains("checkout: frozen by alice since"));
}
