#include "goaround/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <boost/url/parse.hpp>

#include "goaround/resources/embedded.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::config {

std::string_view to_string(AdapterKind kind) {
  switch (kind) {
    case AdapterKind::kubectl: return "kubectl";
    case AdapterKind::helm: return "helm";
    case AdapterKind::argocd: return "argocd";
    case AdapterKind::gitops: return "gitops";
    case AdapterKind::argo_rollouts: return "argo-rollouts";
    case AdapterKind::sim: return "sim";
  }
  return "unknown";
}

std::string_view to_string(FlagProvider provider) {
  return provider == FlagProvider::launchdarkly ? "launchdarkly" : "unleash";
}

std::string_view to_string(Comparison comparison) {
  return comparison == Comparison::greater_than ? "greater_than" : "less_than";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::auto_rollback: return "auto_rollback";
    case Severity::page_and_suggest: return "page_and_suggest";
    case Severity::log_only: return "log_only";
  }
  return "unknown";
}

std::string drill_name(std::string_view service) { return std::string(service) + " (drill)"; }

const Service* Services::find(std::string_view name) const {
  for (const auto& s : *this) {
    if (s.name == name) return &s;
    if (s.drill && s.drill->name == name) return s.drill.get();
  }
  return nullptr;
}

std::vector<std::string> Services::names() const {
  std::vector<std::string> names;
  for (const auto& s : *this) names.push_back(s.name);
  return names;
}

std::string describe(const Problem& problem, std::string_view origin) {
  std::ostringstream out;
  out << origin;
  if (problem.line > 0) out << ':' << problem.line << ':' << problem.column;
  out << ": " << problem.message;
  return out.str();
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
  };
}

const std::vector<std::string_view> reserved_names{
    "note",   "timeline", "status", "close",  "action",  "debrief",   "help",   "brief",
    "freeze", "decide",   "serve",  "unfreeze", "all",   "history", "incidents", "reject",
    "accept", "drill"};

bool is_flag_key(std::string_view key) {
  static const std::regex pattern(R"([A-Za-z0-9][A-Za-z0-9._~-]{0,99})");
  return std::regex_match(key.begin(), key.end(), pattern);
}

