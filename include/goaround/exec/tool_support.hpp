#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "goaround/config/config.hpp"
#include "goaround/exec/adapter.hpp"
#include "goaround/model/json_path.hpp"
#include "goaround/exec/process.hpp"

// What the kubectl, helm, argocd and Argo Rollouts adapters share: running a tool with the controlled
// environment, reading its JSON, and turning its failures into an Outcome.
namespace goaround::exec::tool {

// Bound on a read-only call (history, get, status): they answer in seconds or not at all.
inline constexpr std::chrono::seconds read_timeout{30};

// A tool's whole environment: the bot's own (`parent`, "NAME=value" entries; all of it, or with
// `tools.environment.inherit: false` only PATH, HOME, USER, LANG, TMPDIR and the names passed),
// minus every withheld secret (its variable, and any variable holding its value), then
// KUBECONFIG when configured, then `extra` (an adapter's own credential).
std::map<std::string, std::string> environment(const config::Tools& tools,
                                               std::map<std::string, std::string> extra = {},
                                               const char* const* parent = nullptr);

// A duration as a whole number of seconds in Go's syntax ("300s"), rounded up, at least 1s.
std::string go_seconds(std::chrono::milliseconds duration);
// The same number without the unit, for tools that take seconds ("300").
std::string whole_seconds(std::chrono::milliseconds duration);

std::optional<boost::json::value> parse_json(const std::string& text);
std::optional<int> to_int(std::string_view text);

std::string last_line(const std::string& text);

// Substrings of a tool's output and what they mean; the first match wins.
using FailureTexts = std::initializer_list<std::pair<std::string_view, Failure>>;

// The failure kind of a finished call: the process runner's own errors first (missing binary,
// killed at the deadline), then the tool's words in stderr and stdout, else tool_failed.
Failure classify(const ProcessResult& result, FailureTexts texts);

// A failed call as an Outcome; `said` is the tool's own error line when it has one.
Outcome failed(const ProcessResult& result, Failure failure, std::string said, std::string tail);

// Why a read gave no usable answer: the tool's own error line, else the runner's message
// (missing binary, killed at the deadline), or that its output was not the JSON asked for.
std::string unusable(const ProcessResult& result, std::string said, std::string_view tool_name);

// A read whose answer is JSON: the value, or why there is none (as unusable() says it).
struct JsonRead {
  std::optional<boost::json::value> json;
  std::string problem;
};

// The tool's last stderr line (else stdout), without the "Error: " prefix the Go CLIs add.
std::string error_line(const ProcessResult& result);

// kubectl's argv for one call: flags after the subcommand (kubectl refuses flags before a
// plugin name), namespace, context and cache dir from the configuration.
std::vector<std::string> kubectl_argv(const config::Tools& tools, const std::string& namespace_name,
                                      const std::string& context, std::vector<std::string> args);

// Kubernetes objects as `kubectl get -o json` prints them.
// The images of an object's pod template, comma-joined: what a rollback actually changes.
std::string template_images(const boost::json::value& object);
// Comma-joined images (template_images) one by one.
std::vector<std::string> image_list(std::string_view joined);
// spec.selector.matchLabels as a label selector ("app=web,tier=front").
std::string match_labels_selector(const boost::json::value& object);
// An object's revision: `revision_annotation`, its images, kubernetes.io/change-cause and
// creation time.
Revision revision_of(const boost::json::value& object, std::string_view revision_annotation);
// The history of a Deployment or Rollout: the ReplicaSets it controls (ownerReference uid,
// controller true), by revision number.
std::map<int, Revision> owned_revisions(const boost::json::value& replicasets,
                                        const std::string& owner_uid,
                                        std::string_view revision_annotation);

// A Deployment or Rollout and the revisions of the ReplicaSets it owns, read with kubectl:
// where plan() and history() both start. A read that failed leaves its check.
struct OwnedRevisions {
  std::optional<boost::json::value> workload;
  std::optional<Check> workload_unreadable;  // `kubectl get <workload>` failed
  std::map<int, Revision> revisions;
  std::optional<Check> history_unreadable;   // `kubectl get replicasets` failed
};
using KubectlRun = std::function<boost::asio::awaitable<ProcessResult>(std::vector<std::string> argv)>;
// `kubectl(args)` gives the full argv; `kind` and `name` the workload ("deployment", "checkout");
// `check` names the first read in pre-flight ("deployment readable").
boost::asio::awaitable<OwnedRevisions> read_owned(const KubectlRun& run,
                                                  const std::function<std::vector<std::string>(std::vector<std::string>)>& kubectl,
                                                  const std::string& kind, const std::string& name, const std::string& check,
                                                  std::string_view revision_annotation);
// The same as a History, newest first.
History history_of(const OwnedRevisions& read, std::string_view revision_annotation);

}  // namespace goaround::exec::tool
