#pragma once
#include "goaround/exec/adapter.hpp"
#include "goaround/net/http_client.hpp"

namespace goaround::exec {

// The go-around for a flag-only change: turn the flag off, through the provider's admin API.
// - plan(flag): reads the flag; pre-flight says the API answered with the token, the flag
//   exists and it is on in the environment. The plan's argv is the exact call (method, URL and,
//   for LaunchDarkly, the body); the token goes in a header and is never shown.
// - execute: that call, as planned.
// - verify: reads the flag back; it must be off.
// Unleash: POST /api/admin/projects/{project}/features/{key}/environments/{env}/off, read back
// from GET /api/admin/projects/{project}/features/{key}. LaunchDarkly: PATCH
// /api/v2/flags/{project}/{key} with the semantic patch `turnFlagOff`, read back from
// GET /api/v2/flags/{project}/{key}?env={env}. docs/flags.md has what each answers.
class FlagAdapter final : public Adapter {
 public:
  explicit FlagAdapter(config::FlagsTarget flags);

  // `flag`: the key of the flag to turn off (the plan refuses without one).
  boost::asio::awaitable<Plan> plan(std::optional<std::string> flag) override;
  boost::asio::awaitable<Outcome> execute(const Plan& plan, ProgressFn on_progress) override;
  boost::asio::awaitable<Verification> verify(const Plan& plan) override;
  // A flag has no revisions: says so.
  boost::asio::awaitable<History> history() override;

  // Whether a key can be sent to the provider as typed (it goes into the URL's path).
  static bool valid_key(std::string_view key);

 private:
  struct State {
    bool answered = false;  // the API answered with the flag, or said there is none
    bool exists = false;
    bool on = false;
    std::string problem;  // why it could not be read
  };
  boost::asio::awaitable<State> read(const std::string& key) const;
  std::string flag_url(const std::string& key) const;
  net::HttpRequest request(std::string method, std::string url, std::string body = "") const;

  config::FlagsTarget flags_;
};

}  // namespace goaround::exec
