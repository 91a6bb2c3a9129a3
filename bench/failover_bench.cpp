// Leader failover on PostgreSQL: three `goaround serve` replicas on one database, each with its
// own Socket Mode link to the test's Slack emulator, an incident posting status every second.
// Each trial kill -9s the leader and measures, two ways, how long until another took over:
//   - as people see it: kill → the next status post in the emulator;
//   - as the database sees it: kill → the lease row naming another holder (polled every 10 ms).
// A slash command sent just after each kill must be acked (envelopes answered throughout).
// After the trials every status post is checked against the timeline: none doubled.
// Run: bash scripts/bench.sh   (or: goaround_failover_bench POSTGRES_URL [TRIALS])
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "goaround/store/postgres_store.hpp"
#include "support/served_bot.hpp"

using namespace goaround;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

namespace {

bool status_post(const testing::SlackEmulator::Call& call) {
  return call.method == "chat.postMessage" && json::serialize(call.body).find("Status update") != std::string::npos;
}

long status_posts(const std::vector<testing::SlackEmulator::Call>& calls) {
  return std::count_if(calls.begin(), calls.end(), status_post);
}

json::value slash_command(const std::string& id, const std::string& text) {
  return json::object{{"envelope_id", id},
                      {"type", "slash_commands"},
                      {"accepts_response_payload", true},
                      {"payload",
                       {{"command", "/rollback"}, {"text", text}, {"user_id", "U111"}, {"user_name", "bench"},
                        {"channel_id", "C111"}, {"response_url", ""}}}};
}

std::string lease_holder(store::sql::PostgresSession& db) {
  const auto result = db.run("SELECT holder FROM leases WHERE name = 'leader' AND expires_ms > " +
                             std::string(store::sql::now_ms(store::sql::Dialect::postgres)));
  return result.first() ? result.first()->text(0) : "";
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void summary(const char* what, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  if (values.empty()) return;
  std::printf("%-58s %8.0f %8.0f %8.0f\n", what, values.front(), values[values.size() / 2], values.back());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: goaround_failover_bench POSTGRES_URL [TRIALS]\n");
    return 2;
  }
  const std::string url = argv[1];
  const int trials = argc > 2 ? std::atoi(argv[2]) : 20;
  testing::SlackEmulator slack;
  const auto top = "log: { level: warn }\nstore: { url: " + url + " }\n";
  std::vector<std::unique_ptr<testing::ServedBot>> replicas;
  int connections = 0;
  const auto start_replica = [&] {
    replicas.push_back(std::make_unique<testing::ServedBot>(slack, "    status_interval: 1s\n", "", top));
    slack.wait_for_connections(++connections);
  };
  for (int i = 0; i < 3; ++i) start_replica();
  std::this_thread::sleep_for(300ms);
  slack.deliver(slash_command("open", "checkout --reason 'failover bench'"));
  if (!slack.wait_for_call([](const auto& calls) { return status_posts(calls) > 0; }, 15s)) {
    std::fprintf(stderr, "no status post within 15 s\n");
    return 1;
  }
  store::sql::PostgresSession db(url, std::nullopt);
  std::vector<double> to_post, to_lease;
  int acked_during = 0, failed = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto holder = lease_holder(db);
    const auto leader = std::find_if(replicas.begin(), replicas.end(), [&](const auto& r) {
      return holder.find("/" + std::to_string(r->bot->id()) + "/") != std::string::npos;
    });
    if (leader == replicas.end()) {
      ++failed;
      std::this_thread::sleep_for(1s);
      continue;
    }
    const auto before = status_posts(slack.calls());
    ::kill((*leader)->bot->id(), SIGKILL);
    const auto killed_at = Clock::now();
    std::this_thread::sleep_for(100ms);  // the link is gone; the next envelope goes to a survivor
    const auto command_id = "during-" + std::to_string(trial);
    slack.deliver(slash_command(command_id, "help"));
    std::optional<Clock::time_point> lease_moved;
    while (!lease_moved && Clock::now() - killed_at < 15s) {
      const auto now_holder = lease_holder(db);
      if (!now_holder.empty() && now_holder != holder) lease_moved = Clock::now();
      else std::this_thread::sleep_for(10ms);
    }
    const bool posted = slack.wait_for_call([&](const auto& calls) { return status_posts(calls) > before; }, 15s);
    const auto posted_at = Clock::now();
    if (slack.wait_for_frame([&](const auto& frames) { return testing::acked(frames, command_id); }, 3s))
      ++acked_during;
    if (!posted || !lease_moved) ++failed;
    else {
      to_post.push_back(ms(posted_at - killed_at));
      to_lease.push_back(ms(*lease_moved - killed_at));
    }
    (*leader)->wait();
    replicas.erase(leader);
    start_replica();
    std::this_thread::sleep_for(1500ms);
  }
  // None doubled: the timeline has one row per post, and no two posts less than half the
  // one-second interval apart.
  const auto rows = db.run("SELECT at FROM timeline_events WHERE kind = 'status_update' ORDER BY at").rows;
  int doubled = 0;
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (*time::parse_utc(rows[i].text(0)) - *time::parse_utc(rows[i - 1].text(0)) < 500ms) ++doubled;
  const auto executions = db.run("SELECT count(*) FROM executions WHERE state NOT IN ('planned', 'cancelled')");
  std::printf("Leader failover: 3 replicas on PostgreSQL, leader_lease 2s (renewed every 500 ms), %d trials\n",
              trials);
  std::printf("%-58s %8s %8s %8s\n", "measure (ms)", "min", "median", "max");
  summary("kill -9 of the leader -> next status post by another", to_post);
  summary("kill -9 of the leader -> the lease names another holder", to_lease);
  std::printf("%-58s %8d\n", "trials that did not fail over", failed);
  std::printf("%-58s %5d/%d\n", "slash commands sent during failover, acked", acked_during, trials);
  std::printf("%-58s %8ld\n", "status posts (emulator)", status_posts(slack.calls()));
  std::printf("%-58s %8zu\n", "status updates in the timeline", rows.size());
  std::printf("%-58s %8d\n", "doubled status posts (< 0.5 s apart)", doubled);
  std::printf("%-58s %8s\n", "go-arounds run (none were asked for)", executions.first()->text(0).c_str());
  for (auto& replica : replicas) replica->stop();
  return failed == 0 && doubled == 0 ? 0 : 1;
}
