// The Kubernetes API stand-in against the real kubectl v1.32: every output and exit code below
// is what docs/tools.md §1 and docs/kubernetes-api.md record for a real API server.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "support/kube_standin.hpp"
#include "support/temp_dir.hpp"

using namespace goaround::testing;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct KubectlRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The real kubectl with a kubeconfig for the stand-in and a discovery cache of its own (cold at
// first, like a fresh machine); HOME points into the same temporary folder, so nothing of the
// test reaches the real home directory.
class Kubectl {
 public:
  explicit Kubectl(const KubeStandin& standin, const std::string& context = "standin")
      : kubeconfig_(standin.write_kubeconfig(dir_.path(), context)) {}

  KubectlRun operator()(std::vector<std::string> args) const {
    namespace bp = boost::process::v2;
    args.push_back("--kubeconfig=" + kubeconfig_.string());
    args.push_back("--cache-dir=" + (dir_.path() / "cache").string());
    const std::vector<std::string> environment{"HOME=" + dir_.path().string(), "PATH=/usr/bin:/bin"};
    asio::io_context io;
    asio::readable_pipe out(io), err(io);
    bp::process child(io, "/usr/bin/kubectl", args, bp::process_stdio{nullptr, out, err},
                      bp::process_environment(environment));
    KubectlRun ran;
    asio::async_read(out, asio::dynamic_buffer(ran.out), [](auto, auto) {});
    asio::async_read(err, asio::dynamic_buffer(ran.err), [](auto, auto) {});
    asio::steady_timer limit(io, 15s);  // a hang fails the test instead of the suite
    limit.async_wait([&](boost::system::error_code ec) {
      if (!ec) child.terminate();
    });
    child.async_wait([&](boost::system::error_code, int code) {
      ran.exit_code = code;
      limit.cancel();
    });
    io.run();
    return ran;
  }

 private:
  TempDir dir_;
  std::filesystem::path kubeconfig_;
};

// Deployment x with the history of the captured run (fixtures/kubectl/kubectl-v1.32-captured.json).
StandinDeployment deployment_x() {
  return {.name = "x",
          .images = {"nginx:1.0", "nginx:1.1", "nginx:1.2"},
          .change_causes = {"initial", "", "kubectl set image deployment/x web=nginx:1.2"}};
}

const std::string history_of_x =
    "deployment.apps/x \n"
    "REVISION  CHANGE-CAUSE\n"
    "1         initial\n"
    "2         <none>\n"
    "3         kubectl set image deployment/x web=nginx:1.2\n"
    "\n";

int count_with_prefix(const std::vector<std::string>& requests, const std::string& prefix) {
  return static_cast<int>(std::count_if(requests.begin(), requests.end(),
                                        [&](const std::string& request) { return request.starts_with(prefix); }));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::string progressing_reason(const json::value& deployment) {
  for (const auto& condition : deployment.at("status").at("conditions").as_array())
    if (condition.at("type") == "Progressing") return std::string(condition.at("reason").as_string());
  return "";
}

const std::string deployments_path = "/apis/apps/v1/namespaces/default/deployments";

}  // namespace

TEST_CASE("kubectl: rollout history lists the owned ReplicaSets' revisions with their change causes") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);

  const auto history = kubectl({"rollout", "history", "deployment/x"});
  CHECK(history.exit_code == 0);
  CHECK(history.err.empty());
  CHECK(history.out == history_of_x);
  const auto requests = standin.requests();
  // A cold cache discovers first, then the Deployment (twice) and its ReplicaSets.
  CHECK(count_with_prefix(requests, "GET /version") == 1);
  CHECK(count_with_prefix(requests, "GET /apis/apps/v1?") == 1);
  CHECK(count_with_prefix(requests, "GET " + deployments_path + "/x") == 2);
  CHECK(count_with_prefix(requests, "GET /apis/apps/v1/namespaces/default/replicasets?labelSelector=app=x") == 1);

  const auto revision_2 = kubectl({"rollout", "history", "deployment/x", "--revision=2"});
  CHECK(revision_2.exit_code == 0);
  CHECK_THAT(revision_2.out, StartsWith("deployment.apps/x with revision #2\nPod Template:\n  Labels:\tapp=x\n"));
  CHECK_THAT(revision_2.out, Contains("pod-template-hash=") && Contains("    Image:\tnginx:1.1\n"));

  const auto revision_1 = kubectl({"rollout", "history", "deployment/x", "--revision=1", "-o", "json"});
  REQUIRE(revision_1.exit_code == 0);
  const auto replica_set = json::parse(revision_1.out);
  CHECK(replica_set.at("kind") == "ReplicaSet");
  CHECK(replica_set.at("metadata").at("annotations").at("deployment.kubernetes.io/revision") == "1");
  CHECK(replica_set.at("metadata").at("annotations").at("kubernetes.io/change-cause") == "initial");
  CHECK(replica_set.at("metadata").at("ownerReferences").at(0).at("uid") ==
        standin.deployment_json("default", "x").at("metadata").at("uid"));
  CHECK(replica_set.at("spec").at("template").at("spec").at("containers").at(0).at("image") == "nginx:1.0");
}

