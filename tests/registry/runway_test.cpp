// The runway check through the real binary: `goaround rollback` against a real registry refuses
// a target whose image was deleted, runs one whose image is there, and warns (and still lets the
// person confirm) when the registry does not answer.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "goaround/core/go_around.hpp"
#include "support/bot_harness.hpp"
#include "support/kube_standin.hpp"
#include "support/process.hpp"
#include "support/registry.hpp"
#include "support/tools/standin_tools.hpp"

using namespace goaround;
using Catch::Matchers::Contains;

TEST_CASE("goaround rollback: a target image deleted from the registry is refused in pre-flight, one that is there "
          "runs, and a registry that is down is a warning") {
  testing::TestRegistry registry(testing::TestRegistry::Auth::basic);
  const auto image = registry.host() + "/shop/checkout";
  registry.push("shop/checkout", "1.41");
  const auto gone = registry.push("shop/checkout", "1.40");
  registry.remove("shop/checkout", gone);
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
freeze_until_debrief: false
registries:
  - host: )" + registry.host() + R"(
    auth_file: )" + registry.auth_file().string() + R"(
    ca_file: )" + registry.ca_file().string() + R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms, image: )" + image + R"( }
)").string();

  // 42 → 40: its image was garbage-collected. Nothing runs.
  const auto refused = testing::run_goaround({"--config", config, "rollback", "checkout", "--to", "40", "--yes"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Contains("✗ target image in its registry: image shop/checkout:1.40 is gone from " +
                                   registry.host() + ": rolling back would end in ImagePullBackOff"));
  CHECK_THAT(refused.out, Contains("Cannot go around: a pre-flight check failed. Nothing was run."));

  // 42 → 41: the image is there.
  const auto ran = testing::run_goaround({"--config", config, "rollback", "checkout", "--yes"});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("✓ target image in its registry: shop/checkout:1.41 is in " + registry.host() + " (sha256:"));

  // The registry is down: a warning on the card; the person may still confirm.
  registry.stop();
  const auto warned = testing::run_goaround({"--config", config, "rollback", "checkout", "--to", "39", "--yes"});
  INFO(warned.out << warned.err);
  CHECK(warned.exit_code == 0);
  CHECK_THAT(warned.out, Contains("⚠ target image in its registry: could not check shop/checkout:1.39"));
  CHECK_THAT(warned.out, Contains("confirm only if you know it is there"));
}

TEST_CASE("the real kubectl: the target ReplicaSet's image is what is asked for, and a gone one stops the rollback "
          "before kubectl changes anything") {
  testing::TestRegistry registry;
  const auto image = registry.host() + "/shop/checkout";
  const auto gone = registry.push("shop/checkout", "1.40");
  registry.remove("shop/checkout", gone);
  registry.push("shop/checkout", "1.41");
  testing::KubeStandin api;
  testing::StandinDeployment checkout;
  checkout.namespace_name = "shop";
  checkout.name = "checkout";
  checkout.images = {image + ":1.40", image + ":1.41", image + ":1.42"};
  api.add_deployment(checkout);
  testing::TempDir dir;
  const auto kubeconfig = api.write_kubeconfig(dir.path(), "prod");
  const auto config = dir.write_config(R"(
freeze_until_debrief: false
registries:
  - { host: )" + registry.host() + R"(, insecure: true }
tools: { kubeconfig: )" + kubeconfig.string() + ", kube_cache_dir: " + (dir.path() / "cache").string() + R"( }
services:
  - name: checkout
    environment: prod
    adapter: kubectl
    kubectl: { context: prod, namespace: shop, deployment: checkout }
)").string();
  const auto refused = testing::run_goaround({"--config", config, "rollback", "checkout", "--to", "1", "--yes"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Contains("image shop/checkout:1.40 is gone from " + registry.host()));
  for (const auto& request : api.requests()) CHECK_FALSE(request.starts_with("PATCH"));
  CHECK(api.live_revision("shop", "checkout") == 3);

  const auto ran = testing::run_goaround({"--config", config, "rollback", "checkout", "--yes"});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("shop/checkout:1.41 is in " + registry.host()));
  CHECK(api.live_image("shop", "checkout") == image + ":1.41");
}

TEST_CASE("every image of the target is asked for, and a trigger never confirms past a warning") {
  testing::TestRegistry registry;
  registry.push("shop/checkout", "1.41");
  const std::vector<config::Registry> registries{{registry.host(), "", "", true}};
  boost::asio::io_context io;
  // As tool::template_images joins a pod's containers: "a, b".
  auto done = boost::asio::co_spawn(
      io, core::runway_checks({registry.host() + "/shop/checkout:1.41", registry.host() + "/shop/sidecar:0.9"}, registries),
      boost::asio::use_future);
  io.run();
  const auto checks = done.get();
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].passed);
  CHECK_FALSE(checks[1].passed);
  CHECK_FALSE(checks[1].warning);
  CHECK_THAT(checks[1].detail, Contains("image shop/sidecar:0.9 is gone from"));

  // The registry is down: an automatic go-around leaves the card to a person.
  registry.stop();
  testing::BotHarness h(R"(registries:
  - { host: )" + registry.host() + R"(, insecure: true }
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 42, replicas: 2, step: 10ms, image: )" + registry.host() + R"(/shop/checkout }
)");
  std::optional<chat::Message> said;
  boost::asio::co_spawn(h.io, [&]() -> boost::asio::awaitable<void> {
    said = co_await h.go_around.automatic("checkout", chat::Person{"trigger:high_error_rate", "high_error_rate", {}, false}, "5xx above 5%");
  }, boost::asio::detached);
  h.settle();
  REQUIRE(said);
  CHECK_THAT(said->text, Contains("did not go around *checkout* on its own: target image in its registry: could not check"));
  CHECK(h.store.executions().running("checkout") == std::nullopt);
}

TEST_CASE("helm: the target revision's manifest names the images asked for, init containers and CronJobs too, and one "
          "gone stops the rollback") {
  testing::TestRegistry registry(testing::TestRegistry::Auth::none);
  registry.push("shop/cart", "1.3");
  registry.push("shop/cart-migrate", "1.3");
  testing::StandinTools helm;
  helm.set("HELM_REGISTRY", registry.host());
  testing::TempDir dir;
  const auto config = dir.write_config(R"(
freeze_until_debrief: false
registries:
  - host: )" + registry.host() + R"(
    insecure: true
tools:
  helm: )" + helm.tools().helm + R"(
  kubeconfig: )" + helm.tools().kubeconfig + R"(
services:
  - name: cart
    environment: prod
    adapter: helm
    helm: { context: prod, namespace: shop, release: cart }
)").string();

  // Revision 3's proxy sidecar image is not in the registry: nothing runs.
  const auto refused = testing::run_goaround({"--config", config, "rollback", "cart", "--yes"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.out, Contains("✓ target image in its registry: shop/cart-migrate:1.3 is in " + registry.host()));
  CHECK_THAT(refused.out, Contains("✓ target image in its registry: shop/cart:1.3 is in " + registry.host()));
  CHECK_THAT(refused.out, Contains("✗ target image in its registry: image shop/proxy:2.0 is gone from " + registry.host()));
  for (const auto& call : helm.calls()) CHECK(call.at(1) != "rollback");

  registry.push("shop/proxy", "2.0");
  const auto ran = testing::run_goaround({"--config", config, "rollback", "cart", "--yes"});
  INFO(ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.out, Contains("✓ target image in its registry: shop/proxy:2.0 is in " + registry.host()));
}
