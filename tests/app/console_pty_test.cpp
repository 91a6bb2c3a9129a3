// The console in a real terminal: a pseudo-terminal, not pipes, because on a tty stdin and
// stdout are one open file and what the reader does to one (O_NONBLOCK) the writer suffers.
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// goaround's console on the slave side of a pty, echo off; the test is the terminal.
struct Terminal {
  int master = -1;
  pid_t child = -1;
  std::string seen;

  explicit Terminal(const std::string& config) {
    termios settings{};
    cfmakeraw(&settings);
    settings.c_lflag |= ICANON;  // lines, as a person types them
    settings.c_oflag |= OPOST | ONLCR;
    child = forkpty(&master, nullptr, &settings, nullptr);
    REQUIRE(child >= 0);
    if (child == 0) {
      execl(GOAROUND_BINARY, GOAROUND_BINARY, "--config", config.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (child > 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    if (master >= 0) ::close(master);
  }
  void type(const std::string& line) {
    const auto text = line + "\n";
    for (std::size_t done = 0; done < text.size();) {
      const auto n = ::write(master, text.data() + done, text.size() - done);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  // Reads what the console prints until `marker` has appeared after `from`, or `limit` passes.
  bool read_until(const std::string& marker, std::size_t from, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (seen.find(marker, from) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const auto n = ::read(master, chunk, sizeof chunk);
      if (n <= 0) return false;
      seen.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
  }
};

}  // namespace

TEST_CASE("in a terminal the console keeps printing after an output larger than the terminal's buffer") {
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
log: { level: warn }
services:
  - name: checkout
    environment: sim
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 5ms }
)");
  Terminal terminal(config.string());
  REQUIRE(terminal.read_until("goaround console", 0));
  terminal.type("/rollback checkout 5xx after the deploy");
  REQUIRE(terminal.read_until("Confirm go-around", 0));
  // Seven notes of 3.7 KB: the timeline is then about 26 KB, far more than a pty holds.
  const std::string long_note(3700, 'x');
  for (int i = 0; i < 7; ++i) {
    const auto from = terminal.seen.size();
    terminal.type("/rollback note " + std::to_string(i) + " " + long_note);
    REQUIRE(terminal.read_until("Noted in incident #1", from));
  }
  const auto before_timeline = terminal.seen.size();
  terminal.type("/rollback timeline");
  // A person scrolling back, or a slow terminal: nobody reads for a while, the buffer fills.
  std::this_thread::sleep_for(1500ms);
  CHECK(terminal.read_until("6 " + long_note.substr(0, 100), before_timeline));
  // The console still speaks: a confirm runs the go-around and its result is printed.
  const auto before_confirm = terminal.seen.size();
  terminal.type("1");
  CHECK(terminal.read_until("rolled back to revision 41", before_confirm, 20s));
  const auto before_note = terminal.seen.size();
  terminal.type("/rollback note after the flood");
  CHECK(terminal.read_until("Noted in incident #1", before_note));
  terminal.type("quit");
  int status = 0;
  REQUIRE(::waitpid(terminal.child, &status, 0) == terminal.child);
  terminal.child = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
