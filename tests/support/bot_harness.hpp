#pragma once
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <deque>

#include "goaround/commands/commands.hpp"
#include "goaround/core/go_around.hpp"
#include "goaround/schedule/status_scheduler.hpp"
#include "goaround/store/sqlite_store.hpp"
#include "support/recording_transport.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

// The bot as the app wires it, on a virtual clock, with a transport that remembers what was
// said and a metric that returns the values a test queues (nullopt when none are left).
struct BotHarness {
  explicit BotHarness(const std::string& config_text)
      : config(parsed(config_text, dir.path() / "var")),
        store(dir.path() / "goaround.db", clock),
        adapters(io.get_executor(), config.service_list(), config.tools, dir.path() / "var"),
        go_around(core::GoAround::Settings::of(config), store, adapters, templates, transport, clock,
                  core::Ownership::of_this_process(config.execution_lease)),
        leadership(store, "this-process", {std::chrono::hours(1)}),
        status(config.service_list(), store, leadership, templates, transport, clock,
               [this](const config::Service&) -> boost::asio::awaitable<std::optional<double>> {
                 if (metric_values.empty()) co_return std::nullopt;
                 const auto v = metric_values.front();
                 metric_values.pop_front();
                 co_return v;
               }),
        engine(core::Engine::Settings::of(config), store, templates, transport, go_around, status, io.get_executor(),
               clock) {
    commands::register_all(registry);
    leadership.renew();
  }

  // Debriefs and the like go into the test's own folder, never a shared ./var.
  static config::Config parsed(const std::string& text, const std::filesystem::path& data_dir) {
    auto result = config::parse(text, [](const std::string&) { return std::nullopt; });
    REQUIRE(result.problems.empty());
    result.config->data_dir = data_dir;
    return *result.config;
  }

  void type(const chat::Person& who, const std::string& text, const std::string& thread = "") {
    boost::asio::co_spawn(io, registry.dispatch(engine, {who, {"C0INCIDENTS", thread}}, text),
                          boost::asio::detached);
    settle();
  }
  // As Slack sends it: the action and the words of the button that carried it.
  void press(const chat::Person& who, const std::string& action) {
    boost::asio::co_spawn(io, registry.press(engine, {who, {"C0INCIDENTS", ""}}, action, label_of(action)),
                          boost::asio::detached);
    settle();
  }
  void tick() {
    boost::asio::co_spawn(io, status.tick(), boost::asio::detached);
    settle();
  }
  void settle() {
    io.restart();
    io.run();
  }

  std::string label_of(const std::string& action) const {
    for (auto it = transport.said.rbegin(); it != transport.said.rend(); ++it)
      for (const auto& b : it->message.buttons)
        if (b.action == action) return b.label;
    return {};
  }
  std::string card_action(const std::string& label) const {
    for (auto it = transport.said.rbegin(); it != transport.said.rend(); ++it)
      for (const auto& b : it->message.buttons)
        if (b.label == label) return b.action;
    FAIL("no button " << label);
    return {};
  }
  // The kinds in the timeline, leaving out the typed commands and pressed buttons around them.
  std::vector<std::string> kinds(std::int64_t incident = 1) {
    std::vector<std::string> out;
    for (const auto& e : store.timeline().events(incident, {model::EventKind::typed, model::EventKind::pressed})) out.emplace_back(model::to_string(e.kind));
    return out;
  }
  std::string whispered() const {
    const auto* w = transport.last("whisper");
    return w ? w->message.text : "";
  }
  std::string posted() const {
    const auto* p = transport.last("post");
    return p ? p->message.text : "";
  }

  TempDir dir;
  boost::asio::io_context io;
  time::ManualClock clock{time::TimePoint(std::chrono::milliseconds(1795450378123))};
  config::Config config;
  store::SqliteStore store;
  chat::Templates templates;
  RecordingTransport transport;
  exec::Adapters adapters;
  core::GoAround go_around;
  std::deque<double> metric_values;
  // Alone on its store, it leads for the whole test (the lease outlasts any test).
  schedule::Leadership leadership;
  schedule::StatusScheduler status;
  core::Registry registry;
  core::Engine engine;
};

}  // namespace goaround::testing
