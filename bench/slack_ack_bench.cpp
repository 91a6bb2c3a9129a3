// Envelope → ack latency, throughput and peak memory: goaround serve (on a normal data folder,
// and on one whose every fsync takes 5 ms longer) and a minimal Bolt app, driven by the same
// emulator harness in the same run. Every 50th envelope is delivered twice; each envelope's
// answer goes to its own response_url, so the harness counts how often each was worked on.
// Run: bash scripts/bench.sh   (prints the systems side by side, with ratios)
#include <boost/asio/read_until.hpp>
#include <boost/process/v2.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "support/http_call.hpp"
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
  int worked_once = 0, worked_twice = 0;  // answers per envelope at its response_url
  // The bot's own view (goaround only): the share of acks written within 0.5 ms of the frame
  // being read, from its goaround_slack_ack_seconds histogram on /metrics.
  double own_within_half_ms = -1;
  // The share of the machine's CPU time the hypervisor took during the run (steal, from
  // /proc/stat): a VM's neighbours move the tail, and the table says by how much.
  double stolen = 0;
};

// Total and stolen CPU ticks so far, from the first line of /proc/stat.
std::pair<double, double> cpu_ticks() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double total = 0, stolen = 0, value = 0;
  stat >> cpu;
  for (int field = 0; field < 8 && stat >> value; ++field) {
    total += value;
    if (field == 7) stolen = value;
  }
  return {total, stolen};
}

// From a Prometheus text histogram: the count in bucket le="0.0005" over the total.
double share_within_half_ms(const std::string& metrics) {
  const auto value_after = [&](const std::string& prefix) {
    const auto at = metrics.find(prefix);
    return at == std::string::npos ? -1.0 : std::atof(metrics.c_str() + at + prefix.size());
  };
  const auto within = value_after("goaround_slack_ack_seconds_bucket{le=\"0.0005\"} ");
  const auto all = value_after("goaround_slack_ack_seconds_count ");
  return within >= 0 && all > 0 ? within / all : -1;
}

long peak_rss_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Drives `envelopes` slash commands at a fixed rate into whatever is connected to `slack`.
// Each envelope's response_url is on `answers` (the emulator serving the Web API).
Figures drive(testing::SlackEmulator& slack, const testing::SlackEmulator& answers, int pid) {
  std::vector<Clock::time_point> sent(envelopes);
  const auto [total_before, stolen_before] = cpu_ticks();
  const auto start = Clock::now();
  for (int i = 0; i < envelopes; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate_per_second));
    json::object envelope{{"envelope_id", "bench-" + std::to_string(i)},
                          {"type", "slash_commands"},
                          {"accepts_response_payload", true},
                          {"payload", {{"command", "/rollback"}, {"text", "help"}, {"user_id", "U111"},
                                       {"user_name", "bench"}, {"channel_id", "C111"},
                                       {"response_url", answers.response_url("bench-" + std::to_string(i))}}}};
    sent[i] = Clock::now();
    slack.deliver(envelope);
    if (i % 50 == 49) slack.deliver(envelope);  // a redelivery: acked again, never worked twice
  }
  slack.wait_for_frame([&](const auto& frames) { return frames.size() >= static_cast<std::size_t>(envelopes + envelopes / 50); },
                       std::chrono::seconds(30));
  const auto [total_after, stolen_after] = cpu_ticks();
  const auto acks = slack.ack_times();
  std::vector<double> latencies;
  Clock::time_point last = start;
  for (int i = 0; i < envelopes; ++i)
    if (const auto it = acks.find("bench-" + std::to_string(i)); it != acks.end()) {
      latencies.push_back(std::chrono::duration<double, std::milli>(it->second - sent[i]).count());
      last = std::max(last, it->second);
    }
  Figures f;
  f.stolen = total_after > total_before ? (stolen_after - stolen_before) / (total_after - total_before) : 0;
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

