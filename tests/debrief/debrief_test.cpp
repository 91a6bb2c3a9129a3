#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "goaround/debrief/debrief.hpp"
#include "support/bot_harness.hpp"
#include "support/process.hpp"
#include "support/prometheus.hpp"

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
    allowed: { users: [U0ALICE] }
)";

const chat::Person alice{"U0ALICE", "alice", {}, false};
const chat::Person bob{"U0BOB", "bob", {}, false};

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A recorded incident on the virtual clock: every timestamp is fixed, so the debrief is too.
void record_incident(testing::BotHarness& h) {
  h.store.deploys().add_deployment({0, "checkout", "prod", "42", "2026-11-23T16:02:58.123Z", "ci", "none"});
  h.type(alice, "note 5xx rising on the checkout dashboard, 4.1%");  // no incident yet: refused
  h.type(alice, "checkout --reason '5xx at 4.1% after 1.42'");
  h.clock.advance(1min);
  h.type(alice, "note 5xx at 4.1%, p99 900 ms");
  h.clock.advance(2min);
  h.press(bob, h.card_action("Confirm go-around"));  // bob may not: denied
  h.press(alice, h.card_action("Confirm go-around"));
  h.clock.advance(20min);
  h.type(alice, "action add an automated abort on 5xx > 2% @bob");
  h.type(alice, "close error rate back to 0.3%");
  h.press(alice, h.card_action("Trigger was right"));
}

}  // namespace

TEST_CASE("the debrief of a recorded incident matches the golden file") {
  testing::BotHarness h(config_text);
  record_incident(h);
  const auto incident = *h.store.incidents().find(1);
  const auto context = debrief::context(h.store, incident, h.config.find_service("checkout"), "incident-1-chart.svg");
  const auto text = h.templates.render("debrief.md", context) + "\n";
  const auto golden = std::filesystem::path(GOAROUND_SOURCE_DIR) / "tests/golden/debrief.md";
  if (std::getenv("GOAROUND_UPDATE_GOLDEN")) std::ofstream(golden, std::ios::binary) << text;
  CHECK(text == read(golden));
}

TEST_CASE("the debrief measures the durations from the timeline") {
  testing::BotHarness h(config_text);
  record_incident(h);
  const auto m = debrief::milestones(h.store, *h.store.incidents().find(1));
  REQUIRE(m.deploy);
  CHECK(m.detection - *m.deploy == 10min);
  REQUIRE(m.decision);
  CHECK(*m.decision - m.detection == 3min);
  CHECK(m.recovery);
  CHECK(m.start == *m.deploy);
}

TEST_CASE("the chart is an SVG and a PNG of the same picture, with the metric when there is one") {
  testing::BotHarness h(config_text);
  record_incident(h);
  const auto m = debrief::milestones(h.store, *h.store.incidents().find(1));
  const auto plain = debrief::chart(m, {}, "Incident #1");
  CHECK_THAT(plain.svg, Contains("<svg"));
  CHECK(plain.png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<verify::Sample> metric;
  for (int i = 0; i <= 30; ++i) metric.push_back({m.start + i * 1min, 0.041 - i * 0.001});
  const auto with_metric = debrief::chart(m, {metric, "error rate", 0.01}, "Incident #1");
  CHECK(with_metric.svg != plain.svg);
  CHECK(with_metric.png.size() > 0);
}

TEST_CASE("goaround debrief writes Markdown and the chart, with the metric from a real Prometheus") {
  testing::RealPrometheus prometheus;
  testing::TempDir dir;
  const auto config = dir.write_config("\nprometheus: { url: " +
                                    prometheus.url() + R"( }
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms }
    verify: { query: 'vector(0.004)', below: 0.01 }
)");
  REQUIRE(testing::run_goaround({"rollback", "checkout", "--yes", "--config", config.string()}).exit_code == 0);
  // The go-around froze checkout's deploys "until the debrief is written".
  const time::SystemClock clock;
  store::SqliteStore store(dir.path() / "var" / "goaround.db", clock);
  REQUIRE(store.deploys().freezes_holding("checkout").size() == 1);
  const auto out = dir.path() / "debrief" / "checkout.md";
  const auto ran = testing::run_goaround({"debrief", "--out", out.string(), "--config", config.string()});
  INFO(ran.err);
  CHECK(ran.exit_code == 0);
  const auto text = read(out);
  CHECK_THAT(text, Contains("# Debrief: incident #1, checkout (prod)"));
  CHECK_THAT(text, Contains("![The incident on a time axis](checkout-chart.svg)"));
  CHECK_THAT(text, Contains("- `sim rollout undo deployment/checkout --to-revision=41`: succeeded, exit status 0"));
  const auto svg = read(dir.path() / "debrief" / "checkout-chart.svg");
  CHECK_THAT(svg, Contains("<svg"));
  CHECK(std::filesystem::file_size(dir.path() / "debrief" / "checkout-chart.png") > 1000);
  // The headless debrief is the debrief: shared in the incident, and the freeze is lifted.
  CHECK(store.deploys().freezes_holding("checkout").empty());
  const auto events = store.timeline().events(1);
  CHECK(std::any_of(events.begin(), events.end(), [](const auto& e) { return e.kind == model::EventKind::debrief; }));
  CHECK(events.back().kind == model::EventKind::unfreeze);
  // Without --out the Markdown goes to stdout and the files into the data folder.
  const auto to_stdout = testing::run_goaround({"debrief", "1", "--config", config.string()});
  CHECK_THAT(to_stdout.out, Contains("## Durations"));
  CHECK(std::filesystem::exists(dir.path() / "var" / "debriefs" / "incident-1.md"));
}

