#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "goaround/store/sql_store.hpp"

namespace goaround::store {

namespace sql {

// A connection to one SQLite file: WAL, synchronous=FULL (every write on disk before the
// bot answers anyone), foreign keys on, `busy` as the busy timeout. Statements are prepared
// once per connection and reused. `durable: false` commits without waiting for the disk
// (synchronous=NORMAL: a power cut may lose the last commits, never corrupt), for rows
// that are worthless after a crash anyway, such as lease renewals.
class SqliteSession final : public Session {
 public:
  SqliteSession(const std::filesystem::path& file, std::chrono::milliseconds busy, bool durable = true);
  Result run(std::string_view statement, const std::vector<Value>& parameters = {}) override;
  void run_script(std::string_view statements) override;
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;
  Dialect dialect() const override { return Dialect::sqlite; }
  bool writable(std::string& why) override;

 private:
  SQLite::Database db_;
  const std::chrono::milliseconds busy_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> prepared_;
};

}  // namespace sql

// The timeline in one SQLite file, migrated to the latest schema on opening.
// One per thread; a connection is not safe to share across threads.
class SqliteStore final : public SqlStore {
 public:
  // `busy`: how long a statement waits for another connection's write lock before failing.
  SqliteStore(const std::filesystem::path& file, const time::Clock& clock,
              std::chrono::milliseconds busy = std::chrono::seconds(5), bool durable = true);
};

}  // namespace goaround::store
