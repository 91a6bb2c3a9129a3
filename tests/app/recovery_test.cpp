#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>
#include <signal.h>

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

std::string slow_config(const testing::TempDir& dir) {
  return dir
      .write("goaround.yaml",
             "data_dir: " + (dir.path() / "var").string() + "\n" +
                 R"(services:
  - name: checkout
    environment: sim
    adapter: sim
    sim: { revisions: 42, replicas: 4, step: 400ms }
)")
      .string();
}

std::string query_text(const testing::TempDir& dir, const std::string& sql) {
  SQLite::Database db((dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, sql);
  return q.executeStep() ? q.getColumn(0).getString() : "";
}

}  // namespace

TEST_CASE("a go-around killed with SIGKILL mid-rollback is marked interrupted and re-checked") {
  testing::TempDir dir;
  const auto config = slow_config(dir);
  REQUIRE_FALSE(testing::kill_goaround_at({"rollback", "checkout", "--yes", "--config", config}, "1/4 ready").empty());
  CHECK(query_text(dir, "SELECT state FROM executions WHERE id = 1") == "running");
  CHECK(query_text(dir, "SELECT execution_id FROM service_locks WHERE service = 'checkout'") == "1");

  // The next run of the bot finds it, says so, re-checks, and frees the service.
  const auto restarted = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config});
  INFO(restarted.out << restarted.err);
  CHECK_THAT(restarted.out,
             Contains("The goaround process that was rolling back checkout to revision 41 (go-around #1"));
  // The simulated deployment restarted with the bot, at revision 42: the re-check must say so.
  CHECK_THAT(restarted.out, Contains("after the interrupted go-around #1: NOT verified"));
  CHECK_THAT(restarted.out, Contains("✗ live revision is the target: live revision 42"));
  CHECK(restarted.exit_code == 0);
  CHECK(query_text(dir, "SELECT state FROM executions WHERE id = 1") == "interrupted");
  CHECK(query_text(dir, "SELECT state FROM executions WHERE id = 2") == "succeeded");
  CHECK(query_text(dir, "SELECT count(*) FROM timeline_events WHERE kind = 'interrupted'") == "1");
  CHECK(query_text(dir, "SELECT count(*) FROM service_locks") == "0");
}

TEST_CASE("a second goaround on the same data never mistakes a live go-around for an interrupted one") {
  testing::TempDir dir;
  const auto config = slow_config(dir);
  asio::io_context io;
  asio::writable_pipe in(io);
  asio::readable_pipe out(io);
  bp::process console(io, GOAROUND_BINARY, {"--config", config}, bp::process_stdio{in, out, nullptr});
  asio::write(in, asio::buffer(std::string("/rollback checkout\n1\n")));
  std::string seen;
  boost::system::error_code ec;
  asio::read_until(out, asio::dynamic_buffer(seen), "1/4 ready", ec);
  REQUIRE_FALSE(ec);
  const auto headless = testing::run_goaround({"rollback", "checkout", "--yes", "--config", config});
  INFO(headless.out << headless.err);
  CHECK(headless.exit_code == 3);
  CHECK_THAT(headless.out, Contains("checkout is already going around"));
  CHECK_THAT(headless.out, !Contains("The goaround process that was rolling back"));
  in.close();  // the console finishes its go-around and leaves
  asio::read(out, asio::dynamic_buffer(seen), ec);
  console.wait(ec);
  CHECK_THAT(seen, Contains("rolled back to revision 41 and verified"));
  CHECK(query_text(dir, "SELECT state FROM executions WHERE id = 1") == "succeeded");
}
