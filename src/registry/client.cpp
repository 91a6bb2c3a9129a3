// Asking a registry for a manifest (docs/registry.md §2–§3): HEAD with every manifest media type
// in Accept; on 401 the WWW-Authenticate challenge says how to authenticate: Bearer (fetch a
// token from the realm, for the challenge's service and scope, with Basic credentials when we
// have them) or Basic.
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "goaround/model/json_path.hpp"
#include "goaround/net/base64.hpp"
#include "goaround/net/http_client.hpp"
#include "goaround/registry/registry.hpp"

namespace goaround::registry {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* manifest_types =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct Challenge {
  std::string scheme;                         // Bearer or Basic
  std::map<std::string, std::string> params;  // realm, service, scope
};

// `Bearer realm="https://auth.example.com/token",service="registry",scope="repository:a:pull"`.
// Hand-written: no Debian library parses RFC 7235 challenges.
Challenge parse_challenge(std::string_view header) {
  Challenge out;
  const auto space = header.find(' ');
  out.scheme = std::string(header.substr(0, space));
  if (space == std::string_view::npos) return out;
  std::string_view rest = header.substr(space + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    const auto equals = rest.find('=');
    if (equals == std::string_view::npos) break;
    const auto key = std::string(rest.substr(0, equals));
    rest.remove_prefix(equals + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() != '"') {
        if (rest.front() == '\\' && rest.size() > 1) rest.remove_prefix(1);
        value += rest.front();
        rest.remove_prefix(1);
      }
      if (!rest.empty()) rest.remove_prefix(1);
    } else {
      const auto end = rest.find(',');
      value = std::string(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    }
    out.params[key] = value;
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Found said(Found::State state, std::string detail) { return {state, std::move(detail)}; }

}  // namespace

std::optional<std::string> credentials_for(const std::string& config_json, const std::string& host) {
  boost::system::error_code ec;
  const auto config = json::parse(config_json, ec);
  const auto* auths = ec ? nullptr : model::at(config, {"auths"});
  if (!auths || !auths->is_object()) return std::nullopt;
  // Docker writes Docker Hub as its v1 index URL; others as the host, sometimes with a scheme.
  const std::vector<std::string> keys = host == "docker.io"
      ? std::vector<std::string>{"https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"}
      : std::vector<std::string>{host, "https://" + host, "http://" + host};
  for (const auto& key : keys) {
    const auto* entry = auths->get_object().if_contains(key);
    if (!entry) continue;
    if (const auto auth = model::text_at(*entry, {"auth"}); !auth.empty()) {
      if (auto decoded = net::base64_decode(auth); decoded && decoded->find(':') != std::string::npos) return decoded;
      continue;
    }
    const auto user = model::text_at(*entry, {"username"});
    if (!user.empty()) return user + ":" + model::text_at(*entry, {"password"});
  }
  return std::nullopt;
}

asio::awaitable<Found> find_manifest(Reference image, Access access, std::chrono::milliseconds timeout) {
  net::HttpPool pool({.max_idle_per_origin = 2, .ca_file = access.ca_file});
  const auto host = image.api_host();
  const auto url = (access.insecure ? "http://" : "https://") + host + "/v2/" + image.repository + "/manifests/" +
                   image.reference();
  std::optional<std::string> basic;
  if (!access.auth_file.empty()) {
    const auto config = read_file(access.auth_file);
    if (config.empty()) co_return said(Found::State::refused, "cannot read the registry credentials " + access.auth_file);
    basic = credentials_for(config, image.domain);
  }
  const auto ask = [&](std::optional<std::string> authorization) -> asio::awaitable<net::HttpResponse> {
    net::HttpRequest request{"HEAD", url, {{"Accept", manifest_types}}, "", timeout};
    if (authorization) request.headers.emplace_back("Authorization", *authorization);
    co_return co_await pool.request(std::move(request));
  };
  auto answer = co_await ask(std::nullopt);
  if (answer.status == 401) {
    const auto challenge = parse_challenge(answer.header("WWW-Authenticate").value_or(""));
    if (challenge.scheme == "Basic") {
      if (!basic) co_return said(Found::State::refused, host + " asks for credentials and none are configured for it (auth_file)");
      answer = co_await ask("Basic " + net::base64_encode(*basic));
    } else if (challenge.scheme == "Bearer" && challenge.params.contains("realm")) {
      auto token_url = boost::urls::parse_uri(challenge.params.at("realm"));
      if (!token_url) co_return said(Found::State::unreachable, host + " named a token realm that is not a URL");
      // Credentials go to the realm: never over plain HTTP unless the registry itself is.
      if (token_url->scheme() != "https" && !access.insecure)
        co_return said(Found::State::refused, host + " named a token service over plain HTTP (" +
                                                  std::string(token_url->buffer()) + "): credentials are not sent there");
      boost::urls::url realm(*token_url);
      if (challenge.params.contains("service")) realm.params().set("service", challenge.params.at("service"));
      realm.params().set("scope", challenge.params.contains("scope") ? challenge.params.at("scope")
                                                                      : "repository:" + image.repository + ":pull");
      net::HttpRequest token_request{"GET", std::string(realm.buffer()), {}, "", timeout};
      if (basic) token_request.headers.emplace_back("Authorization", "Basic " + net::base64_encode(*basic));
      const auto token_answer = co_await pool.request(std::move(token_request));
      if (!token_answer.status)
        co_return said(Found::State::unreachable, "the token service " + std::string(realm.host()) + " did not answer: " + token_answer.error);
      if (*token_answer.status != 200)
        co_return said(Found::State::refused, "the token service refused us (" + std::to_string(*token_answer.status) + ")");
      boost::system::error_code ec;
      const auto body = json::parse(token_answer.body, ec);
      auto token = ec ? std::string() : model::text_at(body, {"token"});
      if (token.empty() && !ec) token = model::text_at(body, {"access_token"});
      if (token.empty()) co_return said(Found::State::refused, "the token service answered without a token");
      answer = co_await ask("Bearer " + token);
    } else {
      co_return said(Found::State::refused, host + " answered 401 without a challenge we know");
    }
  }
  if (!answer.status) co_return said(Found::State::unreachable, host + " did not answer: " + answer.error);
  switch (*answer.status) {
    case 200: co_return said(Found::State::present, answer.header("Docker-Content-Digest").value_or(""));
    case 404: co_return said(Found::State::missing, host + " answered 404");
    case 401:
    case 403: co_return said(Found::State::refused, host + " refused the credentials (" + std::to_string(*answer.status) + ")");
    default: co_return said(Found::State::unreachable, host + " answered " + std::to_string(*answer.status));
  }
}

}  // namespace goaround::registry
