// The store on both backends, in one run: SQLite (synchronous=FULL, the default) and PostgreSQL
// (fsync on, synchronous_commit on: its defaults) on loopback, the same calls on each.
// Run: bash scripts/bench.sh   (or: goaround_store_bench POSTGRES_URL)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "goaround/store/postgres_store.hpp"
#include "goaround/store/sqlite_store.hpp"

using namespace goaround;
using Clock = std::chrono::steady_clock;

namespace {

// Calls `step` `count` times; returns calls per second.
double rate(int count, const std::function<void(int)>& step) {
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) step(i);
  return count / std::chrono::duration<double>(Clock::now() - start).count();
}

struct Figures {
  double appends = 0, batched = 0, go_arounds = 0, renewals = 0;
};

Figures measure(store::Store& store) {
  Figures f;
  const auto incident = store.incidents().open_or_join("checkout", "prod", "bench", "benchmark", "C1").incident;
  f.appends = rate(1'000, [&](int i) {
    store.timeline().append(incident.id, model::EventKind::note, "bench", "entry " + std::to_string(i));
  });
  std::vector<store::Timeline::NewEvent> batch;
  for (int i = 0; i < 1'000; ++i) batch.push_back({model::EventKind::progress, "goaround", "3/4 ready", {{"ready", 3}}});
  f.batched = 1'000 * rate(20, [&](int) { store.timeline().append_many(incident.id, batch); });
  // A go-around's store round trips: plan, confirm (lock), heartbeat, what it says, result.
  const model::Owner owner{"bench/1/t/n", "bench", 1, "t"};
  f.go_arounds = rate(200, [&](int) {
    const auto id = store.executions().create(
        {incident.id, "checkout", "sim", R"(["sim","rollout","undo"])", "42", "41", "bench", "5xx"});
    store.executions().start(id, "bench", owner.id);
    store.executions().renew_owner(owner);
    for (const auto kind : {model::EventKind::confirmation, model::EventKind::command, model::EventKind::progress,
                            model::EventKind::verification, model::EventKind::result})
      store.timeline().append(incident.id, kind, "goaround", "step");
    store.executions().finish(id, {model::ExecutionState::succeeded, 0, "", ""}, owner.id);
  });
  f.renewals = rate(1'000, [&](int) { store.leases().acquire("leader", "bench", std::chrono::seconds(2)); });
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: goaround_store_bench POSTGRES_URL\n");
    return 2;
  }
  const auto dir = std::filesystem::temp_directory_path() / "goaround-store-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  time::SystemClock clock;
  store::SqliteStore sqlite(dir / "goaround.db", clock);
  store::PostgresStore postgres(argv[1], std::nullopt, clock);
  const auto s = measure(sqlite);
  const auto p = measure(postgres);
  std::printf("%-52s %10s %10s %8s\n", "measure (per second)", "SQLite", "PostgreSQL", "PG/SQLite");
  const auto row = [](const char* what, double a, double b) {
    std::printf("%-52s %10.0f %10.0f %8.2f\n", what, a, b, b / a);
  };
  row("timeline append, one durable transaction each", s.appends, p.appends);
  row("timeline append, batched 1,000 a transaction", s.batched, p.batched);
  row("go-arounds' store round trips (9 calls each)", s.go_arounds, p.go_arounds);
  row("leader lease renewals", s.renewals, p.renewals);
  std::filesystem::remove_all(dir);
  return 0;
}
