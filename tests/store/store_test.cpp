#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include <thread>

#include "goaround/store/store.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using namespace std::chrono_literals;

namespace {

std::string pragma(SQLite::Database& db, const std::string& name) {
  SQLite::Statement q(db, "PRAGMA " + name);
  q.executeStep();
  return q.getColumn(0).getString();
}

store::NewExecution planned(std::int64_t incident, const std::string& service) {
  return {incident, service, "sim", R"(["sim","rollout","undo"])", "42", "41", "alice", "5xx"};
}

}  // namespace

TEST_CASE("a new store is migrated, in WAL mode, with foreign keys and a busy timeout") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  CHECK(store.schema_version() == store::latest_schema_version());
  auto& db = store.database();
  CHECK(pragma(db, "journal_mode") == "wal");
  CHECK(pragma(db, "foreign_keys") == "1");
  CHECK(pragma(db, "busy_timeout") == "5000");
  CHECK(pragma(db, "synchronous") == "2");  // FULL
  for (const auto* table : {"incidents", "timeline_events", "executions", "service_locks", "briefs",
                            "deployments", "status_schedules", "processed_envelopes"})
    CHECK(db.tableExists(table));
  SQLite::Statement versions(db, "SELECT group_concat(version) FROM schema_migrations");
  versions.executeStep();
  CHECK(versions.getColumn(0).getString() == "1,2,3,4,5,6,7,8");
}

TEST_CASE("a database written by the first migration is migrated forward and keeps its rows") {
  testing::TempDir dir;
  const auto file = dir.path() / "old.db";
  {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    store::migrate(db, 1);
    REQUIRE(store::schema_version(db) == 1);
    CHECK_FALSE(db.tableExists("executions"));
    db.exec(
        "INSERT INTO incidents (service, environment, state, opened_at, opened_by)"
        " VALUES ('checkout', 'prod', 'open', '2026-01-01T00:00:00.000Z', 'alice');"
        "INSERT INTO timeline_events (incident_id, at, kind, actor, text)"
        " VALUES (1, '2026-01-01T00:00:01.000Z', 'note', 'alice', 'written before v2');");
  }
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(file, clock);
  CHECK(store.schema_version() == store::latest_schema_version());
  const auto events = store.events(1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].text == "written before v2");
  CHECK(events[0].data.empty());
  // The new tables work against the old rows.
  const auto id = store.create_execution(planned(1, "checkout"));
  CHECK(store.start_execution(id, "alice", "owner-1"));
}

TEST_CASE("events are stamped in UTC with milliseconds and must carry a JSON object") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  const auto opened = store.open_or_join_incident("checkout", "prod", "alice", "5xx", "C1");
  REQUIRE(opened.opened);
  clock.advance(1500ms);
  store.append_event(opened.incident.id, model::EventKind::note, "alice", "error rate 4%", {{"value", 0.04}});
  const auto events = store.events(opened.incident.id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].at == "2026-11-23T16:12:59.623Z");
  CHECK(events[0].data == boost::json::object{{"value", 0.04}});
  // The column itself refuses anything but an object, whoever writes it.
  for (const auto* data : {"not json", "[1,2]"})
    CHECK_THROWS(store.database().exec(std::string("INSERT INTO timeline_events (incident_id, at, kind, actor, text, data)"
                                                   " VALUES (1, 'x', 'note', 'alice', 'x', '") + data + "')"));
  CHECK_THROWS(store.append_event(999, model::EventKind::note, "alice", "no such incident"));
}

TEST_CASE("a service has at most one open incident — a second go-around joins it") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  const auto first = store.open_or_join_incident("checkout", "prod", "alice", "5xx", "C1");
  const auto second = store.open_or_join_incident("checkout", "prod", "bob", "latency", "C1");
  CHECK(first.opened);
  CHECK_FALSE(second.opened);
  CHECK(second.incident.id == first.incident.id);
  CHECK(second.incident.opened_by == "alice");
  const auto other = store.open_or_join_incident("payments", "prod", "bob", "", "C1");
  CHECK(other.opened);
  CHECK(store.open_incidents().size() == 2);
  CHECK_THROWS(store.database().exec(
      "INSERT INTO incidents (service, environment, state, opened_at, opened_by)"
      " VALUES ('checkout', 'prod', 'open', 'x', 'mallory')"));
}

