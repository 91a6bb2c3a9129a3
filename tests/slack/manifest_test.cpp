#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {

// The scope each Web API method needs (Slack's method pages).
const std::map<std::string, std::string> scope_of{
    {"chat.postMessage", "chat:write"},
    {"chat.update", "chat:write"},
    {"chat.postEphemeral", "chat:write"},
    {"files.getUploadURLExternal", "files:write"},
    {"files.completeUploadExternal", "files:write"},
    {"usergroups.users.list", "usergroups:read"},
    {"conversations.history", "channels:history"},
    {"reactions.add", "reactions:write"},
    {"pins.add", "pins:write"},
    {"views.open", ""},  // needs no scope: the trigger_id is the permission
};

// Every method name the bot's code passes to the Web API client.
std::set<std::string> methods_called() {
  std::set<std::string> methods;
  const std::regex call(R"re(call(?:_with)?\((?:[^,()]*,\s*)?"([a-zA-Z]+\.[a-zA-Z.]+)")re");
  for (const auto* folder : {"src", "commands"})
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(std::filesystem::path(GOAROUND_SOURCE_DIR) / folder)) {
      if (entry.path().extension() != ".cpp") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      const auto source = text.str();
      for (std::sregex_iterator it(source.begin(), source.end(), call), end; it != end; ++it)
        methods.insert((*it)[1].str());
    }
  return methods;
}

}  // namespace

TEST_CASE("every Web API method the code calls is covered by a scope the manifest declares") {
  const auto manifest = YAML::LoadFile(std::string(GOAROUND_SOURCE_DIR) + "/deploy/slack-app-manifest.yaml");
  std::set<std::string> declared;
  for (const auto& scope : manifest["oauth_config"]["scopes"]["bot"]) declared.insert(scope.as<std::string>());
  const auto methods = methods_called();
  REQUIRE(methods.count("chat.postMessage") == 1);  // the scan finds calls at all
  for (const auto& method : methods) {
    if (method == "apps.connections.open") continue;  // the app-level token's connections:write
    INFO(method);
    REQUIRE(scope_of.count(method) == 1);  // a new method needs its scope listed above
    if (!scope_of.at(method).empty()) CHECK(declared.count(scope_of.at(method)) == 1);
  }
}

TEST_CASE("the manifest turns on Socket Mode, interactivity, /rollback and the scribe's events") {
  const auto manifest = YAML::LoadFile(std::string(GOAROUND_SOURCE_DIR) + "/deploy/slack-app-manifest.yaml");
  CHECK(manifest["settings"]["socket_mode_enabled"].as<bool>());
  CHECK(manifest["settings"]["interactivity"]["is_enabled"].as<bool>());
  CHECK(manifest["features"]["slash_commands"][0]["command"].as<std::string>() == "/rollback");
  std::set<std::string> events;
  for (const auto& e : manifest["settings"]["event_subscriptions"]["bot_events"]) events.insert(e.as<std::string>());
  CHECK(events.count("reaction_added") == 1);
  CHECK(events.count("message.channels") == 1);
}
