#include "goaround/exec/gitops_adapter.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "goaround/exec/tool_support.hpp"
#include "goaround/net/base64.hpp"

namespace goaround::exec {
namespace asio = boost::asio;

namespace {

// How often a revert is replayed after the branch moved under it.
constexpr int push_attempts = 3;
// With --to, at most this many commits are reverted in one go-around.
constexpr int most_reverted = 200;
// The first SHA in a plan's argv (git -C CLONE revert --no-commit SHA…).
constexpr std::size_t first_sha = 5;

bool ssh_url(const std::string& repo) {
  return repo.rfind("ssh://", 0) == 0 || (repo.find("://") == std::string::npos && repo.find('@') != std::string::npos);
}

// What git's words mean: the remote refusing us, not knowing the repository, or moving on.
Failure classify_git_failure(const ProcessResult& result) {
  return tool::classify(result, {{"Permission denied", Failure::forbidden},
                                 {"Authentication failed", Failure::forbidden},
                                 {"could not read Username", Failure::forbidden},
                                 {"does not appear to be a git repository", Failure::not_found},
                                 {"not found", Failure::not_found},
                                 {"Could not resolve host", Failure::not_found}});
}

// git's own reason: its first fatal: or error: line (the lines after it are advice).
std::string git_error(const ProcessResult& result) {
  std::istringstream lines(result.err);
  for (std::string line; std::getline(lines, line);)
    for (const std::string_view prefix : {"fatal: ", "error: "})
      if (line.starts_with(prefix)) return line.substr(prefix.size());
  return tool::error_line(result);
}

bool push_rejected_as_stale(const ProcessResult& push) {
  const auto said = push.err + push.out;
  return said.find("[rejected]") != std::string::npos || said.find("non-fast-forward") != std::string::npos ||
         said.find("fetch first") != std::string::npos;
}

std::string trimmed(const std::string& text) { return boost::algorithm::trim_copy(text); }

// git's %x1f-separated fields of one log line or record.
std::vector<std::string> fields_of(const std::string& record) {
  std::vector<std::string> fields;
  boost::algorithm::split(fields, trimmed(record), [](char c) { return c == '\x1f'; });
  return fields;
}

}  // namespace

GitOpsAdapter::GitOpsAdapter(const config::Service& service, const config::Tools& tools, std::filesystem::path clone,
                             std::unique_ptr<Reconciler> reconciler)
    : target_(service.gitops.value()),
      tools_(tools),
      clone_(std::move(clone)),
      timeout_(service.timeout),
      reconciler_(std::move(reconciler)) {}

GitOpsAdapter::~GitOpsAdapter() = default;

Includes GitOpsAdapter::includes_fn() {
  return [this](std::string revision, std::string sha) { return includes(std::move(revision), std::move(sha)); };
}

std::vector<std::string> GitOpsAdapter::git(std::vector<std::string> args) const {
  args.insert(args.begin(), {tools_.git, "-C", clone_.string()});
  return args;
}

asio::awaitable<ProcessResult> GitOpsAdapter::run(std::vector<std::string> argv, std::chrono::milliseconds timeout) const {
  std::map<std::string, std::string> extra{{"GIT_TERMINAL_PROMPT", "0"},
                                           {"GIT_AUTHOR_NAME", target_.author_name},
                                           {"GIT_AUTHOR_EMAIL", target_.author_email},
                                           {"GIT_COMMITTER_NAME", target_.author_name},
                                           {"GIT_COMMITTER_EMAIL", target_.author_email}};
  if (!target_.ssh_key_file.empty())
    extra["GIT_SSH_COMMAND"] = "ssh -i " + target_.ssh_key_file +
                               " -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new";
  if (!target_.token.empty()) {
    extra["GIT_CONFIG_COUNT"] = "1";
    extra["GIT_CONFIG_KEY_0"] = "http.extraHeader";
    extra["GIT_CONFIG_VALUE_0"] = "Authorization: Basic " + net::base64_encode("x-access-token:" + target_.token.reveal());
  }
  co_return co_await run_process({std::move(argv), tool::environment(tools_, std::move(extra)), timeout});
}

asio::awaitable<GitOpsAdapter::CloneHold> GitOpsAdapter::hold_clone() {
  std::optional<asio::steady_timer> wait;
  while (clone_busy_) {
    if (!wait) wait.emplace(co_await asio::this_coro::executor);
    wait->expires_after(std::chrono::milliseconds(20));
    co_await wait->async_wait(asio::use_awaitable);
  }
  clone_busy_ = true;
  co_return CloneHold(clone_busy_);
}

asio::awaitable<ProcessResult> GitOpsAdapter::sync() const {
  if (!std::filesystem::exists(clone_ / ".git")) {
    std::error_code ignored;
    std::filesystem::remove_all(clone_, ignored);  // a clone that never finished
    std::filesystem::create_directories(clone_.parent_path());
    co_return co_await run({tools_.git, "clone", "--branch", target_.branch, "--single-branch", "--", target_.repo,
                            clone_.string()},
                           timeout_);
  }
  co_await run(git({"remote", "set-url", "origin", target_.repo}));  // the configuration may have moved it
  const auto fetched = co_await run(git({"fetch", "--prune", "origin", target_.branch}), timeout_);
  if (!fetched.ok()) co_return fetched;
  co_await run(git({"revert", "--quit"}));  // a revert a killed process left half-done
  co_return co_await run(git({"reset", "--hard", remote_branch()}));
}

asio::awaitable<std::vector<GitOpsAdapter::Commit>> GitOpsAdapter::commits(const std::string& range, int limit) const {
  const auto listed = co_await run(git(
      {"log", "-n", std::to_string(limit), "--format=%H%x1f%h%x1f%s%x1f%an%x1f%cI%x1f%b%x1e", range, "--", target_.path}));
  static const std::regex reverts("This reverts commit ([0-9a-f]{40})");
  std::vector<Commit> out;
  std::istringstream records(listed.out);
  for (std::string record; std::getline(records, record, '\x1e');) {
    auto fields = fields_of(record);
    if (fields.size() < 5) continue;
    fields.resize(6);
    std::smatch match;
    out.push_back({fields[0], fields[1], fields[2], fields[3], fields[4],
                   std::regex_search(fields[5], match, reverts) ? match[1].str() : ""});
  }
  co_return out;
}

asio::awaitable<std::string> GitOpsAdapter::image_change(const std::string& sha) const {
  const auto shown = co_await run(git({"show", "--format=", "-U0", sha, "--", target_.path}));
  std::string before, after;
  std::istringstream lines(shown.out);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("image:");
    if (at == std::string::npos || line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0) continue;
    const auto value = trimmed(line.substr(at + 6));
    if (line.front() == '-' && before.empty()) before = value;
    if (line.front() == '+' && after.empty()) after = value;
  }
  if (before.empty() && after.empty()) co_return "";
  co_return "image: " + (before.empty() ? "(none)" : before) + " → " + (after.empty() ? "(none)" : after);
}

