#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "goaround/model/buttons.hpp"
#include "goaround/model/codec.hpp"
#include "goaround/model/events.hpp"

using namespace goaround;
namespace json = boost::json;
namespace events = model::events;

TEST_CASE("every event kind is stored under its own name and read back as itself") {
  boost::mp11::mp_for_each<boost::describe::describe_enumerators<model::EventKind>>([](auto kind) {
    INFO(kind.name);
    CHECK(std::string(model::to_string(kind.value)) == kind.name);
    CHECK(model::event_kind(kind.name) == kind.value);
  });
  CHECK(model::event_kind("deployment_paused") == model::EventKind::other);  // a newer version's kind
  CHECK(model::event_kind("") == model::EventKind::other);
}

TEST_CASE("chatter is progress ticks and the cadence, never what people said or decided") {
  for (const auto kind : {model::EventKind::progress, model::EventKind::status_reminder, model::EventKind::snooze,
                          model::EventKind::typed, model::EventKind::pressed})
    CHECK(model::is_chatter(kind));
  for (const auto kind : {model::EventKind::note, model::EventKind::message, model::EventKind::result,
                          model::EventKind::confirmation, model::EventKind::status_update, model::EventKind::trigger})
    CHECK_FALSE(model::is_chatter(kind));
  CHECK(model::chatter_kinds().size() == 5);
}

TEST_CASE("a payload is written with every member, an empty optional as null, enums by name") {
  const events::Result result{"checkout", "41", "42", "3.2s", 3200, "none", "", {{"rollout status", true, "3/3"}},
                              model::Outcome::verified, 7, 0, ""};
  const auto written = model::encode(result);
  CHECK(written.at("result") == "verified");
  CHECK(written.at("exit_code") == 0);
  CHECK(written.at("checks").as_array().at(0).at("passed") == true);
  CHECK(written.size() == 18);
  CHECK(written.at("flag").is_null());  // a rollback turned no flag off
  const auto progress = model::encode(events::Progress{3, 3, 2, 2, "██░", "checkout", true, std::nullopt});
  CHECK(progress.at("detail").is_null());
  const auto back = model::decode<events::Result>(written);
  CHECK(back.result == model::Outcome::verified);
  CHECK(back.checks.at(0).name == "rollout status");
  CHECK(back.exit_code == 0);
}

TEST_CASE("a payload from an earlier version reads leniently: missing members keep defaults, extras are ignored") {
  // A result row as version 0.1 wrote it: no exit_code, an extra template flag, an int withdrawn flag.
  const auto old_result = json::parse(R"({"service":"checkout","result":"failed","verified":false,"duration_ms":12})").as_object();
  const auto result = model::decode<events::Result>(old_result);
  CHECK(result.result == model::Outcome::failed);
  CHECK(result.duration_ms == 12);
  CHECK_FALSE(result.exit_code);
  CHECK(result.checks.empty());
  CHECK(model::decode<events::Revision>(json::parse(R"({"edited_at":"x","withdrawn":1})").as_object()).withdrawn);
  CHECK_FALSE(model::decode<events::Revision>(json::parse(R"({"edited_at":"x","withdrawn":0})").as_object()).withdrawn);
  // A value of the wrong type is not taken: the default stays.
  const auto wrong = model::decode<events::Result>(json::parse(R"({"result":"exploded","incident":"seven"})").as_object());
  CHECK(wrong.result == model::Outcome::failed);
  CHECK(wrong.incident == 0);
}

TEST_CASE("a button carries its fields after the action, and a value that is not one reads as nothing") {
  namespace buttons = model::buttons;
  CHECK(model::button("goaround.confirm", buttons::Execution{12}) == "goaround.confirm:12");
  CHECK(model::button("status.snooze", buttons::Snooze{3, 30}) == "status.snooze:3:30");
  const auto decision = model::button("goaround.decide", buttons::Decision{4, "deploy_age=recent,migration=none", "9f3a"});
  CHECK(decision == "goaround.decide:4:deploy_age=recent,migration=none:9f3a");
  // The registry hands the handler what follows the action's ':'.
  const auto read = model::parse_button<buttons::Decision>(decision.substr(decision.find(':') + 1));
  REQUIRE(read);
  CHECK(read->incident == 4);
  CHECK(read->path == "deploy_age=recent,migration=none");
  CHECK(read->walk == "9f3a");
  CHECK(model::parse_button<buttons::Snooze>("3:30")->minutes == 30);
  CHECK(model::parse_button<buttons::TriggerReview>("7:right:extra")->answer == "right:extra");  // the last takes the rest
  CHECK(model::parse_button<buttons::Brief>("checkout")->service == "checkout");
  CHECK_FALSE(model::parse_button<buttons::Execution>("12x"));
  CHECK_FALSE(model::parse_button<buttons::Execution>(""));
  CHECK_FALSE(model::parse_button<buttons::Snooze>("3"));
  CHECK_FALSE(model::parse_button<buttons::Snooze>("3:thirty"));
  CHECK_FALSE(model::parse_button<buttons::Incident>("99999999999999999999"));
}
