#include <catch2/catch.hpp>

#include <fstream>

#include "goaround/core/deploys.hpp"
#include "goaround/http/deployment_body.hpp"
#include "support/bot_harness.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using Outcome = core::Registration::Outcome;

namespace {

const char* two_services = R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 5, replicas: 1, step: 1ms }
    channel: C0INCIDENTS
  - name: payments
    environment: prod
    adapter: sim
    sim: { revisions: 3, replicas: 1, step: 1ms }
)";

const chat::Person alice{"U1", "alice", {}, false};
const chat::Person bob{"U2", "bob", {}, false};
const chat::Person carol{"U3", "carol", {}, false};

}  // namespace

TEST_CASE("CI registration: each refusal says why — a registered deploy and its brief are kept") {
  testing::BotHarness bot(two_services);
  const auto reg = [&](const std::string& body) { return http::register_body(bot.engine, body); };
  CHECK(reg("not json").outcome == Outcome::invalid);
  CHECK(reg("[1]").outcome == Outcome::invalid);
  CHECK_THAT(reg(R"({"service":"checkout","environment":"prod"})").message, Contains("`revision` is required"));
  CHECK_THAT(reg(R"({"service":"checkout","environment":"prod","revision":"7","migration":"maybe"})").message,
             Contains("none, additive or destructive"));
  CHECK_THAT(reg(R"({"service":"checkout","environment":"prod","revision":"7","colour":"red"})").message,
             Contains("unknown field `colour`"));
  CHECK_THAT(reg(R"({"service":"checkout","environment":"prod","revision":"7","brief":{"mood":"x"}})").message,
             Contains("unknown brief field `mood`"));
  const auto unknown = reg(R"({"service":"search","environment":"prod","revision":"7"})");
  CHECK(unknown.outcome == Outcome::unknown_service);
  CHECK_THAT(unknown.message, Contains("checkout (prod), payments (prod)"));
  CHECK(reg(R"({"service":"checkout","environment":"staging","revision":"7"})").outcome == Outcome::unknown_service);

  const auto ok = reg(R"({"service":"checkout","environment":"prod","revision":"7","image":"reg/checkout:7",
    "previous_revision":"6","migration":"destructive","feature_flag":"new-cart",
    "brief":{"changes":"new cart","signals":"5xx > 2% for 5m","stop":"anyone on call",
             "rollback":"kubectl rollout undo, 2 min","not_fixing":"slow search"}})");
  REQUIRE(ok.outcome == Outcome::registered);
  const auto deployment = bot.store.deploys().latest_deployment("checkout");
  REQUIRE(deployment);
  CHECK(deployment->migration_kind == "destructive");
  CHECK_THAT(deployment->data_json, Contains("new-cart"));

  // The go-around card carries the deploy's migration warning and the brief.
  bot.type(alice, "checkout");
  const auto card = bot.posted();
  CHECK_THAT(card, Contains("Last deploy: revision 7"));
  CHECK_THAT(card, Contains("destructive migration"));
  CHECK_THAT(card, Contains("Brief: changes new cart"));
}

