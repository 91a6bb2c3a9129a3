// deploy/: the plain Kubernetes manifests, the Helm chart (rendered here: helm is not installed,
// so the chart keeps to the few template expressions this file understands), the Dockerfile, and
// the Role checked against what the real kubectl adapter asks of a Kubernetes API (the stand-in).
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "support/kube_standin.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path deploy_dir = fs::path(GOAROUND_SOURCE_DIR) / "deploy";

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  INFO(path.string());
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One YAML document of a manifest file.
struct Document {
  std::string file;
  YAML::Node node;
  std::string kind() const { return node["kind"] ? node["kind"].as<std::string>() : ""; }
  std::string name() const { return node["metadata"]["name"] ? node["metadata"]["name"].as<std::string>() : ""; }
  std::string ns() const {
    return node["metadata"]["namespace"] ? node["metadata"]["namespace"].as<std::string>() : "";
  }
};

void add_documents(std::vector<Document>& into, const std::string& file, const std::string& text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    FAIL(file << " does not parse: " << e.what() << "\n" << text);
  }
  for (const auto& node : nodes)
    if (node.IsDefined() && !node.IsNull()) into.push_back({file, node});
}

std::vector<fs::path> yaml_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Document> plain_manifests() {
  std::vector<Document> docs;
  for (const auto& file : yaml_files(deploy_dir / "kubernetes"))
    add_documents(docs, file.filename().string(), read_text(file));
  return docs;
}

// --- the Helm subset --------------------------------------------------------------------------

const std::string release_name = "goaround";
const std::string release_namespace = "goaround";

YAML::Node values_at(const YAML::Node& values, const std::string& dotted) {
  YAML::Node node;
  node.reset(values);  // reset, not `=`: assigning a yaml-cpp Node overwrites what it refers to
  std::stringstream path(dotted.substr(std::string(".Values.").size()));
  for (std::string key; std::getline(path, key, '.');) {
    INFO("template expression " << dotted);
    REQUIRE(node.IsMap());
    REQUIRE(node[key].IsDefined());
    node.reset(node[key]);
  }
  return node;
}

// `toYaml X | nindent N`: a newline, then X as YAML with every line indented by N.
std::string nindent_yaml(const YAML::Node& node, int indent) {
  YAML::Emitter out;
  out << node;
  std::stringstream lines(out.c_str());
  std::string result;
  for (std::string line; std::getline(lines, line);) result += "\n" + std::string(indent, ' ') + line;
  return result;
}

// Whether a value is set as Helm's `if` sees it: defined, and not null, false, 0 or empty.
bool truthy(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return false;
  if (node.IsScalar()) return node.Scalar() != "" && node.Scalar() != "false" && node.Scalar() != "0";
  return node.size() > 0;
}

// The conditions the chart uses: `.Values.a.b`, `not .Values.a.b`, `gt (int .Values.a) N`.
bool condition(const std::string& expression, const YAML::Node& values) {
  static const std::regex greater(R"(gt \(int (\.Values(?:\.[A-Za-z0-9_]+)+)\) ([0-9]+))");
  static const std::regex value(R"(\.Values(?:\.[A-Za-z0-9_]+)+)");
  std::smatch match;
  if (expression.starts_with("not ")) return !condition(expression.substr(4), values);
  if (std::regex_match(expression, match, greater))
    return std::stoi(values_at(values, match[1]).Scalar()) > std::stoi(match[2]);
  if (std::regex_match(expression, value)) return truthy(values_at(values, expression));
  FAIL("the chart uses a condition the test cannot evaluate: " << expression);
  return false;
}

