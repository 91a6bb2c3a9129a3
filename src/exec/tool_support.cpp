#include "goaround/exec/tool_support.hpp"

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <boost/json/parse.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace goaround::exec::tool {
namespace asio = boost::asio;
namespace json = boost::json;

std::map<std::string, std::string> environment(const config::Tools& tools,
                                               std::map<std::string, std::string> extra,
                                               const char* const* parent) {
  static const std::set<std::string_view> base{"PATH", "HOME", "USER", "LANG", "TMPDIR"};
  const auto& policy = tools.environment;
  const auto kept = [&](std::string_view name) {
    return policy.inherit || base.contains(name) ||
           std::find(policy.pass.begin(), policy.pass.end(), name) != policy.pass.end();
  };
  // A secret's value is withheld under any name it was copied to; values too short to be a
  // token (under 8 bytes) only where they are the whole value, so they cannot hide PATH.
  std::set<std::string, std::less<>> secret_names;
  for (const auto& s : tools.withheld)
    if (auto name = config::secret_variable(s); !name.empty()) secret_names.insert(std::move(name));
  const auto holds_secret = [&](std::string_view name, std::string_view value) {
    return secret_names.contains(name) ||
           std::any_of(tools.withheld.begin(), tools.withheld.end(), [&](const config::Secret& s) {
             const auto& secret = s.reveal();
             if (secret.empty()) return false;
             return secret.size() >= 8 ? value.find(secret) != std::string_view::npos : value == secret;
           });
  };
  std::map<std::string, std::string> env;
  for (auto entry = parent ? parent : environ; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    const auto name = text.substr(0, equals), value = text.substr(equals + 1);
    if (kept(name) && !holds_secret(name, value)) env.emplace(name, value);
  }
  if (!tools.kubeconfig.empty()) env["KUBECONFIG"] = tools.kubeconfig;
  for (auto& [name, value] : extra) env[name] = std::move(value);
  return env;
}

std::string whole_seconds(std::chrono::milliseconds duration) {
  return std::to_string(std::max<long long>(1, (duration.count() + 999) / 1000));
}

std::string go_seconds(std::chrono::milliseconds duration) { return whole_seconds(duration) + "s"; }

std::optional<json::value> parse_json(const std::string& text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec) return std::nullopt;
  return value;
}

std::optional<int> to_int(std::string_view text) {
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  const auto newline = text.rfind('\n', end);
  const auto start = newline == std::string::npos ? 0 : newline + 1;
  return text.substr(start, end - start + 1);
}

std::string error_line(const ProcessResult& result) {
  auto line = last_line(result.err.empty() ? result.out : result.err);
  constexpr std::string_view prefix = "Error: ";
  if (line.starts_with(prefix)) line.erase(0, prefix.size());
  return line;
}

Failure classify(const ProcessResult& result, FailureTexts texts) {
  switch (result.error) {
    case ProcessError::none: return Failure::none;
    case ProcessError::not_found:
    case ProcessError::spawn_failed: return Failure::tool_missing;
    case ProcessError::timed_out: return Failure::timeout;
    case ProcessError::exit_nonzero: break;
  }
  for (const auto& [text, failure] : texts)
    if (result.err.find(text) != std::string::npos || result.out.find(text) != std::string::npos)
      return failure;
  return Failure::tool_failed;
}

namespace {
// The runner's message says what happened when the tool itself could not say it.
std::string message_of(const ProcessResult& result, std::string said) {
  return result.error == ProcessError::exit_nonzero && !said.empty() ? std::move(said)
                                                                     : result.message;
}
}  // namespace

Outcome failed(const ProcessResult& result, Failure failure, std::string said, std::string tail) {
  Outcome outcome;
  outcome.failure = failure;
  outcome.exit_code = result.exit_code;
  outcome.message = message_of(result, std::move(said));
  outcome.output_tail = std::move(tail);
  return outcome;
}

std::string unusable(const ProcessResult& result, std::string said, std::string_view tool_name) {
  if (result.ok()) return std::string(tool_name) + " printed something that is not JSON";
  return message_of(result, std::move(said));
}