// How often each envelope was answered at its response_url (goaround answers /rollback help
// there; Bolt's app only acks).
void count_work(testing::SlackEmulator& slack, Figures& f) {
  const auto answered = [](const std::vector<testing::SlackEmulator::Call>& calls) {
    std::map<std::string, int> per_envelope;
    for (const auto& call : calls)
      if (call.method == "response_url") ++per_envelope[call.target];
    return per_envelope;
  };
  slack.wait_for_call([&](const auto& calls) { return answered(calls).size() >= envelopes; },
                      std::chrono::seconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a second answer would come by now
  for (const auto& [target, times] : answered(slack.calls())) (times == 1 ? f.worked_once : f.worked_twice) += 1;
}

// `preload`: an LD_PRELOAD library for the bot (the slowed fsync), or empty.
Figures run_goaround(const std::string& binary, const std::string& preload) {
  // The websocket on one emulator thread, the Web API and response_urls on another: answering
  // the bot's calls never holds back reading its acks (Bolt's app makes no calls).
  testing::SlackEmulator slack, api;
  api.hand_out_links_of(slack);
  testing::TempDir dir;
  const auto port = testing::free_port();
  const auto config = dir.write_config("\nhttp: { listen: 127.0.0.1:" + std::to_string(port) + " }" +
                                                     "\nlog: { level: warn }\nslack:\n  app_token: ${BENCH_APP_TOKEN}\n"
                                                     "  bot_token: ${BENCH_BOT_TOKEN}\n  api_url: " + api.api_url() +
                                                     "\nservices: [{name: checkout, environment: e, adapter: sim}]\n");
  ::setenv("BENCH_APP_TOKEN", "xapp-1-A111-bench", 1);
  ::setenv("BENCH_BOT_TOKEN", "xoxb-bench", 1);
  asio::io_context io;
  if (!preload.empty()) ::setenv("LD_PRELOAD", preload.c_str(), 1);
  bp::process bot(io, binary, {"serve", "--config", config.string()}, bp::process_stdio{nullptr, nullptr, nullptr});
  ::unsetenv("LD_PRELOAD");
  slack.wait_for_connections(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto figures = drive(slack, api, bot.id());
  count_work(api, figures);
  figures.own_within_half_ms =
      share_within_half_ms(testing::http_call(port, boost::beast::http::verb::get, "/metrics").body);
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
  const auto figures = drive(slack, slack, node.id());
  node.terminate(ec);
  node.wait(ec);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s GOAROUND_BINARY BOLT_APP_MJS SLOW_FSYNC_SO\n", argv[0]);
    return 2;
  }
  const auto ours = run_goaround(argv[1], "");
  const auto slowed = run_goaround(argv[1], argv[3]);
  const auto bolt = run_bolt(argv[2]);
  std::printf("C++ emulator (Beast, TCP_NODELAY, websocket on its own thread): %d slash-command envelopes at %d/s, every 50th twice; "
              "latency = envelope sent -> ack received\n", envelopes, rate_per_second);
  std::printf("%-22s %12s %14s %12s %10s\n", "measure", "goaround", "goaround+5ms", "bolt-js", "bolt/ours");
  const auto row = [](const char* name, double a, double slow, double b) {
    std::printf("%-22s %12.3f %14.3f %12.3f %9.1fx\n", name, a, slow, b, a > 0 ? b / a : 0.0);
  };
  row("p50 ack (ms)", ours.p50_ms, slowed.p50_ms, bolt.p50_ms);
  row("p99 ack (ms)", ours.p99_ms, slowed.p99_ms, bolt.p99_ms);
  row("p99.9 ack (ms)", ours.p999_ms, slowed.p999_ms, bolt.p999_ms);
  std::printf("%-22s %12.0f %14.0f %12.0f\n", "throughput (acks/s)", ours.throughput, slowed.throughput, bolt.throughput);
  row("peak RSS (MiB)", ours.peak_rss_kb / 1024.0, slowed.peak_rss_kb / 1024.0, bolt.peak_rss_kb / 1024.0);
  const auto share = [](double value) {  // -1: no histogram was read
    char text[16];
    if (value < 0) return std::string("n/a");
    std::snprintf(text, sizeof text, "%.2f%%", 100 * value);
    return std::string(text);
  };
  std::printf("%-22s %12s %14s %12s\n", "own: acks <= 0.5 ms", share(ours.own_within_half_ms).c_str(),
              share(slowed.own_within_half_ms).c_str(), "-");
  std::printf("%-22s %11.1f%% %13.1f%% %11.1f%%\n", "CPU stolen (VM)", 100 * ours.stolen, 100 * slowed.stolen,
              100 * bolt.stolen);
  std::printf("%-22s %12d %14d %12d\n", "acked", ours.acked, slowed.acked, bolt.acked);
  std::printf("%-22s %12d %14d %12s\n", "worked once", ours.worked_once, slowed.worked_once, "-");
  std::printf("%-22s %12d %14d %12s\n", "worked twice", ours.worked_twice, slowed.worked_twice, "-");
  return 0;
}
