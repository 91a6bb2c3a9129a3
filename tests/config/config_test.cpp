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
  REQUIRE(cfg.services.size() == 6);
  const auto& catalog = *cfg.find_service("catalog");
  REQUIRE(catalog.gitops);
  CHECK(catalog.gitops->path == "apps/catalog/");
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

TEST_CASE("trigger names from the practice pass: letters, digits, '_', '-' and '.'") {
  const auto yaml = [](const std::string& name) {
    return "prometheus: { url: http://127.0.0.1:9090 }\nservices:\n  - name: checkout\n"
           "    environment: prod\n    adapter: sim\n    triggers:\n      - name: " + name +
           "\n        query: up\n        threshold: 1\n        severity: log_only\n";
  };
  for (const auto* name : {"high_error_rate", "crash_loop", "slo_burn_rate", "p99.latency", "error-rate-5xx"}) {
    INFO(name);
    const auto parsed = config::parse(yaml(name), env({}));
    REQUIRE(parsed.problems.empty());
    CHECK(parsed.config->services.at(0).triggers.at(0).name == name);
  }
  const auto bad = config::parse(yaml("\"error rate; rm\""), env({}));
  CHECK(has_problem(bad, 7, 15, "must be 1 to 63 letters, digits, '_', '-' or '.'"));
}

TEST_CASE("every resolved secret is withheld from the tools, and the strict form passes only names") {
  testing::TempDir dir;
  const auto token = dir.write("http-token", "from-a-file\n");
  const auto parsed = config::parse(
      "slack: { app_token: \"${APP}\", bot_token: \"${BOT}\" }\nhttp: { token_file: " + token.string() +
          " }\ntools:\n  environment: { inherit: false, pass: [AWS_PROFILE, HTTPS_PROXY] }\n"
          "services:\n  - { name: web, environment: prod, adapter: argocd, argocd: { app: web, auth_token: \"${ARGO}\" } }\n",
      env({{"APP", "xapp-1"}, {"BOT", "xoxb-1"}, {"ARGO", "argo-1"}}));
  REQUIRE(parsed.problems.empty());
  const auto& tools = parsed.config->tools;
  CHECK_FALSE(tools.environment.inherit);
  CHECK(tools.environment.pass == std::vector<std::string>{"AWS_PROFILE", "HTTPS_PROXY"});
  std::vector<std::string> sources;
  for (const auto& secret : tools.withheld) sources.push_back(secret.source());
  CHECK(sources == std::vector<std::string>{"${APP}", "${BOT}", token.string(), "${ARGO}"});

  const auto passing_a_secret = config::parse(
      "slack: { bot_token: \"${BOT}\" }\ntools:\n  environment: { inherit: false, pass: [BOT] }\n"
      "services: [{name: a, environment: e, adapter: sim}]\n",
      env({{"BOT", "xoxb-1"}}));
  CHECK(has_problem(passing_a_secret, 3, 40, "`BOT` holds a secret of the bot's"));
  const auto pass_while_inheriting = config::parse(
      "tools:\n  environment: { pass: [AWS_PROFILE] }\nservices: [{name: a, environment: e, adapter: sim}]\n",
      env({}));
  CHECK(has_problem(pass_while_inheriting, 2, 24, "only applies with inherit: false"));
}

TEST_CASE("swapped Slack tokens are caught by their prefixes") {
  const auto parsed = config::parse("slack:\n  app_token: ${A}\n  bot_token: ${B}\n"
                                    "services:\n  - { name: checkout, environment: prod, adapter: sim }\n",
                                    env({{"A", "xoxb-1-bot"}, {"B", "xapp-1-app"}}));
  CHECK(has_problem(parsed, 2, 14, "slack.app_token holds a xoxb-… token: that is the bot_token"));
  CHECK(has_problem(parsed, 3, 14, "slack.bot_token holds a xapp-… token: that is the app_token"));
  const auto right = config::parse("slack:\n  app_token: ${A}\n  bot_token: ${B}\n"
                                   "services:\n  - { name: checkout, environment: prod, adapter: sim }\n",
                                   env({{"A", "xapp-1-app"}, {"B", "xoxb-1-bot"}}));
  CHECK(right.problems.empty());
}

