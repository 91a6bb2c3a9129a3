// Several `goaround serve` replicas on one PostgreSQL, each with its own Socket Mode link to
// the Slack emulator: shared state decides what runs, not the replica that got the envelope.
#include <catch2/catch.hpp>
#include <signal.h>

#include <thread>

#include "goaround/store/postgres_store.hpp"
#include "support/postgres.hpp"
#include "support/http_call.hpp"
#include "support/process.hpp"
#include "support/served_bot.hpp"

using namespace goaround;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using testing::confirm_press;
using testing::posted;
using testing::rollback_command;
using testing::ServedBot;
namespace json = boost::json;

namespace {

// `count` replicas on one fresh database, started one after another so that connection i of
// the emulator is replica i's.
struct Replicas {
  Replicas(testing::SlackEmulator& slack, int count, const std::string& service_extra = "",
           const std::string& sim = "{ revisions: 42, replicas: 2, step: 20ms }")
      : url(testing::fresh_postgres_database()) {
    const auto top = "store: { url: " + url + " }\nleader_lease: 1s\nexecution_lease: 1s\n";
    for (int i = 0; i < count; ++i) {
      bots.push_back(std::make_unique<ServedBot>(slack, service_extra, "", top, sim));
      REQUIRE(slack.wait_for_connections(i + 1));
    }
    std::this_thread::sleep_for(200ms);  // hello first
  }
  ~Replicas() {
    for (auto& bot : bots)
      if (bot->exit_code == -1) bot->stop();
  }
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    store::sql::PostgresSession session(url, std::nullopt);
    std::vector<std::vector<std::string>> out;
    for (const auto& row : session.run(sql).rows) {
      std::vector<std::string> cells;
      for (int c = 0; c < row.size(); ++c) cells.push_back(row.text(c));
      out.push_back(std::move(cells));
    }
    return out;
  }
  // The replica whose pid the lease's holder (host/pid/start/nonce) names, or -1.
  int leader() const {
    for (const auto& row : rows("SELECT holder FROM leases WHERE name = 'leader' AND expires_ms > " +
                                std::string(store::sql::now_ms(store::sql::Dialect::postgres)))) {
      const auto& holder = row.at(0);
      const auto first = holder.find('/'), second = holder.find('/', first + 1);
      const auto pid = std::stol(holder.substr(first + 1, second - first - 1));
      for (std::size_t i = 0; i < bots.size(); ++i)
        if (bots[i]->bot->id() == pid) return static_cast<int>(i);
    }
    return -1;
  }
  std::string url;
  std::vector<std::unique_ptr<ServedBot>> bots;
};

bool status_post(const testing::SlackEmulator::Call& call) {
  return call.method == "chat.postMessage" &&
         json::serialize(call.body).find("Status update") != std::string::npos;
}

long status_posts(const std::vector<testing::SlackEmulator::Call>& calls) {
  return std::count_if(calls.begin(), calls.end(), status_post);
}

}  // namespace

TEST_CASE("replicas: the same envelope delivered to two replicas is worked on once") {
  testing::SlackEmulator slack;
  Replicas replicas(slack, 2);
  const auto command = rollback_command("same-envelope");
  REQUIRE(slack.deliver_on(0, command));
  REQUIRE(slack.deliver_on(1, command));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return testing::acked(frames, "same-envelope", 2); }));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  std::this_thread::sleep_for(1s);  // what the second replica would do, it would have done
  CHECK(testing::count_calls(slack.calls(), "chat.postMessage", "goaround.confirm:") == 1);
  CHECK(replicas.rows("SELECT count(*) FROM executions")[0][0] == "1");
  CHECK(replicas.rows("SELECT count(*) FROM incidents")[0][0] == "1");
}

