#include <catch2/catch.hpp>

#include <thread>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("a lease has one holder until it expires, and the next holder gets the next fencing token") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto other_process = f.reopen();
  auto& mine = f.store.leases();
  auto& theirs = other_process->leases();
  const auto first = mine.acquire("leader", "replica-a", 400ms);
  REQUIRE(first);
  CHECK(first->expires_ms - first->now_ms == 400);
  CHECK_FALSE(theirs.acquire("leader", "replica-b", 400ms));  // a running lease is left alone
  const auto renewed = mine.acquire("leader", "replica-a", 400ms);
  REQUIRE(renewed);
  CHECK(renewed->token == first->token);  // renewing keeps the token
  CHECK(theirs.holder("leader") == "replica-a");
  std::this_thread::sleep_for(450ms);
  CHECK_FALSE(theirs.holder("leader"));  // expired: nobody holds it
  const auto taken = theirs.acquire("leader", "replica-b", 400ms);
  REQUIRE(taken);
  CHECK(taken->token == first->token + 1);
  CHECK_FALSE(mine.acquire("leader", "replica-a", 400ms));  // the deposed holder cannot renew
  theirs.release("leader", "replica-b");
  const auto back = mine.acquire("leader", "replica-a", 400ms);  // released: free at once
  REQUIRE(back);
  CHECK(back->token == first->token + 2);
}

TEST_CASE("a status post is claimed once, and only under the lease's current token") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  const auto incident = f.open_incident();
  const model::Schedule due{incident, 600s, "2026-11-24T12:10:00.000Z", std::nullopt,
                            std::nullopt, std::nullopt, 0.12, std::nullopt};
  f.store.schedules().save(due);
  auto next = due;
  next.next_due_at = "2026-11-24T12:20:00.000Z";
  next.last_posted_at = "2026-11-24T12:10:00.000Z";
  const auto grant = f.store.leases().acquire("leader", "replica-a", 5s);
  REQUIRE(grant);
  const store::Fence stale{"leader", "replica-a", grant->token - 1};
  CHECK_FALSE(f.store.schedules().claim(due, next, stale));  // a deposed leader's late write
  CHECK_FALSE(f.store.schedules().claim(due, next, {"leader", "replica-b", grant->token}));
  const store::Fence fence{"leader", "replica-a", grant->token};
  CHECK(f.store.schedules().claim(due, next, fence));
  CHECK_FALSE(f.store.schedules().claim(due, next, fence));  // claimed: the second try changes nothing
  const auto stored = f.store.schedules().find(incident);
  REQUIRE(stored);
  CHECK(stored->next_due_at == "2026-11-24T12:20:00.000Z");
  CHECK(stored->last_posted_at == "2026-11-24T12:10:00.000Z");
  CHECK(stored->detection_value == 0.12);
}
