#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("replicas starting together on a new PostgreSQL database migrate it once") {
  const auto url = testing::fresh_postgres_database();
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  std::atomic<int> opened{0};
  std::vector<std::thread> replicas;
  for (int i = 0; i < 4; ++i)
    replicas.emplace_back([&] {
      store::PostgresStore store(url, std::nullopt, clock);
      if (store.schema_version() == store::sql::latest_schema_version()) ++opened;
    });
  for (auto& r : replicas) r.join();
  CHECK(opened == 4);
  store::sql::PostgresSession session(url, std::nullopt);
  CHECK(session.run("SELECT count(*), count(DISTINCT version) FROM schema_migrations").first()->text(0) ==
        std::to_string(store::sql::latest_schema_version()));
}

TEST_CASE("Confirm pressed on several replicas at once starts the go-around once") {
  const auto url = testing::fresh_postgres_database();
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::PostgresStore setup(url, std::nullopt, clock);
  const auto incident = setup.incidents().open_or_join("checkout", "prod", "alice", "", "").incident;
  for (int round = 0; round < 10; ++round) {
    const auto id = setup.executions().create(testing::planned(incident.id, "checkout"));
    std::atomic<int> started{0};
    std::vector<std::thread> replicas;
    for (int r = 0; r < 3; ++r)
      replicas.emplace_back([&, r] {
        store::PostgresStore replica(url, std::nullopt, clock);
        if (replica.executions().start(id, "alice", "replica-" + std::to_string(r))) ++started;
      });
    for (auto& t : replicas) t.join();
    CHECK(started == 1);
    const auto running = setup.executions().find(id);
    REQUIRE(running);
    REQUIRE(setup.executions().finish(id, {model::ExecutionState::succeeded, 0, "", ""}, running->owner));
  }
}

TEST_CASE("PostgreSQL restarted: the store says it is gone, loses nothing, and reconnects by itself") {
  testing::PrivatePostgres server;
  time::ManualClock clock(time::TimePoint(1795450378123ms));
  store::PostgresStore store(server.url(), std::nullopt, clock);
  const auto incident = store.incidents().open_or_join("checkout", "prod", "alice", "5xx", "C1").incident;
  store.timeline().append(incident.id, model::EventKind::note, "alice", "before the restart");

  // Restarted while idle: the closed connection is noticed before the next statement is sent.
  server.halt();
  server.resume();
  store.timeline().append(incident.id, model::EventKind::note, "alice", "after the restart");

  // Down: every call fails with Unavailable, readiness says why; nothing half-written.
  server.halt();
  CHECK_THROWS_AS(store.timeline().append(incident.id, model::EventKind::note, "bob", "while down"),
                  store::sql::Unavailable);
  std::string why;
  CHECK_FALSE(store.writable(why));
  CHECK_THAT(why, Catch::Matchers::Contains("postgresql"));
  server.resume();
  // Back: the next attempt waits out the backoff (at most 5 s), then connects again.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = store.writable(why);
    if (!back) std::this_thread::sleep_for(100ms);
  }
  REQUIRE(back);
  const auto events = store.timeline().events(incident.id);
  REQUIRE(events.size() == 2);
  CHECK(events[0].text == "before the restart");
  CHECK(events[1].text == "after the restart");
}

TEST_CASE("the migrations give SQLite and PostgreSQL the same tables, columns and nullability") {
  testing::StoreFixture sqlite(testing::Backend::sqlite), postgres(testing::Backend::postgres);
  const auto sqlite_session = sqlite.raw();
  std::set<std::string> sqlite_columns, postgres_columns;
  for (const auto& table : sqlite_session->run("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").rows)
    for (const auto& column : sqlite_session->run("PRAGMA table_info(" + table.text(0) + ")").rows)
      // PRAGMA table_info: cid, name, type, notnull, dflt_value, pk (a primary key is never null)
      sqlite_columns.insert(table.text(0) + "." + column.text(1) +
                            (column.boolean(3) || column.int64(5) > 0 ? " not null" : ""));
  for (const auto& column : postgres.raw()
                                ->run("SELECT table_name, column_name, is_nullable FROM information_schema.columns"
                                      " WHERE table_schema = 'public'")
                                .rows)
    postgres_columns.insert(column.text(0) + "." + column.text(1) + (column.text(2) == "NO" ? " not null" : ""));
  CHECK(sqlite_columns == postgres_columns);
  CHECK(sqlite_columns.size() > 80);
}