TEST_CASE("freeze: registration answers frozen, a go-around freezes its service until the debrief") {
  testing::BotHarness bot(two_services);
  const auto body = std::string(R"({"service":"payments","environment":"prod","revision":"9"})");
  bot.type(alice, "freeze payments release train paused");
  CHECK_THAT(bot.posted(), Contains("deploys of payments are frozen by alice: release train paused"));
  const auto refused = http::register_body(bot.engine, body);
  CHECK(refused.outcome == core::Registration::Outcome::frozen);
  CHECK_THAT(refused.message, Contains("frozen by alice"));
  CHECK_THAT(refused.message, Contains("release train paused"));
  bot.type(alice, "freeze payments again");
  CHECK_THAT(bot.whispered(), Contains("already frozen by alice"));
  bot.type(alice, "unfreeze payments");
  CHECK_THAT(bot.posted(), Contains("payments are open again"));
  CHECK(http::register_body(bot.engine, body).outcome == core::Registration::Outcome::registered);
  bot.type(alice, "unfreeze payments");
  CHECK_THAT(bot.whispered(), Contains("not frozen"));
  bot.type(alice, "freeze all");
  // What it says to lift it is a command the bot takes.
  CHECK_THAT(bot.posted(), Contains("Lift it with `/rollback unfreeze all`"));
  CHECK(http::register_body(bot.engine, body).outcome == core::Registration::Outcome::frozen);
  bot.type(alice, "unfreeze all");
  bot.type(alice, "freeze nosuch");
  CHECK_THAT(bot.whispered(), Contains("Known services: checkout payments"));

  // The go-around itself freezes checkout; its debrief lifts the freeze.
  bot.type(alice, "checkout bad deploy");
  bot.press(alice, bot.card_action("Confirm go-around"));
  REQUIRE(bot.store.deploys().freezes_holding("checkout").size() == 1);
  CHECK(bot.store.deploys().freezes_holding("checkout").front().incident_id == 1);
  CHECK(http::register_body(bot.engine, R"({"service":"checkout","environment":"prod","revision":"8"})").outcome ==
        core::Registration::Outcome::frozen);
  bot.type(alice, "debrief 1");
  CHECK(bot.store.deploys().freezes_holding("checkout").empty());
  const auto kinds = bot.kinds();
  CHECK(std::find(kinds.begin(), kinds.end(), "freeze") != kinds.end());
  CHECK(std::find(kinds.begin(), kinds.end(), "unfreeze") != kinds.end());
}

TEST_CASE("freeze messages say what the bot will do: each freeze holds until its own end, and deploys wait for all") {
  testing::BotHarness bot(two_services);
  const auto payments = std::string(R"({"service":"payments","environment":"prod","revision":"9"})");
  // A go-around freezes payments until its debrief.
  bot.type(alice, "payments 5xx after 9");
  bot.press(alice, bot.card_action("Confirm go-around"));
  // A person's longer freeze joins it instead of being dropped as "already frozen".
  bot.type(bob, "freeze payments black friday");
  const auto frozen = bot.posted();
  CHECK_THAT(frozen, Contains("deploys of payments are frozen by bob: black friday. Lift it with `/rollback unfreeze payments`."));
  CHECK_THAT(frozen, Contains("Also frozen, each until its own end: payments: frozen by goaround since"));
  CHECK_THAT(frozen, Contains("until the debrief of incident #1 is written"));
  // CI's 423 names both, and says for each how it lifts: no "when the go-around is debriefed" for bob's.
  auto refused = http::register_body(bot.engine, payments);
  CHECK(refused.outcome == core::Registration::Outcome::frozen);
  CHECK_THAT(refused.message, Contains("payments: frozen by goaround since"));
  CHECK_THAT(refused.message, Contains("until the debrief of incident #1 is written; payments: frozen by bob since"));
  CHECK_THAT(refused.message, Contains("(black friday), until `/rollback unfreeze payments`."));
  // Lifting bob's freeze does not claim payments is open: the go-around's still holds.
  bot.type(bob, "unfreeze payments");
  const auto lifted = bot.posted();
  CHECK_THAT(lifted, Contains("bob lifted the freeze on payments, but deploys are still frozen: payments: frozen by goaround"));
  CHECK_THAT(lifted, !Contains("open again"));
  CHECK(http::register_body(bot.engine, payments).outcome == core::Registration::Outcome::frozen);
  // Nothing of people's is left: the answer says what holds and how it lifts.
  bot.type(bob, "unfreeze payments");
  CHECK_THAT(bot.whispered(), Contains("No freeze people set on payments is left to lift, and deploys stay frozen: "
                                       "payments: frozen by goaround"));
  // `freeze all` and `unfreeze all` speak of every service, and name what still holds.
  bot.type(carol, "freeze all release train");
  CHECK_THAT(bot.posted(), Contains("Lift it with `/rollback unfreeze all`"));
  bot.type(carol, "unfreeze all");
  CHECK_THAT(bot.posted(), Contains("carol lifted the freeze on every service, but deploys are still frozen: payments: frozen by goaround"));
  // A manual freeze with no go-around never mentions a debrief.
  bot.type(carol, "freeze checkout audit");
  refused = http::register_body(bot.engine, R"({"service":"checkout","environment":"prod","revision":"8"})");
  CHECK_THAT(refused.message, Contains("Deploys of checkout are frozen: checkout: frozen by carol since"));
  CHECK_THAT(refused.message, !Contains("debrief"));
  // The debrief lifts the go-around's freeze and payments is open.
  bot.type(alice, "debrief 1");
  CHECK_THAT(bot.posted(), Contains("Deploys of payments are open again"));
  CHECK(http::register_body(bot.engine, payments).outcome == core::Registration::Outcome::registered);
}

