#include <catch2/catch.hpp>

#include <map>

#include "goaround/config/config.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using namespace std::chrono_literals;

namespace {

config::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool has_problem(const config::Parsed& parsed, int line, int column, const std::string& part) {
  for (const auto& p : parsed.problems)
    if (p.line == line && p.column == column && p.message.find(part) != std::string::npos)
      return true;
  return false;
}

}  // namespace

TEST_CASE("the example configuration documents a valid file") {
  const auto parsed = config::parse(read_file(GOAROUND_SOURCE_DIR "/deploy/goaround.example.yaml"),
                                    env({{"SLACK_APP_TOKEN", "xapp-1-test"},
                                         {"SLACK_BOT_TOKEN", "xoxb-test"}}));
  INFO((parsed.problems.empty() ? "" : parsed.problems.front().message));
  REQUIRE(parsed.config);
  const auto& cfg = *parsed.config;
  CHECK(cfg.slack.app_token.reveal() == "xapp-1-test");
  CHECK(cfg.slack.app_token.source() == "${SLACK_APP_TOKEN}");
  CHECK(cfg.slack.api_url == "https://slack.com/api/");
  REQUIRE(cfg.services.size() == 5);
  const auto& checkout = cfg.services[0];
  CHECK(checkout.adapter == config::AdapterKind::kubectl);
  REQUIRE(checkout.kubectl);
  CHECK(checkout.kubectl->namespace_name == "shop");
  CHECK(checkout.allowed.users == std::vector<std::string>{"U012AB3CD"});
  CHECK(checkout.allowed.groups == std::vector<std::string>{"oncall-shop"});
  CHECK(checkout.status_interval == 15min);
  const auto& payments = *cfg.find_service("payments");
  CHECK(payments.sim.revisions == 17);
  CHECK(payments.sim.step == 400ms);
  CHECK(payments.status_interval == 10min);
}

TEST_CASE("the embedded default has two simulated services and no Slack") {
  const auto parsed = config::parse(config::embedded_default(), env({}));
  REQUIRE(parsed.config);
  CHECK(parsed.config->service_names() == std::vector<std::string>{"checkout", "payments"});
  for (const auto& s : parsed.config->services) CHECK(s.adapter == config::AdapterKind::sim);
  CHECK(parsed.config->slack.app_token.empty());
}

TEST_CASE("an unset token variable leaves the secret empty instead of failing") {
  const auto parsed = config::parse(
      "slack: { app_token: '${NOT_SET_HERE}' }\nservices: [{name: a, environment: e, adapter: sim}]\n",
      env({}));
  REQUIRE(parsed.config);
  CHECK(parsed.config->slack.app_token.empty());
  CHECK(parsed.config->slack.app_token.source() == "${NOT_SET_HERE}");
}

TEST_CASE("unknown keys are errors with their line and column, and every problem is reported") {
  const auto parsed = config::parse(R"yaml(data_dir: ./var
services:
  - name: checkout
    environment: prod
    adaptor: sim
    status_interval: soon
verbose: true
)yaml",
                                    env({}));
  CHECK_FALSE(parsed.config);
  CHECK(has_problem(parsed, 5, 5, "unknown key `adaptor` in services[0]"));
  CHECK(has_problem(parsed, 3, 5, "services[0].adapter is required"));
  CHECK(has_problem(parsed, 6, 22, "`soon` is not a duration"));
  CHECK(has_problem(parsed, 7, 1, "unknown key `verbose`"));
  CHECK(parsed.problems.size() == 4);
}

TEST_CASE("secrets are never accepted inline") {
  const auto parsed = config::parse(
      "slack:\n  bot_token: xoxb-123-456\nservices: [{name: a, environment: e, adapter: sim}]\n",
      env({}));
  CHECK_FALSE(parsed.config);
  CHECK(has_problem(parsed, 2, 14, "secrets are never written inline"));
  CHECK(parsed.problems.front().message.find("xoxb-123") == std::string::npos);
}

