#pragma once
#include <catch2/catch.hpp>

#include <memory>

#include "goaround/store/postgres_store.hpp"
#include "goaround/store/sqlite_store.hpp"
#include "support/postgres.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

enum class Backend { sqlite, postgres };

inline std::unique_ptr<store::SqlStore> open_backend(Backend backend, const std::filesystem::path& file,
                                                     const std::string& url, const time::Clock& clock) {
  if (backend == Backend::postgres) return std::make_unique<store::PostgresStore>(url, std::nullopt, clock);
  return std::make_unique<store::SqliteStore>(file, clock);
}

// A fresh store of either backend (its own SQLite file, or its own PostgreSQL database), on a
// clock the test moves; `raw()` opens a second session on the same database for what only SQL
// can show (constraints, columns), and `reopen()` a second store, as another process would.
// The store interfaces' tests run on both: GENERATE(testing::both_backends()).
struct StoreFixture {
  explicit StoreFixture(Backend chosen = Backend::sqlite)
      : backend(chosen),
        url(chosen == Backend::postgres ? fresh_postgres_database() : ""),
        handle(open_backend(backend, file, url, clock)),
        store(*handle) {}

  Backend backend;
  TempDir dir;
  time::ManualClock clock{time::TimePoint(std::chrono::milliseconds(1795450378123))};
  std::filesystem::path file = dir.path() / "goaround.db";
  std::string url;
  std::unique_ptr<store::SqlStore> handle;
  store::SqlStore& store;

  std::unique_ptr<store::sql::Session> raw() const {
    if (backend == Backend::postgres) return std::make_unique<store::sql::PostgresSession>(url, std::nullopt);
    return std::make_unique<store::sql::SqliteSession>(file, std::chrono::seconds(5));
  }
  std::unique_ptr<store::SqlStore> reopen() const { return open_backend(backend, file, url, clock); }
  std::int64_t open_incident(const std::string& service = "checkout") {
    return store.incidents().open_or_join(service, "prod", "alice", "5xx", "C1").incident.id;
  }
};

inline auto both_backends() { return Catch::Generators::values({Backend::sqlite, Backend::postgres}); }

inline model::NewExecution planned(std::int64_t incident, const std::string& service) {
  return {incident, service, "sim", R"(["sim","rollout","undo"])", "42", "41", "alice", "5xx"};
}

}  // namespace goaround::testing
