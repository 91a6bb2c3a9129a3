// The Slack link outlives any error: a store locked past its busy timeout, a link down while
// Slack rate-limits the reconnect. Each on the real binary: the link stays or comes back,
// /readyz tells the truth meanwhile, and SIGTERM still ends it within 2 s.
#include <SQLiteCpp/Database.h>
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "support/http_call.hpp"
#include "support/served_bot.hpp"
#include "support/slack_emulator.hpp"

using namespace goaround;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
namespace json = boost::json;
using testing::count_calls;
using testing::acked;
using testing::fixture;
using testing::ServedBot;
using testing::SlackEmulator;
using Clock = std::chrono::steady_clock;

namespace {

json::value help_command(const std::string& envelope_id) {
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "help";
  command.as_object()["envelope_id"] = envelope_id;
  return command;
}

int answers_to(const std::vector<SlackEmulator::Call>& calls, const std::string& envelope_id) {
  return static_cast<int>(std::count_if(calls.begin(), calls.end(), [&](const SlackEmulator::Call& c) {
    return c.method == "response_url" && c.target.ends_with("/" + envelope_id);
  }));
}

// The HTTP listener rides in the slack section's tail: a top-level key after it.
std::string with_http(unsigned short port) { return "http: { listen: 127.0.0.1:" + std::to_string(port) + " }\n"; }

// Slack's hello has reached the bot on its first link.
bool connected(SlackEmulator& slack) {
  if (!slack.wait_for_connections(1)) return false;
  std::this_thread::sleep_for(200ms);
  return true;
}

// The same `goaround serve` (config, data folder) started again once the first has exited.
void start_again(ServedBot& served) {
  served.out = boost::asio::readable_pipe(served.io);
  served.err = boost::asio::readable_pipe(served.io);
  served.bot.emplace(served.io, GOAROUND_BINARY, std::vector<std::string>{"serve", "--config", served.config},
                     boost::process::v2::process_stdio{nullptr, served.out, served.err});
}

int readyz(unsigned short port) {
  return testing::http_call(port, boost::beast::http::verb::get, "/readyz").status;
}

long stop_ms(ServedBot& served) {
  const auto began = Clock::now();
  served.stop();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count();
}

}  // namespace

TEST_CASE("Slack link: a store locked past its busy timeout never delays an ack nor drops the link") {
  SlackEmulator slack;
  const auto port = testing::free_port();
  ServedBot served(slack, "", with_http(port));
  REQUIRE(connected(slack));
  REQUIRE(slack.deliver(help_command("before-lock")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "before-lock") == 1; }));
  CHECK(readyz(port) == 200);
  {
    // Another process holds the write locks for 8 s, past SQLite's 5 s busy timeout: the
    // timeline's (readiness) and the envelope ids' (the ledger retries).
    SQLite::Database holder((served.data() / "goaround.db").string(), SQLite::OPEN_READWRITE);
    SQLite::Database ids_holder((served.data() / "envelopes.db").string(), SQLite::OPEN_READWRITE);
    holder.exec("BEGIN IMMEDIATE");
    ids_holder.exec("BEGIN IMMEDIATE");
    const auto delivered = Clock::now();
    REQUIRE(slack.deliver(help_command("while-locked")));
    REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "while-locked"); }, 1s));
    INFO("ack while the store is locked: " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - delivered).count() << " ms");
    CHECK(Clock::now() - delivered < 500ms);
    CHECK(readyz(port) == 503);  // the database takes no write lock: not ready
    std::this_thread::sleep_for(8s - (Clock::now() - delivered));
    CHECK(answers_to(slack.calls(), "while-locked") == 0);  // not worked on before it is recorded
    holder.exec("ROLLBACK");
    ids_holder.exec("ROLLBACK");
  }
  // Recorded once the lock is gone, then worked on: once.
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "while-locked") == 1; }, 15s));
  REQUIRE(slack.deliver(help_command("after-lock")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "after-lock") == 1; }));
  CHECK(readyz(port) == 200);
  CHECK(count_calls(slack.calls(), "apps.connections.open") == 1);  // the one link held throughout
  CHECK(slack.connections() == 1);
  CHECK(answers_to(slack.calls(), "while-locked") == 1);
  CHECK(stop_ms(served) < 2000);
  CHECK(served.exit_code == 0);
}

