#pragma once
// The bot as the app wires it, for the fuzzers: two simulated services, a store in a fresh
// folder, a transport that forgets what was said after each input. No test framework.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/core/registry.hpp"
#include "goaround/schedule/status_scheduler.hpp"
#include "goaround/store/sqlite_store.hpp"
#include "support/recording_transport.hpp"

namespace goaround::fuzzing {

inline config::Config fuzz_config(const std::filesystem::path& data) {
  auto parsed = config::parse("data_dir: " + data.string() + R"(
http: { listen: 127.0.0.1:0, token: "${FUZZ_HTTP_TOKEN}" }
services:
  - { name: checkout, environment: prod, adapter: sim, sim: { step: 1ms } }
  - { name: payments, environment: prod, adapter: sim, sim: { step: 1ms } }
)",
                              [](const std::string&) -> std::optional<std::string> { return "fuzz-token"; });
  if (!parsed.config) throw std::runtime_error("the fuzzers' configuration is invalid");
  return *parsed.config;
}

struct FuzzBot {
  FuzzBot()
      : data(make_folder()),
        config(fuzz_config(data)),
        store(data / "goaround.db", clock),
        adapters(io.get_executor(), config.service_list(), config.tools, data),
        go_around(core::GoAround::Settings::of(config), store, adapters, templates, transport, clock,
                  core::Ownership::of_this_process(config.execution_lease)),
        leadership(store, "this-process", {std::chrono::hours(1)}),
        status(config.service_list(), store, leadership, templates, transport, clock,
               [](const config::Service&) -> boost::asio::awaitable<std::optional<double>> { co_return std::nullopt; }),
        engine(core::Engine::Settings::of(config), store, templates, transport, go_around, status, io.get_executor(),
               clock) {
    commands::register_all(registry);
    leadership.renew();
    spdlog::set_level(spdlog::level::warn);  // a line per accepted input would drown the findings
  }
  ~FuzzBot() {
    std::error_code ignored;
    std::filesystem::remove_all(data, ignored);
  }

  // Runs a coroutine of the bot to its end (and whatever it started), then forgets what was said.
  void run(boost::asio::awaitable<void> task) {
    boost::asio::co_spawn(io, std::move(task), boost::asio::detached);
    io.run();
    io.restart();
    transport.said.clear();
    transport.latest.clear();
  }

  static std::filesystem::path make_folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "goaround-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }

  std::filesystem::path data;
  time::ManualClock clock{std::chrono::system_clock::now()};
  boost::asio::io_context io;
  config::Config config;
  store::SqliteStore store;
  chat::Templates templates{""};
  testing::RecordingTransport transport;
  exec::Adapters adapters;
  core::GoAround go_around;
  schedule::Leadership leadership;
  schedule::StatusScheduler status;
  core::Registry registry;
  core::Engine engine;
};

}  // namespace goaround::fuzzing
