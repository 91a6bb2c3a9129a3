#include <catch2/catch.hpp>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("a service has at most one open incident — a second go-around joins it") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& incidents = f.store.incidents();
  const auto first = incidents.open_or_join("checkout", "prod", "alice", "5xx", "C1");
  const auto second = incidents.open_or_join("checkout", "prod", "bob", "latency", "C1");
  CHECK(first.opened);
  CHECK_FALSE(second.opened);
  CHECK(second.incident.id == first.incident.id);
  CHECK(second.incident.opened_by == "alice");
  CHECK(second.incident.state == model::IncidentState::open);
  const auto other = incidents.open_or_join("payments", "prod", "bob", "", "C1");
  CHECK(other.opened);
  CHECK(incidents.open().size() == 2);
  CHECK(incidents.latest()->id == other.incident.id);
  CHECK_THROWS(f.raw()->run_script(
      "INSERT INTO incidents (service, environment, state, opened_at, opened_by)"
      " VALUES ('checkout', 'prod', 'open', 'x', 'mallory')"));
}

TEST_CASE("closing an incident resolves it once, keeps the summary word for word and ends its status cadence") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto id = f.open_incident();
  f.store.incidents().set_thread(id, "1700000000.000100");
  f.store.incidents().set_commander(id, "U0ALICE");
  f.store.schedules().save({id, 15min, "2026-11-23T16:27:58.123Z", {}, {}, {}, 0.04, {}});
  REQUIRE(f.store.schedules().of_open_incidents().size() == 1);
  f.clock.advance(1h);
  CHECK(f.store.incidents().close(id, "rolled back; it's fine, we're ok"));
  CHECK_FALSE(f.store.incidents().close(id, "again"));
  const auto closed = f.store.incidents().find(id);
  CHECK(closed->state == model::IncidentState::resolved);
  CHECK(closed->summary == "rolled back; it's fine, we're ok");
  CHECK(closed->closed_at == "2026-11-23T17:12:58.123Z");
  CHECK(closed->thread == "1700000000.000100");
  CHECK(closed->commander == "U0ALICE");
  CHECK_FALSE(f.store.schedules().find(id));
  CHECK(f.store.incidents().open().empty());
  CHECK_FALSE(f.store.incidents().find(99));
}

TEST_CASE("a schedule is saved whole and read back, and only open incidents have a cadence, soonest first") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto a = f.open_incident("checkout"), b = f.open_incident("payments");
  const model::Schedule later{a, 30min, "2026-11-23T17:00:00.000Z", "2026-11-23T16:30:00.000Z", {}, {}, 0.04, 0.02};
  f.store.schedules().save(later);
  f.store.schedules().save({b, 15min, "2026-11-23T16:40:00.000Z", {}, {}, {}, {}, {}});
  const auto both = f.store.schedules().of_open_incidents();
  REQUIRE(both.size() == 2);
  CHECK(both[0].incident_id == b);
  const auto read = f.store.schedules().find(a);
  CHECK(read->interval == 30min);
  CHECK(read->last_posted_at == later.last_posted_at);
  CHECK_FALSE(read->last_human_at);
  CHECK(read->detection_value == 0.04);
  CHECK(read->last_value == 0.02);
  auto updated = *read;
  updated.reminded_at = "2026-11-23T17:05:00.000Z";
  f.store.schedules().save(updated);
  CHECK(f.store.schedules().find(a)->reminded_at == updated.reminded_at);
}

TEST_CASE("corrective actions belong to their incident, in the order written") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto id = f.open_incident();
  f.store.incidents().add_action(id, "keep 10 ReplicaSets of history", "@bob", "alice");
  f.store.incidents().add_action(id, "alert on the pool's saturation", "@carol", "alice");
  const auto actions = f.store.incidents().actions(id);
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].text == "keep 10 ReplicaSets of history");
  CHECK(actions[1].owner == "@carol");
  CHECK(f.store.incidents().actions(id + 1).empty());
}