bool is_dns_label(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string secret_variable(const Secret& secret) {
  const auto& source = secret.source();
  if (source.size() > 3 && source.starts_with("${") && source.back() == '}')
    return source.substr(2, source.size() - 3);
  return {};
}

namespace {

// Edits (insert, delete, substitute, swap neighbours) between two short words: a typo is one or
// two of them.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The variable a person would name for a secret: SLACK_APP_TOKEN, GOAROUND_HTTP_TOKEN,
// ARGOCD_AUTH_TOKEN (the names the example configuration uses).
std::string suggested_variable(std::string_view where, std::string_view key) {
  auto section = where.substr(where.rfind('.') == std::string_view::npos ? 0 : where.rfind('.') + 1);
  return (section == "http" ? std::string("GOAROUND_HTTP") : upper(section)) + "_" + upper(key);
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

bool executable_on_path(const std::string& tool, const std::optional<std::string>& path) {
  namespace fs = std::filesystem;
  const auto runnable = [](const fs::path& p) {
    std::error_code ec;
    const auto status = fs::status(p, ec);
    return !ec && fs::is_regular_file(status) &&
           (status.permissions() & (fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec)) != fs::perms::none;
  };
  if (tool.find('/') != std::string::npos) return runnable(tool);
  const auto search = path.value_or("");  // owned here: a view of value_or's temporary would dangle
  std::string_view dirs = search;
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    if (!dir.empty() && runnable(fs::path(dir) / tool)) return true;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return false;
}

// Walks the YAML tree once, recording problems with positions instead of throwing.
class Validator {
 public:
  explicit Validator(const EnvLookup& env) : env_(env) {}

  std::vector<Problem> problems;
  std::vector<Problem> warnings;

  static Problem at(const YAML::Node& node, std::string message) {
    const auto mark = node.Mark();
    return {mark.line + 1, mark.column + 1, std::move(message)};
  }
  void problem(const YAML::Node& node, std::string message) { problems.push_back(at(node, std::move(message))); }
  void warning(const YAML::Node& node, std::string message) { warnings.push_back(at(node, std::move(message))); }

  // Reports keys of `map` not in `known`; returns false when `map` is not a mapping.
  bool expect_map(const YAML::Node& map, std::string_view where,
                  std::initializer_list<std::string_view> known) {
    if (!map.IsMap()) {
      problem(map, std::string(where) + " must be a mapping");
      return false;
    }
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) {
        problem(entry.first, "keys in " + std::string(where) + " must be plain names");
        continue;
      }
      const auto key = entry.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        const auto near = std::min_element(known.begin(), known.end(), [&](auto a, auto b) {
          return edit_distance(key, a) < edit_distance(key, b);
        });
        if (near != known.end() && edit_distance(key, *near) <= 2 && key.size() > 2) {
          problem(entry.first, "unknown key `" + key + "` in " + std::string(where) +
                                   ": did you mean `" + std::string(*near) + "`?");
          continue;
        }
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        problem(entry.first, "unknown key `" + key + "` in " + std::string(where) +
                                 " (known: " + list + ")");
      }
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& map, const char* key, std::string_view where,
                                    bool required) {
    const auto node = map[key];
    if (!node) {
      if (required) problem(map, std::string(where) + "." + key + " is required");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      problem(node, std::string(where) + "." + key + " must be a single value");
      return std::nullopt;
    }
    return node.as<std::string>();
  }

  std::optional<std::chrono::milliseconds> duration(const YAML::Node& map, const char* key,
                                                    std::string_view where) {
    const auto text = scalar(map, key, where, false);
    if (!text) return std::nullopt;
    auto parsed = time::parse_duration(*text);
    if (!parsed) {
      problem(map[key], std::string(where) + "." + key + ": `" + *text +
                            "` is not a duration (examples: 500ms, 30s, 15m, 1h)");
      return std::nullopt;
    }
    if (parsed->count() == 0) {
      problem(map[key], std::string(where) + "." + key + " must be longer than 0");
      return std::nullopt;
    }
    return parsed;
  }

  std::optional<int> integer(const YAML::Node& map, const char* key, std::string_view where,
                             int minimum) {
    const auto text = scalar(map, key, where, false);
    if (!text) return std::nullopt;
    try {
      std::size_t used = 0;
      const int value = std::stoi(*text, &used);
      if (used == text->size() && value >= minimum) return value;
    } catch (const std::exception&) {
    }
    problem(map[key], std::string(where) + "." + key + " must be a whole number >= " +
                          std::to_string(minimum));
    return std::nullopt;
  }

  std::vector<std::string> strings(const YAML::Node& map, const char* key,
                                   std::string_view where) {
    std::vector<std::string> out;
    const auto node = map[key];
    if (!node) return out;
    if (!node.IsSequence()) {
      problem(node, std::string(where) + "." + key + " must be a list");
      return out;
    }
    for (const auto& item : node) {
      if (item.IsScalar()) out.push_back(item.as<std::string>());
      else problem(item, std::string(where) + "." + key + " entries must be single values");
    }
    return out;
  }

  // A secret is `${ENV_NAME}` under `key`, or a file path under `key_file`; never a literal.
  Secret secret(const YAML::Node& map, const std::string& key, std::string_view where) {
    const auto file_key = key + "_file";
    const auto inline_node = map[key];
    const auto file_node = map[file_key];
    const auto full = std::string(where) + "." + key;
    if (inline_node && file_node) {
      problem(file_node, "give " + full + " or " + full + "_file, not both");
      return {};
    }
    if ((file_node && !file_node.IsScalar()) || (inline_node && !inline_node.IsScalar())) {
      problem(file_node ? file_node : inline_node, full + " must be a single value");
      return {};
    }
    if (file_node) {
      const auto path = file_node.as<std::string>();
      std::ifstream in(path);
      if (!in) {
        problem(file_node, full + "_file: cannot read `" + path + "`");
        return {};
      }
      std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.pop_back();
      return Secret(std::move(value), path);
    }
    if (!inline_node) return {};
    const auto text = inline_node.as<std::string>();
    static const std::regex reference(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
    std::smatch match;
    if (!std::regex_match(text, match, reference)) {
      problem(inline_node, full + " must be an environment reference like ${" +
                               suggested_variable(where, key) + "} or a file under " + full +
                               "_file; secrets are never written inline");
      return {};
    }
    return Secret(env_(match[1].str()).value_or(""), text);
  }

  Config config(const YAML::Node& root) {
    Config cfg;
    if (root.IsNull()) {
      problems.push_back({0, 0, "the configuration is empty; it needs at least `services`"});
      return cfg;
    }
    if (!expect_map(root, "the configuration",
                    {"data_dir", "store", "templates_dir", "slack", "log", "tools", "prometheus", "http",
                     "freeze_until_debrief", "execution_lease", "leader_lease", "services", "registries"}))
      return cfg;
    if (const auto registries = root["registries"]) {
      if (!registries.IsSequence()) problem(registries, "registries must be a list of { host, auth_file, ca_file, insecure }");
      else
        for (std::size_t i = 0; i < registries.size(); ++i) {
          const auto node = registries[i];
          const auto where = "registries[" + std::to_string(i) + "]";
          if (!expect_map(node, where, {"host", "auth_file", "ca_file", "insecure"})) continue;
          Registry r;
          r.host = scalar(node, "host", where, true).value_or("");
          static const std::regex host(R"([A-Za-z0-9.-]+(:[0-9]+)?)");
          if (!r.host.empty() && !std::regex_match(r.host, host))
            problem(node["host"], where + ".host `" + r.host + "` must be a host as images name it, e.g. registry.example.com:5000");
          for (const auto& [key, field] : {std::pair{"auth_file", &r.auth_file}, std::pair{"ca_file", &r.ca_file}}) {
            *field = scalar(node, key, where, false).value_or("");
            if (!field->empty() && !std::filesystem::is_regular_file(*field))
              warning(node[key], where + "." + key + " `" + *field + "` does not exist (yet): the runway check would warn");
          }
          r.insecure = boolean(node, "insecure", where).value_or(false);
          if (r.insecure && !r.ca_file.empty()) problem(node["ca_file"], where + ": a CA file means TLS; remove insecure");
          cfg.registries.push_back(std::move(r));
        }
    }
    if (const auto tools = root["tools"]) {
      if (expect_map(tools, "tools", {"kubectl", "helm", "argocd", "argo_rollouts", "git", "kubeconfig",
                                      "kube_cache_dir", "environment"})) {
        auto& t = cfg.tools;
        for (auto [key, field] : {std::pair{"kubectl", &t.kubectl}, std::pair{"helm", &t.helm},
                                  std::pair{"argocd", &t.argocd},
                                  std::pair{"argo_rollouts", &t.argo_rollouts}, std::pair{"git", &t.git},
                                  std::pair{"kubeconfig", &t.kubeconfig},
                                  std::pair{"kube_cache_dir", &t.kube_cache_dir}})
          if (auto v = scalar(tools, key, "tools", false)) *field = *v;
        if (const auto environment = tools["environment"];
            environment && expect_map(environment, "tools.environment", {"inherit", "pass"})) {
          t.environment.inherit = boolean(environment, "inherit", "tools.environment").value_or(true);
          t.environment.pass = strings(environment, "pass", "tools.environment");
          static const std::regex variable("[A-Za-z_][A-Za-z0-9_]*");
          for (const auto& name : t.environment.pass)
            if (!std::regex_match(name, variable))
              problem(environment["pass"], "tools.environment.pass: `" + name + "` is not a variable name");
          if (t.environment.inherit && !t.environment.pass.empty())
            problem(environment["pass"], "tools.environment.pass only applies with inherit: false "
                                         "(inheriting already hands every variable down)");
        }
      }
    }
    if (const auto prometheus = root["prometheus"]) {
      if (expect_map(prometheus, "prometheus", {"url", "poll_interval"})) {
        cfg.prometheus.url = url(prometheus, "url", "prometheus", true).value_or("");
        if (auto v = duration(prometheus, "poll_interval", "prometheus")) cfg.prometheus.poll_interval = *v;
      }
    }
    if (const auto http = root["http"]) {
      if (expect_map(http, "http", {"listen", "token", "token_file", "max_connections"})) {
        if (auto v = integer(http, "max_connections", "http", 1)) cfg.http.max_connections = *v;
        const auto listen = scalar(http, "listen", "http", false).value_or("127.0.0.1:8080");
        const auto colon = listen.rfind(':');
        int port = -1;
        try {
          std::size_t used = 0;
          if (colon != std::string::npos) port = std::stoi(listen.substr(colon + 1), &used);
          if (used != listen.size() - colon - 1) port = -1;
        } catch (const std::exception&) {
        }
        if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535)
          problem(http["listen"] ? http["listen"] : http, "http.listen must be host:port, e.g. 127.0.0.1:8080");
        else {
          cfg.http.host = listen.substr(0, colon);
          cfg.http.port = static_cast<unsigned short>(port);
        }
        cfg.http.token = secret(http, "token", "http");
      }
    }
    if (auto v = boolean(root, "freeze_until_debrief", "config")) cfg.freeze_until_debrief = *v;
    if (auto v = duration(root, "execution_lease", "config")) {
      if (*v >= std::chrono::seconds(1)) cfg.execution_lease = *v;
      else problem(root["execution_lease"], "execution_lease must be at least 1s (the heartbeat renews every fifth of it)");
    }
    if (auto v = duration(root, "leader_lease", "config")) {
      if (*v >= std::chrono::seconds(1)) cfg.leader_lease = *v;
      else problem(root["leader_lease"], "leader_lease must be at least 1s (it is renewed every quarter of it)");
    }
    if (auto dir = scalar(root, "data_dir", "config", false)) cfg.data_dir = *dir;
    if (const auto store = root["store"]) {
      if (expect_map(store, "store", {"url", "password", "password_file"})) cfg.store = database(store);
    }
    if (auto dir = scalar(root, "templates_dir", "config", false)) {
      if (std::filesystem::is_directory(*dir)) cfg.templates_dir = *dir;
      else problem(root["templates_dir"], "templates_dir `" + *dir + "` is not a folder");
    }
    if (const auto slack = root["slack"]) {
      if (expect_map(slack, "slack",
                     {"app_token", "app_token_file", "bot_token", "bot_token_file", "api_url", "idle_timeout"})) {
        cfg.slack.app_token = secret(slack, "app_token", "slack");
        cfg.slack.bot_token = secret(slack, "bot_token", "slack");
        if (auto url = scalar(slack, "api_url", "slack", false)) {
          if (url->empty() || url->back() != '/') *url += '/';
          cfg.slack.api_url = *url;
        }
        if (auto v = duration(slack, "idle_timeout", "slack")) cfg.slack.idle_timeout = *v;
      }
    }
    if (const auto log = root["log"]) {
      if (expect_map(log, "log", {"level", "format"})) {
        if (auto level = scalar(log, "level", "log", false)) {
          static const std::set<std::string> levels{"trace", "debug", "info", "warn",
                                                    "error", "critical", "off"};
          if (levels.count(*level)) cfg.log.level = *level;
          else problem(log["level"], "log.level must be one of trace, debug, info, warn, error, critical, off");
        }
        if (auto format = scalar(log, "format", "log", false)) {
          if (*format == "text" || *format == "json") cfg.log.format = *format;
          else problem(log["format"], "log.format must be text or json");
        }
      }
    }
    const auto services = root["services"];
    if (!services) {
      problem(root, "services is required: at least one service to go around");
    } else if (!services.IsSequence() || services.size() == 0) {
      problem(services, "services must be a non-empty list");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < services.size(); ++i) {
        auto svc = service(services[i], "services[" + std::to_string(i) + "]");
        if (!svc.name.empty() && !seen.insert(svc.name).second)
          problem(services[i]["name"], "service `" + svc.name + "` is defined twice");
        cfg.services.push_back(std::move(svc));
      }
    }
    withhold_secrets(cfg, root["tools"]);
    cross_check(cfg, root);
    return cfg;
  }

 private:
  // What each part accepts alone but the whole cannot do.
  void cross_check(const Config& cfg, const YAML::Node& root) {
    const auto services = root["services"];
    for (std::size_t i = 0; cfg.prometheus.url.empty() && i < cfg.services.size(); ++i) {
      const auto& svc = cfg.services[i];
      const auto node = services[i];
      if (!svc.verify.query.empty())
        problem(node["verify"]["query"], "services[" + std::to_string(i) + "].verify.query needs "
                "the `prometheus` block (its url): without it the go-around would fail verification");
      if (!svc.triggers.empty())
        problem(node["triggers"], "services[" + std::to_string(i) + "].triggers need the "
                "`prometheus` block (its url): without it no trigger is ever evaluated");
    }
    // Each Slack token has its own prefix; swapped, Socket Mode would be refused at connect.
    const auto swapped = [&](const Secret& token, const char* key, std::string_view own,
                             std::string_view other, const char* other_key) {
      if (token.reveal().starts_with(other))
        problem(root["slack"][key] ? root["slack"][key] : root["slack"][std::string(key) + "_file"],
                std::string("slack.") + key + " holds a " + std::string(other) + "… token: that is the " +
                    other_key + "; the " + key + " starts with " + std::string(own) + " (are they swapped?)");
    };
    swapped(cfg.slack.app_token, "app_token", "xapp-", "xoxb-", "bot_token");
    swapped(cfg.slack.bot_token, "bot_token", "xoxb-", "xapp-", "app_token");
    const auto path = env_("PATH");
    for (std::size_t i = 0; i < cfg.services.size(); ++i) {
      const auto& svc = cfg.services[i];
      const std::string* tool = nullptr;
      switch (svc.adapter) {
        case AdapterKind::kubectl: tool = &cfg.tools.kubectl; break;
        case AdapterKind::helm: tool = &cfg.tools.helm; break;
        case AdapterKind::argocd: tool = &cfg.tools.argocd; break;
        case AdapterKind::argo_rollouts: tool = &cfg.tools.argo_rollouts; break;
        case AdapterKind::gitops: tool = &cfg.tools.git; break;
        case AdapterKind::sim: break;
      }
      if (tool && !executable_on_path(*tool, path))
        warning(services[i]["adapter"], "`" + *tool + "` is not " +
                (tool->find('/') == std::string::npos ? "on PATH" : "an executable file") +
                ": go-arounds of " + svc.name + " would fail to start");
    }
    if (!cfg.tools.kubeconfig.empty() && !std::filesystem::exists(cfg.tools.kubeconfig))
      warning(root["tools"]["kubeconfig"], "tools.kubeconfig `" + cfg.tools.kubeconfig +
                                               "` does not exist (yet): every kube tool would fail");
  }

  // Every resolved secret goes on the tools' withheld list; the strict form may not pass one.
  void withhold_secrets(Config& cfg, const YAML::Node& tools) {
    auto& withheld = cfg.tools.withheld;
    for (const auto* secret :
         {&cfg.slack.app_token, &cfg.slack.bot_token, &cfg.http.token, &cfg.store.url, &cfg.store.password})
      if (!secret->source().empty()) withheld.push_back(*secret);
    for (const auto& service : cfg.services)
      if (service.argocd && !service.argocd->auth_token.source().empty())
        withheld.push_back(service.argocd->auth_token);
    for (const auto& service : cfg.services)
      if (service.gitops && !service.gitops->token.source().empty()) withheld.push_back(service.gitops->token);
    for (const auto& service : cfg.services)
      if (service.flags && !service.flags->token.source().empty()) withheld.push_back(service.flags->token);
    for (const auto& name : cfg.tools.environment.pass)
      for (const auto& secret : withheld)
        if (secret_variable(secret) == name)
          problem(tools["environment"]["pass"], "tools.environment.pass: `" + name +
                                                    "` holds a secret of the bot's; tools never get it");
  }

  // A name that will reach a command line: a DNS-1123 label, nothing else.
  std::string label(const YAML::Node& map, const char* key, const std::string& where,
                    bool required) {
    auto value = scalar(map, key, where, required);
    if (!value) return {};
    if (!is_dns_label(*value)) {
      problem(map[key], where + "." + key + " `" + *value + "` must be a DNS-1123 label");
      return {};
    }
    return *value;
  }

  // A free-form value that reaches a command line glued to its flag (--context=VALUE): one
  // printable word that cannot be mistaken for an option.
  std::string argument(const YAML::Node& map, const char* key, const std::string& where) {
    auto value = scalar(map, key, where, false);
    if (!value) return {};
    const bool printable = std::all_of(value->begin(), value->end(), [](char c) {
      return static_cast<unsigned char>(c) > ' ' && c != 0x7f;
    });
    if (value->empty() || value->front() == '-' || !printable) {
      problem(map[key], where + "." + key + " `" + *value +
                            "` must be one word of printable characters, not starting with '-'");
      return {};
    }
    return *value;
  }

  std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& where) {
    auto value = scalar(map, key, where, false);
    if (!value) return std::nullopt;
    if (*value == "true") return true;
    if (*value == "false") return false;
    problem(map[key], where + "." + key + " must be true or false");
    return std::nullopt;
  }

  std::optional<std::string> url(const YAML::Node& map, const char* key, const std::string& where,
                                 bool required) {
    auto value = scalar(map, key, where, required);
    if (!value) return std::nullopt;
    const auto parsed = boost::urls::parse_uri(*value);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || !parsed->has_authority()) {
      problem(map[key], where + "." + key + " must be an http:// or https:// URL");
      return std::nullopt;
    }
    // The URL is shown in checks and messages; credentials in it would be too.
    if (parsed->has_userinfo()) {
      problem(map[key], where + "." + key + " must not carry a user or password");
      return std::nullopt;
    }
    return value;
  }

  // store.url: a postgresql:// URL, written out or from the environment; its password, if
  // any, beside it, so that the URL can be logged.
  config::Store database(const YAML::Node& store) {
    config::Store out;
    const auto node = store["url"];
    if (!node || !node.IsScalar()) {
      problem(node ? node : store, "store.url must be a postgresql:// URL, e.g. postgresql://goaround@db:5432/goaround");
      return out;
    }
    const auto text = node.as<std::string>();
    out.url = text.rfind("${", 0) == 0 ? secret(store, "url", "store") : Secret(text, "");
    if (out.url.empty()) {
      if (text.rfind("${", 0) == 0) problem(node, "store.url: " + text + " is not set in the environment");
      return out;
    }
    const auto parsed = boost::urls::parse_uri(out.url.reveal());
    if (!parsed || (parsed->scheme() != "postgresql" && parsed->scheme() != "postgres") || !parsed->has_authority() ||
        parsed->encoded_host().empty()) {
      problem(node, "store.url must be a postgresql:// URL with a host, e.g. postgresql://goaround@db:5432/goaround");
      out.url = {};
      return out;
    }
    if (parsed->has_password() && out.url.source().empty()) {
      problem(node, "store.url must not carry a password: give store.password_file or store.password: ${PGPASSWORD}");
      out.url = {};
      return out;
    }
    out.password = secret(store, "password", "store");
    return out;
  }

  // `flags:` sits beside any adapter: the service's flags, switched off by a go-around.
  std::optional<FlagsTarget> flags(const YAML::Node& node, const std::string& where) {
    const auto k = node["flags"];
    const auto sub = where + ".flags";
    if (!k || !expect_map(k, sub, {"provider", "url", "token", "token_file", "project", "environment"}))
      return std::nullopt;
    FlagsTarget t;
    const auto provider = scalar(k, "provider", sub, true).value_or("");
    if (provider == "launchdarkly") t.provider = FlagProvider::launchdarkly;
    else if (provider != "unleash" && !provider.empty())
      problem(k["provider"], sub + ".provider `" + provider + "` is not one of unleash, launchdarkly");
    if (t.provider == FlagProvider::launchdarkly) t.url = "https://app.launchdarkly.com";
    if (auto v = url(k, "url", sub, t.provider == FlagProvider::unleash)) t.url = *v;
    while (!t.url.empty() && t.url.back() == '/') t.url.pop_back();
    t.token = secret(k, "token", sub);
    if (t.token.empty() && !k["token"] && !k["token_file"])
      problem(k, sub + ".token is required: ${" + suggested_variable(sub, "token") + "} or " + sub + ".token_file");
    // Both keys go into the API's URL path: only what the providers allow in a key.
    if (auto v = scalar(k, "project", sub, false)) t.project = *v;
    t.environment = scalar(k, "environment", sub, true).value_or("");
    for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"project", t.project},
                                       std::pair<const char*, const std::string&>{"environment", t.environment}})
      if (!value.empty() && !is_flag_key(value))
        problem(k[field], sub + "." + field + " `" + value + "` must be a key (letters, digits, '.', '_', '~', '-')");
    return t;
  }

  // An adapter's own block: required when the service uses that adapter.
  template <typename T, typename Read>
  // `also_for`: another adapter the block may sit beside (gitops beside argocd: its way out of
  // auto-sync).
  std::optional<T> block(const YAML::Node& node, const char* key, const std::string& where,
                         const std::optional<std::string>& adapter, Read read,
                         std::initializer_list<std::string_view> known, std::string_view also_for = "") {
    const auto sub = where + "." + key;
    const auto k = node[key];
    std::string adapter_name = key;
    std::replace(adapter_name.begin(), adapter_name.end(), '_', '-');
    if (!k) {
      if (adapter == adapter_name)
        problem(node, sub + " is required for the " + adapter_name + " adapter");
      return std::nullopt;
    }
    if (adapter && adapter != adapter_name && adapter != also_for) {
      problem(k, sub + " does not apply to the " + *adapter + " adapter (this service uses " +
                     *adapter + "; remove the block or change `adapter`)");
      return std::nullopt;
    }
    if (!expect_map(k, sub, known)) return std::nullopt;
    return read(k, sub);
  }

  // The adapter's target (kubectl, helm, argocd, argo_rollouts, gitops, sim): a service's,
  // or its drill twin's.
  void targets(const YAML::Node& node, const std::string& where, const std::optional<std::string>& adapter,
               Service& svc) {
    svc.kubectl = block<KubectlTarget>(node, "kubectl", where, adapter, [&](const YAML::Node& k,
                                                                           const std::string& sub) {
      KubectlTarget t;
      t.context = argument(k, "context", sub);
      t.namespace_name = label(k, "namespace", sub, true);
      t.deployment = label(k, "deployment", sub, true);
      return t;
    }, {"context", "namespace", "deployment"});
    svc.helm = block<HelmTarget>(node, "helm", where, adapter, [&](const YAML::Node& k,
                                                                  const std::string& sub) {
      HelmTarget t;
      t.context = argument(k, "context", sub);
      t.namespace_name = label(k, "namespace", sub, true);
      t.release = label(k, "release", sub, true);
      return t;
    }, {"context", "namespace", "release"});
    svc.argocd = block<ArgoCdTarget>(node, "argocd", where, adapter, [&](const YAML::Node& k,
                                                                        const std::string& sub) {
      ArgoCdTarget t;
      t.app = label(k, "app", sub, true);
      t.server = argument(k, "server", sub);
      t.auth_token = secret(k, "auth_token", sub);
      t.grpc_web = boolean(k, "grpc_web", sub).value_or(false);
      t.plaintext = boolean(k, "plaintext", sub).value_or(false);
      return t;
    }, {"app", "server", "auth_token", "auth_token_file", "grpc_web", "plaintext"});
    svc.argo_rollouts = block<ArgoRolloutsTarget>(
        node, "argo_rollouts", where, adapter,
        [&](const YAML::Node& k, const std::string& sub) {
          ArgoRolloutsTarget t;
          t.context = argument(k, "context", sub);
          t.namespace_name = label(k, "namespace", sub, true);
          t.rollout = label(k, "rollout", sub, true);
          if (auto v = scalar(k, "strategy", sub, false)) {
            if (*v == "canary") t.strategy = RolloutStrategy::canary;
            else if (*v == "bluegreen") t.strategy = RolloutStrategy::bluegreen;
            else problem(k["strategy"], sub + ".strategy must be canary or bluegreen");
          }
          t.active_service = label(k, "active_service", sub, false);
          if (t.strategy == RolloutStrategy::bluegreen && t.active_service.empty() && k["strategy"])
            problem(k, sub + ".active_service is required for the bluegreen strategy");
          return t;
        },
        {"context", "namespace", "rollout", "strategy", "active_service"});
    svc.gitops = block<GitOpsTarget>(node, "gitops", where, adapter, [&](const YAML::Node& k, const std::string& sub) {
      GitOpsTarget t;
      t.repo = argument(k, "repo", sub);
      static const std::regex remote(R"((file|https|ssh|git)://\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)");
      if (!t.repo.empty() && !std::regex_match(t.repo, remote)) {
        problem(k["repo"], sub + ".repo must be an ssh (git@host:org/repo.git), https://, git:// or file:// URL");
        t.repo.clear();
      } else if (t.repo.empty()) {
        problem(k, sub + ".repo is required");
      }
      if (t.repo.rfind("https://", 0) == 0 && t.repo.find('@') != std::string::npos)
        problem(k["repo"], sub + ".repo must not carry credentials; give " + sub + ".token_file");
      if (auto v = argument(k, "branch", sub); !v.empty()) t.branch = v;
      t.path = argument(k, "path", sub);
      if (t.path.empty() || t.path.front() == '/' || t.path.find("..") != std::string::npos) {
        problem(k["path"] ? k["path"] : k, sub + ".path must be the service's folder inside the repository, e.g. apps/storefront/");
        t.path.clear();
      }
      t.ssh_key_file = scalar(k, "ssh_key_file", sub, false).value_or("");
      t.token = secret(k, "token", sub);
      if (const auto author = k["author"]; author && expect_map(author, sub + ".author", {"name", "email"})) {
        if (auto v = scalar(author, "name", sub + ".author", false)) t.author_name = *v;
        if (auto v = scalar(author, "email", sub + ".author", false)) t.author_email = *v;
      }
      if (const auto wait = k["wait"]; wait && expect_map(wait, sub + ".wait", {"argocd_app", "flux_kustomization", "context"})) {
        const auto at = sub + ".wait";
        if (adapter == "argocd")
          problem(wait, at + " does not apply beside the argocd adapter: its own app is waited for");
        t.wait.argocd_app = label(wait, "argocd_app", at, false);
        const auto flux = scalar(wait, "flux_kustomization", at, false).value_or("");
        const auto slash = flux.find('/');
        if (!flux.empty() && (slash == std::string::npos || !is_dns_label(flux.substr(0, slash)) || !is_dns_label(flux.substr(slash + 1))))
          problem(wait["flux_kustomization"], at + ".flux_kustomization must be NAMESPACE/NAME, e.g. flux-system/storefront");
        else if (!flux.empty()) {
          t.wait.flux_namespace = flux.substr(0, slash);
          t.wait.flux_name = flux.substr(slash + 1);
        }
        t.wait.context = argument(wait, "context", at);
        if (t.wait.argocd_app.empty() == flux.empty())
          problem(wait, at + " takes one of argocd_app or flux_kustomization");
      }
      return t;
    }, {"repo", "branch", "path", "ssh_key_file", "token", "token_file", "author", "wait"}, "argocd");
    if (const auto sim = node["sim"]) {
      const auto sub = where + ".sim";
      if (expect_map(sim, sub,
                     {"revisions", "replicas", "step", "progress_deadline", "failure", "image"})) {
        if (auto v = integer(sim, "revisions", sub, 2)) svc.sim.revisions = *v;
        if (auto v = integer(sim, "replicas", sub, 1)) svc.sim.replicas = *v;
        if (auto v = duration(sim, "step", sub)) svc.sim.step = *v;
        if (auto v = duration(sim, "progress_deadline", sub)) svc.sim.progress_deadline = *v;
        if (auto v = scalar(sim, "image", sub, false)) svc.sim.image = *v;
        if (auto v = scalar(sim, "failure", sub, false)) {
          if (*v == "none") svc.sim.failure = SimFailure::none;
          else if (*v == "never_ready") svc.sim.failure = SimFailure::never_ready;
          else if (*v == "revision_missing") svc.sim.failure = SimFailure::revision_missing;
          else problem(sim["failure"], sub + ".failure must be none, never_ready or revision_missing");
        }
      }
    }
  }

  // `verify:`: what the service's users see, checked after its adapter's own verification.
  Verify checks(const YAML::Node& node, const std::string& where) {
    Verify out;
    const auto verify = node["verify"];
    const auto sub = where + ".verify";
    if (!verify || !expect_map(verify, sub, {"health_url", "expect_status", "query", "below"})) return out;
    out.health_url = url(verify, "health_url", sub, false).value_or("");
    if (auto v = integer(verify, "expect_status", sub, 100)) out.expect_status = *v;
    out.query = scalar(verify, "query", sub, false).value_or("");
    if (verify["query"] && verify["query"].IsScalar() && blank(out.query))
      problem(verify["query"], sub + ".query is empty: remove it or give a PromQL query");
    if (auto v = scalar(verify, "below", sub, false)) {
      try {
        out.below = std::stod(*v);
      } catch (const std::exception&) {
        problem(verify["below"], sub + ".below must be a number");
      }
    }
    if (!out.query.empty() && !out.below) problem(verify, sub + ".below is required with a query");
    return out;
  }

  // `drill:`: the staging twin, practised on with the production service's adapter kind, its
  // people and its timeout, and its own target, checks and channel. No triggers, no paging.
  std::shared_ptr<const Service> drill(const YAML::Node& node, const std::string& where,
                                       const std::optional<std::string>& adapter, const Service& production) {
    const auto k = node["drill"];
    const auto sub = where + ".drill";
    if (!k || !expect_map(k, sub, {"environment", "kubectl", "helm", "argocd", "argo_rollouts", "gitops", "sim",
                                   "verify", "channel"}))
      return nullptr;
    auto twin = std::make_shared<Service>();
    twin->name = drill_name(production.name);
    twin->drill_of = production.name;
    twin->adapter = production.adapter;
    twin->allowed = production.allowed;
    twin->timeout = production.timeout;
    twin->status_interval = production.status_interval;
    twin->environment = scalar(k, "environment", sub, true).value_or("");
    if (!twin->environment.empty() && twin->environment == production.environment)
      problem(k["environment"], sub + ".environment must not be the service's own (" + production.environment +
                                    "): a drill practises on a twin, never on production");
    targets(k, sub, adapter, *twin);
    if (twin->sim.image.empty()) twin->sim.image = production.sim.image;
    twin->verify = checks(k, sub);
    twin->channel = scalar(k, "channel", sub, false).value_or(production.channel);
    return twin;
  }

  Service service(const YAML::Node& node, const std::string& where) {
    Service svc;
    if (!expect_map(node, where,
                    {"name", "environment", "adapter", "kubectl", "helm", "argocd",
                     "argo_rollouts", "gitops", "flags", "sim", "verify", "timeout", "allowed", "channel",
                     "status_interval", "watch_window", "cooldown", "prompt_after", "triggers",
                     "escalate_to", "drill", "practice_every"}))
      return svc;
    if (auto name = scalar(node, "name", where, true)) {
      if (std::find(reserved_names.begin(), reserved_names.end(), *name) != reserved_names.end())
        problem(node["name"], where + ".name `" + *name + "` is a /rollback subcommand; name the service otherwise");
      else if (is_dns_label(*name)) svc.name = *name;
      else problem(node["name"], where + ".name `" + *name +
                                     "` must be a DNS-1123 label (lowercase letters, digits, '-')");
    }
    svc.environment = scalar(node, "environment", where, true).value_or("");
    const auto adapter = scalar(node, "adapter", where, true);
    if (adapter) {
      static const std::pair<const char*, AdapterKind> kinds[] = {
          {"kubectl", AdapterKind::kubectl}, {"helm", AdapterKind::helm},
          {"argocd", AdapterKind::argocd}, {"argo-rollouts", AdapterKind::argo_rollouts},
          {"gitops", AdapterKind::gitops}, {"sim", AdapterKind::sim}};
      const auto it = std::find_if(std::begin(kinds), std::end(kinds),
                                   [&](const auto& k) { return *adapter == k.first; });
      if (it != std::end(kinds)) svc.adapter = it->second;
      else problem(node["adapter"], where + ".adapter `" + *adapter +
                                        "` is not one of kubectl, helm, argocd, argo-rollouts, gitops, sim");
    }
    targets(node, where, adapter, svc);
    svc.flags = flags(node, where);
    svc.verify = checks(node, where);
    if (auto timeout = duration(node, "timeout", where)) svc.timeout = *timeout;
    if (svc.sim.image.empty()) svc.sim.image = "registry.local/" + svc.name;
    if (const auto allowed = node["allowed"]) {
      if (expect_map(allowed, where + ".allowed", {"users", "groups"})) {
        svc.allowed.users = strings(allowed, "users", where + ".allowed");
        svc.allowed.groups = strings(allowed, "groups", where + ".allowed");
      }
    }
    svc.channel = scalar(node, "channel", where, false).value_or("");
    svc.escalate_to = strings(node, "escalate_to", where);
    if (auto interval = duration(node, "status_interval", where)) svc.status_interval = *interval;
    if (auto v = duration(node, "watch_window", where)) svc.watch_window = *v;
    if (auto v = duration(node, "cooldown", where)) svc.cooldown = *v;
    if (auto v = duration(node, "prompt_after", where)) svc.prompt_after = *v;
    if (const auto triggers = node["triggers"]) {
      if (!triggers.IsSequence()) problem(triggers, where + ".triggers must be a list");
      else
        for (std::size_t i = 0; i < triggers.size(); ++i) {
          auto t = trigger(triggers[i], where + ".triggers[" + std::to_string(i) + "]");
          if (!t.name.empty() && std::any_of(svc.triggers.begin(), svc.triggers.end(),
                          [&](const Trigger& other) { return other.name == t.name; }))
            problem(triggers[i]["name"], where + ": trigger `" + t.name + "` is defined twice");
          svc.triggers.push_back(std::move(t));
        }
    }
    svc.drill = drill(node, where, adapter, svc);
    if (auto v = duration(node, "practice_every", where)) {
      svc.practice_every = *v;
      if (!svc.drill) problem(node["practice_every"], where + ".practice_every needs a drill: block to practise on");
    }
    return svc;
  }

  Trigger trigger(const YAML::Node& node, const std::string& where) {
    Trigger t;
    if (!expect_map(node, where, {"name", "query", "threshold", "comparison", "for", "severity"}))
      return t;
    // Trigger names never reach a command line: the practice's own (high_error_rate,
    // slo_burn_rate) are fine.
    if (auto name = scalar(node, "name", where, true)) {
      const bool word = !name->empty() && name->size() <= 63 &&
                        std::all_of(name->begin(), name->end(), [](unsigned char c) {
                          return std::isalnum(c) || c == '_' || c == '-' || c == '.';
                        });
      if (word) t.name = *name;
      else problem(node["name"], where + ".name `" + *name +
                                     "` must be 1 to 63 letters, digits, '_', '-' or '.'");
    }
    t.query = scalar(node, "query", where, true).value_or("");
    if (node["query"] && node["query"].IsScalar() && blank(t.query))
      problem(node["query"], where + ".query is empty: a trigger needs a PromQL query");
    if (auto v = scalar(node, "threshold", where, true)) {
      try {
        std::size_t used = 0;
        t.threshold = std::stod(*v, &used);
        if (used != v->size()) throw std::invalid_argument(*v);
      } catch (const std::exception&) {
        problem(node["threshold"], where + ".threshold must be a number");
      }
    }
    if (auto v = scalar(node, "comparison", where, false)) {
      if (*v == "greater_than") t.comparison = Comparison::greater_than;
      else if (*v == "less_than") t.comparison = Comparison::less_than;
      else problem(node["comparison"], where + ".comparison must be greater_than or less_than");
    }
    if (auto v = scalar(node, "for", where, false)) {
      if (auto hold = time::parse_duration(*v)) t.hold = *hold;
      else problem(node["for"], where + ".for: `" + *v + "` is not a duration (examples: 0s, 30s, 2m)");
    }
    if (auto v = scalar(node, "severity", where, true)) {
      if (*v == "auto_rollback") t.severity = Severity::auto_rollback;
      else if (*v == "page_and_suggest") t.severity = Severity::page_and_suggest;
      else if (*v == "log_only") t.severity = Severity::log_only;
      else problem(node["severity"], where + ".severity must be auto_rollback, page_and_suggest or log_only");
    }
    return t;
  }

  const EnvLookup& env_;
};

}  // namespace

