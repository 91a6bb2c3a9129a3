#include "support/registry.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "goaround/net/base64.hpp"
#include "support/capture.hpp"
#include "support/http_call.hpp"
#include "support/loopback_http.hpp"

namespace goaround::testing {

namespace {

constexpr const char* user = "ci";
constexpr const char* password = "s3cret-registry-pw";

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
  for (std::size_t at = headers.find('\n'); at != std::string::npos; at = headers.find('\n', at)) {
    ++at;
    if (strncasecmp(headers.c_str() + at, (name + ":").c_str(), name.size() + 1) != 0) continue;
    auto value = headers.substr(at + name.size() + 1, headers.find('\n', at) - at - name.size() - 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    return value;
  }
  return "";
}

std::string base64url(std::string_view bytes) {
  auto text = net::base64_encode(bytes);
  for (auto& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

}  // namespace

// Docker's token authentication, as a token server does it: Basic credentials in, a JWT out
// (RS256, the signing certificate in the x5c header, the registry trusting that certificate),
// granting what the scope asked for.
struct TestRegistry::TokenService {
  explicit TokenService(const std::filesystem::path& dir)
      : server([this](const LoopbackHttp::Request& request) { return answer(request); }) {
    const auto d = dir.string();
    run("cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout signer.key -out signer.pem -days 2 "
        "-subj /CN=goaround-test-token-signer >/dev/null 2>&1");
    FILE* key_file = std::fopen((d + "/signer.key").c_str(), "r");
    key = PEM_read_PrivateKey(key_file, nullptr, nullptr, nullptr);
    std::fclose(key_file);
    FILE* cert_file = std::fopen((d + "/signer.pem").c_str(), "r");
    X509* cert = PEM_read_X509(cert_file, nullptr, nullptr, nullptr);
    std::fclose(cert_file);
    unsigned char* der = nullptr;
    const int size = i2d_X509(cert, &der);
    certificate = net::base64_encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(size)));
    OPENSSL_free(der);
    X509_free(cert);
  }
  ~TokenService() { EVP_PKEY_free(key); }
  std::string realm() const { return server.url() + "/token"; }

  // A token granting `actions` on `repository`.
  std::string mint(const std::string& repository, const std::vector<std::string>& actions) {
    namespace json = boost::json;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    json::array granted;
    for (const auto& a : actions) granted.push_back(json::string(a));
    const json::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"x5c", json::array{json::string(certificate)}}};
    const json::object claims{{"iss", "goaround-test-issuer"}, {"sub", "ci"}, {"aud", "goaround-test-registry"},
                              {"exp", now + 300}, {"nbf", now - 10}, {"iat", now},
                              {"jti", std::to_string(now) + "-" + std::to_string(++minted)},
                              {"access", json::array{json::object{{"type", "repository"}, {"name", repository}, {"actions", granted}}}}};
    const auto input = base64url(json::serialize(header)) + "." + base64url(json::serialize(claims));
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    std::size_t length = 0;
    EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key);
    EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string signature(length, '\0');
    EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(context);
    signature.resize(length);
    return input + "." + base64url(signature);
  }

  LoopbackHttp::Answer answer(const LoopbackHttp::Request& request) {
    namespace http = boost::beast::http;
    const auto target = boost::urls::parse_origin_form(request.target());
    const auto expected = "Basic " + net::base64_encode(std::string(user) + ":" + password);
    if (!target || request[http::field::authorization] != expected) return {401, R"({"details":"bad credentials"})"};
    std::string scope;
    if (const auto it = target->params().find("scope"); it != target->params().end()) scope = (*it).value;
    {
      std::lock_guard lock(mutex);
      scopes.push_back(scope);
    }
    // "repository:shop/checkout:pull"
    const auto first = scope.find(':'), last = scope.rfind(':');
    const bool named = first != std::string::npos && last > first;
    const auto token = mint(named ? scope.substr(first + 1, last - first - 1) : "",
                            named ? std::vector<std::string>{scope.substr(last + 1)} : std::vector<std::string>{});
    return {200, boost::json::serialize(boost::json::object{{"token", token}, {"expires_in", 300}})};
  }

  EVP_PKEY* key = nullptr;
  std::string certificate;  // base64 DER, for x5c
  std::atomic<int> minted{0};
  std::mutex mutex;
  std::vector<std::string> scopes;
  LoopbackHttp server;  // last: it stops before what its handler reads goes
};

TestRegistry::TestRegistry(Auth auth) : auth_(auth), secured_(auth == Auth::basic) {
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
  }
  if (auth_ == Auth::token) {
    tokens_ = std::make_unique<TokenService>(dir_.path());
    config += "auth:\n  token: { realm: \"" + tokens_->realm() + "\", service: goaround-test-registry, issuer: "
              "goaround-test-issuer, rootcertbundle: " + d + "/signer.pem }\n";
  }
  if (auth_ != Auth::none)
    std::ofstream(auth_file()) << R"({"auths":{")" << host() << R"(":{"auth":")"
                               << net::base64_encode(std::string(user) + ":" + password) << R"("}}})";
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

std::vector<std::string> TestRegistry::scopes_asked() const {
  if (!tokens_) return {};
  std::lock_guard lock(tokens_->mutex);
  return tokens_->scopes;
}

std::string TestRegistry::base() const { return std::string(secured_ ? "https://" : "http://") + host(); }

void TestRegistry::stop() {
  if (pid_ <= 0) return;
  ::kill(static_cast<pid_t>(pid_), SIGTERM);
  ::waitpid(static_cast<pid_t>(pid_), nullptr, 0);
  pid_ = 0;
}

std::string TestRegistry::host() const { return "127.0.0.1:" + std::to_string(port_); }

std::string TestRegistry::curl(const std::string& args) const {
  std::string auth = secured_ ? " --cacert " + ca_file().string() + " -u " + user + ":" + password : "";
  // The test's own pushes and deletes carry a token for everything on shop/checkout.
  if (tokens_) auth = " -H 'Authorization: Bearer " + tokens_->mint("shop/checkout", {"pull", "push", "delete"}) + "'";
  return capture("curl -sS" + auth + " " + args);
}

std::string TestRegistry::push(const std::string& repository, const std::string& tag) {
  const auto base = this->base();
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
  const auto status = curl("-o /dev/null -w '%{http_code}' -X DELETE " + base() + "/v2/" + repository + "/manifests/" + digest);
  if (status != "202") throw std::runtime_error("manifest DELETE answered " + status);
}

}  // namespace goaround::testing
