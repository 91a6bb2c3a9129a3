#include <SQLiteCpp/Statement.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
namespace asio = boost::asio;

namespace {

constexpr const char* fast_services = R"(
tools: { kubectl: /nonexistent/kubectl }
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 3, step: 5ms, progress_deadline: 2s, failure: FAILURE }
    allowed: { users: [U0ALICE], groups: [oncall-shop] }
    channel: C0INCIDENTS
    escalate_to: ["@checkout-oncall", "@sre-lead"]
  - name: payments
    environment: prod
    adapter: sim
    sim: { revisions: 7, replicas: 2, step: 5ms }
  - name: search
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: shop, deployment: search }
)";

std::string config_text(const std::string& failure) {
  std::string text = fast_services;
  text.replace(text.find("FAILURE"), 7, failure);
  return text;
}

const chat::Person alice{"U0ALICE", "alice", {}, false};
const chat::Person bob{"U0BOB", "bob", {}, false};
const chat::Person carol{"U0CAROL", "carol", {"oncall-shop"}, false};

struct Harness : testing::BotHarness {
  explicit Harness(const std::string& failure = "none") : BotHarness(config_text(failure)) {}
};

}  // namespace

TEST_CASE("the full go-around on the sim adapter is announced, verified and written down") {
  Harness h;
  h.type(alice, "checkout --reason '5xx spike'");
  const auto* card = h.transport.last("post");
  REQUIRE(card);
  CHECK_THAT(card->message.text, Contains("*Go-around: checkout* (prod)"));
  CHECK_THAT(card->message.text, Contains("Current revision: 42"));
  CHECK_THAT(card->message.text, Contains("Target revision:  41"));
  CHECK_THAT(card->message.text, Contains("`sim rollout undo deployment/checkout --to-revision=41`"));
  CHECK_THAT(card->message.text, Contains("✓ target ReplicaSet still present"));
  CHECK_THAT(card->message.text, Contains("reason: 5xx spike"));
  REQUIRE(card->message.buttons.size() == 2);
  const auto card_handle = card->handle;  // `card` points into a vector that will grow
  CHECK(h.store.incidents().find(1)->thread == card_handle);

  h.press(alice, h.card_action("Confirm go-around"));

  // The go-around freezes the service's deploys until the debrief (freeze_until_debrief) and
  // rejects the revision it leaves.
  CHECK(h.kinds() == std::vector<std::string>{"incident_opened", "card", "confirmation", "command", "freeze",
                                              "rejection", "progress", "progress", "progress", "progress",
                                              "verification", "result"});
  const auto events = h.store.timeline().events(1, {model::EventKind::typed, model::EventKind::pressed});
  CHECK_THAT(events[3].text, Contains("Rolling back *checkout* to revision 41"));
  CHECK_THAT(events[4].text, Contains("deploys of checkout are frozen by goaround"));
  CHECK_THAT(events[5].text, Contains("revision 42 (registry.local/checkout:1.42) is rejected by goaround"));
  CHECK_THAT(events[9].text, Contains("3/3 ready"));
  CHECK_THAT(events[10].text, Contains("Verification passed"));
  CHECK_THAT(events[11].text, Contains("rolled back to revision 41 and verified."));  // no "in 0 ms" on a clock that did not move
  CHECK(events[11].payload<model::events::Result>().result == model::Outcome::verified);
  const auto execution = h.store.executions().find(1);
  CHECK(execution->state == model::ExecutionState::succeeded);
  CHECK(execution->confirmed_by == "alice");
  CHECK(execution->exit_code == 0);
  CHECK_THAT(execution->output_tail, Contains("successfully rolled out"));
  CHECK_FALSE(h.store.executions().service_lock("checkout"));
  CHECK(h.go_around.in_flight() == 0);
  // The card was updated in place and no longer offers buttons.
  CHECK(h.transport.latest[card_handle].buttons.empty());
  CHECK_THAT(h.transport.latest[card_handle].text, Contains("Confirmed by alice"));
  CHECK_THAT(h.transport.last("post")->message.text, Contains("verified"));
}

