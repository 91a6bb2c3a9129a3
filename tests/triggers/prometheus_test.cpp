#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "support/exporter.hpp"
#include "support/headless_bot.hpp"
#include "support/prometheus.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// Waits up to `limit` for `ready`.
template <typename Ready>
bool eventually(Ready ready, std::chrono::milliseconds limit = 30s) {
  for (const auto give_up = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < give_up;) {
    if (ready()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ready();
}

std::string config(const testing::RealPrometheus& prometheus) {
  return "prometheus: { url: " + prometheus.url() + R"(, poll_interval: 250ms }
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 12, replicas: 2, step: 20ms }
    channel: C0INCIDENTS
    cooldown: 5m
    triggers:
      - { name: high-errors, query: checkout_error_ratio, threshold: 0.05, comparison: greater_than, for: 3s, severity: auto_rollback }
      - { name: broken, query: "sum(", threshold: 1, severity: auto_rollback }
  - name: payments
    environment: prod
    adapter: sim
    sim: { revisions: 3, replicas: 1, step: 20ms }
    channel: C0PAY
    triggers:
      - { name: low-success, query: payments_success_ratio, threshold: 0.9, comparison: less_than, for: 1s, severity: page_and_suggest }
)";
}

}  // namespace

TEST_CASE("real Prometheus: a registered deploy, then errors rise: one automatic go-around after for-duration, none in cooldown") {
  testing::Exporter exporter;
  exporter.set("checkout_error_ratio", 0.01);
  exporter.set("payments_success_ratio", 0.99);
  testing::RealPrometheus prometheus(exporter.target());
  testing::HeadlessBot bot(config(prometheus));
  REQUIRE(bot.get("/healthz").status == 200);
  REQUIRE(bot.post("/v1/deployments", R"({"service":"checkout","environment":"prod","revision":"12","migration":"none"})").status == 201);
  const auto executions = [&] { return bot.count("SELECT count(*) FROM executions WHERE state != 'planned'"); };
  const auto metric = [&](const std::string& line) { return bot.get("/metrics").body.find(line) != std::string::npos; };
  // Prometheus has scraped the healthy value and the bot has evaluated it.
  REQUIRE(eventually([&] { return metric(R"(goaround_trigger_evaluations_total{service="checkout",trigger="high-errors",outcome="ok"})"); }));
  CHECK(executions() == 0);

  const auto raised = std::chrono::steady_clock::now();
  exporter.set("checkout_error_ratio", 0.4);
  REQUIRE(eventually([&] { return metric(R"(goaround_trigger_evaluations_total{service="checkout",trigger="high-errors",outcome="breach"})"); }));
  CHECK(executions() == 0);  // breached, but not yet for 3 s
  REQUIRE(eventually([&] { return bot.count("SELECT count(*) FROM executions WHERE state = 'succeeded'") == 1; }));
  CHECK(std::chrono::steady_clock::now() - raised >= 3s);
  CHECK(metric(R"(goaround_trigger_fires_total{service="checkout",trigger="high-errors",severity="auto_rollback"} 1)"));
  CHECK(metric(R"(goaround_executions_total{adapter="sim",result="verified"} 1)"));
  CHECK(metric("goaround_open_incidents 1"));

  // Cleared, then breached again inside the cooldown: the trigger fires, nothing runs.
  exporter.set("checkout_error_ratio", 0.01);
  REQUIRE(eventually([&] { return bot.count("SELECT count(*) FROM timeline_events WHERE kind = 'verification'") == 1; }));
  std::this_thread::sleep_for(2500ms);
  exporter.set("checkout_error_ratio", 0.5);
  REQUIRE(eventually([&] { return metric(R"(goaround_trigger_fires_total{service="checkout",trigger="high-errors",severity="auto_rollback"} 2)"); }));
  CHECK(executions() == 1);

  // The broken query was reported and counted, and never acted.
  CHECK(metric(R"(goaround_trigger_evaluations_total{service="checkout",trigger="broken",outcome="error"})"));
  CHECK_FALSE(metric(R"(trigger="broken",severity)"));

  // page_and_suggest: the suggestion with the numbers and both buttons (in the log, no Slack).
  exporter.set("payments_success_ratio", 0.5);
  REQUIRE(eventually([&] { return metric(R"(goaround_trigger_fires_total{service="payments",trigger="low-success",severity="page_and_suggest"} 1)"); }));
  CHECK(bot.count("SELECT count(*) FROM executions WHERE service = 'payments'") == 0);
  const auto logs = bot.stop();
  CHECK(bot.exit_code == 0);
  CHECK_THAT(logs, Contains("Unstable approach: payments"));
  CHECK_THAT(logs, Contains("is below the threshold 0.9"));
  CHECK_THAT(logs, Contains("[Go around] [Hold]"));
  CHECK_THAT(logs, Contains("Trigger *broken* on checkout cannot be evaluated"));
  CHECK_THAT(logs, Contains("in cooldown until"));
  CHECK_THAT(logs, Contains("Change freeze:* deploys of checkout are frozen"));
}