std::vector<std::string> kubectl_argv(const config::Tools& tools, const std::string& namespace_name,
                                      const std::string& context, std::vector<std::string> args) {
  args.insert(args.begin(), tools.kubectl);
  args.insert(args.end(), {"-n", namespace_name});
  if (!context.empty()) args.push_back("--context=" + context);
  if (!tools.kube_cache_dir.empty()) args.push_back("--cache-dir=" + tools.kube_cache_dir);
  return args;
}

std::string template_images(const json::value& object) {
  std::string images;
  if (const auto* containers = model::at(object, {"spec", "template", "spec", "containers"});
      containers && containers->is_array())
    for (const auto& c : containers->get_array())
      images += (images.empty() ? "" : ", ") + model::text_at(c, {"image"});
  return images;
}

std::vector<std::string> image_list(std::string_view joined) {
  std::vector<std::string> images;
  boost::algorithm::split(images, joined, boost::algorithm::is_any_of(","));
  for (auto& image : images) boost::algorithm::trim(image);
  std::erase(images, std::string());
  return images;
}

std::string match_labels_selector(const json::value& object) {
  std::string selector;
  if (const auto* labels = model::at(object, {"spec", "selector", "matchLabels"}); labels && labels->is_object())
    for (const auto& [k, v] : labels->get_object())
      selector += (selector.empty() ? "" : ",") + std::string(k) + "=" +
                  (v.is_string() ? std::string(v.get_string()) : "");
  return selector;
}

Revision revision_of(const json::value& object, std::string_view revision_annotation) {
  return {model::text_at(object, {"metadata", "annotations", revision_annotation}), template_images(object),
          model::text_at(object, {"metadata", "annotations", "kubernetes.io/change-cause"}),
          model::text_at(object, {"metadata", "creationTimestamp"})};
}

std::map<int, Revision> owned_revisions(const json::value& replicasets, const std::string& owner_uid,
                                        std::string_view revision_annotation) {
  std::map<int, Revision> history;
  const auto* items = model::at(replicasets, {"items"});
  if (!items || !items->is_array()) return history;
  for (const auto& rs : items->get_array()) {
    bool owned = false;
    if (const auto* owners = model::at(rs, {"metadata", "ownerReferences"}); owners && owners->is_array())
      for (const auto& o : owners->get_array()) {
        const auto* controller = model::at(o, {"controller"});
        owned = owned || (model::text_at(o, {"uid"}) == owner_uid && controller && controller->is_bool() &&
                          controller->get_bool());
      }
    auto revision = revision_of(rs, revision_annotation);
    if (const auto n = to_int(revision.number); owned && n) history.emplace(*n, std::move(revision));
  }
  return history;
}

asio::awaitable<OwnedRevisions> read_owned(const KubectlRun& run,
                                           const std::function<std::vector<std::string>(std::vector<std::string>)>& kubectl,
                                           const std::string& kind, const std::string& name, const std::string& check,
                                           std::string_view revision_annotation) {
  OwnedRevisions read;
  const auto got = co_await run(kubectl({"get", kind, name, "-o", "json"}));
  read.workload = got.ok() ? parse_json(got.out) : std::nullopt;
  if (!read.workload) {
    read.workload_unreadable = Check{check, false, unusable(got, error_line(got), "kubectl")};
    co_return read;
  }
  // The history is the ReplicaSets the workload owns, each with its revision annotation.
  const auto listed = co_await run(kubectl({"get", "replicasets", "-l", match_labels_selector(*read.workload), "-o", "json"}));
  const auto replicasets = listed.ok() ? parse_json(listed.out) : std::nullopt;
  if (!replicasets) {
    read.history_unreadable = Check{"history readable", false, unusable(listed, error_line(listed), "kubectl")};
    co_return read;
  }
  read.revisions = owned_revisions(*replicasets, model::text_at(*read.workload, {"metadata", "uid"}), revision_annotation);
  co_return read;
}

History history_of(const OwnedRevisions& read, std::string_view revision_annotation) {
  History history;
  if (const auto& problem = read.workload_unreadable ? read.workload_unreadable : read.history_unreadable) {
    history.problem = problem->detail;
    return history;
  }
  history.live = revision_of(*read.workload, revision_annotation).number;
  for (auto it = read.revisions.rbegin(); it != read.revisions.rend(); ++it) history.revisions.push_back(it->second);
  return history;
}

}  // namespace goaround::exec::tool