Parsed parse(std::string_view yaml_text, const EnvLookup& env) {
  Parsed result;
  YAML::Node root;
  Validator validator(env);
  Config cfg;
  try {
    root = YAML::Load(std::string(yaml_text));
    cfg = validator.config(root);
  } catch (const YAML::Exception& e) {
    // A shape the validator did not foresee is still a problem with a position, not a crash.
    validator.problems.push_back({e.mark.line + 1, e.mark.column + 1, e.msg});
  }
  result.problems = std::move(validator.problems);
  result.warnings = std::move(validator.warnings);
  const auto by_position = [](const Problem& a, const Problem& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  };
  std::stable_sort(result.problems.begin(), result.problems.end(), by_position);
  std::stable_sort(result.warnings.begin(), result.warnings.end(), by_position);
  if (result.problems.empty()) result.config = std::move(cfg);
  return result;
}

namespace {
std::string joined(const std::string& origin, const std::vector<Problem>& problems) {
  std::string text = origin + ": invalid configuration";
  for (const auto& p : problems) text += "\n  " + describe(p, origin);
  return text;
}
}  // namespace

Invalid::Invalid(std::string origin, std::vector<Problem> problems)
    : std::runtime_error(joined(origin, problems)), problems_(std::move(problems)) {}

std::string_view embedded_default() {
  return resources::embedded_file("deploy/goaround.default.yaml").value();
}

Config load(const std::optional<std::filesystem::path>& path, const EnvLookup& env) {
  std::string text;
  std::string origin = "(embedded default)";
  if (path) {
    origin = path->string();
    std::ifstream in(*path);
    if (!in) throw Invalid(origin, {{0, 0, "cannot read the file (" + std::string(std::strerror(errno)) + ")"}});
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    text = embedded_default();
  }
  auto parsed = parse(text, env);
  if (!parsed.config) throw Invalid(origin, std::move(parsed.problems));
  return std::move(*parsed.config);
}

}  // namespace goaround::config