asio::awaitable<Plan> GitOpsAdapter::plan(std::optional<std::string> target_revision) {
  co_return co_await plan_of(std::move(target_revision), std::nullopt);
}

asio::awaitable<Plan> GitOpsAdapter::plan_undo(std::string change) {
  co_return co_await plan_of(std::nullopt, std::move(change));
}

asio::awaitable<Plan> GitOpsAdapter::plan_of(std::optional<std::string> target_revision, std::optional<std::string> registered) {
  const auto held = co_await hold_clone();
  Plan plan;
  plan.wait_argv = git({"push", "origin", "HEAD:refs/heads/" + target_.branch});
  if (ssh_url(target_.repo) && !target_.ssh_key_file.empty() &&
      !std::filesystem::is_regular_file(target_.ssh_key_file)) {
    plan.preflight.push_back({"repository reachable", false,
                              "the deploy key " + target_.ssh_key_file + " (gitops.ssh_key_file) cannot be read"});
    co_return plan;
  }
  const auto synced = co_await sync();
  plan.preflight.push_back({"repository reachable", synced.ok(),
                            synced.ok() ? "fetched " + target_.branch + " of " + target_.repo
                                        : "git could not fetch " + target_.branch + " of " + target_.repo + ": " +
                                              git_error(synced)});
  if (!synced.ok()) co_return plan;
  const auto recent = co_await commits(remote_branch(), 50);
  // What goes: the newest change under the path that no go-around undid yet (reverts and what
  // they reverted are skipped), or with --to every commit after the target.
  std::set<std::string> undone;
  for (const auto& c : recent)
    if (!c.reverts.empty()) undone.insert(c.reverts);
  auto bad = std::find_if(recent.begin(), recent.end(),
                                [&](const Commit& c) { return c.reverts.empty() && !undone.contains(c.sha); });
  if (bad == recent.end()) {
    plan.preflight.push_back({"commits under path", false,
                              "no change on " + target_.branch + " under " + target_.path + " is left to revert"});
    co_return plan;
  }
  std::vector<Commit> reverted{*bad};
  // CI named the bad change: that commit, while it is on the branch under the path and undone by
  // no one; newer changes there stay, and the card lists them.
  if (registered && !target_revision) {
    const auto named = std::find_if(recent.begin(), recent.end(), [&](const Commit& c) {
      return c.reverts.empty() && !undone.contains(c.sha) && c.sha.starts_with(boost::algorithm::to_lower_copy(*registered));
    });
    if (named == recent.end()) {
      // Not blocking, but for a person to weigh: the newest change may not be the bad one.
      plan.preflight.push_back({"registered commit", false,
                                "the deployment's commit " + registered->substr(0, 12) + " is not a change under " + target_.path +
                                    " on " + target_.branch + " left to revert: the newest one there is planned instead "
                                    "(choose --to SHA if that is not the bad change)",
                                true});
    } else {
      reverted = {*named};
      bad = named;
      std::string newer;
      for (auto c = recent.begin(); c != named; ++c)
        if (c->reverts.empty() && !undone.contains(c->sha)) newer += (newer.empty() ? "" : "; ") + c->short_sha + " " + c->subject;
      plan.preflight.push_back({"registered commit", true,
                                named->short_sha + " is the deployment CI registered" +
                                    (newer.empty() ? "" : "; newer changes under " + target_.path + " stay: " + newer +
                                                              " (choose --to SHA to revert them too)")});
    }
  }
  std::string target_sha;
  if (target_revision) {
    const auto resolved = co_await run(git({"rev-parse", "--verify", "--quiet", *target_revision + "^{commit}"}));
    const auto ancestor = co_await run(git({"merge-base", "--is-ancestor", trimmed(resolved.out), remote_branch()}));
    if (!resolved.ok() || !ancestor.ok()) {
      plan.preflight.push_back({"target on the branch", false,
                                "`" + *target_revision + "` is not a commit of " + target_.branch});
      co_return plan;
    }
    target_sha = trimmed(resolved.out);
    reverted = co_await commits(target_sha + ".." + remote_branch(), most_reverted);
    // A revert and the commit it reverted, both after the target, cancel out: neither goes again.
    std::set<std::string> in_range, paired;
    for (const auto& c : reverted) in_range.insert(c.sha);
    for (const auto& c : reverted)
      if (!c.reverts.empty() && in_range.contains(c.reverts)) paired.insert({c.sha, c.reverts});
    std::erase_if(reverted, [&](const Commit& c) { return paired.contains(c.sha); });
    if (reverted.size() == static_cast<std::size_t>(most_reverted)) {
      plan.preflight.push_back({"target within reach", false,
                                std::to_string(most_reverted) + " or more commits under " + target_.path + " since " +
                                    *target_revision + ": choose a nearer target, or revert by hand"});
      co_return plan;
    }
    if (reverted.empty()) {
      plan.preflight.push_back({"target differs from current", false,
                                "nothing under " + target_.path + " changed after " + *target_revision});
      co_return plan;
    }
  } else {
    const auto parent = co_await run(git({"rev-parse", "--verify", "--quiet", bad->sha + "^"}));
    if (!parent.ok()) {
      plan.preflight.push_back({"target differs from current", false,
                                bad->short_sha + " is the repository's first commit; nothing to go back to"});
      co_return plan;
    }
    target_sha = trimmed(parent.out);
  }
  const auto& newest = reverted.front();
  const auto target_subject = co_await run(git({"log", "-1", "--format=%h%x1f%s%x1f%cI", target_sha}));
  auto target_fields = fields_of(target_subject.out);
  target_fields.resize(3);
  const auto change = co_await image_change(newest.sha);
  const auto arrow = change.find(" → ");
  plan.current = {newest.short_sha, arrow == std::string::npos ? "" : "image: " + change.substr(arrow + 5),
                  newest.subject + " (" + newest.author + ")", newest.date};
  const auto oldest_change = co_await image_change(reverted.back().sha);
  plan.target = {target_fields[0],
                 oldest_change.empty() ? "" : oldest_change.substr(0, oldest_change.find(" → ")),
                 target_fields[1], target_fields[2]};
  std::vector<std::string> revert{"revert", "--no-commit"};
  for (const auto& c : reverted) revert.push_back(c.sha);  // newest first, as git reverts a range
  plan.argv = git(revert);

  std::string listed;
  for (const auto& c : reverted) listed += (listed.empty() ? "" : "; ") + c.short_sha + " " + c.subject;
  plan.preflight.push_back({"commits to revert", true, listed + (change.empty() ? "" : " (" + change + ")")});
  for (const auto& c : reverted) {
    const auto earlier = co_await run(git({"log", "-n", "1", "--format=%h", "--grep=This reverts commit " + c.sha, remote_branch()}));
    if (const auto by = trimmed(earlier.out); !by.empty()) {
      plan.preflight.push_back({"not reverted already", false, c.short_sha + " was reverted already by " + by});
      co_return plan;
    }
  }
  plan.preflight.push_back({"not reverted already", true, "no revert of these commits on " + target_.branch});
  // Tried in the clone and undone: a revert that conflicts is refused here, before anyone confirms.
  const auto tried = co_await run(plan.argv);
  std::string conflicts;
  if (!tried.ok()) conflicts = trimmed((co_await run(git({"diff", "--name-only", "--diff-filter=U"}))).out);
  co_await run(git({"revert", "--abort"}));
  co_await run(git({"reset", "--hard", remote_branch()}));
  plan.preflight.push_back(
      {"revert applies cleanly", tried.ok(),
       tried.ok() ? "the revert applies to " + target_.branch + " at " + recent.front().short_sha
                  : "the revert conflicts with later changes" +
                        (conflicts.empty() ? ": " + git_error(tried) : " in " + conflicts) +
                        "; revert by hand, or choose --to"});
  if (reconciler_) {
    auto reachable = co_await reconciler_->reachable();
    plan.preflight.push_back({"reconciled by", reachable.passed,
                              reconciler_->describe() + (reachable.passed ? "" : "; but " + reachable.detail)});
  }
  co_return plan;
}

