#include "goaround/exec/helm_adapter.hpp"

#include <boost/json.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

#include "goaround/exec/tool_support.hpp"

namespace goaround::exec {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// One entry of `helm history -o json`.
struct HelmRevision {
  int number = 0;
  std::string status;
  Revision revision;
};

std::map<int, HelmRevision> history_of(const json::value& history) {
  std::map<int, HelmRevision> out;
  if (const auto* entries = history.if_array())
    for (const auto& e : *entries) {
      const auto number = model::number_at(e, {"revision"});
      if (!number) continue;
      const auto app_version = model::text_at(e, {"app_version"});
      out[static_cast<int>(*number)] = {
          static_cast<int>(*number),
          model::text_at(e, {"status"}),
          {std::to_string(*number),
           model::text_at(e, {"chart"}) + (app_version.empty() ? "" : " (app " + app_version + ")"),
           model::text_at(e, {"description"}), model::text_at(e, {"updated"})}};
    }
  return out;
}

// Only these revisions ran to completion once; a failed or pending one is no known-good state.
bool was_deployed(const HelmRevision& r) {
  return r.status == "deployed" || r.status == "superseded";
}

// The pod specs of a rendered object: a workload's template, a CronJob's job template, a Pod.
void pod_spec_images(const YAML::Node& spec, std::vector<std::string>& images) {
  if (!spec || !spec.IsMap()) return;
  for (const auto* list : {"initContainers", "containers"})
    if (const auto containers = spec[list]; containers && containers.IsSequence())
      for (const auto& container : containers)
        if (const auto image = container["image"]; image && image.IsScalar()) {
          const auto reference = image.as<std::string>();
          if (std::find(images.begin(), images.end(), reference) == images.end()) images.push_back(reference);
        }
}

}  // namespace

