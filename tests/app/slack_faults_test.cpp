// The faults of issue 3, each injected by the Slack emulator into a running `goaround serve`:
// a dropped TCP connection, disconnect/warning, a slow ack redelivered by Slack, a dead link.
// Each time the go-around (/rollback checkout, then Confirm) runs exactly once and every message
// it owes is posted.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "support/process.hpp"
#include "support/served_bot.hpp"
#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace json = boost::json;
using testing::count_calls;
using testing::acked;
using testing::fixture;
using testing::confirm_press;
using testing::posted;
using testing::rollback_command;
using testing::ServedBot;
using testing::SlackEmulator;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* card = "goaround.confirm:1";
constexpr const char* result = "rolled back to revision 41 and verified";

long ms(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

long opens(const SlackEmulator& slack) { return count_calls(slack.calls(), "apps.connections.open"); }

// /rollback checkout through Slack, up to the card with its buttons.
void show_card(SlackEmulator& slack) {
  REQUIRE(slack.deliver(rollback_command("command-1")));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", card); }));
  std::this_thread::sleep_for(300ms);  // a person sees the card before pressing
}

// Everything the go-around owes the channel went out, once: the card, the confirmation on it,
// the result in the thread; and it ran once.
void check_go_around_once(SlackEmulator& slack, ServedBot& served) {
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", result); }));
  std::this_thread::sleep_for(300ms);  // a second run, if any, would have started by now
  const auto calls = slack.calls();
  CHECK(count_calls(calls, "chat.postMessage", card) == 1);
  CHECK(count_calls(calls, "chat.postMessage", "goaround.confirm:2") == 0);
  CHECK(posted(calls, "chat.update", "Confirmed by"));
  CHECK(count_calls(calls, "chat.postMessage", result) == 1);
  CHECK(served.executions() == 1);
}

// The slack.idle_timeout key, when this build's configuration has it; else nothing (the
// client's 15 s default applies and the dead-link test takes that long).
std::string idle_timeout_key(const std::string& value) {
  testing::TempDir dir;
  const auto config = dir.write("probe.yaml", "slack:\n  idle_timeout: " + value +
                                                  "\nservices: [{name: checkout, environment: e, adapter: sim}]\n");
  const auto ran = testing::run_goaround({"check-config", config.string()});
  return ran.exit_code == 0 ? "  idle_timeout: " + value + "\n" : "";
}

}  // namespace

TEST_CASE("Slack fault: a dropped TCP connection (no close frame) reconnects — the go-around runs once") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  show_card(slack);

  const auto dropped = slack.drop_connection();  // a TCP reset mid-session
  REQUIRE(dropped == 0);
  REQUIRE(slack.wait_for_connections(2, 5s));
  const auto log = slack.connection_log();
  const auto gap = log[1].opened - *log[0].closed;
  INFO("dropped connection → new connection's hello: " << ms(gap) << " ms");
  CHECK(gap < 3000ms);  // backoff 1 s + jitter below 1 s
  CHECK(opens(slack) == 2);  // a fresh apps.connections.open: an old URL is never reused

  REQUIRE(slack.deliver(confirm_press("press-1")));  // on the new connection
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "press-1"); }));
  check_go_around_once(slack, served);

  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("slack: the link broke"));
  CHECK(opens(slack) == 2);
}

TEST_CASE("Slack fault: an envelope whose connection dropped before its ack is redelivered and runs once") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  show_card(slack);

  // The press goes out and the link dies at once: the bot may or may not have seen it.
  REQUIRE(slack.deliver(confirm_press("press-1")));
  REQUIRE(slack.drop_connection().has_value());
  REQUIRE(slack.wait_for_connections(2, 5s));
  // Slack redelivers what was not acked, on the connection it has now.
  auto again = confirm_press("press-1");
  again.as_object()["retry_attempt"] = 1;
  again.as_object()["retry_reason"] = "timeout";
  REQUIRE(slack.deliver(again));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "press-1"); }));
  check_go_around_once(slack, served);
  served.stop();
  CHECK(served.exit_code == 0);
}

TEST_CASE("Slack fault: disconnect/warning opens the new connection before the old one closes") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  show_card(slack);

  const auto warned = Clock::now();
  REQUIRE(slack.deliver_on(0, fixture("socket_disconnect_warning.json")));
  REQUIRE(slack.close_connection_after(0, 1500ms));  // Slack closes it some seconds later
  REQUIRE(slack.wait_for_connections(2, 1400ms));
  {
    const auto log = slack.connection_log();
    INFO("warning → new connection's hello: " << ms(log[1].opened - warned) << " ms");
    CHECK_FALSE(log[0].closed.has_value());  // make before break: both are open now
    CHECK(log[1].opened - warned < 1000ms);
    CHECK(opens(slack) == 2);
  }

  // Until it closes, Slack may still deliver on the warned connection: acked and run.
  REQUIRE(slack.deliver_on(0, confirm_press("press-old")));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "press-old"); }));
  REQUIRE(slack.wait_for_closed(0, 3s));
  const auto log = slack.connection_log();
  INFO("overlap of old and new connection: " << ms(*log[0].closed - log[1].opened) << " ms");
  CHECK(log[1].opened < *log[0].closed);
  check_go_around_once(slack, served);

  // After the old one closed, the new one serves; closing the old one opened no third.
  auto help = fixture("socket_slash_commands_envelope.json");
  help.at("payload").as_object()["text"] = "help";
  help.as_object()["envelope_id"] = "after-warning";
  REQUIRE(slack.deliver(help));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "response_url", "/rollback note"); }));
  std::this_thread::sleep_for(300ms);
  CHECK(opens(slack) == 2);
  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("slack: disconnect requested (warning)"));
  CHECK_THAT(logs, Contains("slack: the link was closed by Slack (code 1001)"));
}

