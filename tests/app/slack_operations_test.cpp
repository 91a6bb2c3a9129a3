#include <catch2/catch.hpp>

#include <thread>

#include "support/http_call.hpp"
#include "support/served_bot.hpp"

using namespace goaround;
using namespace goaround::testing;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

void slash(SlackEmulator& slack, const std::string& id, const std::string& text) {
  auto command = fixture("socket_slash_commands_envelope.json");
  command.as_object()["envelope_id"] = id;
  command.at("payload").as_object()["response_url"] = slack.response_url(id);
  command.at("payload").as_object()["command"] = "/rollback";
  command.at("payload").as_object()["text"] = text;
  REQUIRE(slack.deliver(command));
}

void press(SlackEmulator& slack, const std::string& id, const std::string& action) {
  auto envelope = fixture("socket_block_actions_envelope.json");
  auto& payload = envelope.at("payload").as_object();
  payload["actions"].as_array()[0].as_object()["action_id"] = action;
  payload["actions"].as_array()[0].as_object()["value"] = action;
  envelope.as_object()["envelope_id"] = id;
  REQUIRE(slack.deliver(envelope));
}

bool posts(SlackEmulator& slack, const std::string& part) {
  return slack.wait_for_call([&](const auto& calls) { return posted(calls, "chat.postMessage", part); });
}

// The value of the newest posted button with this label, as a person's press would send it.
std::string button(SlackEmulator& slack, const std::string& label) {
  const auto calls = slack.calls();
  for (auto call = calls.rbegin(); call != calls.rend(); ++call) {
    if (call->method != "chat.postMessage" || !call->body.is_object()) continue;
    const auto* blocks = call->body.as_object().if_contains("blocks");
    if (!blocks || !blocks->is_array()) continue;
    for (const auto& block : blocks->as_array())
      if (const auto* elements = block.as_object().if_contains("elements"); elements && elements->is_array())
        for (const auto& element : elements->as_array())
          if (const auto* text = element.as_object().if_contains("text");
              text && text->is_object() && text->as_object().at("text") == label.c_str())
            return std::string(element.as_object().at("value").as_string());
  }
  FAIL("no posted button " << label);
  return {};
}

}  // namespace

