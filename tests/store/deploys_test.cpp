#include <catch2/catch.hpp>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("the deployment an incident followed is the last one registered before it opened") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& deploys = f.store.deploys();
  deploys.add_deployment({0, "checkout", "prod", "41", "2026-11-23T15:00:00.000Z", "ci", "none", R"({"image":"shop/checkout:v41"})"});
  deploys.add_deployment({0, "checkout", "prod", "42", "2026-11-23T16:00:00.000Z", "ci", "additive", "{}"});
  deploys.add_deployment({0, "checkout", "prod", "43", "2026-11-23T17:00:00.000Z", "ci", "none", "{}"});
  CHECK(deploys.latest_deployment("checkout")->revision == "43");
  const auto followed = deploys.deployment_before("checkout", "2026-11-23T16:30:00.000Z");
  REQUIRE(followed);
  CHECK(followed->revision == "42");
  CHECK(followed->migration_kind == "additive");
  CHECK(deploys.deployment_before("checkout", "2026-11-23T15:00:00.000Z")->revision == "41");
  CHECK_FALSE(deploys.deployment_before("checkout", "2026-11-23T14:00:00.000Z"));
  CHECK_FALSE(deploys.latest_deployment("payments"));
}

TEST_CASE("the latest brief of a service is the one read, with its five lines") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  f.store.deploys().add_brief({0, "checkout", "", "alice", "form", R"({"abort_if":"5xx above 2% for 5m"})"});
  f.store.deploys().add_brief({0, "checkout", "", "bob", "ci", R"({"abort_if":"p99 above 800ms"})"});
  const auto brief = f.store.deploys().latest_brief("checkout");
  REQUIRE(brief);
  CHECK(brief->author == "bob");
  CHECK(brief->data_json == R"({"abort_if":"p99 above 800ms"})");
  CHECK_FALSE(f.store.deploys().latest_brief("payments"));
}

TEST_CASE("people's freeze and a go-around's hold a scope side by side, the service's own named first, and each lifts its own") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& deploys = f.store.deploys();
  const auto incident = f.open_incident();
  const auto scopes = [&](const std::string& service) {
    std::vector<std::string> out;
    for (const auto& freeze : deploys.freezes_holding(service)) out.push_back(freeze.scope + ":" + freeze.reason);
    return out;
  };
  CHECK(deploys.freeze({0, "*", "black friday", "carol", "", std::nullopt}));
  CHECK_FALSE(deploys.freeze({0, "*", "again", "carol", "", std::nullopt}));
  CHECK(scopes("checkout") == std::vector<std::string>{"*:black friday"});
  CHECK(deploys.freeze({0, "checkout", "go-around #1", "goaround", "", incident}));
  CHECK_FALSE(deploys.freeze({0, "checkout", "go-around #1 again", "goaround", "", incident}));
  CHECK(deploys.freeze({0, "checkout", "release train", "bob", "", std::nullopt}));
  CHECK(scopes("checkout") == std::vector<std::string>{"checkout:go-around #1", "checkout:release train", "*:black friday"});
  CHECK(scopes("payments") == std::vector<std::string>{"*:black friday"});
  CHECK(deploys.active_freezes().size() == 3);
  // People lift people's freeze; the go-around's stays until its debrief.
  CHECK(deploys.unfreeze("checkout", "bob"));
  CHECK_FALSE(deploys.unfreeze("checkout", "bob"));
  CHECK(scopes("checkout") == std::vector<std::string>{"checkout:go-around #1", "*:black friday"});
  CHECK(deploys.unfreeze_incident(incident, "alice") == std::vector<std::string>{"checkout"});
  CHECK(deploys.unfreeze_incident(incident, "alice").empty());
  CHECK(scopes("checkout") == std::vector<std::string>{"*:black friday"});
  CHECK(deploys.unfreeze("*", "carol"));
  CHECK(deploys.freezes_holding("checkout").empty());
}

TEST_CASE("a practice reminder is claimed once per service and lapse, whichever process asks, and a new lapse claims anew") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto other_replica = f.reopen();
  CHECK(f.store.deploys().claim_practice_reminder("checkout", ""));
  CHECK_FALSE(other_replica->deploys().claim_practice_reminder("checkout", ""));
  CHECK_FALSE(f.store.deploys().claim_practice_reminder("checkout", ""));
  CHECK(other_replica->deploys().claim_practice_reminder("payments", ""));
  // A drill ended at this time; when its practice_every runs out, that lapse has its own reminder.
  CHECK(other_replica->deploys().claim_practice_reminder("checkout", "2026-11-02T10:00:00.000Z"));
  CHECK_FALSE(f.store.deploys().claim_practice_reminder("checkout", "2026-11-02T10:00:00.000Z"));
}

TEST_CASE("the last drill is the newest of the twin that recorded its result before the time asked, with its phases") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const std::string twin = "checkout (drill)";  // config::drill_name("checkout")
  const auto run = [&](std::int64_t execute_ms, bool record_result) {
    f.clock.advance(24h);
    const auto incident = f.store.incidents().open_or_join(twin, "staging", "alice", "drill", "C1").incident.id;
    const auto id = f.store.executions().create(testing::planned(incident, twin));
    f.store.executions().renew_owner({"me", "host", 1, "", ""});
    REQUIRE(f.store.executions().start(id, "alice", "me"));
    f.store.executions().finish(id, {model::ExecutionState::succeeded, 0, "", ""}, "me");
    if (record_result)
      f.store.timeline().append(incident, model::EventKind::result, "goaround", "drill",
                                model::encode(model::events::Result{.service = twin, .result = model::Outcome::verified,
                                                                    .incident = incident, .execute_ms = execute_ms,
                                                                    .verify_ms = 9, .drill_of = "checkout", .execution = id}));
    f.store.incidents().close(incident, "done");
    return id;
  };
  CHECK_FALSE(store::last_drill(f.store, twin));
  const auto first = run(41000, true);
  const auto second = run(52000, true);
  run(0, false);  // ended without its result (interrupted): nothing measured
  const auto latest = store::last_drill(f.store, twin);
  REQUIRE(latest);
  CHECK(latest->execution.id == second);
  CHECK(latest->result.execute_ms == 52000);
  CHECK(latest->environment == "staging");
  // The time asked counts as after a drill that ended in that very millisecond.
  const auto before = store::last_drill(f.store, twin, f.store.executions().find(first)->finished_at);
  REQUIRE(before);
  CHECK(before->execution.id == first);
  CHECK_FALSE(store::last_drill(f.store, twin, "2000-01-01T00:00:00.000Z"));
  CHECK_FALSE(store::last_drill(f.store, "payments (drill)"));
}