std::optional<std::vector<std::string>> manifest_images(std::string_view manifest) {
  std::vector<std::string> images;
  try {
    for (const auto& object : YAML::LoadAll(std::string(manifest))) {
      if (!object.IsMap() || !object["spec"]) continue;
      const auto spec = object["spec"];
      const auto kind = object["kind"] ? object["kind"].as<std::string>("") : "";
      if (kind == "Pod") pod_spec_images(spec, images);
      else if (kind == "CronJob" && spec["jobTemplate"] && spec["jobTemplate"]["spec"] && spec["jobTemplate"]["spec"]["template"])
        pod_spec_images(spec["jobTemplate"]["spec"]["template"]["spec"], images);
      else if (spec.IsMap() && spec["template"] && spec["template"].IsMap())
        pod_spec_images(spec["template"]["spec"], images);
    }
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return images;
}

Failure classify_helm_failure(const ProcessResult& result) {
  return tool::classify(result, {{"release: not found", Failure::not_found},
                                 {"has no ", Failure::revision_missing},
                                 {"context deadline exceeded", Failure::timeout},
                                 {"timed out waiting for the condition", Failure::timeout},
                                 {"forbidden", Failure::forbidden}});
}

HelmAdapter::HelmAdapter(asio::any_io_executor, const config::Service& service,
                         const config::Tools& tools)
    : target_(service.helm.value()), tools_(tools), timeout_(service.timeout) {}

std::vector<std::string> HelmAdapter::helm(std::vector<std::string> args) const {
  args.insert(args.begin(), tools_.helm);
  if (!target_.namespace_name.empty()) args.insert(args.end(), {"-n", target_.namespace_name});
  if (!target_.context.empty()) args.insert(args.end(), {"--kube-context", target_.context});
  return args;
}

asio::awaitable<ProcessResult> HelmAdapter::run(std::vector<std::string> argv,
                                                std::chrono::milliseconds timeout,
                                                LineFn on_line) const {
  co_return co_await run_process({std::move(argv), tool::environment(tools_), timeout},
                                 std::move(on_line));
}

asio::awaitable<tool::JsonRead> HelmAdapter::read_history() const {
  const auto got = co_await run(helm({"history", target_.release, "-o", "json"}), tool::read_timeout);
  tool::JsonRead read{got.ok() ? tool::parse_json(got.out) : std::nullopt, ""};
  if (!read.json) read.problem = tool::unusable(got, tool::error_line(got), "helm");
  co_return read;
}

asio::awaitable<Plan> HelmAdapter::plan(std::optional<std::string> target_revision) {
  Plan plan;
  const auto finish = [&](const std::string& target) {
    plan.target.number = target;
    plan.argv = helm(
        {"rollback", target_.release, target, "--wait", "--timeout", tool::go_seconds(timeout_)});
  };
  const auto read = co_await read_history();
  const auto& parsed = read.json;
  if (!parsed) {
    plan.preflight.push_back({"release history readable", false, read.problem});
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  const auto history = history_of(*parsed);
  const HelmRevision* current = nullptr;
  for (const auto& [_, r] : history)
    if (r.status == "deployed") current = &r;
  plan.preflight.push_back(
      {"release history readable", current != nullptr,
       current ? "release " + target_.release + " is at revision " + current->revision.number
               : "no revision of " + target_.release + " is deployed (" +
                     std::to_string(history.size()) + " in the history)"});
  if (!current) {
    finish(target_revision.value_or("previous"));
    co_return plan;
  }
  plan.current = current->revision;

  // Unlike `helm rollback` without a revision (current − 1, failed or not), the default is the
  // newest revision before the current one that actually ran.
  std::optional<int> wanted = target_revision ? tool::to_int(*target_revision) : std::nullopt;
  if (!target_revision)
    for (const auto& [n, r] : history)
      if (n < current->number && was_deployed(r)) wanted = n;
  const auto found = wanted ? history.find(*wanted) : history.end();
  finish(wanted ? std::to_string(*wanted) : target_revision.value_or("previous"));
  if (found == history.end()) {
    plan.preflight.push_back(
        {"target revision exists", false,
         wanted ? "release " + target_.release + " has no revision " + std::to_string(*wanted) +
                      " in its history (" + std::to_string(history.begin()->first) + ".." +
                      std::to_string(history.rbegin()->first) + ")"
         : target_revision ? "`" + *target_revision + "` is not a revision number"
                           : "no earlier revision was ever deployed; nothing to go back to"});
    co_return plan;
  }
  const auto& target = found->second;
  plan.target = target.revision;
  plan.preflight.push_back({"target revision exists", true,
                            "revision " + plan.target.number + ": " + plan.target.change_cause});
  plan.preflight.push_back(
      {"target was deployed", was_deployed(target),
       was_deployed(target) ? "revision " + plan.target.number + " is " + target.status
                            : "revision " + plan.target.number + " is " + target.status +
                                  "; it never ran to completion, so it is no known-good state"});
  const bool differs = target.number != current->number;
  plan.preflight.push_back({"target differs from current", differs,
                            differs ? "live is revision " + plan.current.number
                                    : "revision " + plan.target.number + " is already deployed"});
  // What the target revision runs, from its manifest: the runway check asks for each image.
  if (!plan.ready()) co_return plan;
  const auto manifest = co_await run(helm({"get", "manifest", target_.release, "--revision", plan.target.number}),
                                     tool::read_timeout);
  const auto images = manifest.ok() ? manifest_images(manifest.out) : std::nullopt;
  if (images) plan.target_images = *images;
  else
    plan.preflight.push_back({"target images readable", false,
                              (manifest.ok() ? "`helm get manifest` printed no YAML"
                                             : tool::unusable(manifest, tool::error_line(manifest), "helm")) +
                                  ": the target's images cannot be checked in their registries",
                              true});
  co_return plan;
}

asio::awaitable<History> HelmAdapter::history() {
  History history;
  const auto read = co_await read_history();
  if (!read.json) {
    history.problem = read.problem;
    co_return history;
  }
  const auto revisions = history_of(*read.json);
  for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
    auto revision = it->second.revision;
    // A revision that never ran to completion is no state to return to: say so beside it.
    if (!was_deployed(it->second)) revision.change_cause += (revision.change_cause.empty() ? "" : " · ") + it->second.status;
    if (it->second.status == "deployed") history.live = revision.number;
    history.revisions.push_back(std::move(revision));
  }
  co_return history;
}

asio::awaitable<Outcome> HelmAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  // helm's own --timeout ends the wait; the margin only catches a helm that hangs past it.
  const auto result = co_await run(plan.argv, timeout_ + 30s, [&](std::string_view line) {
    on_progress({0, 0, 0, 0, std::string(line)});
  });
  if (!result.ok())
    co_return tool::failed(result, classify_helm_failure(result), tool::error_line(result),
                           result.tail());
  Outcome outcome;
  outcome.exit_code = 0;
  outcome.message = tool::last_line(result.out);
  outcome.output_tail = result.tail();
  co_return outcome;
}

asio::awaitable<Verification> HelmAdapter::verify(const Plan& plan) {
  Verification v;
  const auto got =
      co_await run(helm({"status", target_.release, "-o", "json"}), tool::read_timeout);
  const auto release = got.ok() ? tool::parse_json(got.out) : std::nullopt;
  if (!release) {
    v.checks.push_back(
        {"release readable", false, tool::unusable(got, tool::error_line(got), "helm")});
    co_return v;
  }
  const auto status = model::text_at(*release, {"info", "status"});
  const auto version = model::number_at(*release, {"version"});
  const auto live = version ? std::to_string(*version) : std::string("?");
  v.checks.push_back(
      {"release deployed", status == "deployed",
       "revision " + live + " is " + (status.empty() ? "of unknown status" : status)});
  // A rollback is a new revision whose description names the revision it restored.
  const auto description = model::text_at(*release, {"info", "description"});
  const auto expected = "Rollback to " + plan.target.number;
  const auto current = tool::to_int(plan.current.number);
  const bool restored = description == expected && version && current && *version > *current;
  v.checks.push_back({"live revision restores the target", restored,
                      "revision " + live + ": " +
                          (description.empty() ? "no description" : description) +
                          (restored ? ""
                                    : "; expected a revision after " + plan.current.number +
                                          " saying `" + expected + "`")});
  v.passed = status == "deployed" && restored;
  co_return v;
}

}  // namespace goaround::exec