TEST_CASE("a secret can come from a file") {
  testing::TempDir dir;
  const auto token = dir.write("bot", "xoxb-from-file\n");
  const auto parsed = config::parse("slack:\n  bot_token_file: " + token.string() +
                                        "\nservices: [{name: a, environment: e, adapter: sim}]\n",
                                    env({}));
  REQUIRE(parsed.config);
  CHECK(parsed.config->slack.bot_token.reveal() == "xoxb-from-file");
  const auto missing = config::parse(
      "slack:\n  bot_token_file: /nonexistent/token\nservices: [{name: a, environment: e, adapter: sim}]\n",
      env({}));
  CHECK(has_problem(missing, 2, 19, "cannot read `/nonexistent/token`"));
}

TEST_CASE("names that would reach a command line must be DNS labels") {
  const auto parsed = config::parse(R"yaml(services:
  - name: "checkout; rm -rf /"
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: "$(id)", deployment: --force }
  - name: payments
    environment: prod
    adapter: teleport
  - name: payments
    environment: prod
    adapter: kubectl
)yaml",
                                    env({}));
  CHECK_FALSE(parsed.config);
  CHECK(has_problem(parsed, 2, 11, "must be a DNS-1123 label"));
  CHECK(has_problem(parsed, 5, 42, "namespace `$(id)` must be a DNS-1123 label"));
  CHECK(has_problem(parsed, 5, 63, "deployment `--force` must be a DNS-1123 label"));
  CHECK(has_problem(parsed, 8, 14, "`teleport` is not one of"));
  CHECK(has_problem(parsed, 9, 11, "`payments` is defined twice"));
  CHECK(has_problem(parsed, 9, 5, "kubectl is required for the kubectl adapter"));
}

TEST_CASE("a YAML syntax error is reported with its position") {
  const auto parsed = config::parse("services:\n  - name: [unclosed\n", env({}));
  CHECK_FALSE(parsed.config);
  REQUIRE(parsed.problems.size() == 1);
  CHECK(parsed.problems.front().line >= 2);
}

TEST_CASE("an empty file or a missing services list is explained") {
  CHECK(config::parse("", env({})).problems.front().message.find("empty") != std::string::npos);
  CHECK(config::parse("data_dir: x\n", env({})).problems.front().message.find("services is required") !=
        std::string::npos);
}

TEST_CASE("load() throws Invalid listing every problem with the file name") {
  testing::TempDir dir;
  const auto file = dir.write("bad.yaml", "services: []\nextra: 1\n");
  try {
    config::load(file, env({}));
    FAIL("load accepted an invalid file");
  } catch (const config::Invalid& e) {
    CHECK(e.problems().size() == 2);
    CHECK(std::string(e.what()).find(file.string() + ":2:1: unknown key `extra`") !=
          std::string::npos);
  }
}

TEST_CASE("DNS-1123 labels") {
  CHECK(config::is_dns_label("checkout"));
  CHECK(config::is_dns_label("a-1"));
  CHECK_FALSE(config::is_dns_label(""));
  CHECK_FALSE(config::is_dns_label("-a"));
  CHECK_FALSE(config::is_dns_label("a-"));
  CHECK_FALSE(config::is_dns_label("Checkout"));
  CHECK_FALSE(config::is_dns_label("a_b"));
  CHECK_FALSE(config::is_dns_label(std::string(64, 'a')));
}

TEST_CASE("odd shapes, subcommand names and credentials in URLs are problems, not crashes") {
  const auto parsed = config::parse(R"yaml(slack: {app_token: {a: 1}}
prometheus: { url: "http://admin:secret@127.0.0.1:9090" }
services:
  - name: status
    environment: e
    adapter: sim
  - {name: b, environment: e, adapter: sim, [x]: 1}
)yaml",
                                    env({}));
  CHECK_FALSE(parsed.config);
  CHECK(has_problem(parsed, 1, 20, "slack.app_token must be a single value"));
  CHECK(has_problem(parsed, 2, 20, "must not carry a user or password"));
  CHECK(has_problem(parsed, 4, 11, "`status` is a /rollback subcommand"));
  CHECK(has_problem(parsed, 7, 45, "keys in services[1] must be plain names"));
  for (const auto& p : parsed.problems) CHECK(p.message.find("secret") == std::string::npos);
}
