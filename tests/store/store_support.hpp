#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "goaround/store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

// A fresh SQLite store in its own folder, on a clock the test moves; `raw()` opens a second
// connection on the same file for what only SQL can show (constraints, columns).
struct StoreFixture {
  TempDir dir;
  time::ManualClock clock{time::TimePoint(std::chrono::milliseconds(1795450378123))};
  std::filesystem::path file = dir.path() / "goaround.db";
  store::SqliteStore store{file, clock};

  SQLite::Database raw() const { return SQLite::Database(file.string(), SQLite::OPEN_READWRITE); }
  std::int64_t open_incident(const std::string& service = "checkout") {
    return store.incidents().open_or_join(service, "prod", "alice", "5xx", "C1").incident.id;
  }
};

inline model::NewExecution planned(std::int64_t incident, const std::string& service) {
  return {incident, service, "sim", R"(["sim","rollout","undo"])", "42", "41", "alice", "5xx"};
}

}  // namespace goaround::testing
