#include "support/postgres.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
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

PrivatePostgres::PrivatePostgres() {
  run("start");
  std::ifstream in(state_.path() / "url");
  in >> url_;
}

PrivatePostgres::~PrivatePostgres() {
  try {
    run("stop");
  } catch (const std::exception&) {  // the folder goes with the TempDir; a stray server dies with its data
  }
}

void PrivatePostgres::halt() const { run("halt"); }
void PrivatePostgres::resume() const { run("resume"); }

void PrivatePostgres::run(const std::string& action) const {
  const auto command = "bash " GOAROUND_SOURCE_DIR "/tests/support/postgres.sh " + action + " " + state_.path().string();
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace goaround::testing
