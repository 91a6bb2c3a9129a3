#pragma once
// A LaunchDarkly REST API stand-in on loopback, for the flag go-around: it answers the two calls
// the bot makes as LaunchDarkly documents them (docs/flags.md) and refuses what LaunchDarkly
// would refuse, so a request that drifts from the documentation fails the test:
// - GET /api/v2/flags/{project}/{key}?env={env}: the flag with environments.{env}.on;
// - PATCH /api/v2/flags/{project}/{key}: only a semantic patch (Content-Type
//   `application/json; domain-model=launchdarkly.semanticpatch`) with `environmentKey` and
//   `instructions` of known kinds (turnFlagOn, turnFlagOff); 400 otherwise;
// - the API access token in Authorization as it is (no scheme); 401 otherwise; 404 for an
//   unknown project or flag.
// Served by LoopbackHttp; every request is kept for the test to read.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/loopback_http.hpp"

namespace goaround::testing {

class LaunchDarklyStandin {
 public:
  struct Seen {
    std::string method, target, authorization, content_type, body;
  };

  LaunchDarklyStandin(std::string project, std::string token)
      : project_(std::move(project)), token_(std::move(token)), server_([this](const LoopbackHttp::Request& r) {
          const auto [status, body] = answer(r);
          // A slow API: the change is made at once, its answer comes late (the server's one
          // thread answers nothing else meanwhile).
          if (r.method() == boost::beast::http::verb::patch) std::this_thread::sleep_for(patch_answer_delay_.load());
          return LoopbackHttp::Answer{status, body};
        }) {}
  void delay_patch_answers(std::chrono::milliseconds by) { patch_answer_delay_ = by; }
  std::string url() const { return server_.url(); }
  void set(const std::string& key, const std::string& environment, bool on) {
    std::lock_guard lock(mutex_);
    flags_[key][environment] = on;
  }
  std::optional<bool> on(const std::string& key, const std::string& environment) {
    std::lock_guard lock(mutex_);
    const auto flag = flags_.find(key);
    if (flag == flags_.end() || !flag->second.contains(environment)) return std::nullopt;
    return flag->second[environment];
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  static std::string error(const std::string& code, const std::string& message) {
    return boost::json::serialize(boost::json::object{{"code", code}, {"message", message}});
  }

  std::pair<int, std::string> answer(const boost::beast::http::request<boost::beast::http::string_body>& request) {
    namespace http = boost::beast::http;
    namespace json = boost::json;
    std::lock_guard lock(mutex_);
    seen_.push_back({std::string(request.method_string()), std::string(request.target()),
                     std::string(request[http::field::authorization]), std::string(request[http::field::content_type]),
                     request.body()});
    if (request[http::field::authorization] != token_) return {401, error("unauthorized", "Invalid access token")};
    const auto target = boost::urls::parse_origin_form(request.target());
    if (!target) return {400, error("invalid_request", "bad target")};
    const std::string prefix = "/api/v2/flags/" + project_ + "/";
    const std::string path(target->path());
    if (!path.starts_with(prefix)) return {404, error("not_found", "Unknown resource")};
    const auto key = path.substr(prefix.size());
    const auto flag = flags_.find(key);
    if (flag == flags_.end()) return {404, error("not_found", "Unknown flag")};
    if (request.method() == http::verb::get) {
      json::object environments;
      const auto env = target->params().find("env");
      for (const auto& [name, on] : flag->second)
        if (env == target->params().end() || (*env).value == name)
          environments[name] = json::object{{"on", on}, {"archived", false}, {"_environmentName", name}};
      return {200, json::serialize(json::object{{"key", key}, {"name", key}, {"kind", "boolean"},
                                                {"environments", environments}})};
    }
    if (request.method() != http::verb::patch) return {405, error("method_not_allowed", "Method not allowed")};
    // Without the domain model, LaunchDarkly reads the body as a JSON patch.
    if (request[http::field::content_type] != "application/json; domain-model=launchdarkly.semanticpatch")
      return {400, error("invalid_request", "expected a JSON patch array")};
    boost::system::error_code ec;
    const auto patch = json::parse(request.body(), ec);
    const auto* instructions = !ec && patch.is_object() ? patch.as_object().if_contains("instructions") : nullptr;
    const auto* environment = !ec && patch.is_object() ? patch.as_object().if_contains("environmentKey") : nullptr;
    if (!instructions || !instructions->is_array() || instructions->as_array().empty())
      return {400, error("invalid_request", "instructions is required")};
    if (!environment || !environment->is_string() || !flag->second.contains(std::string(environment->as_string())))
      return {400, error("invalid_request", "environmentKey is required and must name an environment")};
    for (const auto& instruction : instructions->as_array()) {
      const auto* kind = instruction.is_object() ? instruction.as_object().if_contains("kind") : nullptr;
      if (!kind || !kind->is_string() || (kind->as_string() != "turnFlagOff" && kind->as_string() != "turnFlagOn"))
        return {400, error("invalid_request", "unknown instruction kind")};
      flag->second[std::string(environment->as_string())] = kind->as_string() == "turnFlagOn";
    }
    return {200, json::serialize(json::object{{"key", key}})};
  }

  std::string project_, token_;
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, bool>> flags_;
  std::vector<Seen> seen_;
  std::atomic<std::chrono::milliseconds> patch_answer_delay_{std::chrono::milliseconds(0)};
  LoopbackHttp server_;  // last: it stops before what its handler reads goes
};

}  // namespace goaround::testing
