// The runway check's registry client: the reference grammar, Docker's config.json, and a real
// registry (Debian's docker-registry) plain, behind TLS with htpasswd, with a deleted tag, and down.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "goaround/net/base64.hpp"
#include "goaround/registry/registry.hpp"
#include "support/registry.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using State = registry::Found::State;

namespace {

registry::Found find(const std::string& image, registry::Access access) {
  boost::asio::io_context io;
  auto done = boost::asio::co_spawn(io, registry::find_manifest(*registry::parse_reference(image), access),
                                    boost::asio::use_future);
  io.run();
  return done.get();
}

}  // namespace

TEST_CASE("image references read as the distribution grammar reads them") {
  const auto nginx = registry::parse_reference("nginx");
  REQUIRE(nginx);
  CHECK(nginx->domain == "docker.io");
  CHECK(nginx->repository == "library/nginx");
  CHECK(nginx->tag == "latest");
  CHECK(nginx->api_host() == "registry-1.docker.io");
  CHECK(nginx->shown() == "nginx:latest");
  const auto hub = registry::parse_reference("shop/checkout:v2.3.0");
  CHECK(hub->domain == "docker.io");
  CHECK(hub->repository == "shop/checkout");
  const auto ported = registry::parse_reference("registry.example.com:5000/shop/checkout:v2.3.0");
  CHECK(ported->domain == "registry.example.com:5000");
  CHECK(ported->repository == "shop/checkout");
  CHECK(ported->tag == "v2.3.0");
  CHECK(ported->reference() == "v2.3.0");
  CHECK(registry::parse_reference("localhost/checkout")->domain == "localhost");
  const std::string digest = "sha256:" + std::string(64, 'a');
  const auto pinned = registry::parse_reference("ghcr.io/shop/checkout:v2@" + digest);
  CHECK(pinned->tag == "v2");
  CHECK(pinned->digest == digest);
  CHECK(pinned->reference() == digest);  // the digest is what is pulled
  std::string why;
  CHECK_FALSE(registry::parse_reference("Shop/Checkout", &why));
  CHECK_THAT(why, Contains("is not a repository name"));
  CHECK_FALSE(registry::parse_reference("shop/checkout:bad tag"));
  CHECK_FALSE(registry::parse_reference("shop/checkout@sha256:short"));
  CHECK_FALSE(registry::parse_reference(""));
}

TEST_CASE("credentials come from a Docker config.json: base64 auth, or username and password") {
  const auto config = R"({"auths":{"registry.example.com":{"auth":")" + net::base64_encode("ci:pw:with:colons") +
                      R"("},"https://index.docker.io/v1/":{"username":"me","password":"hub"}}})";
  CHECK(registry::credentials_for(config, "registry.example.com") == "ci:pw:with:colons");
  CHECK(registry::credentials_for(config, "docker.io") == "me:hub");
  CHECK_FALSE(registry::credentials_for(config, "ghcr.io"));
  CHECK_FALSE(registry::credentials_for("not json", "registry.example.com"));
  CHECK(net::base64_decode(net::base64_encode("a")) == "a");
  CHECK(net::base64_decode(net::base64_encode("ab")) == "ab");
  CHECK_FALSE(net::base64_decode("abc"));
}

TEST_CASE("a real registry: a pushed tag is there, a deleted one is gone, a stopped registry does not answer") {
  testing::TestRegistry registry;
  const auto digest = registry.push("shop/checkout", "v2.3.0");
  const registry::Access access{registry.host(), "", "", true};
  const auto present = find(registry.host() + "/shop/checkout:v2.3.0", access);
  CHECK(present.state == State::present);
  CHECK(present.detail == digest);
  CHECK(find(registry.host() + "/shop/checkout@" + digest, access).state == State::present);
  CHECK(find(registry.host() + "/shop/checkout:v9.9.9", access).state == State::missing);
  registry.remove("shop/checkout", digest);
  CHECK(find(registry.host() + "/shop/checkout:v2.3.0", access).state == State::missing);
  registry.stop();
  const auto down = find(registry.host() + "/shop/checkout:v2.3.0", access);
  CHECK(down.state == State::unreachable);
  CHECK_THAT(down.detail, Contains("did not answer"));
}

TEST_CASE("a real registry behind TLS with htpasswd: the CA file and the config.json's credentials are needed") {
  testing::TestRegistry registry(testing::TestRegistry::Auth::basic);
  registry.push("shop/checkout", "v2.3.0");
  const auto image = registry.host() + "/shop/checkout:v2.3.0";
  CHECK(find(image, {registry.host(), registry.auth_file().string(), registry.ca_file().string(), false}).state ==
        State::present);
  const auto anonymous = find(image, {registry.host(), "", registry.ca_file().string(), false});
  CHECK(anonymous.state == State::refused);
  CHECK_THAT(anonymous.detail, Contains("asks for credentials and none are configured"));
  // Without the CA the certificate is not trusted: nothing is sent.
  const auto untrusted = find(image, {registry.host(), registry.auth_file().string(), "", false});
  CHECK(untrusted.state == State::unreachable);
  CHECK_THAT(untrusted.detail, Contains("securely"));
}

TEST_CASE("a real registry with token authentication: the Bearer challenge's realm gives a token for the scope") {
  testing::TestRegistry registry(testing::TestRegistry::Auth::token);
  const auto digest = registry.push("shop/checkout", "v2.3.0");
  const auto image = registry.host() + "/shop/checkout:v2.3.0";
  const auto present = find(image, {registry.host(), registry.auth_file().string(), "", true});
  CHECK(present.state == State::present);
  CHECK(present.detail == digest);
  CHECK(registry.scopes_asked() == std::vector<std::string>{"repository:shop/checkout:pull"});
  // Without credentials the token service refuses us, and we say so.
  const auto anonymous = find(image, {registry.host(), "", "", true});
  CHECK(anonymous.state == State::refused);
  CHECK_THAT(anonymous.detail, Contains("the token service refused us (401)"));
}
