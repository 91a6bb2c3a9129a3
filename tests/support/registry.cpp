#include "support/registry.hpp"

#include <openssl/evp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "goaround/net/base64.hpp"
#include "support/http_call.hpp"

namespace goaround::testing {

namespace {

constexpr const char* user = "ci";
constexpr const char* password = "s3cret-registry-pw";

std::string capture(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

std::string sha256(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return "sha256:" + hex;
}

std::string header_value(const std::string& headers, const std::string& name) {
  std::size_t at = 0;
  while ((at = headers.find('\n', at)) != std::string::npos) {
    ++at;
    if (headers.compare(at, name.size() + 1, name + ":") == 0 ||
        strncasecmp(headers.c_str() + at, (name + ":").c_str(), name.size() + 1) == 0) {
      auto value = headers.substr(at + name.size() + 1, headers.find('\n', at) - at - name.size() - 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      return value;
    }
  }
  return "";
}

}  // namespace

TestRegistry::TestRegistry(bool secured) : secured_(secured) {
  const auto d = dir_.path().string();
  port_ = free_port();
  std::string config = "version: 0.1\nlog: { level: warn }\nstorage:\n  filesystem: { rootdirectory: " + d +
                       "/data }\n  delete: { enabled: true }\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n";
  if (secured_) {
    run("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=goaround-test-ca >/dev/null 2>&1 && openssl req -newkey rsa:2048 -nodes -keyout server.key "
        "-out server.csr -subj /CN=127.0.0.1 >/dev/null 2>&1 && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
        "-extfile san.ext >/dev/null 2>&1");
    // bcrypt, as the registry's htpasswd wants (Python's crypt over libxcrypt).
    const auto entry = capture("python3 -W ignore -c \"import crypt; print(crypt.crypt('" + std::string(password) +
                               "', crypt.mksalt(crypt.METHOD_BLOWFISH)))\"");
    std::ofstream(dir_.path() / "htpasswd") << user << ":" << entry;
    config += "  tls: { certificate: " + d + "/server.pem, key: " + d + "/server.key }\nauth:\n  htpasswd: { realm: "
              "goaround-test, path: " + d + "/htpasswd }\n";
    std::ofstream(auth_file()) << R"({"auths":{")" << host() << R"(":{"auth":")"
                               << net::base64_encode(std::string(user) + ":" + password) << R"("}}})";
  }
  std::ofstream(dir_.path() / "config.yml") << config;
  const auto pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const auto log = d + "/registry.log";
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    ::execlp("docker-registry", "docker-registry", "serve", (d + "/config.yml").c_str(), nullptr);
    ::_exit(127);
  }
  pid_ = pid;
  for (int i = 0; i < 200; ++i) {
    if (curl("-o /dev/null -w '%{http_code}' " + std::string(secured_ ? "https://" : "http://") + host() + "/v2/ 2>/dev/null") != "000")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("docker-registry did not start: " + capture("cat " + d + "/registry.log"));
}

TestRegistry::~TestRegistry() { stop(); }

void TestRegistry::stop() {
  if (pid_ <= 0) return;
  ::kill(static_cast<pid_t>(pid_), SIGTERM);
  ::waitpid(static_cast<pid_t>(pid_), nullptr, 0);
  pid_ = 0;
}

std::string TestRegistry::host() const { return "127.0.0.1:" + std::to_string(port_); }

std::string TestRegistry::curl(const std::string& args) const {
  std::string auth = secured_ ? " --cacert " + ca_file().string() + " -u " + user + ":" + password : "";
  return capture("curl -sS" + auth + " " + args);
}

std::string TestRegistry::push(const std::string& repository, const std::string& tag) {
  const auto base = std::string(secured_ ? "https://" : "http://") + host();
  const auto upload = [&](const std::string& bytes) {
    const auto headers = curl("-D - -o /dev/null -X POST " + base + "/v2/" + repository + "/blobs/uploads/");
    auto location = header_value(headers, "Location");
    if (location.empty()) throw std::runtime_error("no upload location: " + headers);
    if (location.starts_with("/")) location = base + location;
    const auto file = dir_.path() / "blob";
    std::ofstream(file, std::ios::binary) << bytes;
    const auto digest = sha256(bytes);
    const auto put = curl("-o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' --data-binary @" +
                          file.string() + " '" + location + (location.find('?') == std::string::npos ? "?" : "&") +
                          "digest=" + digest + "'");
    if (put != "201") throw std::runtime_error("blob upload answered " + put);
    return digest;
  };
  const std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  const std::string layer = "layer of " + repository + ":" + tag;
  const auto config_digest = upload(config);
  const auto layer_digest = upload(layer);
  const auto manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                        config_digest + R"(","size":)" + std::to_string(config.size()) +
                        R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" + layer_digest +
                        R"(","size":)" + std::to_string(layer.size()) + "}]}";
  const auto file = dir_.path() / "manifest.json";
  std::ofstream(file) << manifest;
  const auto headers = curl("-D - -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @" +
                            file.string() + " " + base + "/v2/" + repository + "/manifests/" + tag);
  const auto digest = header_value(headers, "Docker-Content-Digest");
  if (digest.empty()) throw std::runtime_error("manifest PUT: " + headers);
  return digest;
}

void TestRegistry::remove(const std::string& repository, const std::string& digest) {
  const auto base = std::string(secured_ ? "https://" : "http://") + host();
  const auto status = curl("-o /dev/null -w '%{http_code}' -X DELETE " + base + "/v2/" + repository + "/manifests/" + digest);
  if (status != "202") throw std::runtime_error("manifest DELETE answered " + status);
}

}  // namespace goaround::testing
