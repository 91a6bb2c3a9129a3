#include "goaround/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <thread>

namespace goaround::store {

namespace sqlite {

std::optional<std::string> optional_text(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

SQLite::Database open_database(const std::filesystem::path& file, std::chrono::milliseconds busy) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.setBusyTimeout(static_cast<int>(busy.count()));
  // Turning a new file to WAL needs the file to itself and does not wait on the busy handler:
  // two processes opening a new data folder together retry here instead of failing.
  for (auto waited = std::chrono::milliseconds(0);; waited += std::chrono::milliseconds(20)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      break;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() != SQLITE_BUSY && e.getErrorCode() != SQLITE_LOCKED) || waited >= busy) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  return db;
}

}  // namespace sqlite

SqliteStore::SqliteStore(const std::filesystem::path& file, const time::Clock& clock, std::chrono::milliseconds busy)
    : connection_{sqlite::open_database(file, busy), clock, busy} {}

bool SqliteStore::writable(std::string& why) {
  // A probe answers at once: a lock held elsewhere is "not ready" now, not after 5 s of waiting
  // on the loop that also serves everything else.
  connection_.db.setBusyTimeout(500);
  bool ok = true;
  try {
    connection_.db.exec("BEGIN IMMEDIATE");
    connection_.db.exec("ROLLBACK");
  } catch (const std::exception& e) {
    why = e.what();
    ok = false;
  }
  connection_.db.setBusyTimeout(static_cast<int>(connection_.busy.count()));
  return ok;
}

int SqliteStore::schema_version() { return store::schema_version(connection_.db); }

}  // namespace goaround::store
