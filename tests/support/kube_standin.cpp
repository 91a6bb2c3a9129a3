#include "support/kube_standin.hpp"

#include "support/capture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

namespace goaround::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view revision_key = "deployment.kubernetes.io/revision";
constexpr std::string_view revision_history_key = "deployment.kubernetes.io/revision-history";
constexpr std::string_view desired_replicas_key = "deployment.kubernetes.io/desired-replicas";
constexpr std::string_view max_replicas_key = "deployment.kubernetes.io/max-replicas";
constexpr std::string_view change_cause_key = "kubernetes.io/change-cause";
constexpr std::string_view hash_label = "pod-template-hash";
// Deployment annotations the real controller does not copy onto its ReplicaSets.
constexpr std::string_view controller_annotations[] = {
    "kubectl.kubernetes.io/last-applied-configuration", revision_key, revision_history_key,
    desired_replicas_key, max_replicas_key};

// A request the stand-in refuses, answered as a Kubernetes Status object.
struct ApiError {
  http::status status;
  std::string reason;
  std::string message;
  json::object details;
};

ApiError not_found(std::string_view resource, const std::string& name) {
  return {http::status::not_found, "NotFound",
          std::string(resource) + ".apps \"" + name + "\" not found",
          {{"name", name}, {"group", "apps"}, {"kind", resource}}};
}

// The real API server's RBAC wording; a named request names the object.
ApiError forbidden(std::string_view verb, std::string_view resource, const std::string& ns,
                   const std::string& name = "", std::string_view subresource = "") {
  const std::string object = std::string(resource) + ".apps" + (name.empty() ? "" : " \"" + name + "\"");
  const std::string full_resource = std::string(resource) + (subresource.empty() ? "" : "/" + std::string(subresource));
  json::object details{{"group", "apps"}, {"kind", resource}};
  if (!name.empty()) details["name"] = name;
  return {http::status::forbidden, "Forbidden",
          object + " is forbidden: User \"" + KubeStandin::user + "\" cannot " + std::string(verb) +
              " resource \"" + full_resource + "\" in API group \"apps\" in the namespace \"" + ns + "\"",
          std::move(details)};
}

ApiError bad_request(std::string message) {
  return {http::status::bad_request, "BadRequest", std::move(message), {}};
}

ApiError invalid(std::string message) {
  return {http::status::unprocessable_entity, "Invalid", std::move(message), {}};
}

json::object status_object(const ApiError& error) {
  json::object status{{"kind", "Status"},          {"apiVersion", "v1"},
                      {"metadata", json::object()}, {"status", "Failure"},
                      {"message", error.message},   {"reason", error.reason},
                      {"code", static_cast<int>(error.status)}};
  if (!error.details.empty()) status["details"] = error.details;
  return status;
}

std::string now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string random_uid() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const auto high = random(), low = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | (low >> 48 & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

json::object& object_at(json::object& parent, std::string_view key) {
  auto& child = parent[key];
  if (!child.is_object()) child = json::object();
  return child.as_object();
}

bool is_paused(const json::object& deployment) {
  const auto* paused = deployment.at("spec").as_object().if_contains("paused");
  return paused && *paused == true;
}

json::object& annotations_of(json::object& object) {
  return object_at(object_at(object, "metadata"), "annotations");
}

const json::value* value_at(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* node = nullptr;
  const json::object* current = &object;
  for (auto key : path) {
    if (!current) return nullptr;
    node = current->if_contains(key);
    if (!node) return nullptr;
    current = node->if_object();
  }
  return node;
}

std::string string_at(const json::object& object, std::initializer_list<std::string_view> path) {
  const auto* node = value_at(object, path);
  return node && node->is_string() ? std::string(node->get_string()) : "";
}

std::int64_t int_at(const json::object& object, std::initializer_list<std::string_view> path) {
  const auto* node = value_at(object, path);
  return node && node->is_int64() ? node->get_int64() : 0;
}

int revision_of(const json::object& object) {
  const auto text = string_at(object, {"metadata", "annotations", revision_key});
  int revision = 0;
  std::from_chars(text.data(), text.data() + text.size(), revision);
  return revision;
}

// A template as the controller compares it: without pod-template-hash, nulls and empty maps
// (the API server drops those, and kubectl's undo patch carries `creationTimestamp: null`).
json::value comparable(const json::value& value) {
  if (const auto* object = value.if_object()) {
    json::object kept;
    for (const auto& [key, child] : *object) {
      auto normal = comparable(child);
      if (normal.is_null() || (normal.is_object() && normal.get_object().empty())) continue;
      kept[key] = std::move(normal);
    }
    return kept;
  }
  if (const auto* array = value.if_array()) {
    json::array kept;
    for (const auto& child : *array) kept.push_back(comparable(child));
    return kept;
  }
  return value;
}

json::value comparable_template(json::value pod_template) {
  if (auto* metadata = pod_template.is_object() ? pod_template.get_object().if_contains("metadata") : nullptr)
    if (auto* labels = metadata->is_object() ? metadata->get_object().if_contains("labels") : nullptr)
      if (labels->is_object()) labels->get_object().erase(hash_label);
  return comparable(pod_template);
}

// Like the controller's: an FNV-1a hash of the template, its decimal digits mapped onto the
// alphabet Kubernetes uses for generated names (no vowels, no look-alikes).
std::string pod_template_hash(const json::value& pod_template) {
  const auto text = json::serialize(comparable_template(pod_template));
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : text) hash = (hash ^ c) * 16777619u;
  constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string encoded;
  for (char digit : std::to_string(hash)) encoded += alphabet[static_cast<unsigned char>(digit) % alphabet.size()];
  return encoded;
}

json::object pod_template(const std::string& app, const std::string& container, const std::string& image) {
  return {
      {"metadata", {{"creationTimestamp", nullptr}, {"labels", {{"app", app}}}}},
      {"spec",
       {{"containers", json::array{json::object{{"name", container},
                                                {"image", image},
                                                {"resources", json::object()},
                                                {"terminationMessagePath", "/dev/termination-log"},
                                                {"terminationMessagePolicy", "File"},
                                                {"imagePullPolicy", "IfNotPresent"}}}},
        {"restartPolicy", "Always"},
        {"terminationGracePeriodSeconds", 30},
        {"dnsPolicy", "ClusterFirst"},
        {"securityContext", json::object()},
        {"schedulerName", "default-scheduler"}}}};
}

// Equality-based label selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`), comma-joined.
bool labels_match(const json::object& object, std::string_view selector) {
  const json::object empty;
  const auto* labels_value = object.at("metadata").as_object().if_contains("labels");
  const auto& labels = labels_value && labels_value->is_object() ? labels_value->get_object() : empty;
  while (!selector.empty()) {
    const auto comma = selector.find(',');
    const auto term = selector.substr(0, comma);
    selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
    const auto label = [&](std::string_view key) -> std::optional<std::string> {
      const auto* found = labels.if_contains(key);
      if (!found || !found->is_string()) return std::nullopt;
      return std::string(found->get_string());
    };
    if (const auto at = term.find("!="); at != std::string_view::npos) {
      if (label(term.substr(0, at)) == std::string(term.substr(at + 2))) return false;
    } else if (const auto eq = term.find('='); eq != std::string_view::npos) {
      const auto value = term.substr(term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1);
      if (label(term.substr(0, eq)) != std::string(value)) return false;
    } else if (term.starts_with('!')) {
      if (label(term.substr(1))) return false;
    } else if (!term.empty() && !label(term)) {
      return false;
    }
  }
  return true;
}

// Which objects a LIST or WATCH asks for: its namespace, `fieldSelector` on metadata.name or
// metadata.namespace, `labelSelector`.
struct Selection {
  std::string ns;
  std::optional<std::string> name;
  std::optional<std::string> labels;
  bool other_namespace = false;  // a metadata.namespace other than the path's: nothing matches

