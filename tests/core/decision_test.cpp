#include <catch2/catch.hpp>

#include "goaround/core/decision.hpp"
#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

namespace {

const core::DecisionTree& tree() { return core::DecisionTree::builtin(); }

std::string verdict(const std::string& path, const core::Facts& facts = {}) {
  const auto w = core::walk(tree(), path, facts);
  REQUIRE(w.error.empty());
  REQUIRE(w.outcome);
  return w.outcome->verdict;
}

const char* two_services = R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 5, replicas: 1, step: 1ms }
    channel: C0INCIDENTS
)";

}  // namespace

TEST_CASE("the roll-back-or-fix-forward tree: every branch ends where the practice says") {
  // Users hit: rollback safe → roll back now.
  CHECK(verdict("impact=yes,rollback_safe=yes") == "ROLL BACK");
  // Not safe: growing blast radius → escalate with a traffic split.
  CHECK(verdict("impact=yes,rollback_safe=no,blast_radius=yes") == "ESCALATE");
  // Not safe, stable: known small fix → fix forward; else a flag → flag off; else escalate.
  CHECK(verdict("impact=yes,rollback_safe=no,blast_radius=no,fix_known=yes") == "FIX FORWARD");
  CHECK(verdict("impact=yes,rollback_safe=no,blast_radius=no,fix_known=no,flag=yes") == "FLAG OFF");
  CHECK(verdict("impact=yes,rollback_safe=no,blast_radius=no,fix_known=no,flag=no") == "ESCALATE");
  // Partial degradation, by deployment age and migration.
  CHECK(verdict("impact=no,age=recent,migration=none") == "ROLL BACK");
  CHECK(verdict("impact=no,age=recent,migration=additive") == "ROLL BACK");
  CHECK(verdict("impact=no,age=recent,migration=destructive") == "FIX FORWARD");
  CHECK(verdict("impact=no,age=hours,drift=minimal") == "ROLL BACK");
  CHECK(verdict("impact=no,age=hours,drift=significant") == "FIX FORWARD");
  CHECK(verdict("impact=no,age=old,fix_low_risk=yes") == "FIX FORWARD");
  CHECK(verdict("impact=no,age=old,fix_low_risk=no") == "PARTIAL ROLLBACK");
}

TEST_CASE("the walk asks what it does not know, lets facts answer, and refuses paths off the tree") {
  auto w = core::walk(tree(), "", {});
  REQUIRE(w.ask);
  CHECK(w.ask->id == "impact");
  CHECK(w.ask->check == 1);

  const core::Facts facts{{"age", {"recent", "deployment 42 was registered 4 min ago"}},
                          {"migration", {"destructive", "deployment 42 registered migration: destructive"}}};
  w = core::walk(tree(), "impact=no", facts);
  REQUIRE(w.outcome);
  CHECK(w.outcome->verdict == "FIX FORWARD");
  REQUIRE(w.answered_now.size() == 2);
  CHECK(w.answered_now[0].question->id == "age");
  CHECK(w.answered_now[1].known->because == "deployment 42 registered migration: destructive");

  CHECK_FALSE(core::walk(tree(), "impact=maybe", {}).error.empty());
  CHECK_FALSE(core::walk(tree(), "impact", {}).error.empty());
  CHECK_THROWS(core::DecisionTree::parse("start: a\nquestions: { a: { check: 1, text: q, answers: "
                                         "[{value: y, label: Y, next: nowhere}, {value: n, label: N, next: a}] } }\noutcomes: {}\n"));
}

TEST_CASE("/rollback decide in the console: buttons walk the tree, every answer is in the timeline") {
  testing::BotHarness bot(two_services);
  const chat::Person alice{"U1", "alice", {}, false};
  // CI registered a destructive migration 5 minutes ago; the bot knows age and migration.
  bot.store.deploys().add_deployment({0, "checkout", "prod", "5", "", "ci", "destructive", R"({"image":"x"})"});
  bot.type(alice, "decide checkout");
  CHECK_THAT(bot.posted(), Contains("question 1: Is the service completely down"));
  bot.press(alice, bot.card_action("No, partial (< 10% errors, a workaround exists)"));
  const auto verdict_text = bot.posted();
  CHECK_THAT(verdict_text, Contains("Decision for checkout: FIX FORWARD."));
  CHECK_THAT(verdict_text, Contains("destructive"));
  const auto events = bot.store.timeline().events(1);
  std::vector<std::string> answers;
  for (const auto& e : events)
    if (e.kind == model::EventKind::decision_answer || e.kind == model::EventKind::decision) answers.push_back(e.actor + ": " + e.text);
  REQUIRE(answers.size() == 4);
  CHECK_THAT(answers[0], Contains("alice: Question 1 (check 1):"));
  CHECK_THAT(answers[1], Contains("goaround: Question 2 (check 6):"));
  CHECK_THAT(answers[1], Contains("known: deployment 5 was registered"));
  CHECK_THAT(answers[2], Contains("goaround: Question 3 (check 7):"));
  CHECK_THAT(answers[3], Contains("Decision: FIX FORWARD"));

  // Users hit after a destructive migration: rollback is not safe (known), so check 5 is asked,
  // as the walk's third question (numbered as asked; the tree's id stays in the entry).
  bot.type(alice, "decide checkout");
  bot.press(alice, bot.card_action("Yes, users are hit"));
  CHECK_THAT(bot.posted(), Contains("question 3: Is the blast radius growing"));

  // A clean recent deploy: a roll-back verdict offers the go-around itself.
  bot.store.deploys().add_deployment({0, "checkout", "prod", "6", "", "ci", "none", "{}"});
  bot.type(alice, "decide checkout");
  bot.press(alice, bot.card_action("No, partial (< 10% errors, a workaround exists)"));
  CHECK_THAT(bot.posted(), Contains("Decision for checkout: ROLL BACK."));
  bot.press(alice, bot.card_action("Go around now"));
  CHECK_THAT(bot.posted(), Contains("*Go-around: checkout*"));
  // The card carries the decision as its reason, not the placeholder the incident opened with.
  CHECK_THAT(bot.posted(), Contains("reason: Decision: ROLL BACK."));
  CHECK_THAT(bot.posted(), !Contains("deciding: roll back or fix forward?"));
  bot.type(alice, "decide nosuch");
  CHECK_THAT(bot.whispered(), Contains("Known services: checkout"));
}
