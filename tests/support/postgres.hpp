#pragma once
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace goaround::testing {

// The URL of a new, empty database on the run's PostgreSQL (tests/support/postgres.sh, started
// by ctest's `postgres` fixture). Throws, saying how to start the server, when none runs.
std::string fresh_postgres_database();

// The server's admin URL (database `postgres`).
std::string postgres_admin_url();

// A PostgreSQL of one test's own (tests/support/postgres.sh), for what would disturb the shared
// one: halt() stops it keeping its data, resume() starts it again on the same port.
class PrivatePostgres {
 public:
  PrivatePostgres();  // throws when it cannot start
  ~PrivatePostgres();
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;
  std::string url() const { return url_; }
  void halt() const;
  void resume() const;

 private:
  void run(const std::string& action) const;
  TempDir state_;
  std::string url_;
};

}  // namespace goaround::testing
