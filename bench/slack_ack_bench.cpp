// Envelope → ack latency, throughput and peak memory: goaround serve and a minimal Bolt app,
// driven by the same emulator harness in the same run.
// Run: bash scripts/bench.sh   (prints both systems side by side, with ratios)
#include <boost/asio/read_until.hpp>
#include <boost/process/v2.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "support/slack_emulator.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
namespace bp = boost::process::v2;
namespace json = boost::json;

namespace {

constexpr int envelopes = 5'000;
constexpr int rate_per_second = 1'000;

struct Figures {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, throughput = 0;
  long peak_rss_kb = 0;
  int acked = 0;
};

long peak_rss_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Drives `envelopes` slash commands at a fixed rate into whatever is connected to `slack`.
Figures drive(testing::SlackEmulator& slack, int pid) {
  std::vector<Clock::time_point> sent(envelopes);
  const auto start = Clock::now();
  for (int i = 0; i < envelopes; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate_per_second));
    json::object envelope{{"envelope_id", "bench-" + std::to_string(i)},
                          {"type", "slash_commands"},
                          {"accepts_response_payload", true},
                          {"payload", {{"command", "/rollback"}, {"text", "help"}, {"user_id", "U111"},
                                       {"user_name", "bench"}, {"channel_id", "C111"}}}};
    sent[i] = Clock::now();
    slack.deliver(envelope);
  }
  slack.wait_for_frame([&](const auto& frames) { return frames.size() >= static_cast<std::size_t>(envelopes); },
                       std::chrono::seconds(30));
  const auto acks = slack.ack_times();
  std::vector<double> latencies;
  Clock::time_point last = start;
  for (int i = 0; i < envelopes; ++i)
    if (const auto it = acks.find("bench-" + std::to_string(i)); it != acks.end()) {
      latencies.push_back(std::chrono::duration<double, std::milli>(it->second - sent[i]).count());
      last = std::max(last, it->second);
    }
  Figures f;
  f.acked = static_cast<int>(latencies.size());
  if (latencies.empty()) return f;
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) { return latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(q * latencies.size()))]; };
  f.p50_ms = at(0.50);
  f.p99_ms = at(0.99);
  f.p999_ms = at(0.999);
  f.throughput = latencies.size() / std::chrono::duration<double>(last - start).count();
  f.peak_rss_kb = peak_rss_kb(pid);
  return f;
}

Figures run_goaround(const std::string& binary) {
  testing::SlackEmulator slack;
  testing::TempDir dir;
  const auto config = dir.write("goaround.yaml", "data_dir: " + (dir.path() / "var").string() +
                                                     "\nlog: { level: warn }\nslack:\n  app_token: ${BENCH_APP_TOKEN}\n"
                                                     "  bot_token: ${BENCH_BOT_TOKEN}\n  api_url: " + slack.api_url() +
                                                     "\nservices: [{name: checkout, environment: e, adapter: sim}]\n");
  ::setenv("BENCH_APP_TOKEN", "xapp-1-A111-bench", 1);
  ::setenv("BENCH_BOT_TOKEN", "xoxb-bench", 1);
  asio::io_context io;
  bp::process bot(io, binary, {"serve", "--config", config.string()}, bp::process_stdio{nullptr, nullptr, nullptr});
  slack.wait_for_connections(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto figures = drive(slack, bot.id());
  boost::system::error_code ec;
  bot.request_exit(ec);
  bot.wait(ec);
  return figures;
}

Figures run_bolt(const std::string& app) {
  testing::SlackEmulator slack;
  asio::io_context io;
  asio::readable_pipe out(io);
  bp::process node(io, bp::environment::find_executable("node"), {app, slack.api_url()},
                   bp::process_stdio{nullptr, out, nullptr});
  std::string seen;
  boost::system::error_code ec;
  asio::read_until(out, asio::dynamic_buffer(seen), "connected", ec);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto figures = drive(slack, node.id());
  node.terminate(ec);
  node.wait(ec);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s GOAROUND_BINARY BOLT_APP_MJS\n", argv[0]);
    return 2;
  }
  const auto ours = run_goaround(argv[1]);
  const auto bolt = run_bolt(argv[2]);
  std::printf("%d slash-command envelopes at %d/s; latency = envelope sent → ack received (emulator)\n",
              envelopes, rate_per_second);
  std::printf("%-22s %12s %12s %10s\n", "measure", "goaround", "bolt-js", "ratio");
  const auto row = [](const char* name, double a, double b) {
    std::printf("%-22s %12.3f %12.3f %9.1fx\n", name, a, b, a > 0 ? b / a : 0.0);
  };
  row("p50 ack (ms)", ours.p50_ms, bolt.p50_ms);
  row("p99 ack (ms)", ours.p99_ms, bolt.p99_ms);
  row("p99.9 ack (ms)", ours.p999_ms, bolt.p999_ms);
  std::printf("%-22s %12.0f %12.0f\n", "throughput (acks/s)", ours.throughput, bolt.throughput);
  row("peak RSS (MiB)", ours.peak_rss_kb / 1024.0, bolt.peak_rss_kb / 1024.0);
  std::printf("%-22s %12d %12d\n", "acked", ours.acked, bolt.acked);
  return 0;
}