TEST_CASE("kubectl: revisionHistoryLimit keeps only the newest old ReplicaSets in the history") {
  KubeStandin standin;
  standin.add_deployment(
      {.name = "x", .images = {"app:1", "app:2", "app:3", "app:4", "app:5"}, .revision_history_limit = 2});
  const auto history = Kubectl(standin)({"rollout", "history", "deployment/x"});
  CHECK(history.exit_code == 0);
  CHECK(history.out == "deployment.apps/x \nREVISION  CHANGE-CAUSE\n3         <none>\n4         <none>\n5         <none>\n\n");
}

TEST_CASE("kubectl: rollout undo returns to the previous template under the next revision number") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);

  const auto undo = kubectl({"rollout", "undo", "deployment/x"});
  CHECK(undo.exit_code == 0);
  CHECK(undo.err.empty());
  CHECK(undo.out == "deployment.apps/x rolled back\n");
  CHECK(standin.live_revision("default", "x") == 4);
  CHECK(standin.live_image("default", "x") == "nginx:1.1");

  // One JSON patch replacing the template and the annotations, as recorded.
  const auto received = standin.received();
  const auto patch = std::find_if(received.begin(), received.end(), [](const auto& r) { return r.method == "PATCH"; });
  REQUIRE(patch != received.end());
  CHECK(patch->target == deployments_path + "/x");
  CHECK(patch->content_type == "application/json-patch+json");
  const auto operations = json::parse(patch->body);
  CHECK(operations.at(0).at("path") == "/spec/template");
  CHECK(operations.at(1).at("path") == "/metadata/annotations");

  // Revision 2's ReplicaSet was reused: 2 vanished from the history and is remembered.
  CHECK(kubectl({"rollout", "history", "deployment/x"}).out ==
        "deployment.apps/x \nREVISION  CHANGE-CAUSE\n"
        "1         initial\n"
        "3         kubectl set image deployment/x web=nginx:1.2\n"
        "4         <none>\n\n");
  const auto replica_sets = standin.replica_sets_json("default", "x");
  REQUIRE(replica_sets.size() == 3);
  CHECK(replica_sets[2].at("metadata").at("annotations").at("deployment.kubernetes.io/revision-history") == "2");
  const auto deployment = standin.deployment_json("default", "x");
  CHECK(deployment.at("metadata").at("generation") == 4);
  CHECK(deployment.at("status").at("observedGeneration") == 4);
}