TEST_CASE("store.url selects PostgreSQL, and its password sits beside it, never in it") {
  testing::TempDir dir;
  const auto password = dir.write("pg-password", "s3cret\n");
  const std::string services = "services: [{name: a, environment: e, adapter: sim}]\n";
  const auto parsed = config::parse("store:\n  url: postgresql://goaround@db.shop.svc:5432/goaround\n  password_file: " +
                                        password.string() + "\nleader_lease: 3s\n" + services,
                                    env({}));
  REQUIRE(parsed.config);
  CHECK(parsed.config->store.postgres());
  CHECK(parsed.config->store.url.reveal() == "postgresql://goaround@db.shop.svc:5432/goaround");
  CHECK(parsed.config->store.password.reveal() == "s3cret");
  CHECK(parsed.config->leader_lease == 3s);
  // Both are the bot's secrets as far as the tools go: the password file's contents, withheld.
  const auto& withheld = parsed.config->tools.withheld;
  CHECK(std::any_of(withheld.begin(), withheld.end(), [](const auto& s) { return s.reveal() == "s3cret"; }));

  const auto from_env = config::parse("store: { url: '${GOAROUND_DATABASE_URL}' }\n" + services,
                                      env({{"GOAROUND_DATABASE_URL", "postgresql://u:pw@db/goaround"}}));
  REQUIRE(from_env.config);
  CHECK(from_env.config->store.url.reveal() == "postgresql://u:pw@db/goaround");  // a Secret's URL may hold it

  const auto inline_password = config::parse("store: { url: 'postgresql://u:pw@db/goaround' }\n" + services, env({}));
  CHECK(has_problem(inline_password, 1, 15, "must not carry a password"));
  const auto not_postgres = config::parse("store: { url: 'mysql://db/goaround' }\n" + services, env({}));
  CHECK(has_problem(not_postgres, 1, 15, "must be a postgresql:// URL"));
  const auto unset = config::parse("store: { url: '${NOT_SET}' }\n" + services, env({}));
  CHECK(has_problem(unset, 1, 15, "is not set in the environment"));
  const auto short_lease = config::parse("leader_lease: 200ms\n" + services, env({}));
  CHECK(has_problem(short_lease, 1, 15, "leader_lease must be at least 1s"));
  CHECK(config::parse(services, env({})).config->store.postgres() == false);  // SQLite by default
}

TEST_CASE("a gitops service names its repository, branch and path, and its credentials stay out of argv and URLs") {
  testing::TempDir dir;
  const auto token = dir.write("git-token", "ghp_secret\n");
  const auto parsed = config::parse(R"(services:
  - name: storefront
    environment: prod
    adapter: gitops
    gitops:
      repo: https://git.example.com/shop/deploy.git
      branch: release
      path: apps/storefront/
      token_file: )" + token.string() + R"(
      author: { name: goaround-bot, email: bot@example.com }
)", env({}));
  REQUIRE(parsed.config);
  const auto& gitops = *parsed.config->services[0].gitops;
  CHECK(gitops.repo == "https://git.example.com/shop/deploy.git");
  CHECK(gitops.branch == "release");
  CHECK(gitops.path == "apps/storefront/");
  CHECK(gitops.token.reveal() == "ghp_secret");
  CHECK(gitops.author_name == "goaround-bot");
  const auto& withheld = parsed.config->tools.withheld;
  CHECK(std::any_of(withheld.begin(), withheld.end(), [](const auto& s) { return s.reveal() == "ghp_secret"; }));

  const std::string head = "services:\n  - name: storefront\n    environment: prod\n    adapter: gitops\n    gitops:\n";
  CHECK(has_problem(config::parse(head + "      repo: https://me:pw@git.example.com/deploy.git\n      path: apps/x/\n", env({})),
                    6, 13, "must not carry credentials"));
  CHECK(has_problem(config::parse(head + "      repo: /srv/deploy.git\n      path: apps/x/\n", env({})), 6, 13,
                    "must be an ssh (git@host:org/repo.git), https://, git:// or file:// URL"));
  CHECK(has_problem(config::parse(head + "      repo: git@git.example.com:shop/deploy.git\n      path: ../etc\n", env({})),
                    7, 13, "must be the service's folder inside the repository"));
  CHECK(has_problem(config::parse("services:\n  - name: storefront\n    environment: prod\n    adapter: gitops\n", env({})),
                    2, 5, "gitops is required for the gitops adapter"));
  // Beside argocd, the block is its way out of auto-sync; beside others it does not apply.
  const auto beside_argocd = config::parse(
      "services:\n  - name: storefront\n    environment: prod\n    adapter: argocd\n    argocd: { app: storefront }\n"
      "    gitops: { repo: 'git@git.example.com:shop/deploy.git', path: apps/storefront/ }\n",
      env({}));
  REQUIRE(beside_argocd.config);
  CHECK(beside_argocd.config->services[0].gitops->branch == "main");
  CHECK(has_problem(config::parse("services:\n  - name: storefront\n    environment: prod\n    adapter: helm\n"
                                  "    helm: { namespace: shop, release: storefront }\n"
                                  "    gitops: { repo: 'git@git.example.com:shop/deploy.git', path: apps/storefront/ }\n",
                                  env({})),
                    6, 13, "does not apply to the helm adapter"));
}