TEST_CASE("through Slack payloads: the decision tree with buttons, the brief (also as a modal, refused empty in the ack), a change freeze, pins, reactions and response_url") {
  SlackEmulator slack;
  const auto port = free_port();
  ServedBot served(slack, "http: { listen: \"127.0.0.1:" + std::to_string(port) + "\" }\n");
  REQUIRE(slack.wait_for_connections(1));
  std::this_thread::sleep_for(200ms);  // let hello arrive first

  slash(slack, "decide-1", "decide checkout");
  REQUIRE(posts(slack, "goaround.decide:1:impact=yes"));
  const auto impact_yes = button(slack, "Yes, users are hit");
  CHECK(impact_yes.starts_with("goaround.decide:1:impact=yes:"));
  press(slack, "press-1", impact_yes);
  REQUIRE(posts(slack, "question 2: Is rollback safe?"));
  press(slack, "press-2", button(slack, "Yes, safe"));
  REQUIRE(posts(slack, "Decision for checkout: ROLL BACK."));
  // A second press of an answered question records nothing: it says who answered.
  press(slack, "press-1-again", impact_yes);
  REQUIRE(slack.wait_for_call([](const auto& calls) {
    return posted(calls, "response_url", "Already answered by") || posted(calls, "chat.postEphemeral", "Already answered by");
  }));
  CHECK(posted(slack.calls(), "chat.postMessage", "goaround.go:1"));

  slash(slack, "brief-1", "brief checkout --changes 'new cart' --rollback 'undo to 41, 1 min'");
  REQUIRE(posts(slack, "1. What changes: new cart"));
  slash(slack, "freeze-1", "freeze checkout release train stopped");
  REQUIRE(posts(slack, "deploys of checkout are frozen by"));

  // The brief as a modal: views.open with the slash command's trigger_id, then the submission.
  slash(slack, "brief-2", "brief checkout form");
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "views.open", "goaround.brief:checkout"); }));
  const auto calls = slack.calls();
  const auto open = std::find_if(calls.begin(), calls.end(), [](const auto& c) { return c.method == "views.open"; });
  CHECK(open->body.at("trigger_id") == fixture("socket_slash_commands_envelope.json").at("payload").at("trigger_id"));
  const auto& view = open->body.at("view").as_object();
  CHECK_THAT(json::serialize(view), Contains(R"("initial_value":"new cart")"));
  auto submission = fixture("socket_view_submission_envelope.json");
  auto& submitted = submission.at("payload").at("view").as_object();
  submitted["callback_id"] = view.at("callback_id");
  submitted["private_metadata"] = view.at("private_metadata");
  submitted["state"] = json::object{{"values", {{"signals", {{"signals", {{"type", "plain_text_input"}, {"value", "5xx > 2% for 5m"}}}}},
                                                {"stop", {{"stop", {{"type", "plain_text_input"}, {"value", "anyone on call"}}}}}}}};
  // Submitted empty: refused in the ack, under the first field, and nothing is recorded.
  auto empty = submission;
  empty.as_object()["envelope_id"] = "empty-form";
  empty.at("payload").at("view").as_object()["blocks"] = view.at("blocks");
  empty.at("payload").at("view").as_object()["state"] = json::object{{"values", {{"changes", {{"changes", {{"type", "plain_text_input"}, {"value", nullptr}}}}}}}};
  REQUIRE(slack.deliver(empty));
  REQUIRE(slack.wait_for_frame([](const auto& frames) {
    return std::any_of(frames.begin(), frames.end(), [](const json::value& f) {
      return json::serialize(f).find(R"("envelope_id":"empty-form")") != std::string::npos;
    });
  }));
  const auto frames = slack.frames();
  const auto refused = std::find_if(frames.begin(), frames.end(), [](const json::value& f) {
    return json::serialize(f).find("empty-form") != std::string::npos;
  });
  CHECK(json::serialize(*refused) ==
        R"({"envelope_id":"empty-form","payload":{"response_action":"errors","errors":{"changes":"Fill in at least one line; an empty form changes nothing."}}})");
  REQUIRE(slack.deliver(submission));
  REQUIRE(posts(slack, "3. Who can call stop: anyone on call"));
  CHECK(count_calls(slack.calls(), "chat.postMessage", "Brief recorded") == 2);  // the flags, then the form
  CHECK(posted(slack.calls(), "chat.postMessage", "1. What changes: new cart"));

  // A mistake is answered privately through the command's response_url.
  slash(slack, "typo-1", "decide nosuch");
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "response_url", "Known services: checkout"); }));
  CHECK(posted(slack.calls(), "response_url", R"("response_type":"ephemeral")"));
  // An expired response_url: the answer still arrives, by chat.postEphemeral.
  slash(slack, "expired-1", "freeze nosuch");
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "chat.postEphemeral", "Known services: checkout"); }));

  // "Go around now" from the verdict: the card shows the brief; Confirm runs it once, the
  // incident's first message is pinned and the card marked with the result.
  press(slack, "press-3", "goaround.go:1");
  REQUIRE(posts(slack, "goaround.confirm:1"));
  CHECK(posted(slack.calls(), "chat.postMessage", "Brief: changes new cart"));
  CHECK(posted(slack.calls(), "pins.add", R"("channel":"C111")"));
  press(slack, "press-4", "goaround.confirm:1");
  REQUIRE(slack.wait_for_call([](const auto& calls) { return posted(calls, "reactions.add", "white_check_mark"); }));
  // /readyz sees Slack connected; /metrics counts the envelopes and their acks.
  CHECK(http_call(port, boost::beast::http::verb::get, "/readyz").status == 200);
  const auto metrics = http_call(port, boost::beast::http::verb::get, "/metrics").body;
  CHECK_THAT(metrics, Contains("goaround_slack_envelopes_total{type=\"slash_commands\"} 6"));
  CHECK_THAT(metrics, Contains("goaround_slack_envelopes_total{type=\"interactive\"} 7"));
  CHECK_THAT(metrics, Contains("goaround_slack_ack_seconds_count 13"));
  const auto logs = served.stop();
  CHECK(served.exit_code == 0);
  SQLite::Database db((served.dir.path() / "var" / "goaround.db").string());
  SQLite::Statement answers(db, "SELECT count(*) FROM timeline_events WHERE kind IN ('decision_answer', 'decision')");
  answers.executeStep();
  CHECK(answers.getColumn(0).getInt() == 3);
  SQLite::Statement runs(db, "SELECT count(*) FROM executions WHERE state = 'succeeded'");
  runs.executeStep();
  CHECK(runs.getColumn(0).getInt() == 1);
}