  Selection(std::string namespace_name, const std::map<std::string, std::string>& query) : ns(std::move(namespace_name)) {
    if (const auto found = query.find("labelSelector"); found != query.end()) labels = found->second;
    const auto found = query.find("fieldSelector");
    std::string_view selector = found == query.end() ? std::string_view() : found->second;
    while (!selector.empty()) {
      const auto comma = selector.find(',');
      const auto term = selector.substr(0, comma);
      selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
      const auto eq = term.find('=');
      const auto field = term.substr(0, eq);
      auto value = eq == std::string_view::npos ? std::string_view() : term.substr(eq + 1);
      if (value.starts_with('=')) value.remove_prefix(1);
      if (field == "metadata.name")
        name = std::string(value);
      else if (field == "metadata.namespace")
        other_namespace = value != ns;
      else
        throw bad_request("field label not supported: " + std::string(field));
    }
  }

  bool matches(const json::object& object) const {
    return !other_namespace && string_at(object, {"metadata", "namespace"}) == ns &&
           (!name || string_at(object, {"metadata", "name"}) == *name) && (!labels || labels_match(object, *labels));
  }
};

bool named_objects(const json::value& value) {
  const auto* array = value.if_array();
  return array && !array->empty() && std::all_of(array->begin(), array->end(), [](const json::value& element) {
           return element.is_object() && element.get_object().contains("name");
         });
}

// RFC 7386 merge patch; `strategic` also merges lists of named objects (containers, env…)
// element by element as a strategic-merge patch does, which is what `kubectl set image` needs.
// Its directives ($setElementOrder, $patch, $retainKeys) are ignored.
void merge_patch(json::value& target, const json::value& patch, bool strategic) {
  if (strategic && named_objects(patch) && named_objects(target)) {
    auto& elements = target.get_array();
    for (const auto& element : patch.get_array()) {
      const auto& name = element.at("name");
      const auto same = std::find_if(elements.begin(), elements.end(), [&](const json::value& e) { return e.at("name") == name; });
      if (same == elements.end())
        elements.push_back(element);
      else
        merge_patch(*same, element, strategic);
    }
    return;
  }
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  auto& object = target.get_object();
  for (const auto& [key, value] : patch.get_object()) {
    if (strategic && key.starts_with('$')) continue;  // directives such as $setElementOrder/containers
    if (value.is_null())
      object.erase(key);
    else
      merge_patch(object[key], value, strategic);
  }
}

// RFC 6902 add/remove/replace/test with RFC 6901 pointers.
void json_patch(json::value& document, const json::value& operations) {
  if (!operations.is_array()) throw bad_request("json patch must be an array of operations");
  for (const auto& operation_value : operations.get_array()) {
    if (!operation_value.is_object()) throw bad_request("json patch operation must be an object");
    const auto& operation = operation_value.get_object();
    const auto op = string_at(operation, {"op"});
    const auto path = string_at(operation, {"path"});
    const auto rejected = [&](std::string_view why) {
      return invalid("jsonpatch " + op + " operation does not apply: " + std::string(why) + ": " + path);
    };
    if (!path.empty() && path[0] != '/') throw rejected("invalid pointer");
    std::vector<std::string> tokens;
    for (std::size_t at = 1; at <= path.size() && !path.empty();) {
      const auto end = std::min(path.find('/', at), path.size());
      std::string token = path.substr(at, end - at);
      for (std::size_t tilde; (tilde = token.find("~1")) != std::string::npos;) token.replace(tilde, 2, "/");
      for (std::size_t tilde; (tilde = token.find("~0")) != std::string::npos;) token.replace(tilde, 2, "~");
      tokens.push_back(std::move(token));
      at = end + 1;
    }
    const json::value* value = operation.if_contains("value");
    if (op != "remove" && !value) throw rejected("missing value");
    if (tokens.empty()) {
      if (op == "test") {
        if (document != *value) throw rejected("testing value failed");
      } else if (op == "add" || op == "replace") {
        document = *value;
      } else {
        throw rejected("unsupported operation");
      }
      continue;
    }
    json::value* parent = &document;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (auto* object = parent->if_object()) {
        parent = object->if_contains(tokens[i]);
      } else if (auto* array = parent->if_array()) {
        std::size_t index = 0;
        const auto [end, ec] = std::from_chars(tokens[i].data(), tokens[i].data() + tokens[i].size(), index);
        parent = ec == std::errc{} && index < array->size() ? &(*array)[index] : nullptr;
      } else {
        parent = nullptr;
      }
      if (!parent) throw rejected("doc is missing path");
    }
    const auto& last = tokens.back();
    if (auto* object = parent->if_object()) {
      auto* existing = object->if_contains(last);
      if (op == "add") {
        (*object)[last] = *value;
      } else if (!existing) {
        throw rejected("doc is missing key");
      } else if (op == "replace") {
        *existing = *value;
      } else if (op == "remove") {
        object->erase(last);
      } else if (op == "test") {
        if (*existing != *value) throw rejected("testing value failed");
      } else {
        throw rejected("unsupported operation");
      }
    } else if (auto* array = parent->if_array()) {
      std::size_t index = array->size();
      if (last != "-") {
        const auto [end, ec] = std::from_chars(last.data(), last.data() + last.size(), index);
        if (ec != std::errc{} || index > array->size()) throw rejected("index out of range");
      }
      if (op == "add") {
        array->insert(array->begin() + static_cast<std::ptrdiff_t>(index), *value);
      } else if (index >= array->size()) {
        throw rejected("index out of range");
      } else if (op == "replace") {
        (*array)[index] = *value;
      } else if (op == "remove") {
        array->erase(array->begin() + static_cast<std::ptrdiff_t>(index));
      } else if (op == "test") {
        if ((*array)[index] != *value) throw rejected("testing value failed");
      } else {
        throw rejected("unsupported operation");
      }
    } else {
      throw rejected("doc is missing path");
    }
  }
}

std::string percent_decoded_target(std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::string(target);
  return std::string(url->path()) + (url->has_query() ? "?" + std::string(url->query()) : "");
}

