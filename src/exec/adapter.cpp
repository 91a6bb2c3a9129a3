#include "goaround/exec/adapter.hpp"

#include "goaround/model/json_path.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string_view>

#include "goaround/exec/argo_rollouts_adapter.hpp"
#include "goaround/exec/argocd_adapter.hpp"
#include "goaround/exec/flag_adapter.hpp"
#include "goaround/exec/gitops_adapter.hpp"
#include "goaround/exec/helm_adapter.hpp"
#include "goaround/exec/kubectl_adapter.hpp"
#include "goaround/exec/sim_adapter.hpp"

namespace goaround::exec {

bool Plan::ready() const {
  return std::all_of(preflight.begin(), preflight.end(), [](const Check& c) { return c.passed || c.warning; });
}

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::none: return "none";
    case Failure::not_found: return "not found";
    case Failure::forbidden: return "forbidden";
    case Failure::revision_missing: return "revision missing";
    case Failure::progress_deadline_exceeded: return "progress deadline exceeded";
    case Failure::timeout: return "timeout";
    case Failure::tool_missing: return "tool missing";
    case Failure::tool_failed: return "tool failed";
  }
  return "unknown";
}

namespace {

std::unique_ptr<Adapter> make_adapter(boost::asio::any_io_executor executor, const config::Service& service,
                                      const config::Tools& tools, const std::filesystem::path& work_dir) {
  switch (service.adapter) {
    case config::AdapterKind::sim:
      return std::make_unique<SimAdapter>(executor, service.name, service.sim);
    case config::AdapterKind::kubectl:
      return std::make_unique<KubectlAdapter>(executor, service, tools);
    case config::AdapterKind::helm:
      return std::make_unique<HelmAdapter>(executor, service, tools);
    case config::AdapterKind::argocd:
      // Under auto-sync the way back is git, and this app is what reconciles the revert.
      return std::make_unique<ArgoCdAdapter>(
          executor, service, tools,
          service.gitops ? std::make_unique<GitOpsAdapter>(service, tools, work_dir / "gitops" / service.name,
                                                           argocd_reconciler(*service.argocd, tools, service.timeout))
                         : nullptr);
    case config::AdapterKind::argo_rollouts:
      return std::make_unique<ArgoRolloutsAdapter>(executor, service, tools);
    case config::AdapterKind::gitops: {
      const auto& wait = service.gitops->wait;
      auto reconciler = !wait.argocd_app.empty()
                            ? argocd_reconciler(config::ArgoCdTarget{.app = wait.argocd_app}, tools, service.timeout)
                        : !wait.flux_name.empty() ? flux_reconciler(wait, tools, service.timeout)
                                                  : nullptr;
      return std::make_unique<GitOpsAdapter>(service, tools, work_dir / "gitops" / service.name, std::move(reconciler));
    }
  }
  throw std::logic_error("unknown adapter kind");
}

}  // namespace

Adapters::Adapters(boost::asio::any_io_executor executor, config::Services services, const config::Tools& tools,
                   const std::filesystem::path& work_dir) {
  for (const auto& service : services) {
    adapters_.emplace(service.name, make_adapter(executor, service, tools, work_dir));
    if (service.flags) flags_.emplace(service.name, std::make_unique<FlagAdapter>(*service.flags));
    if (service.drill) adapters_.emplace(service.drill->name, make_adapter(executor, *service.drill, tools, work_dir));
  }
}

Adapters::~Adapters() = default;

Adapter* Adapters::find(const std::string& service) {
  const auto it = adapters_.find(service);
  return it == adapters_.end() ? nullptr : it->second.get();
}

Adapter* Adapters::flags(const std::string& service) {
  const auto it = flags_.find(service);
  return it == flags_.end() ? nullptr : it->second.get();
}

Adapter* Adapters::of(const std::string& service, const Plan& plan) {
  return plan.route == "flag" ? flags(service) : find(service);
}


}  // namespace goaround::exec

namespace goaround::exec {

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("_./=:,@%+-").find(c) != std::string_view::npos;
    });
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace goaround::exec

#include <boost/json.hpp>

namespace goaround::exec {
namespace {

boost::json::array strings_json(const std::vector<std::string>& words) {
  boost::json::array out;
  for (const auto& w : words) out.push_back(boost::json::string(w));
  return out;
}

std::vector<std::string> strings_from(const boost::json::value& v) {
  std::vector<std::string> out;
  if (const auto* a = v.if_array())
    for (const auto& w : *a)
      if (w.is_string()) out.emplace_back(w.get_string());
  return out;
}


boost::json::object revision_json(const Revision& r) {
  return {{"number", r.number}, {"image", r.image}, {"change_cause", r.change_cause}, {"created", r.created}};
}

Revision revision_from(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o) return {};
  return {model::text_at(*o, {"number"}), model::text_at(*o, {"image"}), model::text_at(*o, {"change_cause"}),
          model::text_at(*o, {"created"})};
}

}  // namespace

boost::json::value to_json(const Plan& plan) {
  boost::json::array checks;
  for (const auto& c : plan.preflight)
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}, {"warning", c.warning}});
  return {{"current", revision_json(plan.current)},
          {"target", revision_json(plan.target)},
          {"argv", strings_json(plan.argv)},
          {"wait_argv", strings_json(plan.wait_argv)},
          {"intent", plan.intent},
          {"route", plan.route},
          {"flag", plan.flag},
          {"target_images", strings_json(plan.target_images)},
          {"preflight", std::move(checks)}};
}

Plan plan_from_json(const boost::json::value& json) {
  Plan plan;
  const auto* o = json.if_object();
  if (!o) return plan;
  if (const auto* v = o->if_contains("current")) plan.current = revision_from(*v);
  if (const auto* v = o->if_contains("target")) plan.target = revision_from(*v);
  if (const auto* v = o->if_contains("argv")) plan.argv = strings_from(*v);
  if (const auto* v = o->if_contains("wait_argv")) plan.wait_argv = strings_from(*v);
  plan.intent = model::text_at(*o, {"intent"});
  plan.route = model::text_at(*o, {"route"});
  plan.flag = model::text_at(*o, {"flag"});
  if (const auto* v = o->if_contains("target_images")) plan.target_images = strings_from(*v);
  if (const auto* checks = o->if_contains("preflight"); checks && checks->is_array())
    for (const auto& c : checks->get_array())
      if (const auto* co = c.if_object())
        plan.preflight.push_back({model::text_at(*co, {"name"}),
                                  co->if_contains("passed") && co->at("passed").is_bool() &&
                                      co->at("passed").get_bool(),
                                  model::text_at(*co, {"detail"}),
                                  co->if_contains("warning") && co->at("warning").is_bool() &&
                                      co->at("warning").get_bool()});
  return plan;
}

}  // namespace goaround::exec