TEST_CASE("Slack link: while the link is down /readyz says not ready, and it comes back") {
  SlackEmulator slack;
  const auto port = testing::free_port();
  ServedBot served(slack, "", with_http(port));
  REQUIRE(connected(slack));
  CHECK(readyz(port) == 200);
  slack.rate_limit_next("apps.connections.open", 3);  // the reconnect waits out Retry-After
  REQUIRE(slack.drop_connection());
  std::this_thread::sleep_for(1500ms);
  const auto down = testing::http_call(port, boost::beast::http::verb::get, "/readyz");
  CHECK(down.status == 503);
  CHECK_THAT(down.body, Contains("slack: not connected"));
  REQUIRE(slack.wait_for_connections(2, 10s));
  std::this_thread::sleep_for(200ms);
  CHECK(readyz(port) == 200);
  REQUIRE(slack.deliver(help_command("after-reconnect")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "after-reconnect") == 1; }));
  CHECK(stop_ms(served) < 2000);
  CHECK(served.exit_code == 0);
}

TEST_CASE("Slack link: the envelope ids are recorded in a file of their own, so a held timeline lock delays no envelope") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(connected(slack));
  // Another writer holds the timeline's file (a headless go-around's commit on slow storage).
  SQLite::Database timeline((served.data() / "goaround.db").string(), SQLite::OPEN_READWRITE);
  timeline.exec("BEGIN IMMEDIATE");
  REQUIRE(slack.deliver(help_command("beside-a-held-timeline")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "beside-a-held-timeline") == 1; }, 3s));
  timeline.exec("ROLLBACK");
  SQLite::Database envelopes((served.data() / "envelopes.db").string(), SQLite::OPEN_READONLY);
  CHECK(envelopes.execAndGet("SELECT count(*) FROM processed_envelopes WHERE envelope_id = 'beside-a-held-timeline'").getInt() == 1);
  served.stop();
  CHECK(served.exit_code == 0);
}

TEST_CASE("Slack link: upgrading from one file, the seen envelope ids move from goaround.db to envelopes.db and stay known") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(connected(slack));
  served.stop();
  // A data folder from before: an acked envelope's id in goaround.db, and no envelopes.db.
  const auto var = served.data();
  for (const char* file : {"envelopes.db", "envelopes.db-wal", "envelopes.db-shm"}) std::filesystem::remove(var / file);
  {
    SQLite::Database timeline((var / "goaround.db").string(), SQLite::OPEN_READWRITE);
    timeline.exec("INSERT INTO processed_envelopes (envelope_id, received_at, kind) "
                  "VALUES ('acked-before-the-upgrade', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'slash_commands')");
  }
  start_again(served);
  REQUIRE(slack.wait_for_connections(2));
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.deliver(help_command("acked-before-the-upgrade")));  // Slack redelivers it after the restart
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "acked-before-the-upgrade"); }));
  REQUIRE(slack.deliver(help_command("after-the-upgrade")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "after-the-upgrade") == 1; }));
  CHECK(answers_to(slack.calls(), "acked-before-the-upgrade") == 0);  // known: acked, not run again
  const auto logs = served.stop();
  CHECK_THAT(logs, Contains("1 seen envelope id(s) moved to " + (var / "envelopes.db").string()));
  SQLite::Database timeline((var / "goaround.db").string(), SQLite::OPEN_READONLY);
  CHECK(timeline.execAndGet("SELECT count(*) FROM processed_envelopes").getInt() == 0);
  SQLite::Database envelopes((var / "envelopes.db").string(), SQLite::OPEN_READONLY);
  CHECK(envelopes.execAndGet("SELECT count(*) FROM processed_envelopes WHERE envelope_id = 'acked-before-the-upgrade'").getInt() == 1);
}

TEST_CASE("Slack link: serve killed with SIGKILL after an envelope was worked on knows it when the next serve is handed it again") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(connected(slack));
  REQUIRE(slack.deliver(help_command("worked-before-the-kill")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "worked-before-the-kill") == 1; }));
  ::kill(served.bot->id(), SIGKILL);
  served.wait();
  start_again(served);
  REQUIRE(slack.wait_for_connections(2));
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.deliver(help_command("worked-before-the-kill")));  // delivered again, as on a second link
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "worked-before-the-kill", 2); }));
  REQUIRE(slack.deliver(help_command("after-the-kill")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return answers_to(calls, "after-the-kill") == 1; }));
  CHECK(answers_to(slack.calls(), "worked-before-the-kill") == 1);
  served.stop();
  CHECK(served.exit_code == 0);
}

TEST_CASE("Slack link: SIGTERM while the store is locked and envelopes wait to be recorded ends within 2 s") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(connected(slack));
  SQLite::Database holder((served.data() / "envelopes.db").string(), SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");
  REQUIRE(slack.deliver(help_command("pending-at-shutdown")));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "pending-at-shutdown"); }, 1s));
  std::this_thread::sleep_for(500ms);
  const auto began = Clock::now();
  const auto logs = served.stop();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count();
  INFO(logs);
  holder.exec("ROLLBACK");
  CHECK(took < 2000);  // one short busy wait at most, never the retries
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("acked, and not worked on so that none can run twice"));
}
