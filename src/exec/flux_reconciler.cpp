// Flux reconciling a pushed revert: the Kustomization's source (a GitRepository) and then the
// Kustomization itself are asked to reconcile now, as `flux reconcile kustomization
// --with-source` does (the annotation reconcile.fluxcd.io/requestedAt, docs/tools.md §4), and
// the wait ends when status.lastAppliedRevision ("main@sha1:<sha>") includes the revert and the
// Ready condition is True.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "goaround/exec/gitops_adapter.hpp"
#include "goaround/exec/tool_support.hpp"
#include "goaround/model/json_path.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::exec {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr const char* kustomizations = "kustomizations.kustomize.toolkit.fluxcd.io";
constexpr const char* git_repositories = "gitrepositories.source.toolkit.fluxcd.io";
constexpr const char* requested_at = "reconcile.fluxcd.io/requestedAt";

// "main@sha1:0123…" (Flux 2.x), "main/0123…" (older): the commit.
std::string commit_of(const std::string& revision) {
  const auto sha1 = revision.rfind("sha1:");
  if (sha1 != std::string::npos) return revision.substr(sha1 + 5);
  const auto slash = revision.rfind('/');
  return slash == std::string::npos ? revision : revision.substr(slash + 1);
}

// kubectl's words for RBAC and a wrong name.
Failure classify(const ProcessResult& result) {
  return tool::classify(result, {{"forbidden", Failure::forbidden}, {"NotFound", Failure::not_found},
                                 {"not found", Failure::not_found}});
}

struct Applied {
  std::string revision;  // the commit of status.lastAppliedRevision
  bool ready = false;
  std::string ready_message;
  std::string source_namespace, source_name;  // spec.sourceRef, when a GitRepository
  std::string problem;
};

class FluxReconciler final : public Reconciler {
 public:
  FluxReconciler(config::GitOpsTarget::Wait wait, config::Tools tools, std::chrono::milliseconds timeout)
      : wait_(std::move(wait)), tools_(std::move(tools)), timeout_(timeout) {}

  std::string describe() const override {
    return "Flux Kustomization " + wait_.flux_namespace + "/" + wait_.flux_name + ": `" +
           command_line(kubectl(wait_.flux_namespace, {"annotate", "--overwrite", kustomizations, wait_.flux_name,
                                                       std::string(requested_at) + "=<now>"})) +
           "` (and its GitRepository), then `" + command_line(read_argv()) +
           "` until lastAppliedRevision includes the revert and it is Ready";
  }

  asio::awaitable<Check> reachable() override {
    const auto applied = co_await read();
    co_return Check{"kustomization readable", applied.problem.empty(),
                    applied.problem.empty() ? "kubectl reads " + wait_.flux_namespace + "/" + wait_.flux_name
                                            : applied.problem};
  }

  asio::awaitable<Outcome> follow(std::string revert, Includes includes, ProgressFn on_progress) override {
    const auto name = wait_.flux_namespace + "/" + wait_.flux_name;
    auto applied = co_await read();
    if (!applied.problem.empty()) co_return refused(applied.problem);
    const auto now = time::format_utc(std::chrono::system_clock::now());
    std::string tail;
    if (!applied.source_name.empty()) {
      const auto source = co_await run(kubectl(applied.source_namespace, {"annotate", "--overwrite", git_repositories,
                                                                          applied.source_name, std::string(requested_at) + "=" + now}));
      tail += source.tail();
      if (!source.ok()) co_return tool::failed(source, classify(source), tool::error_line(source), tail);
    }
    const auto asked = co_await run(kubectl(wait_.flux_namespace, {"annotate", "--overwrite", kustomizations,
                                                                   wait_.flux_name, std::string(requested_at) + "=" + now}));
    tail += "\n" + asked.tail();
    if (!asked.ok()) co_return tool::failed(asked, classify(asked), tool::error_line(asked), tail);
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (const auto deadline = std::chrono::steady_clock::now() + timeout_;;) {
      applied = co_await read();
      if (applied.problem.empty() && applied.ready && co_await includes(applied.revision, revert)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        Outcome late;
        late.failure = Failure::timeout;
        late.message = name + " has not applied the revert " + revert.substr(0, 7) + " within " +
                       tool::go_seconds(timeout_) + " (it applied " +
                       (applied.revision.empty() ? "an unknown revision" : applied.revision.substr(0, 7)) +
                       (applied.ready ? "" : ", not Ready: " + applied.ready_message) + ")";
        late.output_tail = tail;
        co_return late;
      }
      on_progress({0, 0, 0, 0, "waiting for " + name + " to apply " + revert.substr(0, 7)});
      pause.expires_after(1s);
      co_await pause.async_wait(asio::use_awaitable);
    }
    Outcome outcome;
    outcome.exit_code = 0;
    outcome.message = name + " applied it and is Ready";
    outcome.output_tail = tail;
    co_return outcome;
  }

