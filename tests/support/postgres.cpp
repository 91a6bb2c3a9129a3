#include "support/postgres.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "goaround/store/postgres_store.hpp"

namespace goaround::testing {

std::string postgres_admin_url() {
  std::ifstream in(std::string(GOAROUND_PG_STATE) + "/url");
  std::string url;
  if (!(in >> url))
    throw std::runtime_error(std::string("no test PostgreSQL runs: ctest starts one (fixture `postgres`); by hand: bash "
                                         "tests/support/postgres.sh start ") +
                             GOAROUND_PG_STATE);
  return url;
}

std::string fresh_postgres_database() {
  static std::atomic<int> made{0};
  const auto admin = postgres_admin_url();
  const auto name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++made);
  store::sql::PostgresSession session(admin, std::nullopt);
  session.run_script("DROP DATABASE IF EXISTS " + name);
  session.run_script("CREATE DATABASE " + name);
  return admin.substr(0, admin.rfind('/') + 1) + name;
}

}  // namespace goaround::testing
