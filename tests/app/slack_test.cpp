#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/asio/read.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <thread>

#include <fstream>
#include <sstream>

#include "support/process.hpp"
#include "support/served_bot.hpp"
#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace json = boost::json;

using testing::app_token;
using testing::bot_token;
using testing::fixture;
using testing::posted;
using testing::ServedBot;

TEST_CASE("through Slack payloads: /rollback shows the card, Confirm runs it once, all lands in the thread") {
  testing::SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_call([](const auto& calls) { return !calls.empty(); }));
  CHECK(slack.calls().front().method == "apps.connections.open");
  CHECK(slack.calls().front().authorization == std::string("Bearer ") + app_token);
  REQUIRE(slack.wait_for_connections(1));

  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["command"] = "/rollback";
  command.at("payload").as_object()["text"] = "checkout --reason '5xx at 4%'";
  std::this_thread::sleep_for(200ms);  // let hello arrive first
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_frame([](const auto& frames) {
    return std::any_of(frames.begin(), frames.end(), [](const json::value& f) {
      return f.is_object() && f.as_object().contains("envelope_id");
    });
  }));
  CHECK(json::serialize(slack.frames().back()) == R"({"envelope_id":"xxx-11-222-yyy-zzz","payload":{}})");
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return posted(calls, "chat.postMessage", "goaround.confirm:1");
  }));
  const auto calls = slack.calls();
  const auto card = std::find_if(calls.begin(), calls.end(), [](const auto& c) { return c.method == "chat.postMessage"; });
  CHECK(card->authorization == std::string("Bearer ") + bot_token);
  CHECK_THAT(json::serialize(card->body), Contains("*Go-around: checkout* (prod)"));
  CHECK_THAT(json::serialize(card->body), Contains(R"("channel":"C111")"));

  std::this_thread::sleep_for(300ms);  // a person sees the card before pressing
  auto press = fixture("socket_block_actions_envelope.json");
  auto& payload = press.at("payload").as_object();
  payload["actions"].as_array()[0].as_object()["action_id"] = "goaround.confirm:1";
  payload["actions"].as_array()[0].as_object()["value"] = "goaround.confirm:1";
  payload["actions"].as_array()[0].as_object()["text"].as_object()["text"] = "Confirm go-around";
  press.as_object()["envelope_id"] = "press-1";
  REQUIRE(slack.deliver(press));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return posted(calls, "chat.postMessage", "rolled back to revision 41 and verified");
  }));
  CHECK(posted(slack.calls(), "chat.update", "Confirmed by"));
  CHECK(posted(slack.calls(), "chat.postMessage", "thread_ts"));

  // The same envelope again (a redelivery): acked, never run twice.
  const auto acks_before = slack.frames().size();
  REQUIRE(slack.deliver(press));
  REQUIRE(slack.wait_for_frame([&](const auto& frames) { return frames.size() > acks_before; }));
  std::this_thread::sleep_for(300ms);
  CHECK(served.executions() == 1);
  // The timeline says what the person pressed in the words they saw, the action beside them.
  {
    SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
    SQLite::Statement q(db, "SELECT text, data FROM timeline_events WHERE kind = 'pressed'");
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "Confirm go-around");
    CHECK_THAT(q.getColumn(1).getString(), Contains("goaround.confirm:1"));
  }

  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("slack: connected (Socket Mode)"));
  CHECK_THAT(logs, !Contains("xapp-"));
  CHECK_THAT(logs, !Contains("xoxb-"));
}

TEST_CASE("serve with only one of the Slack tokens says what is missing") {
  testing::TempDir dir;
  dir.write("app-token", app_token);
  const auto config = dir.write_config("\nslack: { app_token_file: " + (dir.path() / "app-token").string() +
                                                     " }\nservices: [{name: checkout, environment: e, adapter: sim}]\n");
  const auto ran = testing::run_goaround({"serve", "--config", config.string()});
  CHECK(ran.exit_code == 2);
  CHECK_THAT(ran.err, Contains("only one of slack.app_token and slack.bot_token resolved"));
}

TEST_CASE("refresh_requested: the new connection opens before the old one goes — link_disabled stops with exit 4") {
  testing::SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.deliver(fixture("socket_disconnect_refresh_requested.json")));
  REQUIRE(slack.wait_for_connections(2));  // while the first is still open: no gap
  const auto calls = slack.calls();
  const auto opens = std::count_if(calls.begin(), calls.end(),
                                   [](const auto& c) { return c.method == "apps.connections.open"; });
  CHECK(opens == 2);
  std::this_thread::sleep_for(200ms);
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "help";
  command.as_object()["envelope_id"] = "after-refresh";
  REQUIRE(slack.deliver(command));  // on the new connection
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return posted(calls, "response_url", "/rollback note");
  }));
  REQUIRE(slack.deliver(fixture("socket_disconnect_link_disabled.json")));
  boost::system::error_code ec;
  std::string logs;
  asio::read(served.err, asio::dynamic_buffer(logs), ec);
  const int code = served.bot->wait(ec);
  CHECK(code == 4);
  CHECK_THAT(logs, Contains("Socket Mode was disabled for this app; stopping"));
}