  asio::awaitable<std::vector<Check>> checks(std::string revert, Includes includes) override {
    const auto applied = co_await read();
    if (!applied.problem.empty()) co_return std::vector<Check>{{"kustomization readable", false, applied.problem}};
    const bool included = co_await includes(applied.revision, revert);
    const auto name = wait_.flux_namespace + "/" + wait_.flux_name;
    co_return std::vector<Check>{
        {"kustomization applied the revert", included,
         name + " applied " + applied.revision.substr(0, 7) + (included ? ", which includes " : ", without ") +
             "the revert " + revert.substr(0, 7)},
        {"kustomization ready", applied.ready, applied.ready ? "Ready" : "not Ready: " + applied.ready_message}};
  }

 private:
  static Outcome refused(std::string why) {
    Outcome out;
    out.failure = Failure::tool_failed;
    out.message = std::move(why);
    return out;
  }
  std::vector<std::string> kubectl(const std::string& ns, std::vector<std::string> args) const {
    return tool::kubectl_argv(tools_, ns, wait_.context, std::move(args));
  }
  std::vector<std::string> read_argv() const {
    return kubectl(wait_.flux_namespace, {"get", kustomizations, wait_.flux_name, "-o", "json"});
  }
  asio::awaitable<ProcessResult> run(std::vector<std::string> argv) const {
    co_return co_await run_process({std::move(argv), tool::environment(tools_), tool::read_timeout});
  }
  asio::awaitable<Applied> read() const {
    Applied applied;
    const auto got = co_await run(read_argv());
    const auto object = got.ok() ? tool::parse_json(got.out) : std::nullopt;
    if (!object) {
      applied.problem = tool::unusable(got, tool::error_line(got), "kubectl");
      co_return applied;
    }
    applied.revision = commit_of(model::text_at(*object, {"status", "lastAppliedRevision"}));
    if (const auto* conditions = model::at(*object, {"status", "conditions"}); conditions && conditions->is_array())
      for (const auto& c : conditions->get_array())
        if (model::text_at(c, {"type"}) == "Ready") {
          applied.ready = model::text_at(c, {"status"}) == "True";
          applied.ready_message = model::text_at(c, {"message"});
        }
    if (model::text_at(*object, {"spec", "sourceRef", "kind"}) == "GitRepository") {
      applied.source_name = model::text_at(*object, {"spec", "sourceRef", "name"});
      applied.source_namespace = model::text_at(*object, {"spec", "sourceRef", "namespace"});
      if (applied.source_namespace.empty()) applied.source_namespace = wait_.flux_namespace;
    }
    co_return applied;
  }

  config::GitOpsTarget::Wait wait_;
  config::Tools tools_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Reconciler> flux_reconciler(const config::GitOpsTarget::Wait& wait, const config::Tools& tools,
                                            std::chrono::milliseconds timeout) {
  return std::make_unique<FluxReconciler>(wait, tools, timeout);
}

}  // namespace goaround::exec