TEST_CASE("kubectl: rollout undo --to-revision rolls back to that revision, which takes the next number") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);

  const auto to_first = kubectl({"rollout", "undo", "deployment/x", "--to-revision=1"});
  CHECK(to_first.exit_code == 0);
  CHECK(to_first.out == "deployment.apps/x rolled back\n");
  CHECK(standin.live_revision("default", "x") == 4);
  CHECK(standin.live_image("default", "x") == "nginx:1.0");
  CHECK(kubectl({"rollout", "history", "deployment/x"}).out ==
        "deployment.apps/x \nREVISION  CHANGE-CAUSE\n"
        "2         <none>\n"
        "3         kubectl set image deployment/x web=nginx:1.2\n"
        "4         initial\n\n");

  // "Previous" is now revision 3, the second-highest number.
  CHECK(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);
  CHECK(standin.live_revision("default", "x") == 5);
  CHECK(standin.live_image("default", "x") == "nginx:1.2");
}

TEST_CASE("kubectl: rollout undo to a revision not in the history fails with kubectl's message and patches nothing") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const auto undo = Kubectl(standin)({"rollout", "undo", "deployment/x", "--to-revision=99"});
  CHECK(undo.exit_code == 1);
  CHECK(undo.out.empty());
  CHECK(undo.err == "error: unable to find specified revision 99 in history\n");
  CHECK(count_with_prefix(standin.requests(), "PATCH") == 0);
}

TEST_CASE("kubectl: rollout undo to the running revision is skipped, succeeds and patches nothing") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const auto undo = Kubectl(standin)({"rollout", "undo", "deployment/x", "--to-revision=3"});
  CHECK(undo.exit_code == 0);
  CHECK(undo.out == "deployment.apps/x skipped rollback (current template already matches revision 3)\n");
  CHECK(count_with_prefix(standin.requests(), "PATCH") == 0);
  CHECK(standin.live_revision("default", "x") == 3);
}

TEST_CASE("kubectl: rollout undo refuses a paused deployment") {
  KubeStandin standin;
  auto paused = deployment_x();
  paused.paused = true;
  standin.add_deployment(paused);
  const auto undo = Kubectl(standin)({"rollout", "undo", "deployment/x"});
  CHECK(undo.exit_code == 1);
  CHECK(undo.out.empty());
  CHECK(undo.err ==
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n");
  CHECK(count_with_prefix(standin.requests(), "PATCH") == 0);
}

TEST_CASE("kubectl: a server-side dry run of rollout undo reports the rollback and changes nothing") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const auto before = standin.deployment_json("default", "x");
  const auto undo = Kubectl(standin)({"rollout", "undo", "deployment/x", "--dry-run=server"});
  CHECK(undo.exit_code == 0);
  CHECK(undo.out == "deployment.apps/x rolled back (server dry run)\n");
  CHECK(count_with_prefix(standin.requests(), "PATCH " + deployments_path + "/x?dryRun=All") == 1);
  CHECK(standin.deployment_json("default", "x") == before);
}

TEST_CASE("kubectl: rollout pause and resume patch spec.paused, and pausing twice is an error") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);

  const auto pause = kubectl({"rollout", "pause", "deployment/x"});
  CHECK(pause.exit_code == 0);
  CHECK(pause.out == "deployment.apps/x paused\n");
  CHECK(standin.deployment_json("default", "x").at("spec").at("paused") == true);
  CHECK(progressing_reason(standin.deployment_json("default", "x")) == "DeploymentPaused");
  const auto received = standin.received();
  CHECK(received.back().target == deployments_path + "/x?fieldManager=kubectl-rollout");
  CHECK(received.back().content_type == "application/strategic-merge-patch+json");

  const auto again = kubectl({"rollout", "pause", "deployment/x"});
  CHECK(again.exit_code == 1);
  CHECK(again.err == "error: deployments.apps \"x\" is already paused\n");

  const auto resume = kubectl({"rollout", "resume", "deployment/x"});
  CHECK(resume.exit_code == 0);
  CHECK(resume.out == "deployment.apps/x resumed\n");
  const auto resumed = standin.deployment_json("default", "x");
  CHECK_FALSE(resumed.at("spec").as_object().contains("paused"));
  CHECK(progressing_reason(resumed) == "NewReplicaSetAvailable");
  CHECK(standin.live_revision("default", "x") == 3);
}

