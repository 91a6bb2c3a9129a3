#pragma once
// The real `goaround serve` with no Slack tokens: the HTTP listener on a free loopback port,
// the schedule and the triggers run, and what would be posted is logged (stderr, collected).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "support/http_call.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

inline constexpr const char* http_token = "ci-token-0123456789";

struct HeadlessBot {
  // `config`: everything but data_dir and http (services, prometheus, …).
  explicit HeadlessBot(const std::string& config) : port(free_port()) {
    const auto file = dir.write_config("\nhttp: { listen: 127.0.0.1:" + std::to_string(port) +
                                                     ", token: \"${GOAROUND_TEST_HTTP_TOKEN}\" }\n" + config);
    ::setenv("GOAROUND_TEST_HTTP_TOKEN", http_token, 1);
    bot.emplace(io, GOAROUND_BINARY, std::vector<std::string>{"serve", "--config", file.string()},
                boost::process::v2::process_stdio{nullptr, nullptr, err});
    for (int i = 0; i < 200 && http_call(port, boost::beast::http::verb::get, "/healthz").status != 200; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~HeadlessBot() {
    if (bot && exit_code < 0) stop();
  }
  HttpAnswer post(const std::string& target, const std::string& body) const {
    return http_call(port, boost::beast::http::verb::post, target, body,
                     {{"Authorization", std::string("Bearer ") + http_token}, {"Content-Type", "application/json"}});
  }
  HttpAnswer get(const std::string& target) const { return http_call(port, boost::beast::http::verb::get, target); }
  // SIGTERM, then everything it logged once it has exited.
  std::string stop() {
    ::kill(bot->id(), SIGTERM);
    std::string logs;
    boost::system::error_code ec;
    boost::asio::read(err, boost::asio::dynamic_buffer(logs), ec);
    exit_code = bot->wait(ec);
    return logs;
  }
  // Rows of `sql` (a count) in the bot's database.
  int count(const std::string& sql) const {
    SQLite::Database db((dir.path() / "var" / "goaround.db").string());
    SQLite::Statement q(db, sql);
    q.executeStep();
    return q.getColumn(0).getInt();
  }

  TempDir dir;
  unsigned short port;
  boost::asio::io_context io;
  boost::asio::readable_pipe err{io};
  std::optional<boost::process::v2::process> bot;
  int exit_code = -1;
};

}  // namespace goaround::testing