asio::awaitable<Outcome> GitOpsAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  const auto report = [&](const std::string& detail) { on_progress({0, 0, 0, 0, detail}); };
  if (plan.argv.size() <= first_sha) {
    Outcome refused;
    refused.failure = Failure::revision_missing;
    refused.message = "the plan names no commit to revert";
    co_return refused;
  }
  const auto held = co_await hold_clone();
  std::string tail;
  const auto subject = plan.current.change_cause.substr(0, plan.current.change_cause.rfind(" ("));
  std::string message = "Revert \"" + subject + "\"\n\nGo-around: " + plan.intent + ".\n";
  for (auto sha = plan.argv.begin() + first_sha; sha != plan.argv.end(); ++sha) message += "\nThis reverts commit " + *sha + ".";
  for (int attempt = 1;; ++attempt) {
    // Always on the remote's tip: the branch may have moved since the plan.
    const auto synced = co_await sync();
    if (!synced.ok()) co_return tool::failed(synced, classify_git_failure(synced), git_error(synced), synced.tail());
    const auto reverted = co_await run(plan.argv);
    tail += reverted.tail();
    if (!reverted.ok()) {
      co_await run(git({"revert", "--abort"}));
      co_return tool::failed(reverted, Failure::tool_failed,
                             "the revert no longer applies to " + target_.branch + ": " + git_error(reverted), tail);
    }
    const auto committed = co_await run(git({"commit", "--no-verify", "-m", message}));
    tail += "\n" + committed.tail();
    if (!committed.ok())
      co_return tool::failed(committed, Failure::tool_failed, git_error(committed), tail);
    const auto head = trimmed((co_await run(git({"rev-parse", "--short", "HEAD"}))).out);
    report("committed " + head + " on " + target_.branch + "; pushing");
    const auto pushed = co_await run(plan.wait_argv, timeout_);
    tail += "\n" + pushed.tail();
    if (pushed.ok()) {
      Outcome outcome;
      outcome.exit_code = 0;
      outcome.message = "pushed revert " + head + " to " + target_.branch + " of " + target_.repo;
      outcome.output_tail = tail;
      if (!reconciler_) co_return outcome;
      const auto revert = trimmed((co_await run(git({"rev-parse", "HEAD"}))).out);
      auto reconciled = co_await reconciler_->follow(revert, includes_fn(), on_progress);
      reconciled.output_tail = tail + "\n" + reconciled.output_tail;
      // The revert is on the branch either way: say so first.
      reconciled.message = outcome.message + (reconciled.ok() ? "; " : ", but ") + reconciled.message;
      co_return reconciled;
    }
    if (!push_rejected_as_stale(pushed) || attempt == push_attempts)
      co_return tool::failed(pushed, classify_git_failure(pushed), git_error(pushed), tail);
    report(target_.branch + " moved while pushing; replaying the revert on its new tip");
  }
}