TEST_CASE("kubectl: set image starts a new revision with the rest of the template kept") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);
  const auto set_image = kubectl({"set", "image", "deployment/x", "web=nginx:1.3"});
  CHECK(set_image.exit_code == 0);
  CHECK(set_image.out == "deployment.apps/x image updated\n");
  CHECK(standin.live_revision("default", "x") == 4);
  CHECK(standin.live_image("default", "x") == "nginx:1.3");
  // A strategic merge: the container is merged by name, directives are not stored.
  const auto pod_spec = standin.deployment_json("default", "x").at("spec").at("template").at("spec");
  CHECK(pod_spec.at("containers").at(0).at("terminationMessagePolicy") == "File");
  CHECK_FALSE(pod_spec.as_object().contains("$setElementOrder/containers"));
  CHECK(kubectl({"rollout", "undo", "deployment/x"}).out == "deployment.apps/x rolled back\n");
  CHECK(standin.live_revision("default", "x") == 5);
  CHECK(standin.live_image("default", "x") == "nginx:1.2");
}

TEST_CASE("kubectl: scale changes the replica count without a new revision") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const auto scale = Kubectl(standin)({"scale", "deployment/x", "--replicas=5"});
  CHECK(scale.exit_code == 0);
  CHECK(scale.out == "deployment.apps/x scaled\n");
  const auto deployment = standin.deployment_json("default", "x");
  CHECK(deployment.at("spec").at("replicas") == 5);
  CHECK(deployment.at("status").at("availableReplicas") == 5);
  CHECK(standin.live_revision("default", "x") == 3);
}

TEST_CASE("kubectl: rollout status of a finished rollout succeeds after listing and watching") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);
  REQUIRE(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);

  const auto status = kubectl({"rollout", "status", "deployment/x", "--timeout=5s"});
  CHECK(status.exit_code == 0);
  CHECK(status.err.empty());
  CHECK(status.out == "deployment \"x\" successfully rolled out\n");
  const auto requests = standin.requests();
  CHECK(count_with_prefix(requests, "GET " + deployments_path + "?fieldSelector=metadata.name=x&limit=500") == 1);
  CHECK(count_with_prefix(requests, "GET " + deployments_path + "?allowWatchBookmarks=true&fieldSelector=metadata.name=x") == 1);
}

TEST_CASE("kubectl: rollout status follows a stepwise rollout through watch events until it is rolled out") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  standin.set_rollout("default", "x", RolloutBehaviour::stepwise, 400ms);
  const Kubectl kubectl(standin);
  REQUIRE(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);

  const auto status = kubectl({"rollout", "status", "deployment/x", "--timeout=10s"});
  CHECK(status.exit_code == 0);
  CHECK(status.err.empty());
  // Each state kubectl sees is one line; which of the early ones it sees depends on when it starts.
  const std::vector<std::string> all_states{
      "Waiting for deployment \"x\" rollout to finish: 1 out of 3 new replicas have been updated...",
      "Waiting for deployment \"x\" rollout to finish: 2 out of 3 new replicas have been updated...",
      "Waiting for deployment \"x\" rollout to finish: 1 old replicas are pending termination...",
      "deployment \"x\" successfully rolled out"};
  const auto seen = lines_of(status.out);
  INFO(status.out);
  REQUIRE(seen.size() >= 2);
  CHECK(seen.back() == all_states.back());
  auto next = all_states.begin();
  for (const auto& line : seen) {
    next = std::find(next, all_states.end(), line);
    CHECK(next != all_states.end());
  }
  CHECK(standin.live_revision("default", "x") == 4);
}

