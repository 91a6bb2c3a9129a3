#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace goaround::config {

// A credential read from the environment or a file. It has no stream operator and no
// implicit conversion, so it cannot reach a log line by accident; reveal() is explicit.
class Secret {
 public:
  Secret() = default;
  Secret(std::string value, std::string source)
      : value_(std::move(value)), source_(std::move(source)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  // Where it came from ("${SLACK_APP_TOKEN}" or a file path): safe to show.
  const std::string& source() const { return source_; }

 private:
  std::string value_;
  std::string source_;
};

enum class AdapterKind { kubectl, helm, argocd, argo_rollouts, gitops, sim };
std::string_view to_string(AdapterKind kind);

struct KubectlTarget {
  std::string context;  // empty: the kubeconfig's current context
  std::string namespace_name;
  std::string deployment;
};

struct HelmTarget {
  std::string context;
  std::string namespace_name;
  std::string release;
};

struct ArgoCdTarget {
  std::string app;
  std::string server;  // host:port; empty: ARGOCD_SERVER or the CLI's own config
  Secret auth_token;
  bool grpc_web = false;
  bool plaintext = false;
};

// A service rolled back by reverting its bad commit in the GitOps repository; the controller
// (Argo CD, Flux) reconciles the revert.
struct GitOpsTarget {
  std::string repo;          // ssh (git@host:org/repo.git, ssh://), https:// or file:// URL
  std::string branch = "main";
  std::string path;          // the service's manifests in the repository, e.g. apps/storefront/
  std::string ssh_key_file;  // ssh URLs: the deploy key
  Secret token;              // https URLs: token_file or ${ENV}; sent as a header, never in argv
  std::string author_name = "goaround";
  std::string author_email = "goaround@localhost";
  // What reconciles the pushed revert, waited for before verifying: one of the two, or none
  // (then the remote branch holding the revert is what is verified).
  struct Wait {
    std::string argocd_app;     // Argo CD: the app's synced revision includes the revert, Healthy
    std::string flux_namespace;  // Flux: the Kustomization's lastAppliedRevision includes it, Ready
    std::string flux_name;
    std::string context;  // Flux: the kube context (empty: the kubeconfig's current one)
  } wait;
};

// Where a service's feature flags are switched: the other prepared way back for a change that
// was flag-only ("turn the flag off, then record it in the incident").
enum class FlagProvider { unleash, launchdarkly };
std::string_view to_string(FlagProvider provider);

struct FlagsTarget {
  FlagProvider provider = FlagProvider::unleash;
  std::string url;          // Unleash: the server; LaunchDarkly: https://app.launchdarkly.com
  Secret token;             // an admin API token (Unleash) or an API access token (LaunchDarkly)
  std::string project = "default";
  std::string environment;  // the provider's environment key, e.g. production
};

enum class RolloutStrategy { canary, bluegreen };

struct ArgoRolloutsTarget {
  std::string context;
  std::string namespace_name;
  std::string rollout;
  RolloutStrategy strategy = RolloutStrategy::canary;
  std::string active_service;  // bluegreen: the Service whose selector must point at stable
};

// Post-rollback verification beyond the adapter's own rollout status (the rollback procedure: verify, never just "done").
struct Verify {
  std::string health_url;  // http(s)://…; empty: no HTTP check
  int expect_status = 200;
  std::string query;  // PromQL instant query; empty: no metric check
  std::optional<double> below;  // the query's value must end up below this
};

// Which part of the bot's environment the tools get (`tools.environment`). By default all of
// it (KUBECONFIG, the in-cluster KUBERNETES_SERVICE_*, proxies, cloud credentials for exec
// plugins), minus the bot's own secrets; `inherit: false` is the strict form.
struct ToolEnvironment {
  bool inherit = true;
  std::vector<std::string> pass;  // with inherit: false, handed down besides the base names
};

// Where the command-line tools are (names are looked up on PATH) and their shared settings.
struct Tools {
  std::string kubectl = "kubectl";
  std::string helm = "helm";
  std::string argocd = "argocd";
  std::string argo_rollouts = "kubectl-argo-rollouts";
  std::string git = "git";
  std::string kubeconfig;  // KUBECONFIG for every tool; empty: inherited
  std::string kube_cache_dir;  // kubectl --cache-dir; empty: kubectl's default
  ToolEnvironment environment;
  // Every secret the configuration resolved (tokens, *_file contents): no tool is handed its
  // value, nor the variable it came from; an adapter passes its own one explicitly.
  std::vector<Secret> withheld;
};

struct Prometheus {
  std::string url;  // e.g. http://127.0.0.1:9090; empty: no metric checks
  std::chrono::milliseconds poll_interval{std::chrono::seconds(15)};  // trigger evaluation
};

// The HTTP listener: CI's deploy registration, health and /metrics.
struct Http {
  std::string host;  // empty: no listener
  unsigned short port = 0;
  Secret token;  // bearer token for POST /v1/deployments; empty: registration refused
  int max_connections = 256;  // open at once; more are answered 503 and closed
};

enum class SimFailure { none, never_ready, revision_missing };

// The simulated deployment behind the `sim` adapter (local mode and tests).
struct SimSettings {
  int revisions = 12;  // history 1..revisions; the last one is live
  int replicas = 4;
  std::chrono::milliseconds step{400};  // time for one replica to move along
  std::chrono::milliseconds progress_deadline{std::chrono::seconds(10)};
  SimFailure failure = SimFailure::none;
  std::string image;  // default: registry.local/<service name>
};

struct Allowed {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  bool anyone() const { return users.empty() && groups.empty(); }
};

// The automated rollback controller of "roll back or fix forward?": a PromQL signal, its threshold and how long it
// must hold before anything happens, and what happens then.
enum class Comparison { greater_than, less_than };
enum class Severity { auto_rollback, page_and_suggest, log_only };
std::string_view to_string(Comparison comparison);
std::string_view to_string(Severity severity);

struct Trigger {
  std::string name;
  std::string query;
  double threshold = 0;
  Comparison comparison = Comparison::greater_than;
  std::chrono::milliseconds hold{0};  // `for`: how long the condition must hold; 0: at once
  Severity severity = Severity::page_and_suggest;
};

struct Service {
  std::string name;
  std::string environment;
  AdapterKind adapter = AdapterKind::sim;
  std::optional<KubectlTarget> kubectl;
  std::optional<HelmTarget> helm;
  std::optional<ArgoCdTarget> argocd;
  std::optional<ArgoRolloutsTarget> argo_rollouts;
  std::optional<GitOpsTarget> gitops;
  std::optional<FlagsTarget> flags;  // beside any adapter: /rollback SERVICE --flag KEY
  SimSettings sim;
  Verify verify;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};  // one rollback and its wait
  Allowed allowed;
  std::string channel;
  std::chrono::milliseconds status_interval{std::chrono::minutes(15)};
  // After each registered deployment, auto_rollback triggers may act for this long; outside it
  // they only suggest (an old deploy is rarely what broke).
  std::chrono::milliseconds watch_window{std::chrono::minutes(30)};
  // After a go-around ends, no trigger starts another for this long.
  std::chrono::milliseconds cooldown{std::chrono::minutes(5)};
  // An incident open this long with a trigger firing and no go-around: ask the channel.
  std::chrono::milliseconds prompt_after{std::chrono::minutes(10)};
  std::vector<Trigger> triggers;
  // Who to page when a go-around fails ("@checkout-oncall", a Slack user group or person):
  // the Escalate button under a failed result calls them in the incident.
  std::vector<std::string> escalate_to;
  // The staging twin drills run on (`drill:`): the same adapter kind with its own target and
  // checks, named drill_name(name); null when the service has none.
  std::shared_ptr<const Service> drill;
  std::string drill_of;  // on a twin: the production service it practises for
  // How long after the last drill the channel is reminded to run one; zero: never.
  std::chrono::milliseconds practice_every{0};
};

