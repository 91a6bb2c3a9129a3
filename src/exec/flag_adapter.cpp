#include "goaround/exec/flag_adapter.hpp"

#include <boost/json.hpp>


#include "goaround/model/json_path.hpp"

namespace goaround::exec {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr auto api_timeout = std::chrono::seconds(10);
constexpr std::size_t most_said = 300;  // of an error answer's body, in a check or outcome

bool launchdarkly(const config::FlagsTarget& flags) { return flags.provider == config::FlagProvider::launchdarkly; }

std::string provider_name(const config::FlagsTarget& flags) {
  return launchdarkly(flags) ? "LaunchDarkly" : "Unleash";
}

std::string answer_text(const net::HttpResponse& response) {
  auto body = response.body.substr(0, most_said);
  for (auto& c : body)
    if (c == '\n' || c == '\r') c = ' ';
  return "answered " + std::to_string(*response.status) + (body.empty() ? "" : ": " + body);
}

Failure failure_of(int status) {
  if (status == 401 || status == 403) return Failure::forbidden;
  if (status == 404) return Failure::not_found;
  return Failure::tool_failed;
}

}  // namespace

FlagAdapter::FlagAdapter(config::FlagsTarget flags) : flags_(std::move(flags)) {}

bool FlagAdapter::valid_key(std::string_view key) { return config::is_flag_key(key); }

std::string FlagAdapter::flag_url(const std::string& key) const {
  return launchdarkly(flags_) ? flags_.url + "/api/v2/flags/" + flags_.project + "/" + key
                              : flags_.url + "/api/admin/projects/" + flags_.project + "/features/" + key;
}

net::HttpRequest FlagAdapter::request(std::string method, std::string url, std::string body) const {
  net::HttpRequest out{std::move(method), std::move(url), {}, std::move(body), api_timeout};
  // Both providers take the token as it is, without a scheme.
  out.headers.emplace_back("Authorization", flags_.token.reveal());
  out.headers.emplace_back("Accept", "application/json");
  if (!out.body.empty())
    out.headers.emplace_back("Content-Type", launchdarkly(flags_)
                                                 ? "application/json; domain-model=launchdarkly.semanticpatch"
                                                 : "application/json");
  return out;
}

asio::awaitable<FlagAdapter::State> FlagAdapter::read(const std::string& key) const {
  State state;
  const auto url = launchdarkly(flags_) ? flag_url(key) + "?env=" + flags_.environment : flag_url(key);
  const auto response = co_await net::http_request(request("GET", url));
  if (!response.status) {
    state.problem = provider_name(flags_) + " at " + flags_.url + " did not answer: " + response.error;
    co_return state;
  }
  if (*response.status == 404) {
    state.answered = true;
    co_return state;
  }
  if (*response.status == 401 || *response.status == 403) {
    state.problem = provider_name(flags_) + " refused the token (" + std::to_string(*response.status) +
                    "): it needs an admin token that may read and change flags in project " + flags_.project;
    co_return state;
  }
  boost::system::error_code ec;
  const auto body = json::parse(response.body, ec);
  if (*response.status != 200 || ec || !body.is_object()) {
    state.problem = provider_name(flags_) + " " + answer_text(response);
    co_return state;
  }
  state.answered = true;
  state.exists = true;
  if (launchdarkly(flags_)) {
    const auto* environment = model::at(body, {"environments", flags_.environment});
    if (!environment) {
      state.problem = "LaunchDarkly has no environment `" + flags_.environment + "` for flag " + key;
      state.answered = false;
      co_return state;
    }
    const auto* on = model::at(*environment, {"on"});
    state.on = on && on->is_bool() && on->get_bool();
    co_return state;
  }
  const auto* environments = model::at(body, {"environments"});
  if (environments && environments->is_array())
    for (const auto& e : environments->get_array())
      if (model::text_at(e, {"name"}) == flags_.environment) {
        const auto* enabled = model::at(e, {"enabled"});
        state.on = enabled && enabled->is_bool() && enabled->get_bool();
        co_return state;
      }
  state.answered = false;
  state.problem = "Unleash has no environment `" + flags_.environment + "` for flag " + key + " in project " +
                  flags_.project;
  co_return state;
}

