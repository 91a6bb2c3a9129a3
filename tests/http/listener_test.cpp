#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <catch2/catch.hpp>
#include <signal.h>

#include <random>
#include <thread>

#include "goaround/http/listener.hpp"
#include "support/bot_harness.hpp"
#include "support/headless_bot.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace bhttp = boost::beast::http;

namespace {

const char* services = R"(
services:
  - name: checkout
    environment: prod
    adapter: sim
    sim: { revisions: 5, replicas: 1, step: 1ms }
    channel: C0INCIDENTS
)";

const std::string token = testing::http_token;

http::Request request(bhttp::verb verb, const std::string& target, const std::string& body = "",
                      const std::string& bearer = token) {
  http::Request r{verb, target, 11};
  if (!bearer.empty()) r.set(bhttp::field::authorization, "Bearer " + bearer);
  r.set(bhttp::field::content_type, "application/json");
  r.body() = body;
  r.prepare_payload();
  return r;
}

}  // namespace

TEST_CASE("POST /v1/deployments: 201, and 400, 401, 404, 405, 415, 423 each with the reason") {
  testing::BotHarness bot(std::string("http: { listen: \"127.0.0.1:0\", token: \"${T}\" }\n") + services);
  http::Routes routes(bot.engine, config::Secret(token, "${T}"), [] { return std::nullopt; });
  const auto post = [&](const std::string& body, const std::string& bearer = token) {
    return routes.answer(request(bhttp::verb::post, "/v1/deployments", body, bearer));
  };
  const std::string good = R"({"service":"checkout","environment":"prod","revision":"7","migration":"additive"})";
  auto r = post(good);
  CHECK(r.result_int() == 201);
  CHECK_THAT(r.body(), Contains(R"("id":1)"));
  CHECK(post(good, "").result_int() == 401);
  CHECK(post(good, "ci-token-0123456780").result_int() == 401);
  CHECK(post(good, "short").result_int() == 401);
  r = post(R"({"service":"checkout")");
  CHECK(r.result_int() == 400);
  CHECK_THAT(r.body(), Contains("JSON object"));
  r = post(R"({"service":"checkout","environment":"prod"})");
  CHECK(r.result_int() == 400);
  CHECK_THAT(r.body(), Contains("`revision` is required"));
  r = post(R"({"service":"cart","environment":"prod","revision":"1"})");
  CHECK(r.result_int() == 404);
  CHECK_THAT(r.body(), Contains("known: checkout (prod)"));
  CHECK(routes.answer(request(bhttp::verb::get, "/v1/deployments")).result_int() == 405);
  auto plain = request(bhttp::verb::post, "/v1/deployments", good);
  plain.set(bhttp::field::content_type, "text/plain");
  CHECK(routes.answer(plain).result_int() == 415);

  bot.type({"U1", "alice", {}, false}, "freeze checkout incident 12 in progress");
  r = post(good);
  CHECK(r.result_int() == 423);
  CHECK_THAT(r.body(), Contains("frozen by alice"));
  CHECK_THAT(r.body(), Contains("incident 12 in progress"));

  r = routes.answer(request(bhttp::verb::get, "/nowhere"));
  CHECK(r.result_int() == 404);
  CHECK_THAT(r.body(), Contains("POST /v1/deployments, GET /healthz, GET /readyz, GET /metrics"));
  // The route table: a known path with another method is 405 with Allow; the query is no part of
  // the path; a target that is not a path is 400.
  r = routes.answer(request(bhttp::verb::post, "/healthz"));
  CHECK(r.result_int() == 405);
  CHECK(r[bhttp::field::allow] == "GET");
  CHECK(routes.answer(request(bhttp::verb::get, "/healthz?probe=kubelet")).result_int() == 200);
  CHECK(routes.answer(request(bhttp::verb::get, "http://example.com/healthz")).result_int() == 400);
  CHECK(routes.answer(request(bhttp::verb::get, "/health%zz")).result_int() == 400);
  r = routes.answer(request(bhttp::verb::get, "/metrics"));
  CHECK(r.result_int() == 200);
  CHECK_THAT(r.body(), Contains("goaround_deployments_registered_total{service=\"checkout\"}"));
  CHECK_THAT(r.body(), Contains("goaround_http_requests_total{route=\"/v1/deployments\",status=\"423\"} 1"));
  http::Routes not_ready(bot.engine, config::Secret(token, "${T}"), [] { return std::optional<std::string>("slack: not connected"); });
  r = not_ready.answer(request(bhttp::verb::get, "/readyz"));
  CHECK(r.result_int() == 503);
  CHECK_THAT(r.body(), Contains("slack: not connected"));
}

