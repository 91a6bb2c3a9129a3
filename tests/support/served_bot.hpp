#pragma once
// The real `goaround serve` against the loopback Slack emulator, and the pieces the Slack
// integration tests share (tokens, fixtures from tests/fixtures/slack, call matching).
// Header-only: it needs GOAROUND_BINARY and GOAROUND_FIXTURES_DIR from the test target.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/json.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

inline constexpr const char* app_token = "xapp-1-A111-test-app-token";
inline constexpr const char* bot_token = "xoxb-111-test-bot-token";

inline boost::json::value fixture(const std::string& name) {
  std::ifstream in(std::string(GOAROUND_FIXTURES_DIR) + "/slack/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str());
}

// `/rollback checkout --reason '5xx at 4%'` as a Socket Mode envelope with this id.
inline boost::json::value rollback_command(const std::string& envelope_id) {
  auto command = fixture("socket_slash_commands_envelope.json");
  command.at("payload").as_object()["command"] = "/rollback";
  command.at("payload").as_object()["text"] = "checkout --reason '5xx at 4%'";
  command.as_object()["envelope_id"] = envelope_id;
  return command;
}

// A press of the first card's Confirm button, as a Socket Mode envelope with this id.
inline boost::json::value confirm_press(const std::string& envelope_id) {
  auto press = fixture("socket_block_actions_envelope.json");
  auto& action = press.at("payload").at("actions").as_array()[0].as_object();
  action["action_id"] = "goaround.confirm:1";
  action["value"] = "goaround.confirm:1";
  action["text"].as_object()["text"] = "Confirm go-around";
  press.as_object()["envelope_id"] = envelope_id;
  return press;
}

// Whether some call of `method` has `part` in its serialized body.
inline bool posted(const std::vector<SlackEmulator::Call>& calls, const std::string& method,
                   const std::string& part) {
  return std::any_of(calls.begin(), calls.end(), [&](const auto& c) {
    return c.method == method && boost::json::serialize(c.body).find(part) != std::string::npos;
  });
}

inline long count_calls(const std::vector<SlackEmulator::Call>& calls, const std::string& method,
                        const std::string& part = "") {
  return std::count_if(calls.begin(), calls.end(), [&](const auto& c) {
    return c.method == method && boost::json::serialize(c.body).find(part) != std::string::npos;
  });
}

// Whether the bot acked envelope `id` at least `times` times.
inline bool acked(const std::vector<boost::json::value>& frames, const std::string& id, std::size_t times = 1) {
  return static_cast<std::size_t>(std::count_if(frames.begin(), frames.end(), [&](const boost::json::value& f) {
           const auto* object = f.if_object();
           const auto* envelope_id = object ? object->if_contains("envelope_id") : nullptr;
           return envelope_id && envelope_id->is_string() && envelope_id->get_string() == id;
         })) >= times;
}

// The real `goaround serve` against the emulator, its logs collected to check for tokens.
// `allowed` is appended to the checkout service; `slack_extra` to the slack section (lines
// indented by two spaces); `top_extra` to the top level (e.g. a store: section); `sim` is the
// service's sim adapter block.
struct ServedBot {
  explicit ServedBot(SlackEmulator& slack, const std::string& allowed = "",
                     const std::string& slack_extra = "", const std::string& top_extra = "",
                     const std::string& sim = "{ revisions: 42, replicas: 2, step: 20ms }") {
    dir.write("app-token", app_token);
    config = dir.write_config("\nlog: { level: info }\nslack:\n  app_token_file: " +
                                            (dir.path() / "app-token").string() +
                                            "\n  bot_token: ${GOAROUND_TEST_BOT_TOKEN}\n  api_url: " +
                                            slack.api_url() + "\n" + slack_extra + top_extra + R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: )" + sim + R"(
    channel: C111
)" + allowed).string();
    ::setenv("GOAROUND_TEST_BOT_TOKEN", bot_token, 1);
    bot.emplace(io, GOAROUND_BINARY, std::vector<std::string>{"serve", "--config", config},
                boost::process::v2::process_stdio{nullptr, out, err});
  }
  // SIGTERM, then everything it logged (stderr) once it has exited.
  std::string stop() {
    ::kill(bot->id(), SIGTERM);
    return wait();
  }
  // Everything it logged, once it exits by itself.
  std::string wait() {
    std::string logs;
    boost::system::error_code ec;
    boost::asio::read(err, boost::asio::dynamic_buffer(logs), ec);
    exit_code = bot->wait(ec);
    return logs;
  }
  // Its data folder: goaround.db, envelopes.db.
  std::filesystem::path data() const { return dir.path() / "var"; }
  int executions() const {
    SQLite::Database db((data() / "goaround.db").string());
    SQLite::Statement q(db, "SELECT count(*) FROM executions WHERE state != 'planned'");
    q.executeStep();
    return q.getColumn(0).getInt();
  }

  TempDir dir;
  std::string config;
  boost::asio::io_context io;
  boost::asio::readable_pipe out{io}, err{io};
  std::optional<boost::process::v2::process> bot;
  int exit_code = -1;
};

}  // namespace goaround::testing
