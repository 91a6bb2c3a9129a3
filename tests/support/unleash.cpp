#include "support/unleash.hpp"

#include <boost/json.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include "goaround/model/json_path.hpp"
#include "support/http_call.hpp"

namespace goaround::testing {
namespace http = boost::beast::http;
namespace json = boost::json;

Unleash Unleash::shared() {
  std::ifstream url_file(std::string(GOAROUND_UNLEASH_STATE) + "/url"), token_file(std::string(GOAROUND_UNLEASH_STATE) + "/token");
  std::string url, token;
  if (!(url_file >> url) || !(token_file >> token))
    throw std::runtime_error(std::string("no test Unleash runs: ctest starts one (fixture `unleash`); by hand: bash "
                                         "tests/support/unleash.sh start ") +
                             GOAROUND_UNLEASH_STATE + " " + GOAROUND_PG_STATE);
  return Unleash(url, token);
}

Unleash::Unleash(std::string url, std::string token) : url_(std::move(url)), token_(std::move(token)) {
  port_ = static_cast<unsigned short>(std::stoi(url_.substr(url_.rfind(':') + 1)));
}

std::string Unleash::fresh_key(const std::string& name) {
  static std::atomic<int> made{0};
  return name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
}

std::string Unleash::new_flag(const std::string& name, const std::optional<std::string>& on_in) const {
  auto key = fresh_key(name);
  create_flag(key, on_in);
  return key;
}

void Unleash::create_flag(const std::string& key, const std::optional<std::string>& on_in) const {
  const std::vector<std::pair<std::string, std::string>> headers{{"Authorization", token_},
                                                                 {"Content-Type", "application/json"}};
  const auto created = http_call(port_, http::verb::post, "/api/admin/projects/default/features",
                                 json::serialize(json::object{{"name", key}}), headers);
  if (created.status != 201) throw std::runtime_error("Unleash did not create " + key + ": " + created.body);
  if (!on_in) return;
  const auto on = http_call(port_, http::verb::post,
                            "/api/admin/projects/default/features/" + key + "/environments/" + *on_in + "/on", "", headers);
  if (on.status != 200) throw std::runtime_error("Unleash did not turn " + key + " on: " + on.body);
}

std::optional<bool> Unleash::enabled(const std::string& key, const std::string& environment) const {
  const auto read = http_call(port_, http::verb::get, "/api/admin/projects/default/features/" + key, "",
                              {{"Authorization", token_}});
  if (read.status != 200) return std::nullopt;
  const auto flag = json::parse(read.body);
  for (const auto& e : flag.at("environments").as_array())
    if (model::text_at(e, {"name"}) == environment) return e.at("enabled").as_bool();
  return std::nullopt;
}

std::string Unleash::disabled_by(const std::string& key) const {
  const auto read = http_call(port_, http::verb::get, "/api/admin/events/" + key, "", {{"Authorization", token_}});
  if (read.status != 200) throw std::runtime_error("Unleash's events for " + key + ": " + std::to_string(read.status));
  const auto events = json::parse(read.body);
  // Newest first.
  for (const auto& e : events.at("events").as_array())
    if (model::text_at(e, {"type"}) == "feature-environment-disabled") return model::text_at(e, {"createdBy"});
  return "";
}

}  // namespace goaround::testing
