#include "goaround/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <thread>

namespace goaround::store {

namespace sql {

SqliteSession::SqliteSession(const std::filesystem::path& file, std::chrono::milliseconds busy, bool durable)
    : db_(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE), busy_(busy) {
  db_.setBusyTimeout(static_cast<int>(busy.count()));
  // Turning a new file to WAL needs the file to itself and does not wait on the busy handler:
  // two processes opening a new data folder together retry here instead of failing.
  for (auto waited = std::chrono::milliseconds(0);; waited += std::chrono::milliseconds(20)) {
    try {
      db_.exec("PRAGMA journal_mode = WAL");
      break;
    } catch (const SQLite::Exception& e) {
      if ((e.getErrorCode() != SQLITE_BUSY && e.getErrorCode() != SQLITE_LOCKED) || waited >= busy) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  db_.exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA foreign_keys = ON");
}

Result SqliteSession::run(std::string_view statement, const std::vector<Value>& parameters) {
  auto found = prepared_.find(statement);
  if (found == prepared_.end())
    found = prepared_.emplace(std::string(statement), std::make_unique<SQLite::Statement>(db_, std::string(statement)))
                .first;
  auto& q = *found->second;
  q.tryReset();  // an earlier run that threw left its error in the statement; start afresh
  q.clearBindings();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) q.bind(index);
          else if constexpr (std::is_same_v<T, std::int64_t>) q.bind(index, static_cast<int64_t>(value));
          else q.bind(index, value);
        },
        parameters[i]);
  }
  Result result;
  const int columns = q.getColumnCount();
  // A statement that fails is reset here, so that it holds no lock and no error afterwards.
  const std::unique_ptr<SQLite::Statement, void (*)(SQLite::Statement*)> reset_after(
      &q, [](SQLite::Statement* statement) { statement->tryReset(); });
  while (q.executeStep()) {
    std::vector<std::optional<std::string>> cells;
    cells.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      const auto column = q.getColumn(c);
      if (column.isNull()) cells.emplace_back();
      else cells.emplace_back(column.getString());
    }
    result.rows.emplace_back(std::move(cells));
  }
  result.changed = columns == 0 || !result.rows.empty() ? db_.getChanges() : 0;
  return result;
}

void SqliteSession::run_script(std::string_view statements) { db_.exec(std::string(statements)); }

void SqliteSession::begin_write() { db_.exec("BEGIN IMMEDIATE"); }
void SqliteSession::commit() { db_.exec("COMMIT"); }
void SqliteSession::rollback() noexcept {
  try {
    db_.exec("ROLLBACK");
  } catch (const SQLite::Exception&) {  // SQLite rolled back already (an I/O error or a full disk)
  }
}

bool SqliteSession::writable(std::string& why) {
  // A probe answers at once: a lock held elsewhere is "not ready" now, not after 5 s of waiting
  // on the loop that also serves everything else.
  db_.setBusyTimeout(500);
  bool ok = true;
  try {
    db_.exec("BEGIN IMMEDIATE");
    db_.exec("ROLLBACK");
  } catch (const std::exception& e) {
    why = e.what();
    ok = false;
  }
  db_.setBusyTimeout(static_cast<int>(busy_.count()));
  return ok;
}

}  // namespace sql

SqliteStore::SqliteStore(const std::filesystem::path& file, const time::Clock& clock, std::chrono::milliseconds busy,
                         bool durable)
    : SqlStore(std::make_unique<sql::SqliteSession>(file, busy, durable), clock) {}

}  // namespace goaround::store