TEST_CASE("replicas: Confirm pressed on two replicas at once runs the go-around once") {
  testing::SlackEmulator slack;
  Replicas replicas(slack, 2);
  REQUIRE(slack.deliver_on(0, rollback_command("card")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  std::this_thread::sleep_for(300ms);
  REQUIRE(slack.deliver_on(0, confirm_press("press-on-0")));
  REQUIRE(slack.deliver_on(1, confirm_press("press-on-1")));
  REQUIRE(slack.wait_for_call(
      [](const auto& calls) { return posted(calls, "chat.postMessage", "rolled back to revision 41 and verified"); }));
  std::this_thread::sleep_for(1s);
  CHECK(testing::count_calls(slack.calls(), "chat.postMessage", "rolled back to revision 41 and verified") == 1);
  CHECK(replicas.rows("SELECT count(*) FROM executions WHERE state = 'succeeded'")[0][0] == "1");
  // Both presses are on record, as pressed; one of them started it.
  CHECK(replicas.rows("SELECT count(*) FROM timeline_events WHERE kind = 'pressed'")[0][0] == "2");
  CHECK(replicas.rows("SELECT count(*) FROM timeline_events WHERE kind = 'confirmation'")[0][0] == "1");
}

TEST_CASE("replicas: kill -9 of the leader, and status posts go on from another within 5 s, none doubled") {
  testing::SlackEmulator slack;
  Replicas replicas(slack, 3, "    status_interval: 2s\n");
  REQUIRE(slack.deliver_on(0, rollback_command("open-incident")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return status_posts(calls) > 0; }, 10s));
  const int leader = replicas.leader();
  REQUIRE(leader >= 0);
  ::kill(replicas.bots[leader]->bot->id(), SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  const auto posts_before = status_posts(slack.calls());
  REQUIRE(slack.wait_for_call([&](const auto& calls) { return status_posts(calls) > posts_before; }, 10s));
  const auto failover = std::chrono::steady_clock::now() - killed_at;
  CHECK(failover < 5s);
  const int next_leader = replicas.leader();
  CHECK(next_leader >= 0);
  CHECK(next_leader != leader);
  // Envelopes are answered throughout, by the survivors.
  const int survivor = leader == 0 ? 1 : 0;
  REQUIRE(slack.deliver_on(survivor, rollback_command("during-failover")));
  CHECK(slack.wait_for_frame([](const auto& frames) { return testing::acked(frames, "during-failover"); }, 3s));
  std::this_thread::sleep_for(5s);  // a few more cycles under the new leader
  // None doubled: every post in the timeline once, and never two within half an interval.
  const auto rows = replicas.rows("SELECT at FROM timeline_events WHERE kind = 'status_update' ORDER BY at");
  CHECK(static_cast<long>(rows.size()) == status_posts(slack.calls()));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto gap = *time::parse_utc(rows[i][0]) - *time::parse_utc(rows[i - 1][0]);
    CHECK(gap >= 1s);
  }
  replicas.bots[leader]->wait();
}

TEST_CASE("replicas: kill -9 of the replica running a go-around, and another marks it interrupted and re-checks") {
  testing::SlackEmulator slack;
  Replicas replicas(slack, 2, "", "{ revisions: 42, replicas: 20, step: 500ms }");
  REQUIRE(slack.deliver_on(0, rollback_command("card")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  std::this_thread::sleep_for(300ms);
  REQUIRE(slack.deliver_on(0, confirm_press("press")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "Rolling back"); }, 10s));
  ::kill(replicas.bots[0]->bot->id(), SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "after the interrupted go-around"); },
                              10s));
  CHECK(std::chrono::steady_clock::now() - killed_at < 3s);  // within the 1 s lease and a half, plus the re-check
  const auto execution = replicas.rows("SELECT state, taken_over_by FROM executions WHERE id = 1");
  REQUIRE(execution.size() == 1);
  CHECK(execution[0][0] == "interrupted");
  CHECK_THAT(execution[0][1], Contains(std::to_string(replicas.bots[1]->bot->id())));
  CHECK(replicas.rows("SELECT count(*) FROM timeline_events WHERE kind = 'interrupted'")[0][0] == "1");
  CHECK(replicas.rows("SELECT count(*) FROM service_locks")[0][0] == "0");  // the service is free again
  replicas.bots[0]->wait();
}

