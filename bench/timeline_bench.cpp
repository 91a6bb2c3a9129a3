// Timeline append throughput and debrief generation on a large incident.
// Run: bash scripts/bench.sh   (Release build; prints one table, ratios included)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "goaround/chat/templates.hpp"
#include "goaround/debrief/debrief.hpp"
#include "goaround/store/sqlite_store.hpp"

using namespace goaround;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<store::Timeline::NewEvent> batch(std::size_t n, std::size_t offset) {
  std::vector<store::Timeline::NewEvent> events;
  events.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    events.push_back({i % 10 == 0 ? model::EventKind::note : model::EventKind::progress, "goaround",
                      "checkout: 3/4 ready, entry " + std::to_string(offset + i), {{"ready", 3}}});
  return events;
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / "goaround-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  time::SystemClock clock;
  store::SqliteStore store(dir / "goaround.db", clock);
  const auto incident = store.incidents().open_or_join("checkout", "prod", "bench", "benchmark", "C1").incident;

  // Durable one by one: every append is its own fsync'd transaction (what a person's note costs).
  constexpr std::size_t singles = 2'000;
  auto start = Clock::now();
  for (std::size_t i = 0; i < singles; ++i)
    store.timeline().append(incident.id, model::EventKind::note, "bench", "single entry " + std::to_string(i));
  const double single_rate = singles / seconds_since(start);

  // Batched: 1,000 events a transaction, as bulk capture writes them.
  constexpr std::size_t batched = 100'000 - singles;
  start = Clock::now();
  for (std::size_t done = 0; done < batched; done += 1'000) store.timeline().append_many(incident.id, batch(1'000, done));
  const double batched_rate = batched / seconds_since(start);

  // Debrief of the whole 100,000-event incident: context and Markdown, then chart and files.
  chat::Templates templates;
  const auto fresh = *store.incidents().find(incident.id);
  start = Clock::now();
  const auto all = store.timeline().events(incident.id);
  const double read_ms = seconds_since(start) * 1000;
  start = Clock::now();
  const auto context = debrief::context(store, fresh, nullptr, "chart.svg");
  const auto markdown = templates.render("debrief.md", context);
  const double debrief_ms = seconds_since(start) * 1000;
  start = Clock::now();
  const auto written = debrief::write(store, templates, fresh, nullptr, {}, dir / "debrief.md");
  const double written_ms = seconds_since(start) * 1000;

  std::printf("%-52s %14s\n", "measure", "value");
  std::printf("%-52s %14.0f\n", "append, one durable transaction each (events/s)", single_rate);
  std::printf("%-52s %14.0f\n", "append, batched 1,000 a transaction (events/s)", batched_rate);
  std::printf("%-52s %14.1f\n", "batched / single (ratio)", batched_rate / single_rate);
  std::printf("%-52s %14.1f\n", "read the 100,000-event timeline (ms)", read_ms);
  std::printf("%-52s %14.1f\n", "debrief of 100,000 events: context + Markdown (ms)", debrief_ms);
  std::printf("%-52s %14.1f\n", "debrief of 100,000 events: + chart, files (ms)", written_ms);
  std::printf("%-52s %14zu\n", "debrief Markdown size (bytes)", markdown.size() + 0 * written.text.size() + 0 * all.size());
  std::filesystem::remove_all(dir);
  return 0;
}
