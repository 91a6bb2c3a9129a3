#include <catch2/catch.hpp>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

namespace {

std::string pragma(store::sql::Session& session, const std::string& name) {
  return session.run("PRAGMA " + name).first()->text(0);
}

}  // namespace

TEST_CASE("a new SQLite file is opened in WAL mode, synchronous, with foreign keys and a busy timeout, and migrated") {
  testing::TempDir dir;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::SqliteStore opened(dir.path() / "goaround.db", clock);
  CHECK(pragma(opened.session(), "journal_mode") == "wal");
  CHECK(pragma(opened.session(), "foreign_keys") == "1");
  CHECK(pragma(opened.session(), "busy_timeout") == "5000");
  CHECK(pragma(opened.session(), "synchronous") == "2");  // FULL
  SQLite::Database db((dir.path() / "goaround.db").string(), SQLite::OPEN_READWRITE);
  for (const auto* table : {"incidents", "timeline_events", "executions", "service_locks", "briefs",
                            "deployments", "status_schedules", "processed_envelopes", "owners", "rejected_revisions", "leases"})
    CHECK(db.tableExists(table));
  SQLite::Statement versions(db, "SELECT group_concat(version) FROM schema_migrations");
  versions.executeStep();
  CHECK(versions.getColumn(0).getString() == "1,2,3,4,5,6,7,8,9,10,11,12");
  CHECK(opened.schema_version() == store::sql::latest_schema_version());
}

TEST_CASE("a database written by the first migration is migrated forward and keeps its rows") {
  testing::TempDir dir;
  const auto file = dir.path() / "old.db";
  {
    store::sql::SqliteSession session(file, 5s);
    store::sql::migrate(session, 1);
    REQUIRE(store::sql::schema_version(session) == 1);
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    CHECK_FALSE(db.tableExists("executions"));
    db.exec(
        "INSERT INTO incidents (service, environment, state, opened_at, opened_by)"
        " VALUES ('checkout', 'prod', 'open', '2026-01-01T00:00:00.000Z', 'alice');"
        "INSERT INTO timeline_events (incident_id, at, kind, actor, text)"
        " VALUES (1, '2026-01-01T00:00:01.000Z', 'note', 'alice', 'written before v2');");
  }
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::SqliteStore store(file, clock);
  CHECK(store.schema_version() == store::sql::latest_schema_version());
  const auto events = store.timeline().events(1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].text == "written before v2");
  CHECK(events[0].kind == model::EventKind::note);
  CHECK(events[0].data.empty());
  // The new tables work against the old rows.
  const auto id = store.executions().create(testing::planned(1, "checkout"));
  CHECK(store.executions().start(id, "alice", "owner-1"));
}

TEST_CASE("writable says no, with the reason, while another connection holds the write lock") {
  testing::StoreFixture f;
  std::string why;
  CHECK(f.store.writable(why));
  auto other = f.raw();
  other->begin_write();
  CHECK_FALSE(f.store.writable(why));
  CHECK_THAT(why, Catch::Matchers::Contains("locked"));
  other->rollback();
  CHECK(f.store.writable(why));
}