TEST_CASE("gitops.wait names one controller: an Argo CD app or a Flux Kustomization as NAMESPACE/NAME") {
  const std::string head = "services:\n  - name: storefront\n    environment: prod\n    adapter: gitops\n"
                           "    gitops:\n      repo: git@git.example.com:shop/deploy.git\n      path: apps/storefront/\n";
  const auto flux = config::parse(head + "      wait: { flux_kustomization: flux-system/storefront, context: prod }\n", env({}));
  REQUIRE(flux.config);
  CHECK(flux.config->services[0].gitops->wait.flux_namespace == "flux-system");
  CHECK(flux.config->services[0].gitops->wait.flux_name == "storefront");
  CHECK(flux.config->services[0].gitops->wait.context == "prod");
  const auto argo = config::parse(head + "      wait: { argocd_app: storefront }\n", env({}));
  REQUIRE(argo.config);
  CHECK(argo.config->services[0].gitops->wait.argocd_app == "storefront");
  CHECK(has_problem(config::parse(head + "      wait: { flux_kustomization: storefront }\n", env({})), 8, 35,
                    "must be NAMESPACE/NAME"));
  CHECK(has_problem(config::parse(head + "      wait: { argocd_app: a, flux_kustomization: flux-system/b }\n", env({})), 8, 13,
                    "takes one of argocd_app or flux_kustomization"));
  CHECK(has_problem(config::parse("services:\n  - name: storefront\n    environment: prod\n    adapter: argocd\n"
                                  "    argocd: { app: storefront }\n    gitops: { repo: 'git@h:o/r.git', path: apps/s/, wait: { argocd_app: s } }\n",
                                  env({})),
                    6, 59, "does not apply beside the argocd adapter"));
}

TEST_CASE("flags: beside any adapter, a provider, its URL, a token never inline, a project and an environment") {
  const auto parsed = config::parse(R"(services:
  - name: checkout
    environment: prod
    adapter: sim
    flags: { provider: launchdarkly, token: "${LD_API_TOKEN}", project: shop, environment: production }
)", env({{"LD_API_TOKEN", "api-secret"}}));
  REQUIRE(parsed.config);
  const auto& flags = *parsed.config->services[0].flags;
  CHECK(flags.provider == config::FlagProvider::launchdarkly);
  CHECK(flags.url == "https://app.launchdarkly.com");
  CHECK(flags.token.reveal() == "api-secret");
  const auto& withheld = parsed.config->tools.withheld;
  CHECK(std::any_of(withheld.begin(), withheld.end(), [](const auto& s) { return s.reveal() == "api-secret"; }));
  const std::string head = "services:\n  - name: checkout\n    environment: prod\n    adapter: sim\n";
  CHECK(has_problem(config::parse(head + "    flags: { provider: unleash, token: '${T}', environment: production }\n", env({{"T", "x"}})),
                    5, 12, "flags.url is required"));
  CHECK(has_problem(config::parse(head + "    flags: { provider: unleash, url: 'http://u:4242', environment: production }\n", env({})),
                    5, 12, "flags.token is required"));
  CHECK(has_problem(config::parse(head + "    flags: { provider: unleash, url: 'http://u:4242', token: '${T}', environment: 'prod/x' }\n",
                                  env({{"T", "x"}})),
                    5, 83, "must be a key"));
}