TEST_CASE("Slack fault: a slow ack is redelivered with retry_attempt 1, acked again and never run twice") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);

  // Each first ack counts as late: Slack delivers the same envelope_id again.
  slack.slow_ack_next(500ms);
  show_card(slack);
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "command-1", 2); }));
  slack.slow_ack_next(500ms);
  REQUIRE(slack.deliver(confirm_press("press-1")));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "press-1", 2); }));
  check_go_around_once(slack, served);

  // events_api: the retry comes in a new envelope with the same event_id; recorded once.
  std::string thread;
  {
    SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
    SQLite::Statement q(db, "SELECT thread FROM incidents WHERE id = 1");
    REQUIRE(q.executeStep());
    thread = q.getColumn(0).getString();
  }
  auto message = fixture("socket_events_api_message_envelope.json");
  auto& event = message.at("payload").at("event").as_object();
  event["thread_ts"] = thread;
  event["text"] = "5xx back to baseline";
  const std::string first_id(message.at("envelope_id").as_string());
  slack.slow_ack_next(500ms, true);
  REQUIRE(slack.deliver(message));
  REQUIRE(slack.wait_for_frame([&](const auto& frames) { return acked(frames, first_id + "-retry1"); }));
  CHECK(slack.ignored_acks() == std::vector<std::string>{"command-1", "press-1", first_id});
  std::this_thread::sleep_for(300ms);

  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("slack: envelope command-1 seen before; acked, not run again"));
  CHECK_THAT(logs, Contains("slack: envelope press-1 seen before; acked, not run again"));
  CHECK_THAT(logs, Contains("slack: envelope " + first_id + "-retry1 seen before; acked, not run again"));
  SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, "SELECT count(*) FROM timeline_events WHERE kind = 'message' AND text = '5xx back to baseline'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == 1);
  CHECK(served.executions() == 1);
}

TEST_CASE("Slack fault: a dead link (TCP open, no pong, no frame) is detected within the idle bound and replaced") {
  // 1 s when the configuration has slack.idle_timeout; otherwise the 15 s default, slowly.
  const auto key = idle_timeout_key("1s");
  const auto idle = key.empty() ? 15000ms : 1000ms;
  if (key.empty()) WARN("slack.idle_timeout is not a config key in this build: waiting out the 15 s default");
  SlackEmulator slack;
  ServedBot served(slack, "", key);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  show_card(slack);

  REQUIRE(slack.freeze_connection() == 0);
  REQUIRE(slack.wait_for_connections(2, idle + 2000ms + 1500ms));  // the bound, the backoff, slack
  const auto log = slack.connection_log();
  const auto gap = log[1].opened - *log[0].frozen;
  INFO("link frozen → new connection's hello: " << ms(gap) << " ms (idle timeout " << idle.count() << " ms)");
  CHECK(opens(slack) == 2);

  REQUIRE(slack.deliver(confirm_press("press-1")));
  REQUIRE(slack.wait_for_frame([](const auto& frames) { return acked(frames, "press-1"); }));
  check_go_around_once(slack, served);
  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  // Found by the missing pong (not by a closed socket), within the bound: the gap less the backoff.
  const std::string dead = "slack: no frame and no pong for " + std::to_string(idle.count()) + " ms; the link is dead";
  CHECK_THAT(logs, Contains(dead));
  std::smatch backoff;
  const auto after = logs.substr(std::min(logs.find(dead), logs.size()));
  REQUIRE(std::regex_search(after, backoff, std::regex("reconnecting in ([0-9]+) ms")));
  const auto detected = gap - std::chrono::milliseconds(std::stol(backoff[1].str()));
  INFO("link frozen → declared dead: " << ms(detected) << " ms");
  CHECK(detected >= idle / 2);
  CHECK(detected <= idle + 300ms);
}

TEST_CASE("Slack fault: SIGTERM while waiting to reconnect stops at once, cleanly") {
  SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.drop_connection().has_value());
  std::this_thread::sleep_for(300ms);  // the bot now waits 1 s + jitter before reconnecting
  REQUIRE(opens(slack) == 1);
  const auto signalled = Clock::now();
  const auto logs = served.stop();
  INFO("SIGTERM → exit: " << ms(Clock::now() - signalled) << " ms");
  CHECK(Clock::now() - signalled < 700ms);
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("slack: reconnecting in"));
  CHECK(opens(slack) == 1);
}