TEST_CASE("/rollback brief: recorded line by line, shown, and in the debrief") {
  testing::BotHarness bot(two_services);
  bot.type(alice, "brief checkout");
  CHECK_THAT(bot.whispered(), Contains("No brief for checkout yet"));
  bot.type(alice, R"(brief checkout --changes "new cart" --signals "5xx > 2% for 5m")");
  CHECK_THAT(bot.posted(), Contains("1. What changes: new cart"));
  bot.type(alice, R"(brief checkout --stop "anyone on call")");
  const auto shown = bot.posted();
  CHECK_THAT(shown, Contains("2. Signals, with numbers: 5xx > 2% for 5m"));
  CHECK_THAT(shown, Contains("3. Who can call stop: anyone on call"));
  CHECK_THAT(shown, Contains("4. What rollback looks like: not briefed"));
  bot.type(alice, "checkout");
  bot.press(alice, bot.card_action("Confirm go-around"));
  bot.type(alice, "debrief 1");
  REQUIRE(bot.transport.last("attach"));
  std::ifstream in(bot.transport.last("attach")->handle);
  const std::string debrief((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(debrief, Contains("## The brief before takeoff"));
  CHECK_THAT(debrief, Contains("- What changes: new cart"));
  CHECK_THAT(debrief, Contains("- What rollback looks like: not briefed"));
}

TEST_CASE("/rollback brief form: the form carries the current lines, and what is submitted is recorded") {
  testing::BotHarness bot(two_services);
  bot.type(alice, R"(brief checkout --changes "new cart")");
  bot.type(alice, "brief checkout form");
  REQUIRE(bot.transport.forms.size() == 1);
  const auto& form = bot.transport.forms.front();
  CHECK(form.action == "goaround.brief:checkout");
  REQUIRE(form.fields.size() == 5);
  CHECK(form.fields[0].id == "changes");
  CHECK(form.fields[0].initial == "new cart");
  CHECK(form.fields[4].id == "not-fixing");
  boost::asio::co_spawn(bot.io,
                        bot.registry.submit(bot.engine, {alice, {"C0INCIDENTS", ""}}, form.action,
                                            {{"changes", "new cart"}, {"signals", "5xx > 2% for 5m"}, {"not-fixing", ""}}),
                        boost::asio::detached);
  bot.settle();
  CHECK_THAT(bot.posted(), Contains("2. Signals, with numbers: 5xx > 2% for 5m"));
  CHECK_THAT(bot.posted(), Contains("5. What we will not fix in the first ten minutes: not briefed"));

  // Where no form can open, the typed form is offered.
  bot.transport.forms_open = false;
  bot.type(alice, "brief checkout form");
  CHECK_THAT(bot.whispered(), Contains("no form can open here; give the lines as options"));
  bot.type(alice, "brief checkout forms");
  CHECK_THAT(bot.whispered(), Contains("Usage: /rollback brief <service> [form]"));
}

TEST_CASE("an incident's first message is pinned, and the card is marked with the go-around's result") {
  testing::BotHarness bot(two_services);
  bot.type(alice, "checkout");
  bot.press(alice, bot.card_action("Confirm go-around"));
  std::vector<std::string> marks;
  for (const auto& s : bot.transport.said)
    if (s.kind == "pin" || s.kind == "react") marks.push_back(s.kind + " " + s.handle + " " + s.to);
  CHECK(marks == std::vector<std::string>{"pin m1 ", "react m1 white_check_mark"});
}

TEST_CASE("rejected revisions: a go-around rejects what it leaves, people reject and accept by number, image or tag, "
          "cards and the history warn") {
  testing::BotHarness h(std::string("freeze_until_debrief: false\n") + R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 1ms }
    channel: C0INCIDENTS
)");
  const chat::Person alice{"U0ALICE", "alice", {}, false};
  h.type(alice, "checkout 5xx at 4%");
  h.press(alice, h.card_action("Confirm go-around"));
  const auto rejections = h.store.deploys().rejections("checkout");
  REQUIRE(rejections.size() == 1);
  CHECK(rejections[0].revision == "42");
  CHECK(rejections[0].image == "registry.local/checkout:1.42");
  CHECK(rejections[0].execution_id == 1);
  CHECK(rejections[0].incident_id == 1);
  const auto said = std::find_if(h.transport.said.begin(), h.transport.said.end(),
                                 [](const auto& s) { return s.message.text.starts_with("⛔"); });
  REQUIRE(said != h.transport.said.end());
  CHECK(said->message.text ==
        "⛔ *checkout* revision 42 (registry.local/checkout:1.42) is rejected by goaround: go-around #1 rolled back "
        "from it (5xx at 4%). Registering it again is refused until `/rollback accept checkout 42`.");
  CHECK(h.store.timeline().events(1, {}).size() > 0);
  const auto kinds = h.kinds();
  CHECK(std::find(kinds.begin(), kinds.end(), "rejection") != kinds.end());

  // A card going back to it warns and names the incident.
  h.type(alice, "checkout --to 42 it was fine after all");
  CHECK_THAT(h.transport.last("post")->message.text,
             Contains(":warning: Revision 42 was rejected by goaround at "));
  CHECK_THAT(h.transport.last("post")->message.text,
             Contains(" in incident #1 (go-around #1 rolled back from it): 5xx at 4%. Going back to it may bring"));
  h.press(alice, h.card_action("Cancel"));

  // People: by tag, kept word for word; twice says who did it first; the history marks it.
  h.type(alice, "reject checkout 1.40 flaky under load, don't ship");
  auto mine = h.store.deploys().rejections("checkout");
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].revision == "40");
  CHECK(mine[0].image == "registry.local/checkout:1.40");
  CHECK(mine[0].reason == "flaky under load, don't ship");
  CHECK(mine[0].rejected_by == "alice");
  h.type(alice, "reject checkout 40");
  CHECK_THAT(h.whispered(), Contains("is rejected already: by alice at "));
  h.type(alice, "history checkout");
  CHECK_THAT(h.whispered(), Contains("⛔ rejected by alice at "));
  h.type(alice, "accept checkout 39");
  CHECK_THAT(h.whispered(), Contains("revision 39 is not rejected; nothing to accept. Rejected now: 40 "));
  h.type(alice, "accept checkout registry.local/checkout:1.40");
  CHECK_THAT(h.posted(), Contains("revision 40 (registry.local/checkout:1.40) is accepted again by alice"));
  CHECK(h.store.deploys().rejections("checkout").size() == 1);
  CHECK(h.kinds().back() == "acceptance");
  h.type(alice, "reject checkout");
  CHECK_THAT(h.whispered(), Contains("reject which revision of checkout?"));
}