TEST_CASE("the service lock admits one running execution and survives a restart") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  const auto file = dir.path() / "goaround.db";
  std::int64_t first = 0, second = 0;
  {
    store::Store store(file, clock);
    const auto incident = store.open_or_join_incident("checkout", "prod", "alice", "", "").incident;
    first = store.create_execution(planned(incident.id, "checkout"));
    second = store.create_execution(planned(incident.id, "checkout"));
    CHECK(store.start_execution(first, "alice", "owner-1"));
    CHECK_FALSE(store.start_execution(second, "bob", "owner-1"));
    CHECK(store.execution(second)->state == "planned");
    CHECK_FALSE(store.start_execution(first, "alice", "owner-1"));  // already running
  }
  store::Store reopened(file, clock);
  const auto lock = reopened.service_lock("checkout");
  REQUIRE(lock);
  CHECK(lock->execution_id == first);
  CHECK(lock->holder == "alice");
  CHECK(reopened.running_execution("checkout")->id == first);
  CHECK(reopened.finish_execution(first, {"succeeded", 0, "rolled out", R"({"passed":true})"}, "owner-1"));
  CHECK_FALSE(reopened.service_lock("checkout"));
  const auto done = reopened.execution(first);
  CHECK(done->state == "succeeded");
  CHECK(done->exit_code == 0);
  CHECK(done->finished_at);
  CHECK(reopened.start_execution(second, "bob", "owner-2"));
}

TEST_CASE("only a planned execution can be cancelled, and a state outside the list is refused") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  const auto incident = store.open_or_join_incident("checkout", "prod", "alice", "", "").incident;
  const auto id = store.create_execution(planned(incident.id, "checkout"));
  CHECK(store.cancel_execution(id));
  CHECK_FALSE(store.cancel_execution(id));
  CHECK_FALSE(store.start_execution(id, "alice", "owner-1"));
  CHECK(store.execution(id)->state == "cancelled");
  CHECK_THROWS(store.database().exec("UPDATE executions SET state = 'done' WHERE id = 1"));
}

TEST_CASE("a takeover is compare-and-set, and a late owner cannot turn interrupted into succeeded") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  const store::Owner alive{"host/1/t/a", "host", 1, "t"}, rival{"host/2/t/b", "host", 2, "t"};
  store.renew_owner(alive);
  const auto incident = store.open_or_join_incident("checkout", "prod", "alice", "", "").incident;
  const auto id = store.create_execution(planned(incident.id, "checkout"));
  REQUIRE(store.start_execution(id, "alice", alive.id));
  CHECK(store.owns(id, alive.id));
  CHECK_FALSE(store.owns(id, rival.id));
  const auto seen = store.running_executions("checkout");
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].owner);
  CHECK(seen[0].owner->pid == 1);
  // The owner renews after the rival looked: the rival's takeover finds another heartbeat.
  std::this_thread::sleep_for(5ms);
  store.renew_owner(alive);
  CHECK_FALSE(store.take_over(seen[0], rival.id));
  CHECK(store.owns(id, alive.id));
  // Seen again, with the heartbeat as it is now: exactly one takeover wins.
  const auto again = store.running_executions("checkout").at(0);
  CHECK(store.take_over(again, rival.id));
  CHECK_FALSE(store.take_over(again, rival.id));
  CHECK_FALSE(store.service_lock("checkout"));
  // The late owner finishes: nothing changes.
  CHECK_FALSE(store.finish_execution(id, {"succeeded", 0, "", ""}, alive.id));
  const auto row = store.execution(id);
  CHECK(row->state == "interrupted");
  CHECK(row->taken_over_by == rival.id);
  CHECK_FALSE(store.owns(id, alive.id));
}

TEST_CASE("delivered envelope ids are recorded once each and pruned after they can no longer be redelivered") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::Store store(dir.path() / "goaround.db", clock);
  CHECK(store.record_envelopes({{"e1", "", "slash_commands"}, {"e2", "Ev1", "events_api"}}) ==
        std::vector<bool>{true, true});
  // A repeat of the envelope, or another envelope carrying the same event, is not new.
  CHECK(store.record_envelopes({{"e1", "", "slash_commands"}, {"e3", "Ev1", "events_api"}}) ==
        std::vector<bool>{false, false});
  clock.advance(25h);
  CHECK(store.record_envelopes({{"e4", "", "slash_commands"}}) == std::vector<bool>{true});
  CHECK(store.prune_envelopes(clock.now() - 24h) == 4);  // e1, e2, event:Ev1, e3 (recorded 25 h ago)
  const auto kept = store.envelopes_since(clock.now() - 24h);
  CHECK(kept == std::vector<std::string>{"e4"});
  CHECK(store.record_envelopes({{"e1", "", "slash_commands"}}) == std::vector<bool>{true});
}