TEST_CASE("on PostgreSQL the headless CLI, the console and timeline from another machine share one incident") {
  const auto url = testing::fresh_postgres_database();
  testing::TempDir first_machine, second_machine;
  const auto config_on = [&](testing::TempDir& machine) {
    return machine
        .write("pg.yaml", "data_dir: " + (machine.path() / "var").string() + "\nstore: { url: " + url +
                              " }\nservices:\n  - name: checkout\n    environment: prod\n    adapter: sim\n"
                              "    sim: { revisions: 42, replicas: 2, step: 10ms }\n")
        .string();
  };
  const auto ran = testing::run_goaround({"--config", config_on(first_machine), "rollback", "checkout", "--yes",
                                          "--reason", "5xx after 1.42"});
  INFO(ran.err);
  REQUIRE(ran.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(first_machine.path() / "var" / "goaround.db"));  // nothing in SQLite
  // Another machine, another data folder: the same incident, read from the database.
  const auto timeline = testing::run_goaround({"--config", config_on(second_machine), "timeline"});
  INFO(timeline.err);
  REQUIRE(timeline.exit_code == 0);
  CHECK_THAT(timeline.out, Contains("5xx after 1.42"));
  CHECK_THAT(timeline.out, Contains("verified"));
  // The console there too: it sees the incident open, and a note lands in it.
  const auto console = testing::run_goaround({"--config", config_on(second_machine), "console"},
                                             "/rollback note the db looks fine\n");
  INFO(console.err);
  CHECK(console.exit_code == 0);
  store::sql::PostgresSession session(url, std::nullopt);
  CHECK(session.run("SELECT count(*) FROM timeline_events WHERE kind = 'note' AND text = 'the db looks fine'")
            .first()
            ->text(0) == "1");
}

TEST_CASE("replicas: PostgreSQL restarted mid-incident, and the replicas reconnect and lose nothing") {
  testing::PrivatePostgres database;
  testing::SlackEmulator slack;
  const auto port = testing::free_port();
  std::vector<std::unique_ptr<ServedBot>> bots;
  for (int i = 0; i < 2; ++i) {
    const auto http = i == 0 ? "http: { listen: 127.0.0.1:" + std::to_string(port) + " }\n" : std::string();
    bots.push_back(std::make_unique<ServedBot>(slack, "    status_interval: 2s\n", "",
                                               "store: { url: " + database.url() + " }\nleader_lease: 1s\n" + http));
    REQUIRE(slack.wait_for_connections(i + 1));
  }
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.deliver_on(0, rollback_command("open-incident")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return status_posts(calls) > 0; }, 10s));
  const auto ready = [&] { return testing::http_call(port, boost::beast::http::verb::get, "/readyz").status; };
  CHECK(ready() == 200);

  database.halt();
  // Down: readiness says so; an envelope is still acked, and its work waits for the database.
  bool said_not_ready = false;
  for (int i = 0; i < 40 && !said_not_ready; ++i) {
    said_not_ready = ready() == 503;
    if (!said_not_ready) std::this_thread::sleep_for(100ms);
  }
  CHECK(said_not_ready);
  auto note = rollback_command("note-while-down");
  note.at("payload").as_object()["text"] = "note typed while the database restarts";
  REQUIRE(slack.deliver_on(1, note));
  CHECK(slack.wait_for_frame([](const auto& frames) { return testing::acked(frames, "note-while-down"); }, 3s));
  std::this_thread::sleep_for(1s);
  database.resume();

  // Back: ready again, the status cadence goes on, and what was written before is all there.
  bool ready_again = false;
  for (int i = 0; i < 100 && !ready_again; ++i) {
    ready_again = ready() == 200;
    if (!ready_again) std::this_thread::sleep_for(100ms);
  }
  CHECK(ready_again);
  const auto posts_after_restart = status_posts(slack.calls());
  CHECK(slack.wait_for_call([&](const auto& calls) { return status_posts(calls) > posts_after_restart; }, 10s));
  store::sql::PostgresSession session(database.url(), std::nullopt);
  CHECK(session.run("SELECT count(*) FROM incidents").first()->text(0) == "1");
  CHECK(session.run("SELECT count(*) FROM timeline_events WHERE kind = 'card'").first()->text(0) == "1");
  // The note typed while it was down: recorded once the database was back (the ledger retries).
  CHECK(session.run("SELECT count(*) FROM timeline_events WHERE kind = 'note' AND text = "
                    "'typed while the database restarts'")
            .first()
            ->text(0) == "1");
  auto after = rollback_command("note-after");
  after.at("payload").as_object()["text"] = "note typed after the restart";
  REQUIRE(slack.deliver_on(1, after));
  CHECK(slack.wait_for_frame([](const auto& frames) { return testing::acked(frames, "note-after"); }, 3s));
  bool recorded = false;
  for (int i = 0; i < 50 && !recorded; ++i) {
    recorded = session.run("SELECT count(*) FROM timeline_events WHERE kind = 'note' AND text = 'typed after the restart'")
                   .first()
                   ->text(0) == "1";
    if (!recorded) std::this_thread::sleep_for(100ms);
  }
  CHECK(recorded);
  for (auto& bot : bots) bot->stop();
}
