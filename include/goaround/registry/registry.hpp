#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// The runway check: is a rollback's target image still in its registry? Image references are
// read by the distribution reference grammar, and the registry is asked through the OCI
// distribution API (HEAD /v2/<name>/manifests/<tag or digest>), authenticating as registries
// ask (a Bearer token from the challenge's realm, or Basic) with credentials from a Docker
// config.json. docs/registry.md has the protocol facts the code relies on.
namespace goaround::registry {

// "registry.example.com:5000/shop/checkout:v2.3.0", "nginx", "ghcr.io/o/r@sha256:…".
struct Reference {
  std::string domain;      // as written, or docker.io
  std::string repository;  // with library/ for Docker Hub's official images
  std::string tag;         // latest when neither tag nor digest is given
  std::string digest;      // sha256:… when given
  std::string api_host() const;  // where the API is: registry-1.docker.io for docker.io
  std::string shown() const;     // repository[:tag][@digest], as people write it
  std::string reference() const;  // what the manifest URL names: the digest, else the tag
};
// nullopt when it is not a reference (the reason in `why`).
std::optional<Reference> parse_reference(std::string_view text, std::string* why = nullptr);

// A registry's access, as configured under `registries:`.
struct Access {
  std::string host;       // as in references: registry.example.com, 127.0.0.1:5000, docker.io
  std::string auth_file;  // a Docker config.json (`auths`), or empty
  std::string ca_file;    // trusted for this registry's TLS, or empty
  bool insecure = false;  // plain HTTP
};

struct Found {
  enum class State { present, missing, unreachable, refused } state = State::unreachable;
  std::string detail;  // the digest when present, else what the registry said or why it did not
};

// Asks the registry whether the reference's manifest exists.
boost::asio::awaitable<Found> find_manifest(Reference image, Access access,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(5));

// `user:password` for a host from a Docker config.json's `auths` (base64 `auth`, or `username`
// and `password`); nullopt when the file has none for it.
std::optional<std::string> credentials_for(const std::string& config_json, const std::string& host);

}  // namespace goaround::registry