TEST_CASE("every command typed and button pressed in the incident's place is written down") {
  Harness h;
  h.type(alice, "checkout --reason 'typed first'");
  h.press(alice, h.card_action("Confirm go-around"));
  h.type(bob, "status");
  std::vector<std::string> typed;
  for (const auto& e : h.store.timeline().events(1))
    if (e.kind == model::EventKind::typed || e.kind == model::EventKind::pressed) typed.push_back(e.actor + " " + e.text);
  CHECK(typed == std::vector<std::string>{"alice /rollback checkout --reason 'typed first'",
                                          "alice Confirm go-around", "bob /rollback status"});
  const auto all = h.store.timeline().events(1);
  const auto pressed = std::find_if(all.begin(), all.end(), [](const auto& e) { return e.kind == model::EventKind::pressed; });
  CHECK(pressed->payload<model::events::Attribution>().action == "goaround.confirm:1");
  CHECK(std::next(pressed)->kind == model::EventKind::confirmation);
}

TEST_CASE("a rollout that never becomes ready is reported as failed, never as done") {
  Harness h("never_ready");
  h.type(alice, "checkout");
  h.press(alice, h.card_action("Confirm go-around"));
  const auto result = h.transport.last("post")->message.text;
  CHECK_THAT(result, Contains("FAILED"));
  CHECK_THAT(result, Contains("progress deadline exceeded"));
  CHECK_THAT(result, !Contains("verified in"));
  CHECK_THAT(result, Contains("✗ rollout status: 0/3 replicas ready"));
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::failed);
  CHECK(h.store.executions().find(1)->exit_code == 1);
  CHECK(h.store.timeline().events(1).back().payload<model::events::Result>().result == model::Outcome::failed);
  CHECK_FALSE(h.store.executions().service_lock("checkout"));
}

TEST_CASE("a failed go-around says what next: retry, one revision further, the decision tree, escalate, and close asks first") {
  Harness h("never_ready");
  h.type(alice, "checkout canary failing");
  h.press(alice, h.card_action("Confirm go-around"));
  const auto* failed = h.transport.last("post");
  REQUIRE(failed);
  std::vector<std::string> labels;
  for (const auto& b : failed->message.buttons) labels.push_back(b.label);
  CHECK(labels == std::vector<std::string>{"Retry", "Roll back one further (to 40)", "Roll back or fix forward?", "Escalate"});
  // One revision further: a new card for 40 that says the last attempt failed and how.
  h.press(alice, h.card_action("Roll back one further (to 40)"));
  auto card = h.transport.last("post")->message.text;
  CHECK_THAT(card, Contains("Target revision:  40"));
  CHECK_THAT(card, Contains("The last attempt failed: go-around #1 to revision 41 (progress deadline exceeded: "));
  CHECK(h.store.executions().find(2)->reason == "one revision further than go-around #1 (to 41), which failed: canary failing");
  h.press(alice, h.card_action("Cancel"));
  // Retry: the same target again, through the same pre-flight (here 41 is already what is live,
  // so the card says so and offers nothing to confirm).
  h.press(alice, h.card_action("Retry"));
  card = h.transport.last("post")->message.text;
  CHECK_THAT(card, Contains("Target revision:  41"));
  CHECK_THAT(card, Contains("reason: retry of go-around #1, which failed: canary failing"));
  // The decision tree from its first question, in the incident.
  h.press(alice, h.card_action("Roll back or fix forward?"));
  CHECK_THAT(h.transport.last("post")->message.text, Contains("question 1:"));
  // Escalate calls the configured people, on record.
  h.press(alice, h.card_action("Escalate"));
  CHECK_THAT(h.posted(), Contains("Escalated:* alice calls @checkout-oncall, @sre-lead into incident #1 (checkout)"));
  CHECK(h.kinds().back() == "escalation");
  // Closing while the last go-around failed asks first; the summary survives the question.
  h.type(alice, "close it's stable now, I think");
  CHECK_THAT(h.whispered(), Contains("The last go-around of checkout (#1, to revision 41) failed"));
  CHECK(h.store.incidents().find(1)->state == model::IncidentState::open);
  h.press(alice, h.card_action("Close anyway"));
  CHECK(h.store.incidents().find(1)->state == model::IncidentState::resolved);
  CHECK_THAT(h.posted(), Contains("closed by alice: it's stable now, I think"));
}