TEST_CASE("registries: hosts as images name them, credentials and a CA from files, plain HTTP only when marked") {
  testing::TempDir dir;
  const auto auth = dir.write("docker-config.json", R"({"auths":{}})");
  const auto parsed = config::parse("registries:\n  - host: registry.example.com:5000\n    auth_file: " + auth.string() +
                                        "\n  - { host: 127.0.0.1:5001, insecure: true }\nservices:\n  - { name: checkout, environment: prod, adapter: sim }\n",
                                    env({}));
  REQUIRE(parsed.config);
  REQUIRE(parsed.config->registries.size() == 2);
  CHECK(parsed.config->registries[0].host == "registry.example.com:5000");
  CHECK(parsed.config->registries[0].auth_file == auth.string());
  CHECK(parsed.config->registries[1].insecure);
  const std::string tail = "services:\n  - { name: checkout, environment: prod, adapter: sim }\n";
  CHECK(has_problem(config::parse("registries:\n  - host: https://registry.example.com\n" + tail, env({})), 2, 11,
                    "must be a host as images name it"));
  CHECK(has_problem(config::parse("registries:\n  - { host: r.example.com, insecure: true, ca_file: " + auth.string() + " }\n" + tail,
                                  env({})),
                    2, 53, "a CA file means TLS"));
}

TEST_CASE("drill: a staging twin of the same adapter with its own target, checks and channel, and practice_every") {
  const auto parsed = config::parse(R"(services:
  - name: checkout
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: shop, deployment: checkout }
    verify: { health_url: "https://shop.example/healthz" }
    allowed: { users: [U111] }
    channel: C111
    escalate_to: ["@checkout-oncall"]
    drill:
      environment: staging
      kubectl: { context: staging, namespace: shop-staging, deployment: checkout }
      verify: { health_url: "https://staging.shop.example/healthz" }
    practice_every: 30d
)", env({}));
  INFO((parsed.problems.empty() ? "" : parsed.problems.front().message));
  REQUIRE(parsed.config);
  const auto& checkout = parsed.config->services[0];
  CHECK(checkout.practice_every == 30 * 24h);
  REQUIRE(checkout.drill);
  const auto& twin = *checkout.drill;
  CHECK(twin.name == "checkout (drill)");
  CHECK(twin.drill_of == "checkout");
  CHECK(twin.environment == "staging");
  CHECK(twin.adapter == config::AdapterKind::kubectl);
  CHECK(twin.kubectl->context == "staging");
  CHECK(twin.kubectl->namespace_name == "shop-staging");
  CHECK(twin.verify.health_url == "https://staging.shop.example/healthz");
  CHECK(twin.allowed.users == std::vector<std::string>{"U111"});
  CHECK(twin.channel == "C111");
  // Nobody is paged for a drill, and no trigger watches the twin.
  CHECK(twin.escalate_to.empty());
  CHECK(twin.triggers.empty());
  // The twin is found by its own name, and never listed as a service.
  const auto services = parsed.config->service_list();
  CHECK(services.find("checkout (drill)") == &twin);
  CHECK(services.names() == std::vector<std::string>{"checkout"});

  const std::string head = "services:\n  - name: checkout\n    environment: prod\n    adapter: kubectl\n"
                           "    kubectl: { context: prod, namespace: shop, deployment: checkout }\n";
  CHECK(has_problem(config::parse(head + "    drill: { environment: staging }\n", env({})), 6, 12,
                    "drill.kubectl is required for the kubectl adapter"));
  CHECK(has_problem(config::parse(head + "    drill:\n      environment: prod\n      kubectl: { namespace: shop, deployment: checkout }\n",
                                  env({})),
                    7, 20, "never on production"));
  CHECK(has_problem(config::parse(head + "    drill:\n      environment: staging\n      helm: { namespace: shop, release: checkout }\n"
                                         "      kubectl: { namespace: s, deployment: checkout }\n",
                                  env({})),
                    8, 13, "does not apply to the kubectl adapter"));
  CHECK(has_problem(config::parse(head + "    practice_every: 30d\n", env({})), 6, 21, "practice_every needs a drill"));
  CHECK(has_problem(config::parse(head + "    practice_every: monthly\n", env({})), 6, 21, "practice_every"));
  CHECK(has_problem(config::parse(head + "    drill: { environment: staging, triggers: [] }\n", env({})), 6, 36, "unknown key `triggers`"));
}
