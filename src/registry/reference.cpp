// The image reference grammar of distribution/reference, as Docker and Kubernetes read it
// (docs/registry.md §1): [domain/]path[:tag][@digest].
#include "goaround/registry/registry.hpp"

#include <regex>

namespace goaround::registry {

namespace {

bool is_domain(std::string_view first) {
  return first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos || first == "localhost";
}

}  // namespace

std::string Reference::api_host() const { return domain == "docker.io" ? "registry-1.docker.io" : domain; }

std::string Reference::shown() const {
  const auto name = domain == "docker.io" && repository.starts_with("library/") ? repository.substr(8) : repository;
  return name + (tag.empty() ? "" : ":" + tag) + (digest.empty() ? "" : "@" + digest);
}

std::string Reference::reference() const { return digest.empty() ? tag : digest; }

std::optional<Reference> parse_reference(std::string_view text, std::string* why) {
  const auto refuse = [&](std::string reason) -> std::optional<Reference> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  static const std::regex component(R"([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)");
  static const std::regex tag_pattern(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})");
  static const std::regex digest_pattern(R"([a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,})");
  static const std::regex domain_pattern(
      R"((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?|\[[0-9A-Fa-f:]+\](?::[0-9]+)?)");
  std::string rest(text);
  if (rest.empty()) return refuse("an empty image reference");
  Reference out;
  if (const auto at = rest.find('@'); at != std::string::npos) {
    out.digest = rest.substr(at + 1);
    rest.resize(at);
    if (!std::regex_match(out.digest, digest_pattern)) return refuse("`" + out.digest + "` is not a digest");
  }
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
    out.tag = rest.substr(colon + 1);
    rest.resize(colon);
    if (!std::regex_match(out.tag, tag_pattern)) return refuse("`" + out.tag + "` is not a tag");
  }
  const auto slash = rest.find('/');
  if (slash != std::string::npos && is_domain(std::string_view(rest).substr(0, slash))) {
    out.domain = rest.substr(0, slash);
    rest = rest.substr(slash + 1);
    if (!std::regex_match(out.domain, domain_pattern)) return refuse("`" + out.domain + "` is not a registry host");
  } else {
    out.domain = "docker.io";
  }
  if (rest.empty()) return refuse("no repository in `" + std::string(text) + "`");
  for (std::size_t start = 0;;) {
    const auto end = rest.find('/', start);
    if (!std::regex_match(rest.substr(start, end == std::string::npos ? std::string::npos : end - start), component))
      return refuse("`" + rest + "` is not a repository name (lowercase letters, digits and separators)");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (out.domain == "docker.io" && rest.find('/') == std::string::npos) rest = "library/" + rest;
  out.repository = rest;
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

}  // namespace goaround::registry