TEST_CASE("kubectl: rollout status times out on a stuck rollout with kubectl's timeout error") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  standin.set_rollout("default", "x", RolloutBehaviour::stuck);
  const Kubectl kubectl(standin);
  REQUIRE(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);

  const auto status = kubectl({"rollout", "status", "deployment/x", "--timeout=2s"});
  CHECK(status.exit_code == 1);
  CHECK(status.out == "Waiting for deployment \"x\" rollout to finish: 1 out of 3 new replicas have been updated...\n");
  CHECK(status.err == "error: timed out waiting for the condition\n");

  const auto once = kubectl({"rollout", "status", "deployment/x", "--watch=false"});
  CHECK(once.exit_code == 0);  // kubectl's trap: not finished, yet exit 0
  CHECK(once.out == "Waiting for deployment \"x\" rollout to finish: 1 out of 3 new replicas have been updated...\n");
}

TEST_CASE("kubectl: rollout status fails at once when the progress deadline is exceeded") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  standin.set_rollout("default", "x", RolloutBehaviour::deadline_exceeded, 50ms);
  const Kubectl kubectl(standin);
  REQUIRE(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);
  for (int i = 0; i < 100 && progressing_reason(standin.deployment_json("default", "x")) != "ProgressDeadlineExceeded"; ++i)
    std::this_thread::sleep_for(20ms);

  const auto status = kubectl({"rollout", "status", "deployment/x", "--timeout=5s"});
  CHECK(status.exit_code == 1);
  CHECK(status.out.empty());
  CHECK(status.err == "error: deployment \"x\" exceeded its progress deadline\n");
}

TEST_CASE("kubectl: rollout status --revision names the running revision when it differs") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const auto status = Kubectl(standin)({"rollout", "status", "deployment/x", "--revision=2", "--timeout=5s"});
  CHECK(status.exit_code == 1);
  CHECK(status.err == "error: desired revision (2) is different from the running revision (3)\n");
}

TEST_CASE("kubectl: a missing deployment is kubectl's NotFound error for history, undo and status") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);
  for (const auto& command : {std::vector<std::string>{"rollout", "history", "deployment/nope"},
                              std::vector<std::string>{"rollout", "undo", "deployment/nope"},
                              std::vector<std::string>{"rollout", "status", "deployment/nope", "--timeout=5s"},
                              std::vector<std::string>{"get", "deployment", "nope", "-o", "json"}}) {
    const auto ran = kubectl(command);
    INFO(command[1]);
    CHECK(ran.exit_code == 1);
    CHECK(ran.out.empty());
    CHECK(ran.err == "Error from server (NotFound): deployments.apps \"nope\" not found\n");
  }
}

TEST_CASE("kubectl: a forbidden deployment is kubectl's Forbidden error with the server's RBAC message") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  standin.set_forbidden("default", "x", true);
  const Kubectl kubectl(standin);
  const std::string denied =
      "Error from server (Forbidden): deployments.apps \"x\" is forbidden: User "
      "\"system:serviceaccount:goaround:goaround\" cannot get resource \"deployments\" in API group \"apps\" in "
      "the namespace \"default\"\n";
  for (const auto& command : {std::vector<std::string>{"rollout", "history", "deployment/x"},
                              std::vector<std::string>{"rollout", "undo", "deployment/x"},
                              std::vector<std::string>{"rollout", "status", "deployment/x", "--timeout=5s"}}) {
    const auto ran = kubectl(command);
    INFO(command[1]);
    CHECK(ran.exit_code == 1);
    CHECK(ran.err == denied);
  }
  CHECK(standin.live_revision("default", "x") == 3);

  standin.set_forbidden("default", "x", false);
  CHECK(kubectl({"rollout", "history", "deployment/x"}).out == history_of_x);
}

