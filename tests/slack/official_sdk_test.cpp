#include <boost/asio/read_until.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/process/v2/environment.hpp>

#include "support/process.hpp"
#include "support/slack_emulator.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace json = boost::json;

// The emulator is only worth testing against if Slack's own client accepts it. The SDK is
// installed by scripts/test.sh (npm) into GOAROUND_SLACK_SDK_DIR.
TEST_CASE("Slack's official Node SDK connects to the emulator, acks an envelope and posts") {
  const std::filesystem::path sdk = GOAROUND_SLACK_SDK_DIR;
  REQUIRE(std::filesystem::exists(sdk / "node_modules" / "@slack" / "socket-mode"));
  std::filesystem::copy_file(std::filesystem::path(GOAROUND_SOURCE_DIR) / "tests/slack/official_sdk/client.mjs",
                             sdk / "client.mjs", std::filesystem::copy_options::overwrite_existing);
  testing::SlackEmulator slack;
  asio::io_context io;
  asio::readable_pipe out(io);
  bp::process node(io, bp::environment::find_executable("node"),
                   {(sdk / "client.mjs").string(), slack.api_url()}, bp::process_stdio{nullptr, out, nullptr});
  std::string seen;
  boost::system::error_code ec;
  asio::read_until(out, asio::dynamic_buffer(seen), "connected\n", ec);
  REQUIRE_FALSE(ec);
  std::ifstream in(std::string(GOAROUND_FIXTURES_DIR) + "/slack/socket_slash_commands_envelope.json");
  std::stringstream text;
  text << in.rdbuf();
  auto envelope = json::parse(text.str());
  envelope.at("payload").as_object()["command"] = "/rollback";
  envelope.at("payload").as_object()["text"] = "checkout";
  REQUIRE(slack.deliver(envelope));
  asio::read_until(out, asio::dynamic_buffer(seen), "posted", ec);
  INFO(seen);
  CHECK_THAT(seen, Contains("acked /rollback"));
  const auto frames = slack.frames();
  REQUIRE_FALSE(frames.empty());
  CHECK(frames.front().as_object().at("envelope_id") == "xxx-11-222-yyy-zzz");
  const auto calls = slack.calls();
  CHECK(std::any_of(calls.begin(), calls.end(), [](const auto& c) { return c.method == "apps.connections.open"; }));
  CHECK(std::any_of(calls.begin(), calls.end(), [](const auto& c) { return c.method == "chat.postMessage"; }));
  node.wait(ec);
}
