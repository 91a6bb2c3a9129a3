#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "goaround/core/scribe.hpp"
#include "goaround/slack/events.hpp"
#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
namespace json = boost::json;

namespace {

constexpr const char* config_text = R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 1ms }
    channel: C111
)";

constexpr const char* incident_thread = "1610241700.000100";

json::value fixture(const std::string& name) {
  std::ifstream in(std::string(GOAROUND_FIXTURES_DIR) + "/slack/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

json::object& event_of(json::value& envelope) {
  return envelope.at("payload").at("event").as_object();
}

// The incident of a go-around on checkout, in channel C111 with its thread at a real ts.
struct Scribing : testing::BotHarness {
  Scribing() : BotHarness(config_text), scribe(store) {
    type({"U0ALICE", "alice", {}, false}, "checkout");
    store.incidents().set_thread(1, incident_thread);
  }

  // Delivers an envelope the way the Slack transport will: decode, then the scribe.
  bool deliver(const json::value& envelope) {
    const auto event = slack::decode_channel_event(envelope);
    if (!event) return false;
    bool changed = false;
    boost::asio::co_spawn(
        io, scribe.capture(*event, lookup()),
        [&](std::exception_ptr e, bool result) {
          if (e) std::rethrow_exception(e);
          changed = result;
        });
    settle();
    return changed;
  }

  // The history look-up, answered from the real message payload (what conversations.history
  // would return for it).
  core::MessageLookup lookup() {
    return [this](const std::string& channel, const std::string& ts)
               -> boost::asio::awaitable<std::optional<chat::ChannelMessage>> {
      const auto& e = event_of(channel_message);
      if (channel != std::string(e.at("channel").as_string()) || ts != std::string(e.at("ts").as_string()))
        co_return std::nullopt;
      co_return chat::ChannelMessage{std::string(e.at("user").as_string()),
                                     std::string(e.at("text").as_string()), ts, ""};
    };
  }

  std::optional<model::Event> entry(const std::string& kind) {
    for (const auto& e : store.timeline().events(1))
      if (model::to_string(e.kind) == kind) return e;
    return std::nullopt;
  }

  core::Scribe scribe;
  json::value channel_message = fixture("socket_events_api_message_envelope.json");
};

json::value thread_reply() {
  auto envelope = fixture("socket_events_api_message_envelope.json");
  event_of(envelope)["thread_ts"] = incident_thread;
  event_of(envelope)["text"] = "pods OOMKilled on node-7, 5xx at 4.1%";
  return envelope;
}

json::value memo_on_channel_message(const std::string& type = "reaction_added") {
  auto envelope = fixture("socket_events_api_reaction_added_envelope.json");
  auto& event = event_of(envelope);
  event["type"] = type;
  event["reaction"] = "memo";
  event["item"].as_object()["ts"] = "1610241741.000200";  // the message in the fixture
  return envelope;
}

}  // namespace

TEST_CASE("a message in the incident thread is captured once, with its author and original time") {
  Scribing s;
  CHECK(s.deliver(thread_reply()));
  CHECK_FALSE(s.deliver(thread_reply()));  // Slack delivered it again
  const auto captured = s.entry("message");
  REQUIRE(captured);
  CHECK(captured->actor == "U222");
  CHECK(captured->text == "pods OOMKilled on node-7, 5xx at 4.1%");
  CHECK(captured->at == "2021-01-10T01:22:21.000Z");
  CHECK(captured->source == "chat:C111:1610241741.000200");
}

TEST_CASE("messages outside the incident thread, and the bot's own, are not captured") {
  Scribing s;
  CHECK_FALSE(s.deliver(s.channel_message));  // in the channel, not the thread
  auto elsewhere = thread_reply();
  event_of(elsewhere)["thread_ts"] = "1610241999.000900";
  CHECK_FALSE(s.deliver(elsewhere));
  auto from_bot = thread_reply();
  event_of(from_bot)["bot_id"] = "B111";
  CHECK_FALSE(s.deliver(from_bot));
  CHECK_FALSE(s.entry("message"));
}

TEST_CASE("a :memo: on a channel message captures it once, with its author and time") {
  Scribing s;
  CHECK(s.deliver(memo_on_channel_message()));
  CHECK_FALSE(s.deliver(memo_on_channel_message()));
  const auto marked = s.entry("marked");
  REQUIRE(marked);
  CHECK(marked->actor == "U222");
  CHECK(marked->text == "<@U111> Hi here!");
  CHECK(marked->at == "2021-01-10T01:22:21.000Z");
  CHECK(marked->payload<model::events::Captured>().marked_by == "W111");
  auto heart_eyes = fixture("socket_events_api_reaction_added_envelope.json");  // as recorded
  CHECK_FALSE(s.deliver(heart_eyes));
}

TEST_CASE("removing the :memo: withdraws the entry and never deletes it — marking again restores it") {
  Scribing s;
  s.deliver(memo_on_channel_message());
  CHECK(s.deliver(memo_on_channel_message("reaction_removed")));
  CHECK(s.entry("marked")->withdrawn);
  CHECK(s.store.timeline().by_source("chat:C111:1610241741.000200"));
  CHECK(s.deliver(memo_on_channel_message()));
  CHECK_FALSE(s.entry("marked")->withdrawn);
}

TEST_CASE("an edited message adds a revision: the view shows the new text, the original stays") {
  Scribing s;
  s.deliver(thread_reply());
  json::value edit = thread_reply();
  auto& event = event_of(edit);
  const json::object message{{"type", "message"},
                             {"user", "U222"},
                             {"text", "pods OOMKilled on node-7 and node-9, 5xx at 4.7%"},
                             {"ts", "1610241741.000200"},
                             {"thread_ts", incident_thread}};
  event = json::object{{"type", "message"},
                       {"subtype", "message_changed"},
                       {"channel", "C111"},
                       {"ts", "1610241800.000300"},
                       {"message", message}};
  CHECK(s.deliver(edit));
  const auto view = s.entry("message");
  CHECK(view->text == "pods OOMKilled on node-7 and node-9, 5xx at 4.7%");
  CHECK(view->revised);
  const auto rows = s.store.timeline().rows(1);
  CHECK(std::any_of(rows.begin(), rows.end(),
                    [](const auto& e) { return e.text == "pods OOMKilled on node-7, 5xx at 4.1%"; }));
}

TEST_CASE("malformed or foreign payloads decode to nothing instead of failing") {
  CHECK_FALSE(slack::decode_channel_event(json::parse("{}")));
  CHECK_FALSE(slack::decode_channel_event(json::parse("[1,2]")));
  CHECK_FALSE(slack::decode_channel_event(fixture("socket_hello.json")));
  CHECK_FALSE(slack::decode_channel_event(fixture("socket_slash_commands_envelope.json")));
  auto no_ts = fixture("socket_events_api_message_envelope.json");
  event_of(no_ts).erase("ts");
  CHECK_FALSE(slack::decode_channel_event(no_ts));
  CHECK(slack::ts_to_utc("1610241741.000200") == "2021-01-10T01:22:21.000Z");
  CHECK_FALSE(slack::ts_to_utc("yesterday"));
  CHECK_FALSE(slack::ts_to_utc("99999999999.000001"));  // past what a time point holds: no overflow
  CHECK_FALSE(slack::ts_to_utc("-1.000001"));
}