// The name a service's drill twin is kept under: its go-arounds, incidents and lock are its
// own, never the production service's. Not a DNS label, so no configured service can take it.
std::string drill_name(std::string_view service);

// The configured services as a component that looks them up sees them, and no other setting:
// a view of the configuration's list, which must outlive it.
class Services {
 public:
  explicit Services(const std::vector<Service>& list) : list_(&list) {}
  // A configured service, or a service's drill twin by its drill_name().
  const Service* find(std::string_view name) const;
  std::vector<std::string> names() const;  // the configured services, without twins
  std::vector<Service>::const_iterator begin() const { return list_->begin(); }
  std::vector<Service>::const_iterator end() const { return list_->end(); }

 private:
  const std::vector<Service>* list_;
};

struct Slack {
  Secret app_token;
  Secret bot_token;
  std::string api_url = "https://slack.com/api/";
  // A Socket Mode link with no frame and no pong for this long is dead and replaced.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(15)};
};

struct Logging {
  std::string level = "info";
  std::string format = "text";  // text | json
};

// Where the timeline is kept (`store`): SQLite in data_dir by default; PostgreSQL, shared by
// several replicas, when a URL is given. The URL may come from the environment (`${…}`);
// a password never sits in it, but beside it (`password` as `${…}`, or `password_file`).
struct Store {
  Secret url;  // postgresql://user@host:5432/goaround; empty: SQLite
  Secret password;
  bool postgres() const { return !url.empty(); }
};