TEST_CASE("kubectl: get deployment -o json prints the live object with the fields a verification reads") {
  KubeStandin standin;
  standin.add_deployment(deployment_x());
  const Kubectl kubectl(standin);
  REQUIRE(kubectl({"rollout", "undo", "deployment/x"}).exit_code == 0);

  const auto got = kubectl({"get", "deployment", "x", "-o", "json"});
  REQUIRE(got.exit_code == 0);
  const auto deployment = json::parse(got.out);
  CHECK(deployment == standin.deployment_json("default", "x"));
  CHECK(deployment.at("kind") == "Deployment");
  CHECK(deployment.at("metadata").at("annotations").at("deployment.kubernetes.io/revision") == "4");
  CHECK(deployment.at("metadata").at("generation") == deployment.at("status").at("observedGeneration"));
  CHECK(deployment.at("spec").at("replicas") == 3);
  CHECK(deployment.at("spec").at("progressDeadlineSeconds") == 600);
  CHECK(deployment.at("status").at("updatedReplicas") == 3);
  CHECK(deployment.at("status").at("availableReplicas") == 3);
  CHECK(progressing_reason(deployment) == "NewReplicaSetAvailable");
  CHECK(count_with_prefix(standin.requests(), "GET " + deployments_path + "/x") == 3);  // undo's two, get's one

  // Without -o, kubectl prints the server's Table.
  const auto table = kubectl({"get", "deployment", "x"});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, StartsWith("NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nx      3/3     3            3           "));

  const auto listed = kubectl({"get", "replicasets", "-l", "app=x", "-o", "json"});
  REQUIRE(listed.exit_code == 0);
  const auto items = json::parse(listed.out).at("items").as_array();
  REQUIRE(items.size() == 3);
  for (const auto& replica_set : items)
    CHECK(replica_set.at("metadata").at("ownerReferences").at(0).at("uid") == deployment.at("metadata").at("uid"));
}

TEST_CASE("kubectl: a deployment in another namespace and context is reached with -n and --context") {
  KubeStandin standin;
  standin.add_deployment({.namespace_name = "shop", .name = "checkout", .replicas = 2, .images = {"checkout:41", "checkout:42"}});
  const Kubectl kubectl(standin, "prod-eu");
  const auto undo = kubectl({"rollout", "undo", "deployment/checkout", "-n", "shop"});
  CHECK(undo.exit_code == 0);
  CHECK(undo.out == "deployment.apps/checkout rolled back\n");
  CHECK(standin.live_revision("shop", "checkout") == 3);
  CHECK(standin.live_image("shop", "checkout") == "checkout:41");
  CHECK(kubectl({"rollout", "history", "deployment/checkout"}).err ==
        "Error from server (NotFound): deployments.apps \"checkout\" not found\n");

  const auto unknown = kubectl({"rollout", "history", "deployment/checkout", "--context=nope"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err == "Error in configuration: context was not found for specified context: nope\n");
}

TEST_CASE("kubectl: a watch streams JSON lines, ends after its timeoutSeconds, and the stand-in closes open ones") {
  namespace beast = boost::beast;
  namespace http = beast::http;
  auto standin = std::make_unique<KubeStandin>();
  standin->add_deployment(deployment_x());
  asio::io_context io;
  const auto watch = [&](const std::string& query) {
    auto stream = std::make_unique<asio::ip::tcp::socket>(io);
    stream->connect({asio::ip::make_address("127.0.0.1"), standin->port()});
    http::request<http::empty_body> request{http::verb::get, deployments_path + "?watch=true&" + query, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(*stream, request);
    return stream;
  };

  const auto started = std::chrono::steady_clock::now();
  auto timed = watch("fieldSelector=metadata.name%3Dx&timeoutSeconds=1");
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(*timed, buffer, response);
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 900ms);
  CHECK(took < 3s);
  CHECK(response[http::field::content_type] == "application/json");
  CHECK(response.chunked());
  const auto event = json::parse(response.body());
  CHECK(event.at("type") == "ADDED");
  CHECK(event.at("object").at("metadata").at("name") == "x");

  auto held_open = watch("resourceVersion=999999&timeoutSeconds=600");
  http::response_parser<http::string_body> header;
  beast::flat_buffer held_buffer;
  http::read_header(*held_open, held_buffer, header);
  CHECK(header.get().result() == http::status::ok);
  standin.reset();
  boost::system::error_code closed;
  http::read(*held_open, held_buffer, header, closed);
  CHECK(closed);
}