TEST_CASE("a target whose ReplicaSet is gone fails pre-flight and nothing runs") {
  Harness h("revision_missing");
  h.type(alice, "checkout");
  const auto* card = h.transport.last("post");
  CHECK_THAT(card->message.text, Contains("✗ target ReplicaSet still present"));
  CHECK_THAT(card->message.text, Contains("Cannot go around"));
  CHECK(card->message.buttons.empty());
  CHECK_FALSE(h.store.executions().find(1));
  CHECK(h.kinds() == std::vector<std::string>{"incident_opened", "card"});
  CHECK_THAT(h.store.timeline().events(1, {model::EventKind::typed}).back().text, Contains("pre-flight FAILED"));
}

TEST_CASE("a revision that is not in the history fails pre-flight") {
  Harness h;
  h.type(alice, "checkout --to 99");
  CHECK_THAT(h.transport.last("post")->message.text,
             Contains("✗ target revision exists: revision 99 is not in the history (1..42)"));
  h.type(alice, "checkout --to 42");
  CHECK_THAT(h.transport.last("post")->message.text,
             Contains("✗ target differs from current: revision 42 is already live"));
}

TEST_CASE("a second go-around while one runs is refused with who started it and when") {
  Harness h;
  h.type(alice, "checkout");
  const auto confirm = h.card_action("Confirm go-around");
  asio::co_spawn(
      h.io,
      [&]() -> asio::awaitable<void> {
        co_await h.registry.press(h.engine, {alice, {"C0INCIDENTS", ""}}, confirm);
        co_await h.registry.dispatch(h.engine, {carol, {"C0INCIDENTS", ""}}, "checkout");
      },
      asio::detached);
  h.settle();
  const auto refusal = h.transport.said;
  const auto it = std::find_if(refusal.begin(), refusal.end(),
                               [](const auto& s) { return s.kind == "whisper" && s.to == "U0CAROL"; });
  REQUIRE(it != refusal.end());
  CHECK_THAT(it->message.text, Contains("*checkout* is already going around: alice started it at 20"));
  CHECK_THAT(it->message.text, Contains("revision 42 → 41"));
  const auto kinds = h.kinds();
  CHECK(std::count(kinds.begin(), kinds.end(), "refusal") == 1);
  CHECK(std::count(kinds.begin(), kinds.end(), "card") == 1);
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::succeeded);
}

TEST_CASE("injection attempts never reach a command line") {
  Harness h;
  h.type(alice, "checkout --to '41; rm -rf /'");
  CHECK_THAT(h.whispered(), Contains("`41; rm -rf /` is not a revision"));
  h.type(alice, "checkout --to '$(id)'");
  CHECK_THAT(h.whispered(), Contains("`$(id)` is not a revision"));
  h.type(alice, "checkout --to=--force");
  CHECK_THAT(h.whispered(), Contains("`--force` is not a revision"));
  h.type(alice, "checkout --to 99999999999999");
  CHECK_THAT(h.whispered(), Contains("`99999999999999` is not a revision"));
  h.type(alice, "checkout;rm -rf /");
  CHECK_THAT(h.whispered(), Contains("Unknown service or subcommand `checkout;rm`"));
  h.type(alice, "--help");
  CHECK_THAT(h.whispered(), Contains("unknown option --help"));
  CHECK(h.store.incidents().open().empty());
  for (const auto& s : h.transport.said) CHECK(s.kind == "whisper");
}