asio::awaitable<Plan> FlagAdapter::plan(std::optional<std::string> flag) {
  Plan plan;
  plan.route = "flag";
  plan.current = {"on", "", "", ""};
  plan.target = {"off", "", "", ""};
  if (!flag || !valid_key(*flag)) {
    plan.preflight.push_back({"flag named", false, "name the flag: --flag KEY (letters, digits, '.', '_', '~', '-')"});
    co_return plan;
  }
  plan.flag = *flag;
  if (launchdarkly(flags_)) {
    const json::object patch{{"environmentKey", flags_.environment},
                             {"instructions", json::array{json::object{{"kind", "turnFlagOff"}}}}};
    plan.argv = {"PATCH", flag_url(*flag), json::serialize(patch)};
  } else {
    plan.argv = {"POST", flag_url(*flag) + "/environments/" + flags_.environment + "/off"};
  }
  const auto state = co_await read(*flag);
  const auto where = provider_name(flags_) + " project " + flags_.project;
  plan.preflight.push_back({"flag API reachable", state.answered, state.answered ? flags_.url + " answered with the token" : state.problem});
  if (!state.answered) co_return plan;
  plan.preflight.push_back({"flag exists", state.exists,
                            state.exists ? *flag + " in " + where : "no flag " + *flag + " in " + where});
  if (!state.exists) co_return plan;
  plan.preflight.push_back({"flag is on", state.on,
                            state.on ? "on in " + flags_.environment
                                     : "already off in " + flags_.environment + ": turning it off would change nothing"});
  if (!state.on) plan.current.number = "off";
  co_return plan;
}

asio::awaitable<Outcome> FlagAdapter::execute(const Plan& plan, ProgressFn on_progress) {
  Outcome outcome;
  if (plan.argv.size() < 2) {
    outcome.failure = Failure::tool_failed;
    outcome.message = "the plan has no API call";
    co_return outcome;
  }
  on_progress({0, 0, 0, 0, "turning flag " + plan.flag + " off in " + flags_.environment});
  auto call = request(plan.argv[0], plan.argv[1], plan.argv.size() > 2 ? plan.argv[2] : "");
  // LaunchDarkly keeps a comment with the change: who called the go-around and why.
  if (launchdarkly(flags_) && !plan.intent.empty()) {
    boost::system::error_code ec;
    auto body = json::parse(call.body, ec);
    if (!ec && body.is_object()) {
      body.get_object()["comment"] = plan.intent;
      call.body = json::serialize(body);
    }
  }
  const auto response = co_await net::http_request(std::move(call));
  if (!response.status) {
    outcome.failure = response.error.find("timed out") != std::string::npos ? Failure::timeout : Failure::tool_failed;
    outcome.message = provider_name(flags_) + " did not answer: " + response.error;
    co_return outcome;
  }
  outcome.exit_code = *response.status;
  if (*response.status >= 200 && *response.status < 300) {
    outcome.message = provider_name(flags_) + " turned " + plan.flag + " off in " + flags_.environment;
    co_return outcome;
  }
  outcome.failure = failure_of(*response.status);
  outcome.message = provider_name(flags_) + " " + answer_text(response);
  outcome.output_tail = response.body.substr(0, most_said);
  co_return outcome;
}

asio::awaitable<Verification> FlagAdapter::verify(const Plan& plan) {
  Verification verification;
  const auto state = co_await read(plan.flag);
  Check check{"flag " + plan.flag + " is off in " + flags_.environment, false, ""};
  if (!state.answered) check.detail = state.problem;
  else if (!state.exists) check.detail = "the flag is gone from " + provider_name(flags_);
  else {
    check.passed = !state.on;
    check.detail = state.on ? "read back: still on" : "read back: off";
  }
  verification.checks.push_back(std::move(check));
  verification.passed = verification.checks.back().passed;
  co_return verification;
}

asio::awaitable<History> FlagAdapter::history() {
  co_return History{{}, "", "a flag has no revisions"};
}

}  // namespace goaround::exec