asio::awaitable<bool> GitOpsAdapter::includes(std::string revision, std::string sha) {
  // What a controller reports goes to git's command line: only a commit SHA may.
  static const std::regex commit("[0-9a-f]{7,64}");
  if (!std::regex_match(revision, commit) || !std::regex_match(sha, commit)) co_return false;
  // The controller may have applied a commit pushed after ours: fetch it first.
  if (!(co_await run(git({"cat-file", "-e", revision + "^{commit}"}))).ok())
    co_await run(git({"fetch", "--prune", "origin", target_.branch}), timeout_);
  co_return (co_await run(git({"merge-base", "--is-ancestor", sha, revision}))).ok();
}

asio::awaitable<Verification> GitOpsAdapter::verify(const Plan& plan) {
  Verification v;
  const auto held = co_await hold_clone();
  const auto fetched = co_await run(git({"fetch", "--prune", "origin", target_.branch}), timeout_);
  if (!fetched.ok()) {
    v.checks.push_back({"repository reachable", false, git_error(fetched)});
    co_return v;
  }
  const auto bad = plan.argv.size() > first_sha ? plan.argv[first_sha] : "";
  const auto revert = bad.empty() ? ProcessResult{}
                                  : co_await run(git({"log", "-n", "1", "--format=%H%x1f%h %s",
                                                      "--grep=This reverts commit " + bad, remote_branch()}));
  const auto found = fields_of(trimmed(revert.out));
  const bool reverted = found.size() == 2;
  v.checks.push_back({"revert on the branch", reverted,
                      !reverted ? "no commit on " + target_.branch + " reverts " + bad.substr(0, 7)
                                : target_.branch + " has " + found[1]});
  // As the revert left it: the target's state when the newest changes went, the target's with
  // the newer changes kept when CI's registered commit went alone.
  const auto same = reverted ? co_await run(git({"diff", "--quiet", found[0], remote_branch(), "--", target_.path}))
                             : ProcessResult{};
  v.checks.push_back({"path as the revert left it", reverted && same.ok(),
                      reverted && same.ok() ? target_.path + " on " + target_.branch + " is as the revert left it"
                                            : target_.path + " on " + target_.branch + " differs from the revert" +
                                                  (reverted ? " (changed again since?)" : "")});
  v.passed = reverted && same.ok();
  if (reconciler_ && reverted) {
    for (auto& check : co_await reconciler_->checks(found[0], includes_fn())) {
      v.passed = v.passed && check.passed;
      v.checks.push_back(std::move(check));
    }
  }
  co_return v;
}

asio::awaitable<History> GitOpsAdapter::history() {
  const auto held = co_await hold_clone();
  History history;
  const auto synced = co_await sync();
  if (!synced.ok()) {
    history.problem = git_error(synced);
    co_return history;
  }
  for (const auto& c : co_await commits(remote_branch(), 10)) {
    const auto change = co_await image_change(c.sha);
    const auto arrow = change.find(" → ");
    history.revisions.push_back(
        {c.short_sha, arrow == std::string::npos ? "" : "image: " + change.substr(arrow + 5), c.subject, c.date});
  }
  if (!history.revisions.empty()) history.live = history.revisions.front().number;
  co_return history;
}

}  // namespace goaround::exec