TEST_CASE("only people allowed for the service may confirm, and a denial is written down") {
  Harness h;
  h.type(alice, "checkout");
  const auto confirm = h.card_action("Confirm go-around");
  h.press(bob, confirm);
  CHECK_THAT(h.whispered(), Contains("bob is not allowed to call stop on *checkout*"));
  CHECK(h.kinds().back() == "denial");
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::planned);
  CHECK_FALSE(h.store.executions().service_lock("checkout"));
  // A member of an allowed group needs nobody else's approval.
  h.press(carol, confirm);
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::succeeded);
  CHECK(h.store.executions().find(1)->confirmed_by == "carol");
}

TEST_CASE("a cancelled card runs nothing and cannot be confirmed afterwards") {
  Harness h;
  h.type(alice, "checkout");
  const auto confirm = h.card_action("Confirm go-around");
  h.press(alice, h.card_action("Cancel"));
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::cancelled);
  CHECK(h.kinds().back() == "cancellation");
  h.press(alice, confirm);
  CHECK_THAT(h.whispered(), Contains("is not waiting for confirmation (it is cancelled)"));
  h.type(alice, "checkout");
  CHECK_THAT(h.transport.last("post")->message.text, Contains("Current revision: 42"));
}

TEST_CASE("the go-around's own reason is carried: a second card's reason, not the incident's first, freezes the deploys") {
  Harness h;
  h.type(alice, "checkout canary failing");
  h.press(alice, h.card_action("Cancel"));
  h.type(alice, "checkout --to 40 db pool exhaustion");
  h.press(alice, h.card_action("Confirm go-around"));
  const auto freezes = h.store.deploys().freezes_holding("checkout");
  REQUIRE(freezes.size() == 1);
  const auto* freeze = &freezes.front();
  CHECK(freeze->reason == "go-around #2 (db pool exhaustion)");
  CHECK(h.store.executions().find(2)->reason == "db pool exhaustion");
  // Without a reason there is no empty "()".
  h.type(alice, "payments");
  h.press(alice, h.card_action("Confirm go-around"));
  CHECK(h.store.deploys().freezes_holding("payments").front().reason == "go-around #3");
}

TEST_CASE("an unknown service is answered with the list of known ones") {
  Harness h;
  h.type(alice, "chekout");
  CHECK_THAT(h.whispered(), Contains("Unknown service or subcommand `chekout`"));
  CHECK_THAT(h.whispered(), Contains("checkout payments search"));
  CHECK(h.store.incidents().open().empty());
}

TEST_CASE("a missing tool fails pre-flight with a message naming it, and nothing runs") {
  Harness h;
  h.type(alice, "search");
  const auto card = h.transport.last("post")->message;
  CHECK_THAT(card.text, Contains("✗ deployment readable: `/nonexistent/kubectl` was not found"));
  CHECK(card.buttons.empty());
  CHECK_FALSE(h.store.executions().find(1));
}

TEST_CASE("bad input gets a usage message to the person who typed it") {
  Harness h;
  h.type(alice, "checkout --to");
  CHECK_THAT(h.whispered(), Contains("--to needs a value"));
  CHECK_THAT(h.whispered(), Contains("Usage: /rollback <service> [--to REV | --flag KEY] [--reason TEXT]"));
  h.type(alice, "checkout --force");
  CHECK_THAT(h.whispered(), Contains("unknown option --force"));
  h.type(alice, "checkout --reason 'unclosed");
  CHECK_THAT(h.whispered(), Contains("the quote after --reason is not closed"));
  h.type(alice, "note");
  CHECK_THAT(h.whispered(), Contains("the note is empty"));
  h.press(alice, "goaround.confirm:abc");
  CHECK_THAT(h.whispered(), Contains("is not waiting for confirmation"));
  h.press(alice, "goaround.confirm:77");
  CHECK_THAT(h.whispered(), Contains("(it is unknown)"));
  h.press(alice, "launch.missiles:1");
  CHECK_THAT(h.whispered(), Contains("that button is not known"));
  h.type(alice, "help nonsense");
  CHECK_THAT(h.whispered(), Contains("no subcommand `nonsense`"));
  for (const auto& s : h.transport.said) CHECK(s.kind == "whisper");
}

