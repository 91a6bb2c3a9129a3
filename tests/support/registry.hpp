#pragma once
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace goaround::testing {

// A real container registry (Debian's docker-registry, distribution 2.8) of one test's own, on
// loopback, storage in a temporary folder, deletes enabled; stopped by PID. With `secured`, it
// serves TLS with a certificate from a CA the test makes (openssl) and asks for htpasswd Basic
// credentials (bcrypt). Images are pushed through the distribution API with curl: the config and
// layer blobs, then an OCI manifest.
class TestRegistry {
 public:
  explicit TestRegistry(bool secured = false);
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  std::string host() const;  // 127.0.0.1:PORT
  std::filesystem::path ca_file() const { return dir_.path() / "ca.pem"; }
  // A Docker config.json with this registry's credentials (base64 `auth`).
  std::filesystem::path auth_file() const { return dir_.path() / "docker-config.json"; }
  // Pushes a one-layer image as repository:tag; returns its manifest digest.
  std::string push(const std::string& repository, const std::string& tag);
  // Deletes the manifest (and so every tag on it), as a garbage-collecting policy would.
  void remove(const std::string& repository, const std::string& digest);
  void stop();

 private:
  std::string curl(const std::string& args) const;
  TempDir dir_;
  bool secured_;
  unsigned short port_ = 0;
  long pid_ = 0;
};

}  // namespace goaround::testing
