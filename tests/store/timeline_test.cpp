#include <catch2/catch.hpp>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;
using model::EventKind;

TEST_CASE("events are stamped in UTC with milliseconds and carry their payload as a JSON object") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto id = f.open_incident();
  f.clock.advance(1500ms);
  f.store.timeline().append(id, EventKind::note, "alice", "error rate 4%", {{"value", 0.04}});
  const auto events = f.store.timeline().events(id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].at == "2026-11-23T16:12:59.623Z");
  CHECK(events[0].kind == EventKind::note);
  CHECK(events[0].data == boost::json::object{{"value", 0.04}});
  // The column itself refuses anything but an object, whoever writes it.
  for (const auto* data : {"not json", "[1,2]"})
    CHECK_THROWS(f.raw()->run_script(std::string("INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                                          " VALUES (1, 'x', 'note', 'alice', 'x', '") + data + "')"));
  CHECK_THROWS(f.store.timeline().append(999, EventKind::note, "alice", "no such incident"));
}

TEST_CASE("a revision changes the view, never the record: the latest revision wins and withdrawn entries stay") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto id = f.open_incident();
  auto& timeline = f.store.timeline();
  const auto first = timeline.append(id, EventKind::note, "alice", "error rate 4.1%");
  f.clock.advance(1min);
  timeline.append(id, EventKind::note, "bob", "pods OOMKilled");
  timeline.revise(first, {"error rate 4.7%", "2026-11-23T16:20:00.000Z", std::nullopt}, "alice");
  timeline.revise(first, {std::nullopt, std::nullopt, true}, "carol");
  const auto view = timeline.events(id);
  REQUIRE(view.size() == 2);
  // Its corrected time moved it after bob's entry.
  CHECK(view[1].id == first);
  CHECK(view[1].text == "error rate 4.7%");
  CHECK(view[1].at == "2026-11-23T16:20:00.000Z");
  CHECK(view[1].revised);
  CHECK(view[1].withdrawn);
  const auto rows = timeline.rows(id);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].text == "error rate 4.1%");
  CHECK(rows[3].kind == EventKind::revision);
  CHECK(rows[3].revises == first);
  CHECK(rows[3].payload<model::events::Revision>().withdrawn);
  CHECK_THROWS_AS(timeline.revise(rows[3].id, {"x", std::nullopt, std::nullopt}, "alice"), std::invalid_argument);
  CHECK_THROWS_AS(timeline.revise(999, {"x", std::nullopt, std::nullopt}, "alice"), std::invalid_argument);
}

TEST_CASE("a captured entry is recorded once per source, skipped kinds are not read, and has() looks without reading") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto id = f.open_incident();
  auto& timeline = f.store.timeline();
  const auto captured = timeline.capture(id, EventKind::message, "bob", "5xx back to baseline",
                                         "2026-11-23T16:13:00.000Z", "slack:C1:1.2",
                                         model::encode(model::events::Captured{"C1", "1.2", std::nullopt}));
  CHECK(captured);
  CHECK_FALSE(timeline.capture(id, EventKind::message, "bob", "again", "2026-11-23T16:13:00.000Z", "slack:C1:1.2"));
  CHECK(timeline.by_source("slack:C1:1.2")->id == *captured);
  CHECK(timeline.by_source("slack:C1:1.2")->payload<model::events::Captured>().ts == "1.2");
  timeline.append_many(id, {{EventKind::progress, "goaround", "1/3 ready"}, {EventKind::progress, "goaround", "2/3"}});
  CHECK(timeline.events(id).size() == 3);
  CHECK(timeline.events(id, model::chatter_kinds()).size() == 1);
  CHECK(timeline.has(id, EventKind::progress));
  CHECK_FALSE(timeline.has(id, EventKind::go_around_prompt));
  CHECK(timeline.find(*captured)->source == "slack:C1:1.2");
}