json::object version_document() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.4"},
          {"gitCommit", "59526cd4867447956156ae3a602fcbac10a2c335"},
          {"gitTreeState", "clean"},
          {"buildDate", "2025-04-22T16:03:46Z"},
          {"goVersion", "go1.23.6"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

json::object api_resource(std::string_view name, std::string_view singular, bool namespaced,
                          std::string_view kind, json::array verbs, json::array short_names = {}) {
  json::object resource{{"name", name},   {"singularName", singular}, {"namespaced", namespaced},
                        {"kind", kind},   {"verbs", std::move(verbs)}};
  if (!short_names.empty()) resource["shortNames"] = std::move(short_names);
  if (!singular.empty()) resource["categories"] = json::array{"all"};
  return resource;
}

json::array all_verbs() {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

json::object apps_v1_resources() {
  auto scale = api_resource("deployments/scale", "", true, "Scale", {"get", "patch", "update"});
  scale["group"] = "autoscaling";
  scale["version"] = "v1";
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", "apps/v1"},
          {"resources",
           json::array{api_resource("deployments", "deployment", true, "Deployment", all_verbs(), {"deploy"}),
                       std::move(scale),
                       api_resource("deployments/status", "", true, "Deployment", {"get", "patch", "update"}),
                       api_resource("replicasets", "replicaset", true, "ReplicaSet", all_verbs(), {"rs"}),
                       api_resource("replicasets/status", "", true, "ReplicaSet", {"get", "patch", "update"})}}};
}

json::object core_v1_resources() {
  auto namespaces = api_resource("namespaces", "namespace", false, "Namespace",
                                 {"create", "delete", "get", "list", "patch", "update", "watch"}, {"ns"});
  namespaces.erase("categories");
  return {{"kind", "APIResourceList"},
          {"groupVersion", "v1"},
          {"resources", json::array{std::move(namespaces),
                                    api_resource("pods", "pod", true, "Pod", all_verbs(), {"po"}),
                                    api_resource("services", "service", true, "Service",
                                                 {"create", "delete", "deletecollection", "get", "list",
                                                  "patch", "update", "watch"},
                                                 {"svc"})}}};
}

constexpr const char* flux_kustomize = "kustomize.toolkit.fluxcd.io";
constexpr const char* flux_source = "source.toolkit.fluxcd.io";

json::object api_groups() {
  json::array groups;
  for (const std::string group : {"apps", flux_kustomize, flux_source}) {
    const json::object v1{{"groupVersion", group + "/v1"}, {"version", "v1"}};
    groups.push_back(json::object{{"name", group}, {"versions", json::array{v1}}, {"preferredVersion", v1}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

// Flux's two resources, as its CRDs serve them.
json::object flux_resources(const std::string& group) {
  const bool kustomize = group == flux_kustomize;
  const std::string plural = kustomize ? "kustomizations" : "gitrepositories";
  const std::string kind = kustomize ? "Kustomization" : "GitRepository";
  auto resource = api_resource(plural, kustomize ? "kustomization" : "gitrepository", true, kind, all_verbs(),
                               kustomize ? json::array{"ks"} : json::array{"gitrepo"});
  resource["categories"] = json::array{"all", "flux"};
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group + "/v1"},
          {"resources", json::array{std::move(resource), api_resource(plural + "/status", "", true, kind, {"get", "patch", "update"})}}};
}

// The head of `branch` in the repository at `repo`, by the real git.
std::string git_head(const std::filesystem::path& repo, const std::string& branch) {
  return goaround::testing::capture("git -C '" + repo.string() + "' rev-parse refs/heads/" + branch + " 2>/dev/null");
}

}  // namespace

struct KubeStandin::Impl {
  using Key = std::pair<std::string, std::string>;  // namespace, name

  struct Deployment {
    json::object object;
    std::vector<json::object> replica_sets;
    RolloutBehaviour behaviour = RolloutBehaviour::immediate;
    std::chrono::milliseconds step{100};
    bool forbidden = false;
    // The rollout in progress (or finished): which ReplicaSet is being scaled up, which one
    // down, how many new replicas are ready, under which behaviour.
    std::string new_replica_set;
    std::string old_replica_set;
    int new_ready = 0;
    bool deadline_exceeded = false;
    RolloutBehaviour rollout_behaviour = RolloutBehaviour::immediate;
    unsigned rollout_epoch = 0;  // a step scheduled for an earlier rollout is ignored
    std::unique_ptr<asio::steady_timer> step_timer;
  };

  // A held-open WATCH: events are queued here and the timer is cancelled to wake its writer.
  struct Watcher {
    Watcher(asio::any_io_executor executor, Selection selection)
        : selection(std::move(selection)), wake(std::move(executor)) {}
    Selection selection;
    std::deque<std::string> events;
    asio::steady_timer wake;
  };

  struct Response {
    http::status status = http::status::ok;
    json::object body;
  };

  asio::io_context io;
  tcp::acceptor acceptor{io};
  unsigned short port = 0;

  mutable std::mutex mutex;  // guards deployments, resource_version and received
  std::map<Key, Deployment> deployments;

  // Flux: a Kustomization and its GitRepository, by namespace and name.
  struct Flux {
    json::object kustomization, repository;
    std::filesystem::path repo;
    std::string branch;
    std::chrono::milliseconds apply_delay{300};
    std::string artifact;  // what the source fetched last: "<branch>@sha1:<sha>"
    std::optional<std::chrono::steady_clock::time_point> apply_at;  // a requested reconcile, due then
  };
  std::map<Key, Flux> fluxes;
  std::uint64_t resource_version = 1000;
  std::vector<StandinRequest> received;
  std::vector<std::weak_ptr<Watcher>> watchers;  // only touched on the io thread
  std::thread thread;

  Impl() {
    const tcp::endpoint loopback(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor.open(loopback.protocol());
    acceptor.bind(loopback);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    asio::co_spawn(io, accept_connections(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    // Stopping leaves every session's coroutine suspended; destroying the io_context (the first
    // member, so destroyed last) destroys them, which closes their sockets.
    io.stop();
    thread.join();
  }

  Deployment& find(const std::string& ns, const std::string& name) {
    const auto found = deployments.find({ns, name});
    if (found == deployments.end()) throw std::out_of_range("no Deployment " + ns + "/" + name + " in the stand-in");
    return found->second;
  }

  void touch(json::object& object) {
    object_at(object, "metadata")["resourceVersion"] = std::to_string(++resource_version);
  }

  // ---- the controller ----------------------------------------------------------------------

  static void set_condition(json::object& status, std::string_view type, std::string_view value,
                            std::string_view reason, const std::string& message) {
    auto& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    const auto now = now_rfc3339();
    for (auto& existing : conditions.get_array()) {
      auto& condition = existing.as_object();
      if (string_at(condition, {"type"}) != type) continue;
      if (string_at(condition, {"status"}) != value) condition["lastTransitionTime"] = now;
      if (string_at(condition, {"reason"}) != reason) condition["lastUpdateTime"] = now;
      condition["status"] = value;
      condition["reason"] = reason;
      condition["message"] = message;
      return;
    }
    conditions.get_array().push_back(json::object{{"type", type},
                                                  {"status", value},
                                                  {"lastUpdateTime", now},
                                                  {"lastTransitionTime", now},
                                                  {"reason", reason},
                                                  {"message", message}});
  }

  static void set_count(json::object& status, std::string_view key, std::int64_t count) {
    if (count > 0)
      status[key] = count;
    else
      status.erase(key);  // the API omits zero counts
  }

  // Writes the Deployment's and its ReplicaSets' status for the rollout's progress. A rollout
  // surges one new replica at a time: after j new replicas became ready, min(j+1, N) are
  // updated and N-j old ones still run.
  void write_status(Deployment& deployment) {
    auto& object = deployment.object;
    auto& status = object_at(object, "status");
    const int replicas = static_cast<int>(int_at(object, {"spec", "replicas"}));
    const int ready_new = std::min(deployment.new_ready, replicas);
    const bool complete = ready_new >= replicas;
    const int updated = complete ? replicas : std::min(ready_new + 1, replicas);
    const int old = deployment.old_replica_set.empty() ? 0 : replicas - ready_new;
    const int available = old + ready_new;

    status["observedGeneration"] = int_at(object, {"metadata", "generation"});
    set_count(status, "replicas", old + updated);
    set_count(status, "updatedReplicas", updated);
    set_count(status, "readyReplicas", available);
    set_count(status, "availableReplicas", available);
    set_count(status, "unavailableReplicas", old + updated - available);
    const int max_unavailable = replicas / 4;  // the default 25%, rounded down
    if (available >= replicas - max_unavailable)
      set_condition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
    else
      set_condition(status, "Available", "False", "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.");
    const auto replica_set = "ReplicaSet \"" + deployment.new_replica_set + "\"";
    if (is_paused(object))
      set_condition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
    else if (deployment.deadline_exceeded)
      set_condition(status, "Progressing", "False", "ProgressDeadlineExceeded", replica_set + " has timed out progressing.");
    else if (complete)
      set_condition(status, "Progressing", "True", "NewReplicaSetAvailable", replica_set + " has successfully progressed.");
    else
      set_condition(status, "Progressing", "True", "ReplicaSetUpdated", replica_set + " is progressing.");

    for (auto& replica_set_object : deployment.replica_sets) {
      const auto name = string_at(replica_set_object, {"metadata", "name"});
      int count = 0, ready = 0;
      if (name == deployment.new_replica_set) count = updated, ready = ready_new;
      if (name == deployment.old_replica_set) count = ready = old;
      json::object replica_set_status{{"replicas", count}, {"observedGeneration", 1}};
      set_count(replica_set_status, "fullyLabeledReplicas", count);
      set_count(replica_set_status, "readyReplicas", ready);
      set_count(replica_set_status, "availableReplicas", ready);
      auto& spec = object_at(replica_set_object, "spec");
      if (spec["replicas"] != count || replica_set_object["status"] != replica_set_status) {
        spec["replicas"] = count;
        replica_set_object["status"] = std::move(replica_set_status);
        touch(replica_set_object);
      }
    }
    if (complete) deployment.old_replica_set.clear();
    remove_old_replica_sets(deployment);
  }

  // spec.revisionHistoryLimit: the oldest scaled-down ReplicaSets go first.
  static void remove_old_replica_sets(Deployment& deployment) {
    const auto limit = int_at(deployment.object, {"spec", "revisionHistoryLimit"});
    auto& sets = deployment.replica_sets;
    std::sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) { return revision_of(a) < revision_of(b); });
    auto removable = std::count_if(sets.begin(), sets.end(), [&](const json::object& replica_set) {
      const auto name = string_at(replica_set, {"metadata", "name"});
      return name != deployment.new_replica_set && name != deployment.old_replica_set;
    });
    for (auto it = sets.begin(); it != sets.end() && removable > limit;) {
      const auto name = string_at(*it, {"metadata", "name"});
      if (name == deployment.new_replica_set || name == deployment.old_replica_set) {
        ++it;
      } else {
        it = sets.erase(it);
        --removable;
      }
    }
  }

  json::object new_replica_set(const Deployment& deployment, const std::string& hash) {
    const auto& object = deployment.object;
    const auto& metadata = object.at("metadata").as_object();
    const auto name = string_at(object, {"metadata", "name"});
    auto pod_template = object.at("spec").at("template");
    object_at(object_at(pod_template.as_object(), "metadata"), "labels")[hash_label] = hash;
    auto match_labels = object.at("spec").at("selector").at("matchLabels");
    match_labels.as_object()[hash_label] = hash;
    auto labels = pod_template.at("metadata").at("labels");
    json::object replica_set{
        {"kind", "ReplicaSet"},
        {"apiVersion", "apps/v1"},
        {"metadata",
         {{"name", name + "-" + hash},
          {"namespace", metadata.at("namespace")},
          {"uid", random_uid()},
          {"generation", 1},
          {"creationTimestamp", now_rfc3339()},
          {"labels", std::move(labels)},
          {"annotations", json::object()},
          {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                       {"kind", "Deployment"},
                                                       {"name", name},
                                                       {"uid", metadata.at("uid")},
                                                       {"controller", true},
                                                       {"blockOwnerDeletion", true}}}}}},
        {"spec", {{"replicas", 0}, {"selector", {{"matchLabels", std::move(match_labels)}}}, {"template", std::move(pod_template)}}},
        {"status", {{"replicas", 0}}}};
    touch(replica_set);
    return replica_set;
  }

  // What the deployment controller does with a changed Deployment: a template no ReplicaSet
  // runs yet starts a rollout to a new ReplicaSet, one an old ReplicaSet runs starts a rollout
  // back to it under the next revision number; either way the revision goes onto the
  // Deployment.
  void reconcile(const Key& key, Deployment& deployment) {
    auto& object = deployment.object;
    const auto& spec = object.at("spec").as_object();
    const bool paused = is_paused(object);
    auto& sets = deployment.replica_sets;
    const auto newest = std::max_element(sets.begin(), sets.end(), [](const auto& a, const auto& b) {
      return revision_of(a) < revision_of(b);
    });
    const auto wanted = comparable_template(spec.at("template"));
    const auto matching = std::find_if(sets.begin(), sets.end(), [&](const json::object& replica_set) {
      return comparable_template(replica_set.at("spec").at("template")) == wanted;
    });
    if (paused || (matching != sets.end() && matching == newest)) {
      // No rollout: a paused Deployment waits, an unchanged template has nothing to do (a
      // finished rollout stays finished when the replica count changes).
      if (deployment.old_replica_set.empty()) deployment.new_ready = static_cast<int>(int_at(object, {"spec", "replicas"}));
      write_status(deployment);
      return;
    }
    const int revision = (newest == sets.end() ? 0 : revision_of(*newest)) + 1;
    deployment.old_replica_set = newest == sets.end() ? "" : string_at(*newest, {"metadata", "name"});
    json::object* target = nullptr;
    if (matching != sets.end()) {
      target = &*matching;
      auto& annotations = annotations_of(*target);
      const auto old_revision = std::to_string(revision_of(*target));
      const auto history = string_at(*target, {"metadata", "annotations", revision_history_key});
      annotations[revision_history_key] = history.empty() ? old_revision : history + "," + old_revision;
    } else {
      sets.push_back(new_replica_set(deployment, pod_template_hash(spec.at("template"))));
      target = &sets.back();
    }
    const auto replicas = int_at(object, {"spec", "replicas"});
    auto& replica_set_annotations = annotations_of(*target);
    for (const auto& [annotation, value] : annotations_of(object)) {
      if (std::find(std::begin(controller_annotations), std::end(controller_annotations), annotation) ==
          std::end(controller_annotations))
        replica_set_annotations[annotation] = value;
    }
    replica_set_annotations[desired_replicas_key] = std::to_string(replicas);
    replica_set_annotations[max_replicas_key] = std::to_string(replicas + (replicas + 3) / 4);  // maxSurge 25%, rounded up
    replica_set_annotations[revision_key] = std::to_string(revision);
    annotations_of(object)[revision_key] = std::to_string(revision);
    touch(*target);

    deployment.new_replica_set = string_at(*target, {"metadata", "name"});
    deployment.rollout_behaviour = deployment.behaviour;
    deployment.deadline_exceeded = false;
    deployment.new_ready = deployment.rollout_behaviour == RolloutBehaviour::immediate ? static_cast<int>(replicas) : 0;
    ++deployment.rollout_epoch;
    write_status(deployment);
    if (deployment.rollout_behaviour == RolloutBehaviour::stepwise ||
        deployment.rollout_behaviour == RolloutBehaviour::deadline_exceeded)
      schedule_step(key, deployment);
  }

  void schedule_step(const Key& key, Deployment& deployment) {
    if (deployment.new_ready >= int_at(deployment.object, {"spec", "replicas"})) return;
    deployment.step_timer->expires_after(deployment.step);
    deployment.step_timer->async_wait([this, key, epoch = deployment.rollout_epoch](boost::system::error_code ec) {
      if (ec) return;
      std::lock_guard lock(mutex);
      const auto found = deployments.find(key);
      if (found == deployments.end() || found->second.rollout_epoch != epoch) return;
      auto& deployment = found->second;
      if (is_paused(deployment.object)) {
        schedule_step(key, deployment);  // a paused rollout makes no progress
        return;
      }
      if (deployment.rollout_behaviour == RolloutBehaviour::deadline_exceeded) {
        deployment.deadline_exceeded = true;
      } else {
        ++deployment.new_ready;
        schedule_step(key, deployment);
      }
      write_status(deployment);
      touch(deployment.object);
      notify(key);
    });
  }

  // ---- watches -----------------------------------------------------------------------------

  static std::string event(std::string_view type, const json::object& object) {
    return json::serialize(json::object{{"type", type}, {"object", object}}) + "\n";
  }

  // On the io thread, with the mutex held.
  void notify(const Key& key, std::string_view type = "MODIFIED") {
    const auto& object = deployments.at(key).object;
    std::erase_if(watchers, [](const auto& watcher) { return watcher.expired(); });
    for (const auto& weak : watchers) {
      const auto watcher = weak.lock();
      if (!watcher->selection.matches(object)) continue;
      watcher->events.push_back(event(type, object));
      watcher->wake.cancel();
    }
  }

  // ---- HTTP --------------------------------------------------------------------------------

  asio::awaitable<void> accept_connections() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) co_return;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      auto [read_error, read] = co_await http::async_read(stream, buffer, request, use_tuple);
      if (read_error) co_return;
      const auto url = boost::urls::parse_origin_form(request.target());
      {
        std::lock_guard lock(mutex);
        received.push_back({std::string(request.method_string()), percent_decoded_target(request.target()),
                            std::string(request[http::field::content_type]),
                            std::string(request[http::field::accept]), request.body()});
      }
      std::map<std::string, std::string> query;
      std::vector<std::string> path;
      if (url) {
        for (const auto& param : url->params()) query[param.key] = param.value;
        for (const auto& segment : url->segments()) path.push_back(segment);
      }
      if (request.method() == http::verb::get && query["watch"] == "true" && path.size() == 6 &&
          path[0] == "apis" && path[1] == "apps" && path[2] == "v1" && path[3] == "namespaces" &&
          path[5] == "deployments") {
        co_await watch(stream, request.version(), path[4], query);
        co_return;  // a watch ends its connection
      }
      Response response;
      try {
        response = respond(request, path, query);
      } catch (const ApiError& error) {
        response = {error.status, status_object(error)};
      } catch (const std::exception& error) {
        response = {http::status::internal_server_error,
                    status_object({http::status::internal_server_error, "InternalError", error.what(), {}})};
      }
      auto message = reply(response, request.version(), request.keep_alive());
      auto [write_error, written] = co_await http::async_write(stream, message, use_tuple);
      if (write_error || !request.keep_alive()) co_return;
    }
  }

  // Chunked JSON lines until `timeoutSeconds`, the stand-in's end or the client's.
  asio::awaitable<void> watch(beast::tcp_stream& stream, unsigned version, const std::string& ns,
                              const std::map<std::string, std::string>& query) {
    std::shared_ptr<Watcher> watcher;
    std::optional<ApiError> refused;
    {
      std::lock_guard lock(mutex);
      try {
        watcher = std::make_shared<Watcher>(io.get_executor(), Selection(ns, query));
        if (watcher->selection.name && is_forbidden({ns, *watcher->selection.name}))
          throw forbidden("watch", "deployments", ns);
        // From a resourceVersion on: what changed since, coalesced into the current state;
        // without one, everything there is as ADDED.
        std::uint64_t since = 0;
        if (const auto found = query.find("resourceVersion"); found != query.end())
          std::from_chars(found->second.data(), found->second.data() + found->second.size(), since);
        for (const auto& [key, deployment] : deployments) {
          if (!watcher->selection.matches(deployment.object)) continue;
          if (since == 0)
            watcher->events.push_back(event("ADDED", deployment.object));
          else if (resource_version_of(deployment.object) > since)
            watcher->events.push_back(event("MODIFIED", deployment.object));
        }
        watchers.push_back(watcher);
      } catch (const ApiError& error) {
        refused = error;
      }
    }
    if (refused) {
      auto message = reply({refused->status, status_object(*refused)}, version, false);
      co_await http::async_write(stream, message, use_tuple);
      co_return;
    }
    auto timeout = std::chrono::seconds(1800);
    if (const auto found = query.find("timeoutSeconds"); found != query.end()) {
      long seconds = 0;
      std::from_chars(found->second.data(), found->second.data() + found->second.size(), seconds);
      timeout = std::chrono::seconds(seconds);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    http::response<http::empty_body> header{http::status::ok, version};
    header.set(http::field::content_type, "application/json");
    header.set(http::field::cache_control, "no-cache, private");
    header.chunked(true);
    http::response_serializer<http::empty_body> serializer{header};
    if (auto [error, written] = co_await http::async_write_header(stream, serializer, use_tuple); error) co_return;
    char probe = 0;
    for (;;) {
      while (!watcher->events.empty()) {
        const auto event = std::move(watcher->events.front());
        watcher->events.pop_front();
        auto [error, written] = co_await asio::async_write(stream, http::make_chunk(asio::buffer(event)), use_tuple);
        if (error) co_return;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      watcher->wake.expires_at(deadline);
      const auto woken = co_await (watcher->wake.async_wait(use_tuple) ||
                                   stream.socket().async_read_some(asio::buffer(&probe, 1), use_tuple));
      if (woken.index() == 1) co_return;  // the client hung up
    }
    co_await asio::async_write(stream, http::make_chunk_last(), use_tuple);
  }

  static std::uint64_t resource_version_of(const json::object& object) {
    const auto text = string_at(object, {"metadata", "resourceVersion"});
    std::uint64_t version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    return version;
  }

  static http::response<http::string_body> reply(const Response& response, unsigned version, bool keep_alive) {
    http::response<http::string_body> message{response.status, version};
    message.set(http::field::content_type, "application/json");
    message.set(http::field::cache_control, "no-cache, private");
    message.keep_alive(keep_alive);
    message.body() = json::serialize(response.body);
    message.prepare_payload();
    return message;
  }

  // ---- the API -----------------------------------------------------------------------------

  bool is_forbidden(const Key& key) const {
    const auto found = deployments.find(key);
    return found != deployments.end() && found->second.forbidden;
  }

  Response respond(const http::request<http::string_body>& request, const std::vector<std::string>& path,
                   const std::map<std::string, std::string>& query) {
    const auto only_get = [&] {
      if (request.method() != http::verb::get)
        throw ApiError{http::status::method_not_allowed, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", {}};
    };
    using Path = std::vector<std::string>;
    if (path == Path{"version"}) return only_get(), Response{http::status::ok, version_document()};
    if (path == Path{"api"}) {
      only_get();
      const json::object address{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1:" + std::to_string(port)}};
      return {http::status::ok,
              {{"kind", "APIVersions"}, {"versions", json::array{"v1"}}, {"serverAddressByClientCIDRs", json::array{address}}}};
    }
    if (path == Path{"api", "v1"}) return only_get(), Response{http::status::ok, core_v1_resources()};
    if (path == Path{"apis"}) return only_get(), Response{http::status::ok, api_groups()};
    if (path == Path{"apis", "apps", "v1"}) return only_get(), Response{http::status::ok, apps_v1_resources()};
    for (const std::string group : {flux_kustomize, flux_source}) {
      if (path == Path{"apis", group, "v1"}) return only_get(), Response{http::status::ok, flux_resources(group)};
      if (path.size() == 7 && Path(path.begin(), path.begin() + 4) == Path{"apis", group, "v1", "namespaces"} &&
          path[5] == (group == flux_kustomize ? "kustomizations" : "gitrepositories")) {
        std::lock_guard lock(mutex);
        return flux_object(group == flux_kustomize, {path[4], path[6]}, request);
      }
    }
    if (path.size() >= 6 && path.size() <= 8 && Path(path.begin(), path.begin() + 4) == Path{"apis", "apps", "v1", "namespaces"}) {
      const auto& ns = path[4];
      std::lock_guard lock(mutex);
      if (path[5] == "deployments" && path.size() == 8 && path[7] == "scale") return scale({ns, path[6]}, request, query);
      if (path[5] == "deployments" && path.size() == 7 && request.method() == http::verb::patch)
        return patch_deployment({ns, path[6]}, request, query);
      if ((path[5] == "deployments" || path[5] == "replicasets") && path.size() < 8) {
        only_get();
        const std::string name = path.size() == 7 ? path[6] : "";
        auto response = path[5] == "replicasets" ? replica_sets(ns, name, query)
                        : name.empty()           ? list_deployments(ns, query)
                                                 : get_deployment({ns, name});
        // `kubectl get` without -o asks the server to print: a Table.
        if (request[http::field::accept].find("as=Table") != std::string_view::npos)
          response.body = table(path[5] == "deployments", response.body);
        return response;
      }
    }
    throw ApiError{http::status::not_found, "NotFound", "the server could not find the requested resource", {}};
  }

  // The server-side printing of Deployments and ReplicaSets, columns as the real API server's.
  json::object table(bool of_deployments, const json::object& body) const {
    const auto column = [](std::string_view name, std::string_view type, int priority) {
      return json::object{{"name", name},
                          {"type", type},
                          {"format", name == "Name" ? "name" : ""},
                          {"description", ""},
                          {"priority", priority}};
    };
    json::array columns{column("Name", "string", 0)};
    if (of_deployments)
      columns.insert(columns.end(), {column("Ready", "string", 0), column("Up-to-date", "integer", 0),
                                     column("Available", "integer", 0)});
    else
      columns.insert(columns.end(), {column("Desired", "integer", 0), column("Current", "integer", 0),
                                     column("Ready", "integer", 0)});
    columns.insert(columns.end(), {column("Age", "string", 0), column("Containers", "string", 1),
                                   column("Images", "string", 1), column("Selector", "string", 1)});
    json::array rows;
    const auto add_row = [&](const json::object& object) {
      std::string containers, images, selector;
      for (const auto& container : object.at("spec").at("template").at("spec").at("containers").as_array()) {
        containers += (containers.empty() ? "" : ",") + string_at(container.as_object(), {"name"});
        images += (images.empty() ? "" : ",") + string_at(container.as_object(), {"image"});
      }
      for (const auto& [label, value] : object.at("spec").at("selector").at("matchLabels").as_object())
        selector += (selector.empty() ? "" : ",") + std::string(label) + "=" + std::string(value.as_string());
      const auto count = [&](std::initializer_list<std::string_view> path) { return int_at(object, path); };
      json::array cells{string_at(object, {"metadata", "name"})};
      if (of_deployments)
        cells.insert(cells.end(), {json::value(std::to_string(count({"status", "readyReplicas"})) + "/" +
                                               std::to_string(count({"spec", "replicas"}))),
                                   count({"status", "updatedReplicas"}), count({"status", "availableReplicas"})});
      else
        cells.insert(cells.end(), {count({"spec", "replicas"}), count({"status", "replicas"}),
                                   count({"status", "readyReplicas"})});
      cells.insert(cells.end(), {json::value(age(string_at(object, {"metadata", "creationTimestamp"}))),
                                 json::value(containers), json::value(images), json::value(selector)});
      rows.push_back(json::object{{"cells", std::move(cells)},
                                  {"object", {{"kind", "PartialObjectMetadata"},
                                              {"apiVersion", "meta.k8s.io/v1"},
                                              {"metadata", object.at("metadata")}}}});
    };
    if (const auto* items = body.if_contains("items"))
      for (const auto& item : items->as_array()) add_row(item.as_object());
    else
      add_row(body);
    return {{"kind", "Table"},
            {"apiVersion", "meta.k8s.io/v1"},
            {"metadata", {{"resourceVersion", std::to_string(resource_version)}}},
            {"columnDefinitions", std::move(columns)},
            {"rows", std::move(rows)}};
  }

  // Kubernetes' HumanDuration since an RFC 3339 time: 45s, 3m20s, 42m, 5h10m, 30h, 3d4h, 20d.
  static std::string age(const std::string& created) {
    std::tm utc{};
    if (!::strptime(created.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc)) return "<unknown>";
    const auto seconds = std::max<long>(0, static_cast<long>(std::time(nullptr) - ::timegm(&utc)));
    const auto minutes = seconds / 60, hours = minutes / 60, days = hours / 24;
    const auto two = [](long major, const char* major_unit, long minor, const char* minor_unit) {
      return std::to_string(major) + major_unit + (minor ? std::to_string(minor) + minor_unit : "");
    };
    if (seconds < 120) return std::to_string(seconds) + "s";
    if (minutes < 10) return two(minutes, "m", seconds % 60, "s");
    if (minutes < 180) return std::to_string(minutes) + "m";
    if (hours < 8) return two(hours, "h", minutes % 60, "m");
    if (hours < 48) return std::to_string(hours) + "h";
    if (days < 8) return two(days, "d", hours % 24, "h");
    return std::to_string(days) + "d";
  }

  // GET or PATCH (kubectl annotate: a merge patch) of a Kustomization or its GitRepository.
  Response flux_object(bool kustomization, const Key& key, const http::request<http::string_body>& request) {
    const auto found = fluxes.find(key);
    const std::string resource = kustomization ? "kustomizations" : "gitrepositories";
    if (found == fluxes.end())
      throw ApiError{http::status::not_found, "NotFound",
                     resource + "." + (kustomization ? flux_kustomize : flux_source) + " \"" + key.second + "\" not found",
                     {{"name", key.second}, {"group", kustomization ? flux_kustomize : flux_source}, {"kind", resource}}};
    auto& flux = found->second;
    settle(flux);
    auto& object = kustomization ? flux.kustomization : flux.repository;
    if (request.method() == http::verb::get) return {http::status::ok, object};
    if (request.method() != http::verb::patch)
      throw ApiError{http::status::method_not_allowed, "MethodNotAllowed",
                     "the server does not allow this method on the requested resource", {}};
    json::value changed = object;
    const auto asked_before = string_at(object, {"metadata", "annotations", "reconcile.fluxcd.io/requestedAt"});
    apply_patch(changed, request);
    object = changed.as_object();
    touch(object);
    const auto asked = string_at(object, {"metadata", "annotations", "reconcile.fluxcd.io/requestedAt"});
    if (asked != asked_before) {
      if (kustomization) {
        flux.apply_at = std::chrono::steady_clock::now() + flux.apply_delay;
        object["status"].as_object()["lastHandledReconcileAt"] = asked;
      } else {
        flux.artifact = flux.branch + "@sha1:" + git_head(flux.repo, flux.branch);  // the source fetches now
        object["status"].as_object()["artifact"] = json::object{{"revision", flux.artifact}};
      }
    }
    return {http::status::ok, object};
  }

  // A requested reconcile that is due: the Kustomization applies the source's artifact.
  void settle(Flux& flux) {
    if (!flux.apply_at || std::chrono::steady_clock::now() < *flux.apply_at) return;
    flux.apply_at.reset();
    auto& status = flux.kustomization["status"].as_object();
    status["lastAppliedRevision"] = flux.artifact;
    status["lastAttemptedRevision"] = flux.artifact;
    touch(flux.kustomization);
  }

  Response get_deployment(const Key& key) const {
    const auto found = deployments.find(key);
    if (found == deployments.end()) throw not_found("deployments", key.second);
    if (found->second.forbidden) throw forbidden("get", "deployments", key.first, key.second);
    return {http::status::ok, found->second.object};
  }

  Response list_deployments(const std::string& ns, const std::map<std::string, std::string>& query) const {
    const Selection selection(ns, query);
    if (selection.name && is_forbidden({ns, *selection.name})) throw forbidden("list", "deployments", ns);
    json::array items;
    for (const auto& [key, deployment] : deployments)
      if (selection.matches(deployment.object)) items.push_back(deployment.object);
    return {http::status::ok, list("DeploymentList", std::move(items))};
  }

  // The LIST kubectl's history and undo make (or a GET by name); a forbidden Deployment's
  // ReplicaSets are forbidden too.
  Response replica_sets(const std::string& ns, const std::string& name, const std::map<std::string, std::string>& query) const {
    const Selection selection(ns, query);
    json::array items;
    for (const auto& [key, deployment] : deployments) {
      for (const auto& replica_set : deployment.replica_sets) {
        if (!selection.matches(replica_set)) continue;
        if (!name.empty() && string_at(replica_set, {"metadata", "name"}) != name) continue;
        if (deployment.forbidden) throw forbidden(name.empty() ? "list" : "get", "replicasets", ns, name);
        items.push_back(replica_set);
      }
    }
    if (name.empty()) {
      std::sort(items.begin(), items.end(), [](const json::value& a, const json::value& b) {
        return a.at("metadata").at("name").as_string() < b.at("metadata").at("name").as_string();
      });
      return {http::status::ok, list("ReplicaSetList", std::move(items))};  // in name order, like etcd's
    }
    if (items.empty()) throw not_found("replicasets", name);
    return {http::status::ok, items.front().as_object()};
  }

  json::object list(std::string_view kind, json::array items) const {
    return {{"kind", kind},
            {"apiVersion", "apps/v1"},
            {"metadata", {{"resourceVersion", std::to_string(resource_version)}}},
            {"items", std::move(items)}};
  }

  // JSON patch (kubectl's undo), merge and strategic-merge patch (pause/resume, set image).
  static void apply_patch(json::value& target, const http::request<http::string_body>& request) {
    boost::system::error_code parse_error;
    const auto patch = json::parse(request.body(), parse_error);
    if (parse_error) throw bad_request("error decoding patch: " + parse_error.message());
    const auto header = request[http::field::content_type];
    const auto content_type = header.substr(0, header.find(';'));
    if (content_type == "application/json-patch+json")
      json_patch(target, patch);
    else if (content_type == "application/merge-patch+json" || content_type == "application/strategic-merge-patch+json")
      merge_patch(target, patch, content_type == "application/strategic-merge-patch+json");
    else
      throw ApiError{http::status::unsupported_media_type, "UnsupportedMediaType",
                     "the body of the request was in an unknown format - accepted media types include: "
                     "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                     "application/strategic-merge-patch+json",
                     {}};
  }

  static bool dry_run(const std::map<std::string, std::string>& query) {
    const auto found = query.find("dryRun");
    return found != query.end() && found->second == "All";
  }

  Deployment& patchable(const Key& key, std::string_view subresource = "") {
    const auto found = deployments.find(key);
    if (found == deployments.end()) throw not_found("deployments", key.second);
    if (found->second.forbidden) throw forbidden("patch", "deployments", key.first, key.second, subresource);
    return found->second;
  }

  // Stores a changed Deployment; the controller reacts to a spec change right after. Returns the
  // object as stored, before the controller's reaction, which is what the API server answers.
  json::object store(const Key& key, Deployment& deployment, json::object changed) {
    const bool spec_changed = changed.at("spec") != deployment.object.at("spec");
    if (spec_changed)
      changed["metadata"].as_object()["generation"] = int_at(deployment.object, {"metadata", "generation"}) + 1;
    deployment.object = std::move(changed);
    touch(deployment.object);
    auto stored = deployment.object;
    if (spec_changed) {
      reconcile(key, deployment);
      touch(deployment.object);
    }
    notify(key);
    return stored;
  }

  // `dryRun=All` answers with the result without storing it; a patch that changes nothing keeps
  // the resourceVersion.
  Response patch_deployment(const Key& key, const http::request<http::string_body>& request,
                            const std::map<std::string, std::string>& query) {
    auto& deployment = patchable(key);
    json::value patched = deployment.object;
    apply_patch(patched, request);
    const auto refuse = [&](const std::string& field, const std::string& why) {
      return invalid("Deployment.apps \"" + key.second + "\" is invalid: " + field + ": " + why);
    };
    if (!patched.is_object() || !patched.get_object().contains("spec") || !patched.at("spec").is_object())
      throw refuse("spec", "Required value");
    auto& result = patched.get_object();
    const auto& stored = deployment.object;
    const auto& stored_metadata = stored.at("metadata").as_object();
    auto& metadata = object_at(result, "metadata");
    if (const auto* version = metadata.if_contains("resourceVersion"); version && *version != stored_metadata.at("resourceVersion"))
      throw ApiError{http::status::conflict, "Conflict",
                     "Operation cannot be fulfilled on deployments.apps \"" + key.second +
                         "\": the object has been modified; please apply your changes to the latest version and try again",
                     {{"name", key.second}, {"group", "apps"}, {"kind", "deployments"}}};
    // Identity and status are the server's; a patch of the main resource cannot change them.
    for (const auto* field : {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp"})
      metadata[field] = stored_metadata.at(field);
    result["kind"] = stored.at("kind");
    result["apiVersion"] = stored.at("apiVersion");
    result["status"] = stored.at("status");
    const auto& spec = result.at("spec").as_object();
    if (spec.if_contains("selector") == nullptr || spec.at("selector") != stored.at("spec").at("selector"))
      throw refuse("spec.selector", "Invalid value: field is immutable");
    for (const auto& [label, value] : spec.at("selector").at("matchLabels").as_object()) {
      const auto* have = value_at(result, {"spec", "template", "metadata", "labels", label});
      if (!have || *have != value)
        throw refuse("spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`");
    }
    if (dry_run(query)) {
      if (result.at("spec") != stored.at("spec")) metadata["generation"] = int_at(stored, {"metadata", "generation"}) + 1;
      return {http::status::ok, std::move(result)};
    }
    if (result == stored) return {http::status::ok, std::move(result)};
    return {http::status::ok, store(key, deployment, std::move(result))};
  }

  static json::object scale_of(const json::object& deployment) {
    const auto& metadata = deployment.at("metadata").as_object();
    std::string selector;
    for (const auto& [label, value] : deployment.at("spec").at("selector").at("matchLabels").as_object())
      selector += (selector.empty() ? "" : ",") + std::string(label) + "=" + std::string(value.as_string());
    return {{"kind", "Scale"},
            {"apiVersion", "autoscaling/v1"},
            {"metadata",
             {{"name", metadata.at("name")},
              {"namespace", metadata.at("namespace")},
              {"uid", metadata.at("uid")},
              {"resourceVersion", metadata.at("resourceVersion")},
              {"creationTimestamp", metadata.at("creationTimestamp")}}},
            {"spec", {{"replicas", int_at(deployment, {"spec", "replicas"})}}},
            {"status", {{"replicas", int_at(deployment, {"status", "replicas"})}, {"selector", selector}}}};
  }

  // The scale subresource (`kubectl scale`): GET, or PATCH of spec.replicas.
  Response scale(const Key& key, const http::request<http::string_body>& request,
                 const std::map<std::string, std::string>& query) {
    if (request.method() == http::verb::get) {
      const auto found = deployments.find(key);
      if (found == deployments.end()) throw not_found("deployments", key.second);
      if (found->second.forbidden) throw forbidden("get", "deployments", key.first, key.second, "scale");
      return {http::status::ok, scale_of(found->second.object)};
    }
    if (request.method() != http::verb::patch)
      throw ApiError{http::status::method_not_allowed, "MethodNotAllowed",
                     "the server does not allow this method on the requested resource", {}};
    auto& deployment = patchable(key, "scale");
    json::value patched = scale_of(deployment.object);
    apply_patch(patched, request);
    const auto* replicas = patched.is_object() ? value_at(patched.get_object(), {"spec", "replicas"}) : nullptr;
    if (!replicas || !replicas->is_int64() || replicas->get_int64() < 0)
      throw invalid("Scale.autoscaling \"" + key.second + "\" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0");
    auto changed = deployment.object;
    changed["spec"].as_object()["replicas"] = replicas->get_int64();
    if (dry_run(query) || changed == deployment.object) return {http::status::ok, scale_of(changed)};
    store(key, deployment, std::move(changed));
    return {http::status::ok, scale_of(deployment.object)};
  }
};

KubeStandin::KubeStandin() : impl_(std::make_unique<Impl>()) {}

KubeStandin::~KubeStandin() = default;

unsigned short KubeStandin::port() const { return impl_->port; }

std::string KubeStandin::server_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::filesystem::path KubeStandin::write_kubeconfig(const std::filesystem::path& dir, const std::string& context) const {
  const auto path = dir / (context + ".kubeconfig");
  // JSON strings are YAML strings: any context name stays one scalar.
  const auto quoted_context = json::serialize(json::string(context));
  std::ofstream(path) << "apiVersion: v1\n"
                         "kind: Config\n"
                         "clusters:\n"
                         "- name: standin\n"
                         "  cluster:\n"
                         "    server: "
                      << server_url()
                      << "\n"
                         "users:\n"
                         "- name: standin-user\n"
                         "  user:\n"
                         "    token: standin-dummy-token\n"
                         "contexts:\n"
                         "- name: "
                      << quoted_context
                      << "\n"
                         "  context:\n"
                         "    cluster: standin\n"
                         "    user: standin-user\n"
                         "    namespace: default\n"
                         "current-context: "
                      << quoted_context << "\n";
  return path;
}

void KubeStandin::add_flux_kustomization(const std::string& ns, const std::string& name,
                                         const std::filesystem::path& repo, const std::string& branch,
                                         std::chrono::milliseconds apply_delay) {
  auto& impl = *impl_;
  Impl::Flux flux;
  flux.repo = repo;
  flux.branch = branch;
  flux.apply_delay = apply_delay;
  flux.artifact = branch + "@sha1:" + git_head(repo, branch);
  const json::object ready{{"type", "Ready"}, {"status", "True"}, {"reason", "ReconciliationSucceeded"},
                           {"message", "Applied revision: " + flux.artifact}};
  const auto metadata = [&] {
    return json::object{{"name", name}, {"namespace", ns}, {"uid", "flux-" + name}, {"generation", 1},
                        {"creationTimestamp", "2026-11-20T09:00:00Z"}, {"annotations", json::object{}}};
  };
  flux.repository = {{"apiVersion", std::string(flux_source) + "/v1"},
                     {"kind", "GitRepository"},
                     {"metadata", metadata()},
                     {"spec", {{"url", "file://" + repo.string()}, {"ref", {{"branch", branch}}}, {"interval", "10m"}}},
                     {"status", {{"artifact", {{"revision", flux.artifact}}}, {"conditions", json::array{ready}}}}};
  flux.kustomization = {{"apiVersion", std::string(flux_kustomize) + "/v1"},
                        {"kind", "Kustomization"},
                        {"metadata", metadata()},
                        {"spec", {{"interval", "10m"}, {"path", "./apps"}, {"prune", true},
                                  {"sourceRef", {{"kind", "GitRepository"}, {"name", name}}}}},
                        {"status", {{"lastAppliedRevision", flux.artifact}, {"lastAttemptedRevision", flux.artifact},
                                    {"conditions", json::array{ready}}}}};
  std::lock_guard lock(impl.mutex);
  impl.touch(flux.repository);
  impl.touch(flux.kustomization);
  impl.fluxes.insert_or_assign({ns, name}, std::move(flux));
}

std::string KubeStandin::flux_applied(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(impl_->mutex);
  auto& flux = impl_->fluxes.at({ns, name});
  impl_->settle(flux);
  return string_at(flux.kustomization, {"status", "lastAppliedRevision"});
}

void KubeStandin::add_deployment(const StandinDeployment& wanted) {
  if (wanted.name.empty() || wanted.images.empty())
    throw std::invalid_argument("a stand-in Deployment needs a name and at least one image");
  if (!wanted.change_causes.empty() && wanted.change_causes.size() != wanted.images.size())
    throw std::invalid_argument("change_causes must be empty or one per image");
  auto& impl = *impl_;
  const Impl::Key key{wanted.namespace_name, wanted.name};
  {
    std::lock_guard lock(impl.mutex);
    if (impl.deployments.contains(key))
      throw std::invalid_argument("the stand-in already has Deployment " + key.first + "/" + key.second);
    Impl::Deployment deployment;
    deployment.step_timer = std::make_unique<asio::steady_timer>(impl.io);
    const json::object app_labels{{"app", wanted.name}};
    deployment.object = {
        {"kind", "Deployment"},
        {"apiVersion", "apps/v1"},
        {"metadata",
         {{"name", wanted.name},
          {"namespace", wanted.namespace_name},
          {"uid", random_uid()},
          {"generation", 1},
          {"creationTimestamp", now_rfc3339()},
          {"labels", app_labels},
          {"annotations", json::object()}}},
        {"spec",
         {{"replicas", wanted.replicas},
          {"selector", {{"matchLabels", app_labels}}},
          {"template", json::object()},
          {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}}},
          {"revisionHistoryLimit", wanted.revision_history_limit},
          {"progressDeadlineSeconds", 600}}},
        {"status", json::object()}};
    // The history is made the way a real one is: one template change after the other.
    for (std::size_t i = 0; i < wanted.images.size(); ++i) {
      auto& object = deployment.object;
      if (i > 0) object["metadata"].as_object()["generation"] = int_at(object, {"metadata", "generation"}) + 1;
      object["spec"].as_object()["template"] = pod_template(wanted.name, wanted.container, wanted.images[i]);
      const auto cause = i < wanted.change_causes.size() ? wanted.change_causes[i] : "";
      if (cause.empty())
        annotations_of(object).erase(change_cause_key);
      else
        annotations_of(object)[change_cause_key] = cause;
      impl.reconcile(key, deployment);
    }
    if (wanted.paused) {
      auto& object = deployment.object;
      object["metadata"].as_object()["generation"] = int_at(object, {"metadata", "generation"}) + 1;
      object["spec"].as_object()["paused"] = true;
      impl.reconcile(key, deployment);
    }
    impl.touch(deployment.object);
    impl.deployments.emplace(key, std::move(deployment));
  }
  // Watchers live on the io thread.
  asio::post(impl.io, [&impl, key] {
    std::lock_guard lock(impl.mutex);
    impl.notify(key, "ADDED");
  });
}

void KubeStandin::set_rollout(const std::string& ns, const std::string& name, RolloutBehaviour behaviour,
                              std::chrono::milliseconds step) {
  std::lock_guard lock(impl_->mutex);
  auto& deployment = impl_->find(ns, name);
  deployment.behaviour = behaviour;
  deployment.step = step;
}

void KubeStandin::set_forbidden(const std::string& ns, const std::string& name, bool forbidden) {
  std::lock_guard lock(impl_->mutex);
  impl_->find(ns, name).forbidden = forbidden;
}

int KubeStandin::live_revision(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(impl_->mutex);
  return revision_of(impl_->find(ns, name).object);
}

std::string KubeStandin::live_image(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(impl_->mutex);
  const auto& object = impl_->find(ns, name).object;
  return std::string(object.at("spec").at("template").at("spec").at("containers").at(0).at("image").as_string());
}

boost::json::value KubeStandin::deployment_json(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->find(ns, name).object;
}

std::vector<boost::json::value> KubeStandin::replica_sets_json(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(impl_->mutex);
  auto sets = impl_->find(ns, name).replica_sets;
  std::sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) { return revision_of(a) < revision_of(b); });
  return {sets.begin(), sets.end()};
}

std::vector<std::string> KubeStandin::requests() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> lines;
  for (const auto& request : impl_->received) lines.push_back(request.method + " " + request.target);
  return lines;
}

std::vector<StandinRequest> KubeStandin::received() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

}  // namespace goaround::testing