// A container registry the runway check asks for a rollback's target image (`registries:`).
struct Registry {
  std::string host;       // as image references name it: registry.example.com, 127.0.0.1:5000, docker.io
  std::string auth_file;  // a Docker config.json whose `auths` has this host
  std::string ca_file;    // a CA its TLS certificate is checked against, besides the system's
  bool insecure = false;  // plain HTTP (only for hosts marked so)
};

struct Config {
  std::filesystem::path data_dir = "./var";
  Store store;
  std::filesystem::path templates_dir;  // replacements for built-in templates; empty: none
  Slack slack;
  Logging log;
  Tools tools;
  Prometheus prometheus;
  Http http;
  // A go-around freezes its service's deploys until the incident's debrief is written.
  bool freeze_until_debrief = true;
  // How old the heartbeat of a process running a go-around may get (it renews every fifth of
  // this) before any other goaround process takes the go-around over as left by a dead one.
  std::chrono::milliseconds execution_lease{std::chrono::seconds(10)};
  // How long the leader lease runs unrenewed (renewed every quarter of it): on several
  // replicas, a standby takes the leader's work over within about this much after it dies.
  std::chrono::milliseconds leader_lease{std::chrono::seconds(2)};
  std::vector<Service> services;
  // Images on these registries are checked before a rollback to them; others are not.
  std::vector<Registry> registries;

  Services service_list() const { return Services(services); }
  const Service* find_service(std::string_view name) const { return service_list().find(name); }
  std::vector<std::string> service_names() const { return service_list().names(); }
};

// One problem found in a configuration file, with its 1-based position.
struct Problem {
  int line = 0;
  int column = 0;
  std::string message;
};
// "origin:line:col: message", or "origin: message" for a problem of the whole file.
std::string describe(const Problem& problem, std::string_view origin);

struct Parsed {
  std::optional<Config> config;  // set only when problems is empty
  std::vector<Problem> problems;  // sorted by position
  // What works here but will not: a tool not on PATH, a kubeconfig file that is missing.
  std::vector<Problem> warnings;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

// Parses and validates YAML text; every problem is collected, none stops the others.
Parsed parse(std::string_view yaml_text, const EnvLookup& env = process_environment());

// Thrown by load() at start-up; what() lists every problem as "origin:line:col: message".
class Invalid : public std::runtime_error {
 public:
  Invalid(std::string origin, std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

// Reads a file (or, with no path, the embedded default) and validates it; throws Invalid.
Config load(const std::optional<std::filesystem::path>& path,
            const EnvLookup& env = process_environment());

// The embedded default: two simulated services, checkout and payments.
std::string_view embedded_default();

// Words /rollback takes as subcommands (now or in planned issues): no service may be named so.
extern const std::vector<std::string_view> reserved_names;

// DNS-1123 label: lowercase letters, digits and '-', 1..63, starting and ending alphanumeric.
bool is_dns_label(std::string_view name);
// A flag provider's key (a flag, a project, an environment): it goes into the API's URL path.
bool is_flag_key(std::string_view key);

// The variable a secret was read from (`${NAME}` gives NAME); empty for a file.
std::string secret_variable(const Secret& secret);

}  // namespace goaround::config
