#include <catch2/catch.hpp>

#include "goaround/debrief/timeline_export.hpp"
#include "support/bot_harness.hpp"
#include "support/process.hpp"
#include "support/timeline_reader.hpp"

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
)";

const chat::Person alice{"U0ALICE", "alice", {}, false};

bool same(const model::Event& a, const model::Event& b) {
  return a.id == b.id && a.incident_id == b.incident_id && a.at == b.at && a.kind == b.kind &&
         a.actor == b.actor && a.text == b.text && a.data == b.data &&
         a.revises == b.revises && a.source == b.source;
}

}  // namespace

TEST_CASE("an edit adds a revision: the view shows the latest, the original stays on record") {
  testing::BotHarness h(config_text);
  h.type(alice, "checkout");
  h.type(alice, "note error rate 4.1% at 14:02");
  const auto note_id = h.store.timeline().events(1).back().id;
  h.clock.advance(5min);
  h.type(alice, "timeline edit #" + std::to_string(note_id) + " --text 'error rate 4.7% at 14:02' --at 14:02");
  const auto latest = h.store.timeline().events(1);
  const auto edited = std::find_if(latest.begin(), latest.end(), [&](const auto& e) { return e.id == note_id; });
  REQUIRE(edited != latest.end());
  CHECK(edited->text == "error rate 4.7% at 14:02");
  CHECK(edited->at == "2026-11-23T14:02:00.000Z");
  CHECK(edited->revised);
  CHECK(latest.front().id == note_id);  // the corrected time sorts it first
  CHECK_THAT(h.whispered(), Contains("error rate 4.7% at 14:02 (edited)"));
  const auto rows = h.store.timeline().rows(1, {model::EventKind::typed});
  CHECK(std::any_of(rows.begin(), rows.end(), [](const auto& e) { return e.text == "error rate 4.1% at 14:02"; }));
  CHECK(rows.back().revises == note_id);

  h.type(alice, "timeline edit " + std::to_string(note_id) + " --withdraw");
  CHECK_THAT(h.whispered(), Contains("(withdrawn)"));
  CHECK(h.store.timeline().rows(1, {model::EventKind::typed}).size() == rows.size() + 1);
  // A later text edit keeps it withdrawn.
  h.type(alice, "timeline edit " + std::to_string(note_id) + " --text 'error rate 4.8%'");
  CHECK_THAT(h.whispered(), Contains("error rate 4.8% (edited) (withdrawn)"));
}

TEST_CASE("a timeline edit with nothing to change or a bad time is refused") {
  testing::BotHarness h(config_text);
  h.type(alice, "checkout");
  h.type(alice, "note first look");
  const auto note = std::to_string(h.store.timeline().events(1, {model::EventKind::typed}).back().id);
  h.type(alice, "timeline edit " + note);
  CHECK_THAT(h.whispered(), Contains("say what changes"));
  h.type(alice, "timeline edit " + note + " --at 25:99");
  CHECK_THAT(h.whispered(), Contains("`25:99` is not a time"));
  h.type(alice, "timeline edit " + note + " --at -1:-5");
  CHECK_THAT(h.whispered(), Contains("`-1:-5` is not a time"));
  h.type(alice, "timeline edit " + note + " --at 12:30abc");
  CHECK_THAT(h.whispered(), Contains("is not a time"));
  h.type(alice, "timeline edit 2 --text 'never happened'");
  CHECK_THAT(h.whispered(), Contains("entry #2 is a card the bot recorded"));
  h.type(alice, "timeline edit 999 --text x");
  CHECK_THAT(h.whispered(), Contains("name the entry to edit"));
  h.type(alice, "timeline --text x");
  CHECK_THAT(h.whispered(), Contains("belong to `timeline edit`"));
}

TEST_CASE("a captured message is recorded once however often it is delivered") {
  testing::BotHarness h(config_text);
  h.type(alice, "checkout");
  CHECK(h.store.timeline().capture(1, model::EventKind::message, "bob", "pods OOMKilled", "2026-11-23T14:03:00.000Z", "slack:C1:1700000000.000100"));
  CHECK_FALSE(h.store.timeline().capture(1, model::EventKind::message, "bob", "pods OOMKilled", "2026-11-23T14:03:00.000Z", "slack:C1:1700000000.000100"));
  CHECK(h.store.timeline().by_source("slack:C1:1700000000.000100")->text == "pods OOMKilled");
}

TEST_CASE("JSON and CSV exports carry every field of every row and parse back") {
  testing::BotHarness h(config_text);
  h.type(alice, "checkout --reason 'checkout 5xx, \"quoted\", commas'");
  h.press(alice, h.card_action("Confirm go-around"));
  h.type(alice, "note line one | pipe");
  const auto note = std::to_string(h.store.timeline().events(1, {model::EventKind::typed}).back().id);
  h.type(alice, "timeline edit " + note + " --text 'edited, with \"quotes\"'");
  h.type(alice, "note line one | pipe");
  h.store.timeline().capture(1, model::EventKind::message, "bob", "from the thread", "2026-11-23T14:03:00.000Z", "slack:C1:1.2");
  const auto rows = h.store.timeline().rows(1);
  const auto incident = *h.store.incidents().find(1);

  const auto as_json = debrief::export_timeline(h.store, h.templates, incident, debrief::ExportFormat::json);
  const auto from_json = testing::parse_timeline_json(as_json);
  const auto as_csv = debrief::export_timeline(h.store, h.templates, incident, debrief::ExportFormat::csv);
  const auto from_csv = testing::parse_timeline_csv(as_csv);
  REQUIRE(from_json.size() == rows.size());
  REQUIRE(from_csv.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(same(from_json[i], rows[i]));
    CHECK(same(from_csv[i], rows[i]));
  }
  const auto md = debrief::export_timeline(h.store, h.templates, incident, debrief::ExportFormat::markdown);
  CHECK_THAT(md, Contains("# Incident #1: checkout (prod)"));
  CHECK_THAT(md, Contains("| note | alice | line one \\| pipe |"));
  CHECK_THAT(md, Contains("(prod)\n\nopen · opened"));
  CHECK_THAT(md, Contains("_(edited)_"));
  CHECK_THROWS_AS(testing::parse_timeline_csv("id,at\r\n1,2\r\n"), std::invalid_argument);
  CHECK_THROWS_AS(testing::parse_timeline_json("{}"), std::invalid_argument);
}

TEST_CASE("the CLI exports the latest incident's timeline in each format") {
  testing::TempDir dir;
  const auto config = dir.write_config(std::string(config_text));
  REQUIRE(testing::run_goaround({"rollback", "checkout", "--yes", "--config", config.string()}).exit_code == 0);
  const auto csv = testing::run_goaround({"timeline", "export", "--format", "csv", "--config", config.string()});
  CHECK(csv.exit_code == 0);
  CHECK(testing::parse_timeline_csv(csv.out).size() >= 6);
  const auto json = testing::run_goaround({"timeline", "export", "1", "--format", "json", "--config", config.string()});
  CHECK(testing::parse_timeline_json(json.out).size() == testing::parse_timeline_csv(csv.out).size());
  const auto md = testing::run_goaround({"timeline", "export", "--config", config.string()});
  CHECK_THAT(md.out, Contains("| # | time (UTC) | kind | actor | entry |"));
  const auto bad = testing::run_goaround({"timeline", "export", "--format", "xml", "--config", config.string()});
  CHECK(bad.exit_code == 2);
}