TEST_CASE("what is typed lands in the incident it concerns, and status shows what happened, not the asking") {
  Harness h;
  h.type(alice, "payments 5xx after 9");  // payments' incident #1 is open in the channel
  h.type(alice, "decide checkout");       // opens checkout's #2
  const auto typed_in = [&](std::int64_t incident) {
    std::vector<std::string> out;
    for (const auto& e : h.store.timeline().events(incident))
      if (e.kind == model::EventKind::typed) out.push_back(e.text);
    return out;
  };
  CHECK(typed_in(1) == std::vector<std::string>{"/rollback payments 5xx after 9"});
  CHECK(typed_in(2) == std::vector<std::string>{"/rollback decide checkout"});
  // Two open in one channel and nothing named: a note is refused, and recorded nowhere.
  h.type(alice, "note which one");
  CHECK_THAT(h.whispered(), Contains("several incidents are open"));
  CHECK(typed_in(1).size() == 1);
  CHECK(typed_in(2).size() == 1);
  h.type(alice, "note for payments --incident 1");
  CHECK(typed_in(1).back() == "/rollback note for payments --incident 1");
  h.type(alice, "status");
  const auto status = h.whispered();
  CHECK_THAT(status, Contains("note: for payments"));
  CHECK_THAT(status, !Contains("typed"));
}

TEST_CASE("notes go into the open incident's timeline") {
  Harness h;
  h.type(alice, "note checking dashboards");
  CHECK_THAT(h.whispered(), Contains("there is no open incident"));
  h.type(alice, "checkout");
  h.type(bob, "note don't roll back: \u201Cerror rate\u201D 4.1%  at 14:02");
  CHECK_THAT(h.whispered(), Contains("Noted in incident #1 (checkout)"));
  const auto last = h.store.timeline().events(1).back();
  CHECK(last.kind == model::EventKind::note);
  CHECK(last.actor == "bob");
  CHECK(last.text == "don't roll back: \u201Cerror rate\u201D 4.1%  at 14:02");  // word for word
  h.type(alice, "payments");
  h.type(alice, "note which one");
  CHECK_THAT(h.whispered(), Contains("several incidents are open: #1 (checkout) #2 (payments)"));
  h.type(alice, "note --incident 2 payments first");
  CHECK(h.store.timeline().events(2).back().text == "payments first");
  h.type(alice, "note --incident 9 nowhere");
  CHECK_THAT(h.whispered(), Contains("there is no incident #9"));
}

TEST_CASE("timeline and status show what was written") {
  Harness h;
  h.type(alice, "status");
  CHECK_THAT(h.whispered(), Contains("No open incidents"));
  h.type(alice, "checkout");
  h.press(alice, h.card_action("Confirm go-around"));
  h.type(alice, "timeline");
  const auto timeline = h.whispered();
  CHECK_THAT(timeline, Contains("*Incident #1* · checkout (prod) · open"));
  for (const auto* kind : {"card", "confirmation", "command", "verification", "result"})
    CHECK_THAT(timeline, Contains(std::string("UTC  ") + kind));
  // Noise stays on record but out of the story: typed commands, pressed buttons, progress.
  for (const auto* kind : {"typed", "pressed", "progress"}) CHECK_THAT(timeline, !Contains(std::string("UTC  ") + kind));
  CHECK_THAT(timeline, Contains("entries of noise left out"));
  h.type(alice, "timeline --all");
  for (const auto* kind : {"typed", "pressed", "progress"}) CHECK_THAT(h.whispered(), Contains(std::string("UTC  ") + kind));
  // One column for the numbers, however many digits; one line per entry.
  CHECK_THAT(h.whispered(), Contains("\n#1  2026-11-23 16:12:58 UTC  incident_opened"));
  CHECK_THAT(timeline, Contains("result            goaround: ✅ *checkout* rolled back to revision 41 and verified. (+2 lines)"));
  h.type(alice, "timeline 5");
  CHECK_THAT(h.whispered(), Contains("there is no incident #5"));
  h.type(alice, "status");
  CHECK_THAT(h.whispered(), Contains("Last result: ✅ *checkout* rolled back to revision 41"));
}

