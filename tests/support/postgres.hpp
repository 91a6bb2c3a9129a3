#pragma once
#include <string>

namespace goaround::testing {

// The URL of a new, empty database on the run's PostgreSQL (tests/support/postgres.sh, started
// by ctest's `postgres` fixture). Throws, saying how to start the server, when none runs.
std::string fresh_postgres_database();

// The server's admin URL (database `postgres`).
std::string postgres_admin_url();

}  // namespace goaround::testing