TEST_CASE("goaround serve on SQLite maps neither libpq nor cairo, nor what they pull in") {
  testing::SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "help";
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "response_url", "/rollback note"); }));
  std::ifstream maps("/proc/" + std::to_string(served.bot->id()) + "/maps");
  std::stringstream text;
  text << maps.rdbuf();
  CHECK_THAT(text.str(), Contains("libsqlite3.so"));
  for (const char* library : {"libpq.so", "libcairo.so", "libkrb5.so", "libgnutls.so", "libX11.so"})
    CHECK_THAT(text.str(), !Contains(library));
  served.stop();
}

TEST_CASE("malformed frames are logged and survived — a rate-limited post waits and still goes out") {
  testing::SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  REQUIRE(slack.deliver_text("this is not json"));
  REQUIRE(slack.deliver(json::parse(R"({"envelope_id":"odd-1","type":"something_new","payload":{}})")));
  REQUIRE(slack.wait_for_frame([](const auto& frames) {
    return std::any_of(frames.begin(), frames.end(), [](const json::value& f) {
      return f.is_object() && f.as_object().contains("envelope_id") && f.at("envelope_id") == "odd-1";
    });
  }));
  slack.rate_limit_next("chat.postMessage", 1);
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "checkout";
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return std::count_if(calls.begin(), calls.end(), [](const auto& c) { return c.method == "chat.postMessage"; }) == 2;
  }));
  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  CHECK_THAT(logs, Contains("ignored a frame that is not a JSON object"));
  CHECK_THAT(logs, Contains("rate limited, retrying in 1 s"));
}

TEST_CASE("in Slack, who may call stop includes members of the allowed user groups") {
  testing::SlackEmulator slack;
  slack.set_group("S0ONCALL", {"U111"});
  ServedBot served(slack, "    allowed: { users: [U0NOBODY], groups: [S0ONCALL] }\n");
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "checkout";
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  std::this_thread::sleep_for(300ms);
  auto stranger = fixture("socket_block_actions_envelope.json");
  stranger.at("payload").as_object()["user"].as_object()["id"] = "U999";
  stranger.at("payload").as_object()["actions"].as_array()[0].as_object()["action_id"] = "goaround.confirm:1";
  stranger.as_object()["envelope_id"] = "stranger";
  REQUIRE(slack.deliver(stranger));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "response_url", "is not allowed to call stop"); }));
  auto member = stranger;
  member.at("payload").as_object()["user"].as_object()["id"] = "U111";
  member.as_object()["envelope_id"] = "member";
  REQUIRE(slack.deliver(member));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "and verified"); }));
  served.stop();
}

TEST_CASE("through Slack: thread messages go into the timeline and the debrief is uploaded to the thread") {
  testing::SlackEmulator slack;
  ServedBot served(slack);
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["text"] = "checkout";
  REQUIRE(slack.deliver(command));
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postMessage", "goaround.confirm:1"); }));
  std::this_thread::sleep_for(300ms);
  std::string thread;
  {
    SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
    SQLite::Statement q(db, "SELECT thread FROM incidents WHERE id = 1");
    REQUIRE(q.executeStep());
    thread = q.getColumn(0).getString();
  }
  REQUIRE_FALSE(thread.empty());
  auto message = fixture("socket_events_api_message_envelope.json");
  auto& event = message.at("payload").at("event").as_object();
  event["thread_ts"] = thread;
  event["text"] = "pods OOMKilled on node-7";
  REQUIRE(slack.deliver(message));
  REQUIRE(slack.deliver(message));  // delivered twice, recorded once
  std::this_thread::sleep_for(500ms);
  auto debrief = command;
  debrief.at("payload").as_object()["text"] = "debrief";
  debrief.as_object()["envelope_id"] = "debrief-1";
  REQUIRE(slack.deliver(debrief));
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return std::any_of(calls.begin(), calls.end(), [](const auto& c) { return c.method == "files.completeUploadExternal"; });
  }));
  CHECK(posted(slack.calls(), "files.getUploadURLExternal", "incident-1-chart.png"));
  CHECK(posted(slack.calls(), "files.completeUploadExternal", thread));
  served.stop();
  SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
  SQLite::Statement q(db, "SELECT count(*), max(text), max(actor) FROM timeline_events WHERE kind = 'message'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == 1);
  CHECK(q.getColumn(1).getString() == "pods OOMKilled on node-7");
  CHECK(q.getColumn(2).getString() == "U222");
}
