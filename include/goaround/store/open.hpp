#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "goaround/store/store.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::store {

// Which backend, and where: a PostgreSQL URL when one is configured, else the SQLite file.
struct Location {
  std::filesystem::path sqlite_file;
  std::string postgres_url;  // empty: SQLite
  std::optional<std::string> password;
  std::chrono::milliseconds sqlite_busy = std::chrono::seconds(5);  // see SqliteStore
  bool sqlite_durable = true;                                       // see SqliteSession
  bool postgres() const { return !postgres_url.empty(); }
  // Safe to show: the file, or the URL with any password in it starred out.
  std::string describe() const;
};

// A fresh connection to the store, migrated; throws when it cannot be opened.
std::unique_ptr<Store> open(const Location& where, const time::Clock& clock);

}  // namespace goaround::store
