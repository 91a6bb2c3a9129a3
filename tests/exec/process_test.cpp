#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "goaround/exec/process.hpp"
#include "goaround/exec/tool_support.hpp"

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

TEST_CASE("the child gets exactly the environment it is given") {
  const auto r = run({{"/usr/bin/env"}, {{"KUBECONFIG", "/etc/goaround/kubeconfig"}}, 5s});
  CHECK(r.out == "KUBECONFIG=/etc/goaround/kubeconfig\n");
}

namespace {

// The bot's environment as a pod or a laptop gives it, with the bot's secrets in it.
const char* const pod_environment[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "HOME=/home/goaround",
    "KUBECONFIG=/home/goaround/.kube/config",
    "KUBERNETES_SERVICE_HOST=10.96.0.1",
    "KUBERNETES_SERVICE_PORT=443",
    "HTTPS_PROXY=http://proxy.internal:3128",
    "NO_PROXY=10.0.0.0/8,.svc",
    "AWS_PROFILE=prod-deployer",
    "GOOGLE_APPLICATION_CREDENTIALS=/var/run/gcp/key.json",
    "SLACK_BOT_TOKEN=xoxb-must-not-leak",
    "SLACK_APP_TOKEN=",
    "COPIED_TOKEN=Bearer xoxb-must-not-leak",
    "HTTP_TOKEN_FROM_FILE=s3cr3t-from-a-file",
    nullptr,
};

goaround::config::Tools pod_tools() {
  goaround::config::Tools tools;
  tools.withheld = {{"xoxb-must-not-leak", "${SLACK_BOT_TOKEN}"},
                    {"", "${SLACK_APP_TOKEN}"},
                    {"s3cr3t-from-a-file", "/etc/goaround/http-token"}};
  return tools;
}

}  // namespace

TEST_CASE("tools inherit the pod's environment without the bot's secrets") {
  const auto env = tool::environment(pod_tools(), {}, pod_environment);
  for (const auto* name : {"PATH", "HOME", "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
                           "HTTPS_PROXY", "NO_PROXY", "AWS_PROFILE", "GOOGLE_APPLICATION_CREDENTIALS"}) {
    INFO(name);
    CHECK(env.contains(name));
  }
  CHECK(env.at("KUBECONFIG") == "/home/goaround/.kube/config");
  // The secret's own variable (set or empty), a copy of its value, and a file secret's value.
  for (const auto* name : {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "COPIED_TOKEN", "HTTP_TOKEN_FROM_FILE"}) {
    INFO(name);
    CHECK_FALSE(env.contains(name));
  }
}

TEST_CASE("tools.kubeconfig and an adapter's own credential override what is inherited") {
  auto tools = pod_tools();
  tools.kubeconfig = "/etc/goaround/kubeconfig";
  const auto env = tool::environment(tools, {{"ARGOCD_AUTH_TOKEN", "argo-token"}}, pod_environment);
  CHECK(env.at("KUBECONFIG") == "/etc/goaround/kubeconfig");
  CHECK(env.at("ARGOCD_AUTH_TOKEN") == "argo-token");
}

TEST_CASE("the strict form hands down the base and the names passed, never a secret") {
  auto tools = pod_tools();
  tools.environment = {false, {"AWS_PROFILE", "HTTPS_PROXY"}};
  const auto env = tool::environment(tools, {}, pod_environment);
  std::vector<std::string> names;
  for (const auto& [name, value] : env) names.push_back(name);
  CHECK(names == std::vector<std::string>{"AWS_PROFILE", "HOME", "HTTPS_PROXY", "PATH"});
}

TEST_CASE("output beyond the cap keeps the newest part") {
  const auto r = run({{"sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"},
                      {}, 5s, 1024});
  CHECK(r.ok());
  CHECK(r.out.size() == 1024);
  CHECK_THAT(r.out, Contains("line1999\n"));
  CHECK_THAT(r.out, !Contains("line0\n"));
}
