#include <catch2/catch.hpp>

#include <cstdlib>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

namespace {

std::string tool(const std::string& name) {
  return std::string(GOAROUND_SOURCE_DIR) + "/tests/support/tools/" + name;
}

// The real binary, configured with the stand-in tools (tests/support/tools) for helm, argocd
// and Argo Rollouts; the kubeconfig's folder holds the stand-ins' state and scenario.
struct StandinBot {
  explicit StandinBot(const std::string& cart_timeout = "5m") {
    dir.write("kubeconfig", "apiVersion: v1\nkind: Config\n");
    ::setenv("ARGOCD_AUTH_TOKEN", "argocd-token-for-tests", 1);
    config = dir.write_config(R"(
tools:
  kubectl: )" + tool("kubectl") + R"(
  helm: )" + tool("helm") + R"(
  argocd: )" + tool("argocd") + R"(
  argo_rollouts: )" + tool("kubectl-argo-rollouts") + R"(
  kubeconfig: )" + (dir.path() / "kubeconfig").string() + R"(
services:
  - name: cart
    environment: prod
    adapter: helm
    helm: { namespace: shop, release: cart }
    timeout: )" + cart_timeout + R"(
  - name: storefront
    environment: prod
    adapter: argocd
    argocd: { app: storefront, server: 'argocd.example.internal:443', auth_token: '${ARGOCD_AUTH_TOKEN}', grpc_web: true }
  - name: guestbook
    environment: prod
    adapter: argo-rollouts
    argo_rollouts: { namespace: default, rollout: ks-guestbook-ui, strategy: bluegreen, active_service: ks-guestbook-ui-active }
)").string();
  }
  void scenario(const std::string& line) const {
    std::ofstream(dir.path() / "scenario.env", std::ios::app) << "STANDIN_" << line << "\n";
  }
  testing::Ran rollback(const std::string& service) const {
    return testing::run_goaround({"rollback", service, "--yes", "--config", config});
  }

  testing::TempDir dir;
  std::string config;
};

}  // namespace

TEST_CASE("a helm go-around runs end to end through the headless CLI and is verified") {
  StandinBot bot;
  const auto ran = bot.rollback("cart");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("Rolling back cart to revision 3: `" + tool("helm") +
                               " rollback cart 3 --wait --timeout 300s -n shop`"));
  CHECK_THAT(ran.out, Contains("rolled back to revision 3 and verified"));
}

TEST_CASE("a helm rollback whose wait runs out is reported as failed with helm's words") {
  StandinBot bot("1s");
  bot.scenario("HELM_WAIT_TIMEOUT=1");
  const auto ran = bot.rollback("cart");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("FAILED"));
  CHECK_THAT(ran.out, Contains("context deadline exceeded"));
}

TEST_CASE("an argocd go-around with auto-sync on is refused with the GitOps path instead") {
  StandinBot bot;
  bot.scenario("ARGOCD_AUTOSYNC=1");
  const auto ran = bot.rollback("storefront");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 3);
  CHECK_THAT(ran.out, Contains("git revert --no-edit"));
  CHECK_THAT(ran.out, Contains("Cannot go around"));
}

TEST_CASE("an argocd go-around runs end to end and the token never reaches argv or output") {
  StandinBot bot;
  const auto ran = bot.rollback("storefront");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("verified"));
  CHECK_THAT(ran.out + ran.err, !Contains("argocd-token-for-tests"));
}

TEST_CASE("an Argo Rollouts blue-green go-around aborts, undoes and checks the active Service") {
  StandinBot bot;
  const auto ran = testing::run_goaround({"--config", bot.config}, "/rollback guestbook\n1\n");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("kubectl-argo-rollouts undo ks-guestbook-ui --to-revision=2"));
  CHECK_THAT(ran.out, Contains("abort"));
  CHECK_THAT(ran.out, Contains("rolled back to revision 2 and verified"));
}

TEST_CASE("an Argo Rollouts go-around whose Service stays on the old pods is not verified") {
  StandinBot bot;
  bot.scenario("ROLLOUT_SERVICE_STALE=1");
  const auto ran = bot.rollback("guestbook");
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 1);
  CHECK_THAT(ran.out, Contains("verification failed"));
}
