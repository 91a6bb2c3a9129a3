#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "goaround/config/config.hpp"
#include "goaround/exec/adapter.hpp"
#include "support/temp_dir.hpp"

namespace goaround::testing {

// One run of the stand-in tools in tests/support/tools: a fresh state directory (the one
// holding the kubeconfig, the only path the adapters hand their tools), the argv log, and the
// scenario switches (StandIn.pm).
class StandinTools {
 public:
  StandinTools() { dir_.write("kubeconfig", "apiVersion: v1\nkind: Config\n"); }

  static std::string path(const std::string& tool) {
    return std::string(GOAROUND_SOURCE_DIR) + "/tests/support/tools/" + tool;
  }

  config::Tools tools() const {
    config::Tools tools;
    tools.kubectl = path("kubectl");
    tools.helm = path("helm");
    tools.argocd = path("argocd");
    tools.argo_rollouts = path("kubectl-argo-rollouts");
    tools.kubeconfig = (dir_.path() / "kubeconfig").string();
    return tools;
  }

  // STANDIN_<name>=<value> for every later call.
  void set(const std::string& name, const std::string& value = "1") const {
    std::ofstream(dir_.path() / "scenario.env", std::ios::app)
        << "STANDIN_" << name << "=" << value << "\n";
  }

  // Every argv the stand-ins were given, in order.
  std::vector<std::vector<std::string>> calls() const {
    std::vector<std::vector<std::string>> out;
    std::ifstream log(dir_.path() / "argv.log");
    for (std::string line; std::getline(log, line);) {
      std::vector<std::string> argv;
      const auto words = boost::json::parse(line);
      for (const auto& word : words.as_array()) argv.emplace_back(word.as_string());
      out.push_back(std::move(argv));
    }
    return out;
  }

  std::string read(const std::string& name) const {
    std::ifstream in(dir_.path() / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  TempDir dir_;
};

// Runs one adapter step to completion on `io`.
template <typename T>
T complete(boost::asio::io_context& io, boost::asio::awaitable<T> step) {
  std::optional<T> result;
  boost::asio::co_spawn(io, std::move(step), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    result = std::move(value);
  });
  io.restart();
  io.run();
  return std::move(result.value());
}

// One adapter against a fresh set of stand-in tools, each step run to completion; the tools
// report no replica counts, so progress is their output lines.
template <typename Adapter>
struct AdapterRun {
  StandinTools standin;
  boost::asio::io_context io;
  std::optional<Adapter> adapter;
  std::vector<std::string> progress;

  explicit AdapterRun(const config::Service& service) {
    adapter.emplace(io.get_executor(), service, standin.tools());
  }
  exec::Plan plan(std::optional<std::string> to = std::nullopt) { return complete(io, adapter->plan(to)); }
  exec::Outcome execute(const exec::Plan& plan) {
    return complete(io, adapter->execute(plan, [&](const exec::Progress& p) {
      CHECK(p.desired == 0);
      progress.push_back(p.detail);
    }));
  }
  exec::Verification verify(const exec::Plan& plan) { return complete(io, adapter->verify(plan)); }
  exec::History history() { return complete(io, adapter->history()); }
};

}  // namespace goaround::testing
