#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace goaround::testing {

// A real container registry (Debian's docker-registry, distribution 2.8) of one test's own, on
// loopback, storage in a temporary folder, deletes enabled; stopped by PID. `basic`: it serves
// TLS with a certificate from a CA the test makes (openssl) and asks for htpasswd Basic
// credentials (bcrypt). `token`: plain HTTP, and it asks for a Bearer token from a token
// service of the test's own (TokenService below), whose signing certificate it trusts.
// Images are pushed through the distribution API with curl: the config and layer blobs, then an
// OCI manifest.
class TestRegistry {
 public:
  enum class Auth { none, basic, token };
  explicit TestRegistry(Auth auth = Auth::none);
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  std::string host() const;  // 127.0.0.1:PORT
  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
  // A Docker config.json with this registry's credentials (base64 `auth`).
  std::filesystem::path auth_file() const { return dir_.path() / "docker-config.json"; }
  // token: the scopes the token service was asked for, in order.
  std::vector<std::string> scopes_asked() const;
  // Pushes a one-layer image as repository:tag; returns its manifest digest.
  std::string push(const std::string& repository, const std::string& tag);
  // Deletes the manifest (and so every tag on it), as a garbage-collecting policy would.
  void remove(const std::string& repository, const std::string& digest);
  void stop();

 private:
  std::string curl(const std::string& args) const;
  std::string base() const;
  TempDir dir_;
  Auth auth_;
  bool secured_;
  struct TokenService;
  std::unique_ptr<TokenService> tokens_;
  unsigned short port_ = 0;
  long pid_ = 0;
};

}  // namespace goaround::testing