TEST_CASE("help is built from the registry, and a name cannot be registered twice") {
  Harness h;
  h.type(alice, "help");
  for (const auto& c : h.registry.commands()) CHECK_THAT(h.whispered(), Contains(c.usage));
  h.type(alice, "");
  CHECK_THAT(h.whispered(), Contains("/rollback note <text>"));
  h.type(alice, "help note");
  CHECK_THAT(h.whispered(), Contains("--incident VALUE"));
  CHECK_THROWS_WITH(commands::register_note(h.registry), Contains("registered twice"));
}

TEST_CASE("every subcommand is a reserved word that no service may be named") {
  Harness h;
  for (const auto& c : h.registry.commands())
    if (!c.name.empty())
      CHECK(std::find(config::reserved_names.begin(), config::reserved_names.end(), c.name) !=
            config::reserved_names.end());
}

TEST_CASE("only people allowed for the service may cancel a card") {
  Harness h;
  h.type(alice, "checkout");
  h.press(bob, h.card_action("Cancel"));
  CHECK_THAT(h.whispered(), Contains("bob is not allowed to call stop on *checkout*"));
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::planned);
}

TEST_CASE("when a go-around starts, older cards for the service are withdrawn, not left to run later") {
  Harness h;
  h.type(alice, "checkout");
  const auto first_confirm = h.card_action("Confirm go-around");
  h.type(carol, "checkout --to 40");
  h.press(carol, h.card_action("Confirm go-around"));
  INFO(h.store.timeline().events(1).back().text);
  CHECK(h.store.executions().find(2)->state == model::ExecutionState::succeeded);
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::cancelled);
  CHECK_THAT(h.transport.latest["m1"].text, Contains("Withdrawn: superseded by go-around #2"));
  h.press(alice, first_confirm);
  CHECK_THAT(h.whispered(), Contains("is not waiting for confirmation (it is cancelled)"));
}

TEST_CASE("closing an incident withdraws its waiting cards") {
  Harness h;
  h.type(alice, "checkout");
  const auto confirm = h.card_action("Confirm go-around");
  h.type(alice, "close");
  CHECK(h.store.executions().find(1)->state == model::ExecutionState::cancelled);
  h.press(alice, confirm);
  CHECK_THAT(h.whispered(), Contains("(it is cancelled)"));
}

TEST_CASE("who may call stop") {
  config::Service open_service;
  CHECK(core::may_call_stop(open_service, bob));
  config::Service guarded;
  guarded.allowed = {{"U0ALICE"}, {"oncall-shop"}};
  CHECK(core::may_call_stop(guarded, alice));
  CHECK(core::may_call_stop(guarded, carol));
  CHECK_FALSE(core::may_call_stop(guarded, bob));
  CHECK(core::may_call_stop(guarded, {"console:root", "root", {}, true}));
}