// What the chart's `fail` says: `helm install` stops with it.
struct ChartRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Helm's `{{ }}` with `{{-`/`-}}` whitespace trimming, for the expressions the chart uses:
// .Values.a.b, .Release.Name, .Release.Namespace, .Chart.Name/Version/AppVersion,
// `toYaml .Values.a | nindent N`, `if`/`else`/`end` over condition()'s forms, and `fail "…"`.
// Anything else fails the test: keep the chart this simple.
std::string render(const std::string& source, const YAML::Node& values, const YAML::Node& chart) {
  static const std::regex to_yaml(R"(toYaml (\.Values(?:\.[A-Za-z0-9_]+)+) \| nindent ([0-9]+))");
  static const std::regex value(R"(\.Values(?:\.[A-Za-z0-9_]+)+)");
  static const std::regex refusal(R"re(fail "([^"]*)")re");
  // One entry per open `if`: whether its condition held, and whether the current branch
  // renders (its enclosing branches render, and it is the branch the condition chose).
  struct Branch {
    bool held = false;
    bool renders = false;
  };
  std::vector<Branch> branches;
  const auto rendering = [&] { return branches.empty() || branches.back().renders; };
  std::string out;
  std::size_t at = 0;
  for (;;) {
    const auto open = source.find("{{", at);
    if (open == std::string::npos) {
      REQUIRE(branches.empty());
      out += source.substr(at);
      return out;
    }
    if (rendering()) out += source.substr(at, open - at);
    const auto close = source.find("}}", open);
    REQUIRE(close != std::string::npos);
    std::string expression = source.substr(open + 2, close - open - 2);
    const bool trim_before = expression.starts_with("- ");
    const bool trim_after = expression.ends_with(" -");
    if (trim_before) {
      expression.erase(0, 1);
      if (rendering())
        while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
    }
    if (trim_after) expression.pop_back();
    expression.erase(0, expression.find_first_not_of(' '));
    expression.erase(expression.find_last_not_of(' ') + 1);
    std::smatch match;
    if (expression.starts_with("if ")) {
      const bool outer = rendering();
      const bool held = outer && condition(expression.substr(3), values);
      branches.push_back({held, held});
    } else if (expression == "else") {
      REQUIRE_FALSE(branches.empty());
      const auto branch = branches.back();
      branches.pop_back();
      branches.push_back({branch.held, rendering() && !branch.held});
    } else if (expression == "end") {
      REQUIRE_FALSE(branches.empty());
      branches.pop_back();
    } else if (!rendering()) {
      // inside a branch not rendered: nothing to evaluate
    } else if (std::regex_match(expression, match, refusal))
      throw ChartRefused(match[1].str());
    else if (expression == ".Release.Name")
      out += release_name;
    else if (expression == ".Release.Namespace")
      out += release_namespace;
    else if (expression == ".Chart.Name")
      out += chart["name"].as<std::string>();
    else if (expression == ".Chart.Version")
      out += chart["version"].as<std::string>();
    else if (expression == ".Chart.AppVersion")
      out += chart["appVersion"].as<std::string>();
    else if (std::regex_match(expression, match, to_yaml))
      out += nindent_yaml(values_at(values, match[1]), std::stoi(match[2]));
    else if (std::regex_match(expression, value)) {
      const auto node = values_at(values, expression);
      INFO(expression);
      REQUIRE(node.IsScalar());
      out += node.Scalar();
    } else
      FAIL("the chart uses a template expression the test cannot render: {{" << expression << "}}");
    at = close + 2;
    if (trim_after)
      while (at < source.size() && std::isspace(static_cast<unsigned char>(source[at]))) ++at;
  }
}

// `overrides` over `values`, key by key, as `helm install -f overrides.yaml` merges them.
void merge_into(YAML::Node values, const YAML::Node& overrides) {
  for (const auto& entry : overrides) {
    const auto key = entry.first.Scalar();
    if (entry.second.IsMap() && values[key].IsMap()) merge_into(values[key], entry.second);
    else values[key] = entry.second;
  }
}

std::vector<Document> helm_rendered(const std::string& overrides = "") {
  const auto chart_dir = deploy_dir / "helm" / "goaround";
  const auto chart = YAML::LoadFile((chart_dir / "Chart.yaml").string());
  const auto values = YAML::LoadFile((chart_dir / "values.yaml").string());
  if (!overrides.empty()) merge_into(values, YAML::Load(overrides));
  std::vector<Document> docs;
  for (const auto& file : yaml_files(chart_dir / "templates"))
    add_documents(docs, "templates/" + file.filename().string(), render(read_text(file), values, chart));
  return docs;
}

// --- helpers over the objects --------------------------------------------------------------------

std::vector<const Document*> of_kind(const std::vector<Document>& docs, const std::string& kind) {
  std::vector<const Document*> found;
  for (const auto& doc : docs)
    if (doc.kind() == kind) found.push_back(&doc);
  return found;
}

const Document& only(const std::vector<Document>& docs, const std::string& kind) {
  const auto found = of_kind(docs, kind);
  INFO("objects of kind " << kind);
  REQUIRE(found.size() == 1);
  return *found.front();
}

const Document* find(const std::vector<Document>& docs, const std::string& kind, const std::string& name,
                     const std::string& ns) {
  for (const auto& doc : docs)
    if (doc.kind() == kind && doc.name() == name && doc.ns() == ns) return &doc;
  return nullptr;
}

bool contains(const YAML::Node& sequence, const std::string& wanted) {
  if (!sequence.IsSequence()) return false;
  for (const auto& item : sequence)
    if (item.IsScalar() && item.Scalar() == wanted) return true;
  return false;
}

bool labels_subset(const YAML::Node& subset, const YAML::Node& labels) {
  if (!subset.IsMap() || subset.size() == 0) return false;
  for (const auto& label : subset)
    if (!labels[label.first.Scalar()] || labels[label.first.Scalar()].Scalar() != label.second.Scalar()) return false;
  return true;
}

// Structural equality: maps by key (order-free), sequences in order, scalars by their text.
void compare(const YAML::Node& a, const YAML::Node& b, const std::string& path, std::vector<std::string>& differences) {
  if (a.Type() != b.Type()) {
    differences.push_back(path + ": different node types");
    return;
  }
  if (a.IsScalar()) {
    if (a.Scalar() != b.Scalar()) differences.push_back(path + ": `" + a.Scalar() + "` vs `" + b.Scalar() + "`");
  } else if (a.IsSequence()) {
    if (a.size() != b.size()) differences.push_back(path + ": " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " items");
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) compare(a[i], b[i], path + "[" + std::to_string(i) + "]", differences);
  } else if (a.IsMap()) {
    for (const auto& entry : a) {
      const auto key = entry.first.Scalar();
      if (!b[key]) differences.push_back(path + "." + key + ": missing on the right");
      else compare(entry.second, b[key], path + "." + key, differences);
    }
    for (const auto& entry : b)
      if (!a[entry.first.Scalar()]) differences.push_back(path + "." + entry.first.Scalar() + ": missing on the left");
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

YAML::Node config_of(const Document& config_map) {
  REQUIRE(config_map.node["data"]["goaround.yaml"]);
  return YAML::Load(config_map.node["data"]["goaround.yaml"].as<std::string>());
}

const YAML::Node container_of(const Document& deployment) {
  const auto containers = deployment.node["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.IsSequence());
  REQUIRE(containers.size() == 1);
  return containers[0];
}

// The volume mounted at `path` in the Deployment's container.
YAML::Node volume_at(const Document& deployment, const std::string& path) {
  const auto container = container_of(deployment);
  for (const auto& mount : container["volumeMounts"])
    if (mount["mountPath"].as<std::string>() == path)
      for (const auto& volume : deployment.node["spec"]["template"]["spec"]["volumes"])
        if (volume["name"].as<std::string>() == mount["name"].as<std::string>()) return volume;
  FAIL("nothing is mounted at " << path);
  return {};
}

int container_port(const YAML::Node& container, const YAML::Node& port) {
  for (const auto& p : container["ports"])
    if (p["name"] && p["name"].Scalar() == port.Scalar()) return p["containerPort"].as<int>();
  return port.as<int>();
}

std::set<std::string> env_references(const std::string& config_text) {
  static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::set<std::string> names;
  for (std::sregex_iterator it(config_text.begin(), config_text.end(), reference), end; it != end; ++it)
    names.insert((*it)[1].str());
  return names;
}

// The checks every rendering of deploy/ must pass, plain or Helm.
void check_objects(const std::vector<Document>& docs, const std::string& source) {
  INFO("checking " << source);
  for (const auto& doc : docs) {
    INFO(doc.file << ": " << doc.kind() << " " << doc.name());
    CHECK(doc.node["apiVersion"]);
    CHECK_FALSE(doc.kind().empty());
    CHECK_FALSE(doc.name().empty());
    if (doc.kind() != "Namespace") CHECK_FALSE(doc.ns().empty());
    CHECK(doc.kind() != "Secret");  // secrets are created by hand, never committed
    CHECK(doc.kind() != "ClusterRole");
    CHECK(doc.kind() != "ClusterRoleBinding");
  }
  const auto& deployment = only(docs, "Deployment");
  const auto& account = only(docs, "ServiceAccount");
  const auto& role = only(docs, "Role");
  const auto& binding = only(docs, "RoleBinding");
  const auto& claim = only(docs, "PersistentVolumeClaim");
  const auto& config_map = only(docs, "ConfigMap");
  const auto& service = only(docs, "Service");
  const auto spec = deployment.node["spec"];
  const auto pod = spec["template"]["spec"];
  const auto container = container_of(deployment);

  // One bot owns the SQLite file.
  CHECK(spec["replicas"].as<int>() == 1);
  CHECK(spec["strategy"]["type"].as<std::string>() == "Recreate");
  CHECK(pod["terminationGracePeriodSeconds"].as<int>() == 60);
  CHECK(labels_subset(spec["selector"]["matchLabels"], spec["template"]["metadata"]["labels"]));
  CHECK(pod["serviceAccountName"].as<std::string>() == account.name());
  CHECK(account.ns() == deployment.ns());

  // Not root, nothing writable but the mounts.
  CHECK(pod["securityContext"]["runAsNonRoot"].as<bool>());
  CHECK(pod["securityContext"]["runAsUser"].as<int>() != 0);
  CHECK(container["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  CHECK_FALSE(container["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  CHECK(contains(container["securityContext"]["capabilities"]["drop"], "ALL"));
  CHECK(container["resources"]["requests"]["cpu"]);
  CHECK(container["resources"]["requests"]["memory"]);
  CHECK(container["resources"]["limits"]["memory"]);

  // The command line names the mounted configuration and the claimed data folder.
  const auto args = container["args"].as<std::vector<std::string>>();
  const auto option = [&](const std::string& name) {
    const auto found = std::find(args.begin(), args.end(), name);
    REQUIRE(found != args.end());
    REQUIRE(found + 1 != args.end());
    return *(found + 1);
  };
  CHECK(args.front() == "serve");
  const fs::path config_path = option("--config");
  CHECK(volume_at(deployment, config_path.parent_path().string())["configMap"]["name"].as<std::string>() == config_map.name());
  CHECK(config_map.node["data"][config_path.filename().string()]);
  CHECK(volume_at(deployment, option("--data"))["persistentVolumeClaim"]["claimName"].as<std::string>() == claim.name());
  CHECK(claim.ns() == deployment.ns());
  CHECK(config_map.ns() == deployment.ns());
  CHECK(contains(claim.node["spec"]["accessModes"], "ReadWriteOnce"));
  CHECK(claim.node["spec"]["resources"]["requests"]["storage"]);

  // The configuration: listens on the probed port, its cache is on a writable mount, every ${VAR}
  // comes from the container's environment, the Slack ones from the goaround-slack Secret.
  const auto config = config_of(config_map);
  const auto listen = config["http"]["listen"].as<std::string>();
  CHECK(listen.starts_with("0.0.0.0:"));
  const int port = std::stoi(listen.substr(listen.rfind(':') + 1));
  CHECK(container_port(container, container["readinessProbe"]["httpGet"]["port"]) == port);
  CHECK(container_port(container, container["livenessProbe"]["httpGet"]["port"]) == port);
  CHECK(container["readinessProbe"]["httpGet"]["path"].as<std::string>() == "/readyz");
  CHECK(container["livenessProbe"]["httpGet"]["path"].as<std::string>() == "/healthz");
  CHECK(container_port(container, service.node["spec"]["ports"][0]["targetPort"]) == port);
  CHECK(labels_subset(service.node["spec"]["selector"], spec["template"]["metadata"]["labels"]));
  const auto cache = config["tools"]["kube_cache_dir"].as<std::string>();
  CHECK((cache.starts_with("/tmp/") && volume_at(deployment, "/tmp")["emptyDir"]));
  CHECK_FALSE(config["tools"]["kubeconfig"]);  // in-cluster: the ServiceAccount's token

  std::map<std::string, std::pair<std::string, std::string>> from_secret;  // env → (secret, key)
  for (const auto& env : container["env"])
    if (env["valueFrom"] && env["valueFrom"]["secretKeyRef"])
      from_secret[env["name"].as<std::string>()] = {env["valueFrom"]["secretKeyRef"]["name"].as<std::string>(),
                                                    env["valueFrom"]["secretKeyRef"]["key"].as<std::string>()};
  for (const auto& name : env_references(config_map.node["data"]["goaround.yaml"].as<std::string>())) {
    INFO("${" << name << "} in goaround.yaml");
    CHECK(from_secret.count(name) == 1);
  }
  CHECK(from_secret["SLACK_APP_TOKEN"] == std::pair<std::string, std::string>{"goaround-slack", "app-token"});
  CHECK(from_secret["SLACK_BOT_TOKEN"] == std::pair<std::string, std::string>{"goaround-slack", "bot-token"});
  CHECK(from_secret.count("GOAROUND_HTTP_TOKEN") == 1);

  // The Role sits where the kubectl services' workloads are, bound to the bot's account.
  for (const auto& svc : config["services"])
    if (svc["adapter"].as<std::string>() == "kubectl") CHECK(svc["kubectl"]["namespace"].as<std::string>() == role.ns());
  CHECK(binding.ns() == role.ns());
  CHECK(binding.node["roleRef"]["kind"].as<std::string>() == "Role");
  CHECK(binding.node["roleRef"]["name"].as<std::string>() == role.name());
  REQUIRE(binding.node["subjects"].size() == 1);
  CHECK(binding.node["subjects"][0]["kind"].as<std::string>() == "ServiceAccount");
  CHECK(binding.node["subjects"][0]["name"].as<std::string>() == account.name());
  CHECK(binding.node["subjects"][0]["namespace"].as<std::string>() == account.ns());
  for (const auto& rule : role.node["rules"]) {
    CHECK_FALSE(rule["resourceNames"]);
    for (const auto* field : {"apiGroups", "resources", "verbs"}) {
      REQUIRE(rule[field].IsSequence());
      CHECK_FALSE(contains(rule[field], "*"));
    }
  }
}

// --- RBAC ------------------------------------------------------------------------------------------

// What one API request needs: RBAC's (API group, resource[/subresource], verb) in a namespace.
using Grant = std::tuple<std::string, std::string, std::string>;

struct Access {
  std::string ns;
  Grant grant;
};

std::map<std::string, std::string> query_of(const std::string& query) {
  std::map<std::string, std::string> params;
  std::stringstream parts(query);
  for (std::string part; std::getline(parts, part, '&');) {
    const auto eq = part.find('=');
    params[part.substr(0, eq)] = eq == std::string::npos ? "" : part.substr(eq + 1);
  }
  return params;
}

// The API server's request-info rules: /api/v1/… is the core group "", /apis/G/V/… group G; a
// GET of a name is get, of a collection list (watch with watch=true), PATCH patch, and so on.
// Discovery documents (/version, /api, /apis, /apis/G/V) are nonResourceURLs every
// authenticated user may read (system:discovery): std::nullopt.
std::optional<Access> access_of(const testing::StandinRequest& request) {
  const auto question = request.target.find('?');
  const auto path = request.target.substr(0, question);
  const auto query = query_of(question == std::string::npos ? "" : request.target.substr(question + 1));
  std::vector<std::string> segments;
  std::stringstream parts(path);
  for (std::string segment; std::getline(parts, segment, '/');)
    if (!segment.empty()) segments.push_back(segment);
  std::string group;
  std::size_t rest = 0;
  if (!segments.empty() && segments[0] == "api") {
    rest = 2;
  } else if (!segments.empty() && segments[0] == "apis" && segments.size() >= 2) {
    group = segments[1];
    rest = 3;
  }
  if (rest == 0 || segments.size() <= rest) return std::nullopt;  // /version, /api, /apis, /apis/G/V
  INFO(request.method << " " << request.target);
  REQUIRE(segments[rest] == "namespaces");  // a cluster-scoped request: a Role cannot grant it
  REQUIRE(segments.size() >= rest + 3);
  const auto& ns = segments[rest + 1];
  auto resource = segments[rest + 2];
  const bool named = segments.size() > rest + 3;
  if (segments.size() > rest + 4) resource += "/" + segments[rest + 4];
  const auto watch = query.find("watch");
  const bool watching = watch != query.end() && (watch->second == "true" || watch->second == "1");
  std::string verb;
  if (request.method == "GET") verb = named ? "get" : watching ? "watch" : "list";
  else if (request.method == "PATCH") verb = "patch";
  else if (request.method == "PUT") verb = "update";
  else if (request.method == "POST") verb = "create";
  else if (request.method == "DELETE") verb = named ? "delete" : "deletecollection";
  else FAIL("unexpected method " << request.method);
  return Access{ns, {group, resource, verb}};
}

std::set<Grant> granted_by(const Document& role) {
  std::set<Grant> grants;
  for (const auto& rule : role.node["rules"])
    for (const auto& group : rule["apiGroups"])
      for (const auto& resource : rule["resources"])
        for (const auto& verb : rule["verbs"]) grants.insert({group.Scalar(), resource.Scalar(), verb.Scalar()});
  return grants;
}

std::string describe(const Grant& grant) {
  const auto& [group, resource, verb] = grant;
  return verb + " " + resource + (group.empty() ? "" : "." + group);
}

// What kubectl-argo-rollouts v1.8 and the argo-rollouts adapter need, which the stand-in (apps/v1
// only) cannot serve; from the plugin's source (cmd/undo, cmd/abort, cmd/status and its
// viewcontroller's informers) and docs/tools.md §1.9.
const std::map<Grant, std::string> argo_rollouts_needs{
    {{"argoproj.io", "rollouts", "get"}, "kubectl get rollout -o json; undo reads the Rollout"},
    {{"argoproj.io", "rollouts", "patch"}, "undo: JSON patch of /spec/template"},
    {{"argoproj.io", "rollouts/status", "patch"}, "abort: merge patch of status.abort"},
    {{"argoproj.io", "rollouts", "list"}, "status: the Rollout informer"},
    {{"argoproj.io", "rollouts", "watch"}, "status: the Rollout informer"},
    {{"argoproj.io", "experiments", "list"}, "status: the Experiment informer"},
    {{"argoproj.io", "experiments", "watch"}, "status: the Experiment informer"},
    {{"argoproj.io", "analysisruns", "list"}, "status: the AnalysisRun informer"},
    {{"argoproj.io", "analysisruns", "watch"}, "status: the AnalysisRun informer"},
    {{"apps", "replicasets", "list"}, "undo and get replicasets -l: the revision history"},
    {{"apps", "replicasets", "watch"}, "status: the ReplicaSet informer"},
    {{"apps", "deployments", "list"}, "status: the Deployment informer (workloadRef)"},
    {{"apps", "deployments", "watch"}, "status: the Deployment informer (workloadRef)"},
    {{"", "pods", "list"}, "status: the Pod informer"},
    {{"", "pods", "watch"}, "status: the Pod informer"},
    {{"", "services", "get"}, "blue-green: kubectl get service ACTIVE -o json"},
};

// --- the Dockerfile --------------------------------------------------------------------------------

struct Stage {
  std::string from;
  std::vector<std::string> instructions;  // continuation lines joined, comments dropped
};

std::vector<Stage> dockerfile_stages() {
  auto text = read_text(deploy_dir / "Dockerfile");
  for (std::size_t at; (at = text.find("\\\n")) != std::string::npos;) text.replace(at, 2, " ");
  std::map<std::string, std::string> global_args;
  std::vector<Stage> stages;
  std::stringstream lines(text);
  static const std::regex arg(R"(ARG ([A-Za-z_][A-Za-z0-9_]*)=(\S+))");
  for (std::string line; std::getline(lines, line);) {
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line.starts_with('#')) continue;
    std::smatch match;
    if (stages.empty() && std::regex_match(line, match, arg)) global_args[match[1]] = match[2];
    if (line.starts_with("FROM ")) {
      auto from = line.substr(5);
      for (const auto& [name, value] : global_args)
        for (std::size_t at; (at = from.find("${" + name + "}")) != std::string::npos;) from.replace(at, name.size() + 3, value);
      stages.push_back({from, {}});
    } else if (!stages.empty()) {
      stages.back().instructions.push_back(line);
    }
  }
  return stages;
}

std::set<std::string> apt_installed(const Stage& stage) {
  std::set<std::string> packages;
  for (const auto& instruction : stage.instructions) {
    for (auto at = instruction.find("apt-get install"); at != std::string::npos;
         at = instruction.find("apt-get install", at + 1)) {
      std::stringstream words(instruction.substr(at + std::string("apt-get install").size()));
      for (std::string word; words >> word && word != "&&" && word != ";";)
        if (!word.starts_with('-')) packages.insert(word);
    }
  }
  return packages;
}

std::string instruction_argument(const Stage& stage, const std::string& keyword) {
  std::string found;
  for (const auto& instruction : stage.instructions)
    if (instruction.starts_with(keyword + " ")) found = instruction.substr(keyword.size() + 1);
  return found;
}

std::vector<std::string> json_array(const std::string& text) {
  const auto node = YAML::Load(text);  // a JSON array is a YAML flow sequence
  REQUIRE(node.IsSequence());
  return node.as<std::vector<std::string>>();
}

std::string shell(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

}  // namespace

TEST_CASE("every plain manifest parses and carries what its kind needs") {
  const auto docs = plain_manifests();
  std::set<std::string> kinds;
  for (const auto& doc : docs) kinds.insert(doc.kind());
  CHECK(kinds == std::set<std::string>{"Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap",
                                       "PersistentVolumeClaim", "Deployment", "Service"});
  check_objects(docs, "deploy/kubernetes");
  // The bot's objects are in the Namespace the manifests create.
  const auto& ns = only(docs, "Namespace");
  for (const auto* kind : {"ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service"})
    CHECK(only(docs, kind).ns() == ns.name());
}

TEST_CASE("the Helm chart renders the same objects as the plain manifests") {
  const auto chart = YAML::LoadFile((deploy_dir / "helm" / "goaround" / "Chart.yaml").string());
  CHECK(chart["apiVersion"].as<std::string>() == "v2");
  CHECK(chart["name"].as<std::string>() == "goaround");
  CHECK(chart["version"]);
  // appVersion is the project's version (CMakeLists.txt's project(... VERSION x.y.z)).
  const auto cmake = read_text(fs::path(GOAROUND_SOURCE_DIR) / "CMakeLists.txt");
  std::smatch version;
  REQUIRE(std::regex_search(cmake, version, std::regex(R"(project\(goaround VERSION ([0-9.]+))")));
  CHECK(chart["appVersion"].as<std::string>() == version[1].str());

  const auto rendered = helm_rendered();
  check_objects(rendered, "the Helm chart");
  const auto plain = plain_manifests();
  std::set<std::string> plain_kinds, helm_kinds;
  for (const auto& doc : plain)
    if (doc.kind() != "Namespace") plain_kinds.insert(doc.kind());  // helm install -n NS --create-namespace
  for (const auto& doc : rendered) helm_kinds.insert(doc.kind());
  CHECK(helm_kinds == plain_kinds);
  CHECK(plain.size() - 1 == rendered.size());

  // With release name and namespace `goaround`, object for object the same content: the chart
  // may only add labels (version, managed-by).
  for (const auto& doc : plain) {
    if (doc.kind() == "Namespace") continue;
    INFO(doc.kind() << " " << doc.ns() << "/" << doc.name());
    const auto* helm = find(rendered, doc.kind(), doc.name(), doc.ns());
    REQUIRE(helm != nullptr);
    CHECK(labels_subset(doc.node["metadata"]["labels"], helm->node["metadata"]["labels"]));
    std::vector<std::string> differences;
    for (const auto& entry : doc.node) {
      const auto key = entry.first.Scalar();
      if (key == "metadata") continue;
      if (!helm->node[key]) {
        differences.push_back(key + ": missing from the chart");
      } else if (doc.kind() == "ConfigMap" && key == "data") {
        compare(config_of(doc), config_of(*helm), "data.goaround.yaml", differences);
      } else {
        compare(entry.second, helm->node[key], key, differences);
      }
    }
    for (const auto& entry : helm->node)
      if (!doc.node[entry.first.Scalar()]) differences.push_back(entry.first.Scalar() + ": only in the chart");
    INFO(joined(differences));
    CHECK(differences.empty());
  }
}

TEST_CASE("with PostgreSQL the chart runs several replicas, and it refuses several on SQLite") {
  const auto rendered = helm_rendered("replicas: 3\npostgres: { secretName: goaround-postgres }\n");
  const auto& deployment = only(rendered, "Deployment").node;
  CHECK(deployment["spec"]["replicas"].as<int>() == 3);
  CHECK(deployment["spec"]["strategy"]["type"].as<std::string>() == "RollingUpdate");
  CHECK(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>() == 0);
  const auto pod = deployment["spec"]["template"]["spec"];
  CHECK(pod["topologySpreadConstraints"][0]["topologyKey"].as<std::string>() == "kubernetes.io/hostname");
  std::map<std::string, std::pair<std::string, std::string>> from_secrets;
  for (const auto& variable : pod["containers"][0]["env"])
    if (variable["valueFrom"])
      from_secrets[variable["name"].as<std::string>()] = {
          variable["valueFrom"]["secretKeyRef"]["name"].as<std::string>(),
          variable["valueFrom"]["secretKeyRef"]["key"].as<std::string>()};
  CHECK(from_secrets["GOAROUND_DATABASE_URL"] == std::pair<std::string, std::string>{"goaround-postgres", "url"});
  CHECK(from_secrets["GOAROUND_DATABASE_PASSWORD"] ==
        std::pair<std::string, std::string>{"goaround-postgres", "password"});
  CHECK(of_kind(rendered, "PersistentVolumeClaim").empty());  // no replica owns a volume
  for (const auto& volume : pod["volumes"])
    if (volume["name"].as<std::string>() == "data") CHECK(volume["emptyDir"]);
  const auto& budget = only(rendered, "PodDisruptionBudget").node;
  CHECK(budget["spec"]["minAvailable"].as<int>() == 1);
  CHECK(budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"].as<std::string>() == "goaround");
  // The configuration gains the store, from those variables, and passes check-config.
  testing::TempDir dir;
  const auto text = only(rendered, "ConfigMap").node["data"]["goaround.yaml"].as<std::string>();
  const auto config = YAML::Load(text);
  CHECK(config["store"]["url"].as<std::string>() == "${GOAROUND_DATABASE_URL}");
  CHECK(config["store"]["password"].as<std::string>() == "${GOAROUND_DATABASE_PASSWORD}");
  for (const auto& name : env_references(text)) ::setenv(name.c_str(), ("test-value-of-" + name).c_str(), 1);
  ::setenv("GOAROUND_DATABASE_URL", "postgresql://goaround@db.shop.svc:5432/goaround", 1);
  const auto ran = testing::run_goaround({"check-config", dir.write("goaround.yaml", text).string()});
  INFO(text << "\n" << ran.out << ran.err);
  CHECK(ran.exit_code == 0);
  for (const auto& name : env_references(text)) ::unsetenv(name.c_str());

  CHECK_THROWS_WITH(helm_rendered("replicas: 2\n"), Catch::Matchers::Contains("replicas > 1 needs PostgreSQL"));
  // One replica on PostgreSQL: no budget (it would block every drain), the store all the same.
  const auto single = helm_rendered("postgres: { secretName: goaround-postgres }\n");
  CHECK(of_kind(single, "PodDisruptionBudget").empty());
  CHECK(only(single, "Deployment").node["spec"]["replicas"].as<int>() == 1);
}

TEST_CASE("the configuration in the ConfigMap passes goaround check-config") {
  const auto plain = plain_manifests();
  const auto rendered = helm_rendered();
  testing::TempDir dir;
  for (const auto* docs : {&plain, &rendered}) {
    const auto text = only(*docs, "ConfigMap").node["data"]["goaround.yaml"].as<std::string>();
    const auto references = env_references(text);
    CHECK(references == std::set<std::string>{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "GOAROUND_HTTP_TOKEN"});
    for (const auto& name : references) ::setenv(name.c_str(), ("test-value-of-" + name).c_str(), 1);
    const auto file = dir.write("goaround.yaml", text);
    const auto ran = testing::run_goaround({"check-config", file.string()});
    INFO(text << "\n" << ran.out << ran.err);
    CHECK(ran.exit_code == 0);
    for (const auto& name : references) ::unsetenv(name.c_str());
  }
}

TEST_CASE("the Role grants every request the real kubectl adapter makes in a go-around, and no more than the adapters need") {
  const auto plain = plain_manifests();
  const auto rendered = helm_rendered();
  // The service of the shipped configuration, as a Deployment in the stand-in.
  const auto config = config_of(only(plain, "ConfigMap"));
  YAML::Node service;
  for (const auto& candidate : config["services"])
    if (candidate["adapter"].as<std::string>() == "kubectl") service.reset(candidate);
  REQUIRE(service.IsMap());
  const auto name = service["name"].as<std::string>();
  const auto ns = service["kubectl"]["namespace"].as<std::string>();
  const auto deployment = service["kubectl"]["deployment"].as<std::string>();

  testing::KubeStandin api;
  testing::StandinDeployment live;
  live.namespace_name = ns;
  live.name = deployment;
  live.images = {"registry.local/" + deployment + ":1.40", "registry.local/" + deployment + ":1.41",
                 "registry.local/" + deployment + ":1.42"};
  api.add_deployment(live);
  api.set_rollout(ns, deployment, testing::RolloutBehaviour::stepwise, 100ms);
  testing::TempDir dir;
  const auto kubeconfig = api.write_kubeconfig(dir.path(), "standin");
  // As in the container: kubectl from PATH, a cache folder of its own, no context.
  const auto file = dir.write_config(R"(
tools:
  kubectl: kubectl
  kubeconfig: )" + kubeconfig.string() + R"(
  kube_cache_dir: )" + (dir.path() / "kube-cache").string() + R"(
services:
  - name: )" + name + R"(
    environment: prod
    adapter: kubectl
    kubectl: { namespace: )" + ns + ", deployment: " + deployment + R"( }
    timeout: 20s
)");
  const auto ran = testing::run_goaround({"rollback", name, "--yes", "--config", file.string()});
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);  // rolled back and verified
  REQUIRE(api.live_image(ns, deployment) == live.images[1]);

  std::set<Grant> used;
  std::string seen;
  for (const auto& request : api.received()) {
    seen += request.method + " " + request.target + "\n";
    if (const auto access = access_of(request)) {
      CHECK(access->ns == ns);
      used.insert(access->grant);
    }
  }
  INFO("requests the stand-in saw:\n" << seen);
  // The adapter's pre-flight, undo, status and verification all happened.
  for (const auto& expected : std::set<Grant>{{"apps", "deployments", "get"},
                                              {"apps", "deployments", "list"},
                                              {"apps", "deployments", "watch"},
                                              {"apps", "deployments", "patch"},
                                              {"apps", "replicasets", "list"}})
    CHECK(used.count(expected) == 1);

  for (const auto* docs : {&plain, &rendered}) {
    const auto& role = only(*docs, "Role");
    INFO(role.file);
    CHECK(role.ns() == ns);
    const auto granted = granted_by(role);
    for (const auto& grant : used) {
      INFO("the kubectl adapter needs: " << describe(grant));
      CHECK(granted.count(grant) == 1);
    }
    for (const auto& [grant, why] : argo_rollouts_needs) {
      INFO("the argo-rollouts adapter needs: " << describe(grant) << " (" << why << ")");
      CHECK(granted.count(grant) == 1);
    }
    for (const auto& grant : granted) {
      INFO("granted but used by no adapter: " << describe(grant));
      CHECK((used.count(grant) == 1 || argo_rollouts_needs.count(grant) == 1));
    }
  }
}

TEST_CASE("the Dockerfile builds on bookworm with clang++ and runs goaround serve unprivileged") {
  const auto stages = dockerfile_stages();
  REQUIRE(stages.size() >= 2);
  for (const auto& stage : stages) {
    INFO("FROM " << stage.from);
    CHECK(stage.from.find("debian:bookworm") != std::string::npos);
  }
  const auto& runtime = stages.back();

  // The build stage: scripts/setup.sh's packages (less the test-only ones), clang++, Release,
  // no tests.
  const auto build = std::find_if(stages.begin(), stages.end(), [](const Stage& s) { return s.from.ends_with(" AS build"); });
  REQUIRE(build != stages.end());
  std::string build_commands;
  for (const auto& instruction : build->instructions) build_commands += instruction + "\n";
  CHECK(build_commands.find("-DCMAKE_CXX_COMPILER=clang++") != std::string::npos);
  CHECK(build_commands.find("-DCMAKE_BUILD_TYPE=Release") != std::string::npos);
  CHECK(build_commands.find("-DGOAROUND_BUILD_TESTS=OFF") != std::string::npos);
  const auto setup = read_text(fs::path(GOAROUND_SOURCE_DIR) / "scripts" / "setup.sh");
  std::smatch listed;
  REQUIRE(std::regex_search(setup, listed, std::regex(R"(packages=\(([^)]*)\))")));
  const auto build_packages = apt_installed(*build);
  std::stringstream words(listed[1].str());
  for (std::string package; words >> package;) {
    if (package == "catch2" || package == "sqlite3" || package == "prometheus" || package == "postgresql-15" ||
        package == "ccache" || package == "git" || package == "curl" || package == "nodejs" ||
        package == "docker-registry")
      continue;
    INFO("scripts/setup.sh installs " << package);
    CHECK(build_packages.count(package) == 1);
  }

  // The runtime stage: not root, the entry point and command the manifests run, SIGTERM.
  const auto user = instruction_argument(runtime, "USER");
  const auto uid = user.substr(0, user.find(':'));
  CHECK_FALSE(uid.empty());
  CHECK(uid != "0");
  CHECK(uid != "root");
  CHECK(json_array(instruction_argument(runtime, "ENTRYPOINT")) == std::vector<std::string>{"goaround"});
  CHECK(instruction_argument(runtime, "STOPSIGNAL") == "SIGTERM");
  const auto command = json_array(instruction_argument(runtime, "CMD"));
  CHECK(command == std::vector<std::string>{"serve", "--config", "/etc/goaround/goaround.yaml", "--data", "/var/lib/goaround"});
  for (const auto& docs : {plain_manifests(), helm_rendered()}) {
    const auto& deployment = only(docs, "Deployment");
    CHECK(container_of(deployment)["args"].as<std::vector<std::string>>() == command);
    CHECK(deployment.node["spec"]["template"]["spec"]["securityContext"]["runAsUser"].as<std::string>() == uid);
  }

  // kubectl v1.32 from dl.k8s.io, checked against a pinned digest.
  std::string all;
  for (const auto& stage : stages)
    for (const auto& instruction : stage.instructions) all += instruction + "\n";
  CHECK(std::regex_search(all, std::regex(R"(ARG KUBECTL_VERSION=v1\.32\.[0-9]+)")));
  CHECK(std::regex_search(all, std::regex(R"(ARG KUBECTL_SHA256_AMD64=[0-9a-f]{64})")));
  CHECK(all.find("https://dl.k8s.io/release/") != std::string::npos);
  CHECK(all.find("sha256sum --check") != std::string::npos);
  CHECK(all.find("COPY --from=kubectl /out/kubectl /usr/local/bin/kubectl") != std::string::npos);

  // Every shared library the built binary links directly comes from a package the runtime stage
  // installs (or one every Debian image has).
  const auto runtime_packages = apt_installed(runtime);
  for (const auto* package : {"ca-certificates", "libcairo2", "libssl3", "libsqlite3-0"}) CHECK(runtime_packages.count(package) == 1);
  // And so does every library the bot opens when a feature first needs it (src/libs/).
  int optional_libraries = 0;
  for (const auto& source : fs::directory_iterator(fs::path(GOAROUND_SOURCE_DIR) / "src" / "libs")) {
    const auto text = read_text(source.path());
    const std::regex opened(R"re(opened<\w+>\("([^"]+)", "[^"]*", "([^"]+)")re");
    for (std::sregex_iterator it(text.begin(), text.end(), opened), end; it != end; ++it) {
      INFO((*it)[1].str() << " is opened from the package " << (*it)[2].str());
      CHECK(runtime_packages.count((*it)[2].str()) == 1);
      ++optional_libraries;
    }
  }
  CHECK(optional_libraries == 2);  // libpq5 and libcairo2
  if (shell("for tool in dpkg-query readelf ldd; do command -v $tool; done | wc -l").find('3') == std::string::npos) {
    WARN("dpkg-query, readelf or ldd missing: the runtime libraries were not checked against the binary");
    return;
  }
  const std::set<std::string> in_every_image{"libc6", "libgcc-s1", "libstdc++6"};
  const auto needed = shell("readelf -d '" GOAROUND_BINARY "' | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'");
  const auto resolved = shell("ldd '" GOAROUND_BINARY "'");
  std::stringstream sonames(needed);
  int checked = 0;
  for (std::string soname; std::getline(sonames, soname);) {
    INFO("the binary needs " << soname);
    std::smatch where;
    REQUIRE(std::regex_search(resolved, where, std::regex(std::regex_replace(soname, std::regex(R"([.+])"), R"(\$&)") + R"( => (\S+))")));
    // Merged /usr: a package may have registered the file under /lib or /usr/lib.
    const auto path = where[1].str();
    const auto other = path.starts_with("/usr/") ? path.substr(4) : "/usr" + path;
    auto owner = shell("dpkg-query -S '" + path + "' 2>/dev/null || dpkg-query -S '" + other + "' 2>/dev/null");
    owner = owner.substr(0, owner.find(':'));
    INFO("from " << path << ", package " << owner);
    CHECK((runtime_packages.count(owner) == 1 || in_every_image.count(owner) == 1));
    ++checked;
  }
  CHECK(checked > 5);
}
