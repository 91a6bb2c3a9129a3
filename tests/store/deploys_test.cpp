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