TEST_CASE("serve without Slack: healthz, readyz, metrics and registration over HTTP — the listener survives fuzzing") {
  testing::HeadlessBot bot(services);
  REQUIRE(bot.get("/healthz").status == 200);
  CHECK(bot.get("/readyz").status == 200);
  const auto registered = bot.post("/v1/deployments", R"({"service":"checkout","environment":"prod","revision":"7"})");
  CHECK(registered.status == 201);

  // Limits: an over-long body and over-long headers are refused, not read.
  const auto big = testing::http_raw(bot.port, "POST /v1/deployments HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                                                   std::string(70000, 'a'));
  CHECK_THAT(big, Contains("413"));
  const auto headers = testing::http_raw(bot.port, "GET /healthz HTTP/1.1\r\nX-Long: " + std::string(10000, 'h') + "\r\n\r\n");
  CHECK_THAT(headers, Contains("431"));

  // Fuzz: random bytes, and valid requests with random bytes flipped or cut short.
  std::mt19937 random(20261123);
  const std::vector<std::string> seeds{
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/deployments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
          "\r\nContent-Type: application/json\r\nContent-Length: 59\r\n\r\n"
          R"({"service":"checkout","environment":"prod","revision":"8"})",
      "POST /v1/deployments HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"};
  int answered_5xx = 0;
  for (int i = 0; i < 600; ++i) {
    std::string bytes;
    if (i % 3 == 0) {
      bytes.resize(random() % 300);
      for (auto& c : bytes) c = static_cast<char>(random() % 256);
    } else {
      bytes = seeds[random() % seeds.size()];
      for (int flips = random() % 4; flips >= 0; --flips) bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
      if (i % 3 == 2) bytes.resize(random() % bytes.size());
    }
    const auto answer = testing::http_raw(bot.port, bytes);
    answered_5xx += answer.rfind("HTTP/1.1 5", 0) == 0;
  }
  CHECK(answered_5xx == 0);
  REQUIRE(testing::http_call(bot.port, bhttp::verb::get, "/healthz").status == 200);
  const auto metrics = testing::http_call(bot.port, bhttp::verb::get, "/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(metrics.content_type, Contains("text/plain; version=0.0.4"));
  CHECK_THAT(metrics.body, Contains("goaround_http_requests_total{route=\"malformed\",status=\"400\"}"));
  CHECK_THAT(metrics.body, Contains("goaround_open_incidents 0"));

  const auto logs = bot.stop();
  CHECK(bot.exit_code == 0);
  CHECK_THAT(logs, Contains("no Slack tokens configured"));
  CHECK_THAT(logs, Contains("http: listening on 127.0.0.1:"));
  CHECK(logs.find(token) == std::string::npos);
}

TEST_CASE("goaround --version") {
  testing::TempDir dir;
  boost::asio::io_context io;
  boost::asio::readable_pipe out(io);
  boost::process::v2::process p(io, GOAROUND_BINARY, std::vector<std::string>{"--version"},
                                boost::process::v2::process_stdio{nullptr, out, nullptr});
  std::string text;
  boost::system::error_code ec;
  boost::asio::read(out, boost::asio::dynamic_buffer(text), ec);
  CHECK(p.wait() == 0);
  CHECK_THAT(text, Contains("goaround 0.1.0"));
}

TEST_CASE("Content-Type is compared by media type, and the Bearer scheme case-insensitively") {
  testing::BotHarness bot(std::string("http: { listen: \"127.0.0.1:0\", token: \"${T}\" }\n") + services);
  http::Routes routes(bot.engine, config::Secret(token, "${T}"), [] { return std::nullopt; });
  const std::string good = R"({"service":"checkout","environment":"prod","revision":"7"})";
  const auto with = [&](const std::string& content_type, const std::string& authorization) {
    auto r = request(bhttp::verb::post, "/v1/deployments", good, "");
    r.set(bhttp::field::content_type, content_type);
    r.set(bhttp::field::authorization, authorization);
    return routes.answer(r).result_int();
  };
  CHECK(with("application/jsonfoo", "Bearer " + token) == 415);
  CHECK(with("application/json-seq", "Bearer " + token) == 415);
  CHECK(with("Application/JSON; charset=utf-8", "Bearer " + token) == 201);
  CHECK(with("application/json", "bearer " + token) == 201);
  CHECK(with("application/json", "BEARER   " + token) == 201);
  CHECK(with("application/json", "Bearer" + token) == 401);
  CHECK(with("application/json", "Basic " + token) == 401);
}

TEST_CASE("POST /v1/deployments of the revision a go-around rolled back from is 409 with the incident, until accepted") {
  testing::BotHarness bot(std::string("freeze_until_debrief: false\nhttp: { listen: \"127.0.0.1:0\", token: \"${T}\" }\n") +
                          services);
  http::Routes routes(bot.engine, config::Secret(token, "${T}"), [] { return std::nullopt; });
  const auto post = [&](const std::string& body) {
    return routes.answer(request(bhttp::verb::post, "/v1/deployments", body));
  };
  const chat::Person alice{"U1", "alice", {}, false};
  bot.type(alice, "checkout 5xx after 1.5");
  bot.press(alice, bot.card_action("Confirm go-around"));
  REQUIRE(bot.store.executions().find(1)->state == model::ExecutionState::succeeded);

  // CI registers images: the same image again, or its tag as the revision, is refused.
  auto r = post(R"({"service":"checkout","environment":"prod","revision":"1.5","image":"registry.local/checkout:1.5"})");
  CHECK(r.result_int() == 409);
  CHECK_THAT(r.body(), Contains("checkout revision 5 (registry.local/checkout:1.5) was rejected by goaround at "));
  CHECK_THAT(r.body(), Contains("in incident #1 (go-around #1 rolled back from it): 5xx after 1.5"));
  CHECK_THAT(r.body(), Contains("/rollback accept checkout 5"));
  CHECK(post(R"({"service":"checkout","environment":"prod","revision":"1.5"})").result_int() == 409);
  // Another image is a new deploy.
  CHECK(post(R"({"service":"checkout","environment":"prod","revision":"1.6","image":"registry.local/checkout:1.6"})")
            .result_int() == 201);

  bot.type(alice, "accept checkout 1.5");
  CHECK_THAT(bot.posted(), Contains("*checkout* revision 5 (registry.local/checkout:1.5) is accepted again by alice"));
  CHECK(post(R"({"service":"checkout","environment":"prod","revision":"1.5","image":"registry.local/checkout:1.5"})")
            .result_int() == 201);
  r = routes.answer(request(bhttp::verb::get, "/metrics"));
  CHECK_THAT(r.body(), Contains("goaround_http_requests_total{route=\"/v1/deployments\",status=\"409\"} 2"));
}
