#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "goaround/exec/process.hpp"

using namespace goaround::exec;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

ProcessResult run(ProcessSpec spec, std::vector<std::string>* lines = nullptr) {
  asio::io_context io;
  ProcessResult result;
  asio::co_spawn(io, run_process(std::move(spec), [&](std::string_view line) {
                   if (lines) lines->emplace_back(line);
                 }),
                 [&](std::exception_ptr e, ProcessResult r) {
                   if (e) std::rethrow_exception(e);
                   result = std::move(r);
                 });
  io.run();
  return result;
}

}  // namespace

TEST_CASE("a command's output, exit status and lines come back, argv untouched by any shell") {
  std::vector<std::string> lines;
  const auto r = run({{"printf", "%s\\n", "one; rm -rf /", "$(id)"}, {}, 5s}, &lines);
  CHECK(r.ok());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "one; rm -rf /\n$(id)\n");
  CHECK(lines == std::vector<std::string>{"one; rm -rf /", "$(id)"});
}

TEST_CASE("a non-zero exit is classified and its last error line kept") {
  const auto r = run({{"sh", "-c", "echo working; echo 'error: it broke' >&2; exit 3"}, {}, 5s});
  CHECK(r.error == ProcessError::exit_nonzero);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.message, Contains("`sh` exited with 3: error: it broke"));
  CHECK(r.tail() == "error: it broke\nworking");
}

TEST_CASE("a missing binary is a clear message naming it") {
  const auto r = run({{"kubectl-that-does-not-exist", "version"}, {}, 5s});
  CHECK(r.error == ProcessError::not_found);
  CHECK_THAT(r.message, Contains("`kubectl-that-does-not-exist` was not found on PATH"));
  const auto by_path = run({{"/nonexistent/helm", "history"}, {}, 5s});
  CHECK(by_path.error == ProcessError::not_found);
  CHECK_THAT(by_path.message, Contains("`/nonexistent/helm` was not found"));
}

TEST_CASE("a timeout kills the whole process group and leaves no orphan") {
  const auto r = run({{"sh", "-c", "sleep 30 & echo $!; wait"}, {}, 500ms});
  CHECK(r.error == ProcessError::timed_out);
  CHECK_THAT(r.message, Contains("did not finish within"));
  REQUIRE_FALSE(r.out.empty());
  const int grandchild = std::stoi(r.out);
  // Gone, or a zombie waiting for a reaper: either way no longer running.
  std::this_thread::sleep_for(100ms);
  std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
  std::string pid, name, state;
  stat >> pid >> name >> state;
  CHECK((state.empty() || state == "Z"));
}

TEST_CASE("the child gets a controlled environment, never the bot's secrets") {
  ::setenv("SLACK_BOT_TOKEN", "xoxb-must-not-leak", 1);
  const auto r = run({{"env"}, {{"KUBECONFIG", "/etc/goaround/kubeconfig"}}, 5s});
  CHECK_THAT(r.out, Contains("KUBECONFIG=/etc/goaround/kubeconfig"));
  CHECK_THAT(r.out, Contains("PATH="));
  CHECK_THAT(r.out, !Contains("xoxb-must-not-leak"));
  ::unsetenv("SLACK_BOT_TOKEN");
}

TEST_CASE("output beyond the cap keeps the newest part") {
  const auto r = run({{"sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"},
                      {}, 5s, 1024});
  CHECK(r.ok());
  CHECK(r.out.size() == 1024);
  CHECK_THAT(r.out, Contains("line1999\n"));
  CHECK_THAT(r.out, !Contains("line0\n"));
}