TEST_CASE("without a usable cairo the debrief is written all the same, says why its chart is left out, and lifts the freeze") {
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms }
)");
  REQUIRE(testing::run_goaround({"rollback", "checkout", "--yes", "--config", config.string()}).exit_code == 0);
  // A libcairo.so.2 found first that is not a library: what a broken install looks like.
  std::filesystem::create_directories(dir.path() / "lib");
  const auto broken = dir.write("lib/libcairo.so.2", std::string(4096, 'x'));
  ::setenv("LD_LIBRARY_PATH", broken.parent_path().c_str(), 1);
  const auto out = dir.path() / "debrief" / "checkout.md";
  const auto ran = testing::run_goaround({"debrief", "--out", out.string(), "--config", config.string()});
  ::unsetenv("LD_LIBRARY_PATH");
  INFO(ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.err, Contains("wrote " + out.string() + " (without the chart)"));
  const auto text = read(out);
  CHECK_THAT(text, Contains("## Durations"));
  CHECK_THAT(text, Contains("_The chart is left out: a debrief's chart needs libcairo.so.2 (Debian package libcairo2): "));
  CHECK_THAT(text, Contains("invalid ELF header"));
  CHECK_THAT(text, !Contains("![The incident on a time axis]"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "debrief" / "checkout-chart.svg"));
  const time::SystemClock clock;
  store::SqliteStore store(dir.path() / "var" / "goaround.db", clock);
  CHECK(store.deploys().freezes_holding("checkout").empty());
}

TEST_CASE("/rollback debrief shares the debrief and its chart in the incident thread") {
  testing::BotHarness h(config_text);
  record_incident(h);
  h.type(alice, "debrief");
  // The debrief is posted, then the go-around's change freeze lifts.
  CHECK_THAT(h.posted(), Contains("Deploys of checkout are open again"));
  CHECK(std::any_of(h.transport.said.begin(), h.transport.said.end(), [](const auto& s) {
    return s.message.text.find("Debrief for incident #1 (checkout)") != std::string::npos;
  }));
  const auto* png = h.transport.last("attach");
  REQUIRE(png);
  CHECK(std::filesystem::exists(png->handle));
  CHECK(h.kinds().back() == "unfreeze");
  CHECK(h.kinds()[h.kinds().size() - 2] == "debrief");
  h.type(alice, "debrief 7");
  CHECK_THAT(h.whispered(), Contains("there is no incident #7"));
}

TEST_CASE("an organisation's own debrief template replaces the built-in one without a rebuild") {
  testing::TempDir dir;
  dir.write("debrief.md.mustache", "# Post-incident review {{incident}}\n\nRecovered: {{#recovered}}yes{{/recovered}}\n");
  const auto config = dir.write_config("\ntemplates_dir: " + dir.path().string() +
                                                     std::string(config_text));
  REQUIRE(testing::run_goaround({"rollback", "checkout", "--yes", "--config", config.string()}).exit_code == 0);
  const auto ran = testing::run_goaround({"debrief", "--config", config.string()});
  CHECK(ran.out == "# Post-incident review 1\n\nRecovered: yes\n");
}

