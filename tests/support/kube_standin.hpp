#pragma once
#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

// A stand-in for the Kubernetes API server, for tests only: enough of apps/v1 Deployments and
// ReplicaSets, discovery, PATCH, LIST and WATCH that the real kubectl's `rollout
// history|undo|status|pause|resume|restart`, `get` (JSON or the server's Table), `set image` and
// `scale` work against it with their real output and exit codes
// (docs/kubernetes-api.md is the specification it follows). A small controller
// turns template changes into ReplicaSets and revisions like the real one. Plain HTTP on
// 127.0.0.1; the bearer token is ignored.
namespace goaround::testing {

struct StandinDeployment {
  std::string namespace_name = "default";
  std::string name;
  int replicas = 3;
  // Revision i+1 runs images[i]; the last one is live. Each becomes an owned ReplicaSet with
  // annotation deployment.kubernetes.io/revision (an image repeated reuses the earlier
  // ReplicaSet under the next number, as the real controller does).
  std::vector<std::string> images;
  // Optional; same length as images; kubernetes.io/change-cause ("" for none).
  std::vector<std::string> change_causes;
  int revision_history_limit = 10;  // old ReplicaSets beyond this are not kept (0: only the live one)
  bool paused = false;
  std::string container = "web";  // the single container's name
};

// How the simulated controller moves a rollout after a template change (PATCH). New
// Deployments start fully rolled out whatever the behaviour.
enum class RolloutBehaviour { immediate, stepwise, stuck, deadline_exceeded };

// One HTTP request as received.
struct StandinRequest {
  std::string method;
  std::string target;        // path and query, percent-decoded
  std::string content_type;  // empty when absent
  std::string accept;
  std::string body;
};

class KubeStandin {
 public:
  // The user named in 403 messages (the stand-in ignores the token).
  static constexpr const char* user = "system:serviceaccount:goaround:goaround";

  // Listens on 127.0.0.1, an ephemeral port, serving on its own thread.
  KubeStandin();
  // Stops the thread and closes all connections, held-open watches included.
  ~KubeStandin();
  KubeStandin(const KubeStandin&) = delete;
  KubeStandin& operator=(const KubeStandin&) = delete;

  unsigned short port() const;
  std::string server_url() const;  // "http://127.0.0.1:PORT"

  // Writes `<dir>/<context>.kubeconfig` (one cluster, one user with a dummy token, one context
  // named `context`, namespace default, current-context set) and returns its path.
  std::filesystem::path write_kubeconfig(const std::filesystem::path& dir,
                                         const std::string& context = "standin") const;

  void add_deployment(const StandinDeployment& deployment);

  // A Flux Kustomization (kustomize.toolkit.fluxcd.io/v1) `ns/name` whose source is a
  // GitRepository of the same name (source.toolkit.fluxcd.io/v1) following `branch` of the
  // repository at `repo`. A small Flux: when the GitRepository's reconcile.fluxcd.io/requestedAt
  // annotation changes it fetches the branch's head (real git), and when the Kustomization's
  // changes it applies the source's artifact, `apply_delay` later (status.lastAppliedRevision
  // "<branch>@sha1:<sha>", Ready True). Both start applied at the branch's head.
  void add_flux_kustomization(const std::string& ns, const std::string& name, const std::filesystem::path& repo,
                              const std::string& branch,
                              std::chrono::milliseconds apply_delay = std::chrono::milliseconds(300));
  // Its status.lastAppliedRevision now.
  std::string flux_applied(const std::string& ns, const std::string& name) const;

  // stepwise: one more new replica ready+available every `step`, each change a MODIFIED watch
  // event, until complete; stuck: updatedReplicas stays at 1 of N forever; deadline_exceeded:
  // Progressing=False reason ProgressDeadlineExceeded after the first step.
  void set_rollout(const std::string& ns, const std::string& name, RolloutBehaviour behaviour,
                   std::chrono::milliseconds step = std::chrono::milliseconds(100));
  // Every request on the Deployment (GET, PATCH, LIST/WATCH naming it, LIST of its
  // ReplicaSets) gets a 403 Status, worded like the real API server's RBAC denial.
  void set_forbidden(const std::string& ns, const std::string& name, bool forbidden);

  // The following throw std::out_of_range for an unknown Deployment.
  int live_revision(const std::string& ns, const std::string& name) const;  // its deployment.kubernetes.io/revision
  std::string live_image(const std::string& ns, const std::string& name) const;  // first container image of its template
  boost::json::value deployment_json(const std::string& ns, const std::string& name) const;
  // The owned ReplicaSets, ascending by revision.
  std::vector<boost::json::value> replica_sets_json(const std::string& ns, const std::string& name) const;

  std::vector<std::string> requests() const;  // "METHOD /path?query" (percent-decoded) of every request, in order
  std::vector<StandinRequest> received() const;  // the same with headers and bodies

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace goaround::testing
