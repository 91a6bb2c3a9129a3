#include <catch2/catch.hpp>

#include <thread>

#include "store/store_support.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("the service lock admits one running execution and survives a restart") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  std::int64_t first = 0, second = 0;
  {
    auto& store = f.store;
    const auto incident = store.incidents().open_or_join("checkout", "prod", "alice", "", "").incident;
    first = store.executions().create(testing::planned(incident.id, "checkout"));
    second = store.executions().create(testing::planned(incident.id, "checkout"));
    CHECK(store.executions().start(first, "alice", "owner-1"));
    CHECK_FALSE(store.executions().start(second, "bob", "owner-1"));
    CHECK(store.executions().find(second)->state == model::ExecutionState::planned);
    CHECK_FALSE(store.executions().start(first, "alice", "owner-1"));  // already running
  }
  f.handle.reset();  // the first process is gone; its lock is not
  auto reopened_store = f.reopen();
  auto& reopened = *reopened_store;
  const auto lock = reopened.executions().service_lock("checkout");
  REQUIRE(lock);
  CHECK(lock->execution_id == first);
  CHECK(lock->holder == "alice");
  CHECK(reopened.executions().running("checkout")->id == first);
  CHECK(reopened.executions().finish(first, {model::ExecutionState::succeeded, 0, "rolled out", R"({"passed":true})"}, "owner-1"));
  CHECK_FALSE(reopened.executions().service_lock("checkout"));
  const auto done = reopened.executions().find(first);
  CHECK(done->state == model::ExecutionState::succeeded);
  CHECK(done->exit_code == 0);
  CHECK(done->finished_at);
  CHECK(reopened.executions().start(second, "bob", "owner-2"));
}

TEST_CASE("only a planned execution can be cancelled, and a state outside the list is refused") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& store = f.store;
  const auto incident = store.incidents().open_or_join("checkout", "prod", "alice", "", "").incident;
  const auto id = store.executions().create(testing::planned(incident.id, "checkout"));
  CHECK(store.executions().cancel(id));
  CHECK_FALSE(store.executions().cancel(id));
  CHECK_FALSE(store.executions().start(id, "alice", "owner-1"));
  CHECK(store.executions().find(id)->state == model::ExecutionState::cancelled);
  CHECK_THROWS(f.raw()->run_script("UPDATE executions SET state = 'done' WHERE id = 1"));
}

TEST_CASE("a takeover is compare-and-set, and a late owner cannot turn interrupted into succeeded") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& store = f.store;
  const model::Owner alive{"host/1/t/a", "host", 1, "t"}, rival{"host/2/t/b", "host", 2, "t"};
  store.executions().renew_owner(alive);
  const auto incident = store.incidents().open_or_join("checkout", "prod", "alice", "", "").incident;
  const auto id = store.executions().create(testing::planned(incident.id, "checkout"));
  REQUIRE(store.executions().start(id, "alice", alive.id));
  CHECK(store.executions().owns(id, alive.id));
  CHECK_FALSE(store.executions().owns(id, rival.id));
  const auto seen = store.executions().running_with_owners("checkout");
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].owner);
  CHECK(seen[0].owner->pid == 1);
  // The owner renews after the rival looked: the rival's takeover finds another heartbeat.
  std::this_thread::sleep_for(5ms);
  store.executions().renew_owner(alive);
  CHECK_FALSE(store.executions().take_over(seen[0], rival.id));
  CHECK(store.executions().owns(id, alive.id));
  // Seen again, with the heartbeat as it is now: exactly one takeover wins.
  const auto again = store.executions().running_with_owners("checkout").at(0);
  CHECK(store.executions().take_over(again, rival.id));
  CHECK_FALSE(store.executions().take_over(again, rival.id));
  CHECK_FALSE(store.executions().service_lock("checkout"));
  // The late owner finishes: nothing changes.
  CHECK_FALSE(store.executions().finish(id, {model::ExecutionState::succeeded, 0, "", ""}, alive.id));
  const auto row = store.executions().find(id);
  CHECK(row->state == model::ExecutionState::interrupted);
  CHECK(row->taken_over_by == rival.id);
  CHECK_FALSE(store.executions().owns(id, alive.id));
}


TEST_CASE("an incident's go-arounds are listed in order, the latest is found, and the service's last end is known") {
  testing::StoreFixture f(GENERATE(testing::both_backends()));
  auto& executions = f.store.executions();
  const auto incident = f.open_incident();
  const auto first = executions.create(testing::planned(incident, "checkout"));
  CHECK_FALSE(executions.last_end("checkout"));
  CHECK(executions.start(first, "alice", "owner-1"));
  f.clock.advance(2min);
  CHECK(executions.finish(first, {model::ExecutionState::failed, 1, "exceeded its progress deadline", "{}"}, "owner-1"));
  const auto second = executions.create(testing::planned(incident, "checkout"));
  const auto all = executions.of_incident(incident);
  REQUIRE(all.size() == 2);
  CHECK(all[0].state == model::ExecutionState::failed);
  CHECK(all[0].exit_code == 1);
  CHECK(all[0].output_tail == "exceeded its progress deadline");
  CHECK(executions.latest(incident)->id == second);
  CHECK(executions.last_end("checkout") == "2026-11-23T16:14:58.123Z");
  CHECK_FALSE(executions.running("checkout"));
  executions.record_recheck(first, R"({"passed":true})");  // only an interrupted one takes a re-check
  CHECK(executions.find(first)->verification == "{}");
}