TEST_CASE("history shows each revision with what go-arounds did with it, and incidents how long each took") {
  Harness h;
  h.type(alice, "history checkout");
  auto shown = h.whispered();
  CHECK_THAT(shown, Contains("*Revisions of checkout* (prod) · live: revision 42"));
  CHECK_THAT(shown, Contains("▶ *42* (live) · registry.local/checkout:1.42 · \"deploy 1.42\""));
  CHECK_THAT(shown, Contains("• *41* · registry.local/checkout:1.41 · \"deploy 1.41\""));
  CHECK_THAT(shown, !Contains("rolled back from"));
  CHECK_THAT(shown, Contains("`/rollback checkout --to <revision>`"));
  // The newest ten; --all for the rest.
  CHECK_THAT(shown, Contains("• *33* · "));
  CHECK_THAT(shown, !Contains("• *32* · "));
  CHECK_THAT(shown, Contains("(32 older left out: `/rollback history checkout --all` shows them)"));
  h.type(alice, "history checkout --all");
  CHECK_THAT(h.whispered(), Contains("• *1* · registry.local/checkout:1.1 · \"deploy 1.1\""));
  CHECK_THAT(h.whispered(), !Contains("left out"));

  h.type(alice, "checkout 5xx at 4%");
  h.clock.advance(std::chrono::minutes(2));
  h.press(alice, h.card_action("Confirm go-around"));
  h.clock.advance(std::chrono::minutes(5));
  h.type(alice, "history checkout");
  shown = h.whispered();
  CHECK_THAT(shown, Contains("live: revision 41"));
  CHECK_THAT(shown, Contains("▶ *41* (live)"));
  CHECK_THAT(shown, Contains("✓ go-around #1 returned to it and verified it healthy (incident #1, "));
  const auto from = shown.find("• *42*");
  REQUIRE(from != std::string::npos);
  CHECK(shown.find("↩ go-around #1 rolled back from it (incident #1, ", from) != std::string::npos);
  CHECK(shown.find("✗") == std::string::npos);

  h.type(alice, "close back to 1.41");
  h.type(bob, "incidents");
  shown = h.whispered();
  CHECK_THAT(shown, Contains("*#1* · checkout (prod) · resolved after 7 min · opened "));
  CHECK_THAT(shown, Contains("by alice · \"5xx at 4%\""));
  CHECK_THAT(shown, Contains("go-around #1 (42 → 41) succeeded · verified after 2 min"));
  CHECK_THAT(shown, Contains("Summary: back to 1.41"));

  h.type(bob, "incidents --limit 0");
  CHECK_THAT(h.whispered(), Contains("--limit takes a number from 1 to 50"));
  h.type(bob, "history nowhere");
  CHECK_THAT(h.whispered(), Contains("Unknown service `nowhere`. Known services: checkout payments search"));
}

TEST_CASE("the card remembers the service's earlier go-arounds: how many, how they ended, how long they took") {
  Harness h;
  h.type(alice, "checkout 5xx at 4%");
  CHECK_THAT(h.transport.last("post")->message.text,
             Contains("No earlier go-around of checkout on record: this one will be the first measured."));
  h.clock.advance(std::chrono::minutes(2));
  h.press(alice, h.card_action("Confirm go-around"));
  h.type(alice, "close back to normal");
  h.clock.advance(std::chrono::hours(1));
  h.type(alice, "checkout --to 40 again");
  const auto card = h.transport.last("post")->message.text;
  CHECK_THAT(card, Contains("Measured before: 1 earlier go-around of checkout, 1 verified · took under a second to "
                            "execute, 2 min from incident to verified · last: #1 succeeded 1 h ago"));
  CHECK_THAT(card, !Contains("No earlier go-around"));
  h.press(alice, h.card_action("Cancel"));

  // The decision's advice quotes the measured time.
  h.type(alice, "decide checkout");
  // Walk the tree by each question's first answer, whatever the path, to its verdict.
  for (int asked = 0; asked < 10 && !h.transport.last("post")->message.buttons.empty() &&
                      h.posted().find("Decision for checkout") == std::string::npos;
       ++asked)
    h.press(alice, h.transport.last("post")->message.buttons.front().action);
  CHECK_THAT(h.posted(), Contains("Decision for checkout"));
  CHECK_THAT(h.posted(), Contains("Measured for checkout: the one go-around on record took under a second to execute "
                                  "and 2 min from incident to verified."));
}