TEST_CASE("the debrief finds every go-around of the incident, each with how it ended") {
  testing::BotHarness h(R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 1ms, progress_deadline: 50ms, failure: never_ready }
    allowed: { users: [U0ALICE] }
)");
  h.type(alice, "checkout canary failing");
  h.clock.advance(1min);
  h.press(alice, h.card_action("Confirm go-around"));
  h.clock.advance(2min);
  h.press(alice, h.card_action("Roll back one further (to 40)"));
  h.clock.advance(1min);
  h.press(alice, h.card_action("Confirm go-around"));
  const auto m = debrief::milestones(h.store, *h.store.incidents().find(1));
  REQUIRE(m.go_arounds.size() == 2);
  CHECK(m.go_arounds[0].number == 1);
  CHECK(m.go_arounds[0].outcome == model::Outcome::failed);
  CHECK(m.go_arounds[1].number == 2);
  CHECK(m.go_arounds[1].outcome == model::Outcome::failed);
  CHECK(m.go_arounds[1].start - m.go_arounds[0].start == 3min);
  REQUIRE(m.go_arounds[1].decision);
  CHECK_FALSE(m.recovery);
  const auto layout = debrief::chart_layout(m, false);
  CHECK(layout.bands.size() == 2);
  CHECK(layout.bands[1].label == "go-around 2: failed");
}

TEST_CASE("the chart stays legible when markers crowd: no label overprints another or is crossed by a line, "
          "every go-around is drawn with its outcome, ticks fall on round times and midnight is marked") {
  debrief::Milestones m;
  const auto at = [](int day, int h, int min, int s = 0) {
    return time::TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / day)) + std::chrono::hours(h) +
           std::chrono::minutes(min) + std::chrono::seconds(s);
  };
  m.start = at(23, 23, 50);
  m.deploy = m.start;
  m.detection = at(23, 23, 58);
  m.go_arounds = {{1, at(24, 0, 1), at(24, 0, 1, 2), at(24, 0, 3), model::Outcome::failed},
                  {2, at(24, 0, 3, 30), at(24, 0, 3, 31), at(24, 0, 5), model::Outcome::verification_failed},
                  {3, at(24, 0, 5, 10), at(24, 0, 5, 11), at(24, 0, 7), model::Outcome::verified}};
  m.decision = m.go_arounds[0].decision;
  m.recovery = at(24, 0, 7);
  m.end = at(24, 0, 40);
  const auto layout = debrief::chart_layout(m, true);

  REQUIRE(layout.labels.size() == 9);
  for (const auto& a : layout.labels) {
    INFO(a.text);
    CHECK(a.x >= 0);
    CHECK(a.x + a.width <= layout.width);
    CHECK(a.y + a.height <= layout.plot_top);
    for (const auto& b : layout.labels) {
      if (&a == &b) continue;
      INFO("and " << b.text);
      const bool apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      CHECK(apart);
      // a's line runs from a.line_top down; it must not pass through b's box.
      const bool crosses = a.line_x > b.x && a.line_x < b.x + b.width && a.line_top < b.y + b.height;
      CHECK_FALSE(crosses);
    }
  }
  REQUIRE(layout.bands.size() == 3);
  CHECK(layout.bands[0].label == "go-around 1: failed");
  CHECK(layout.bands[1].label == "go-around 2: not verified");
  CHECK(layout.bands[2].label == "go-around 3: verified");
  CHECK(layout.bands[0].outcome == model::Outcome::failed);

  CHECK(layout.tick_step == 10min);
  REQUIRE(layout.ticks.size() >= 4);
  int midnights = 0;
  for (const auto& tick : layout.ticks) {
    INFO(tick.text);
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(tick.at.time_since_epoch()).count() % 600 == 0);
    if (tick.midnight) {
      ++midnights;
      CHECK(tick.text == "Nov 24");
    } else {
      CHECK(tick.text.size() == 5);  // HH:MM
    }
  }
  CHECK(midnights == 1);
  CHECK(layout.ticks.front().text == "23:50");

  // The picture itself, for a person to look at: GOAROUND_CHART_OUT=/tmp/chart.png
  if (const char* out = std::getenv("GOAROUND_CHART_OUT")) {
    std::vector<verify::Sample> metric;
    for (int i = 0; i <= 50; ++i)
      metric.push_back({m.start + i * 1min, i < 8 ? 0.004 : i < 17 ? 0.041 - (i - 8) * 0.001 : 0.005});
    std::ofstream(out, std::ios::binary)
        << debrief::chart(m, {metric, "sum(rate(http_requests_total{code=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))", 0.01},
                          "Incident #7 · checkout (prod)")
               .png;
  }
}
