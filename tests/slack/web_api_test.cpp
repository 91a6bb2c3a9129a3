#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <optional>

#include "goaround/net/http_client.hpp"
#include "goaround/slack/slack_transport.hpp"
#include "goaround/slack/web_api.hpp"
#include "support/slack_emulator.hpp"

using namespace goaround;
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Runs `task` on `io` until it and everything it started is done.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

// The Web API client against the emulator, on the test's own loop. The io_context comes first
// so that the client (and its pooled sockets) goes before it.
struct Client {
  testing::SlackEmulator slack;
  asio::io_context io;
  slack::WebApi web{slack.api_url(), config::Secret("xoxb-test-token", "test")};

  slack::ApiReply post(const std::string& text) {
    return run(io, web.call("chat.postMessage", {{"channel", "C111"}, {"text", text}}));
  }
  std::size_t posted() const {
    std::size_t count = 0;
    for (const auto& call : slack.calls()) count += call.method == "chat.postMessage";
    return count;
  }
};

}  // namespace

TEST_CASE("Web API calls share one keep-alive connection") {
  Client client;
  for (int i = 0; i < 20; ++i) {
    const auto reply = client.post("message " + std::to_string(i));
    REQUIRE(reply.ok);
    CHECK(reply.body.contains("ts"));
  }
  CHECK(client.posted() == 20);
  CHECK(client.slack.calls().back().body.at("text") == "message 19");
  CHECK(client.slack.api_connections() == 1);
  CHECK(client.web.pool().opened() == 1);
  CHECK(client.web.pool().idle() == 1);
}

TEST_CASE("Web API calls go on after Slack closed the idle connections") {
  Client client;
  for (int i = 0; i < 3; ++i) REQUIRE(client.post("before " + std::to_string(i)).ok);
  REQUIRE(client.slack.api_connections() == 1);
  CHECK(client.slack.drop_api_connections() == 1);
  for (int i = 0; i < 3; ++i) REQUIRE(client.post("after " + std::to_string(i)).ok);
  CHECK(client.posted() == 6);
  CHECK(client.slack.api_connections() == 2);  // one new connection, reused again
  CHECK(client.web.pool().opened() == 2);
}

TEST_CASE("A keep-alive connection closed as the request crosses it is retried once, fresh") {
  Client client;
  REQUIRE(client.post("first").ok);
  client.slack.drop_next_api_request();
  const auto reply = client.post("second");
  REQUIRE(reply.ok);
  CHECK(client.posted() == 2);  // the dropped request never reached the emulator's log
  CHECK(client.slack.calls().back().body.at("text") == "second");
  CHECK(client.slack.api_connections() == 2);
  REQUIRE(client.post("third").ok);
  CHECK(client.slack.api_connections() == 2);
}

TEST_CASE("HTTP 429 waits Retry-After and retries on the same connection") {
  Client client;
  client.slack.rate_limit_next("chat.postMessage", 1);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = client.post("limited");
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(reply.ok);
  CHECK(took >= 900ms);
  CHECK(client.posted() == 2);  // the refused attempt and the retry
  CHECK(client.slack.api_connections() == 1);
}

TEST_CASE("Concurrent Web API calls each get a connection — at most 4 stay idle") {
  Client client;
  int ok = 0;
  auto one = [&](int i) -> asio::awaitable<void> {
    const auto reply = co_await client.web.call("chat.postMessage", {{"channel", "C111"}, {"text", std::to_string(i)}});
    ok += reply.ok;
  };
  for (int i = 0; i < 6; ++i) asio::co_spawn(client.io, one(i), asio::detached);
  client.io.run();
  CHECK(ok == 6);
  CHECK(client.posted() == 6);
  const auto opened = client.slack.api_connections();
  CHECK(opened >= 2);
  CHECK(opened <= 6);
  CHECK(client.web.pool().idle() <= 4);
  for (int i = 0; i < 4; ++i) REQUIRE(client.post("later").ok);
  CHECK(client.slack.api_connections() == opened);  // the idle ones were reused
}

TEST_CASE("respond() posts JSON to a response_url over the pool, without the token") {
  Client client;
  REQUIRE(client.post("card").ok);
  const auto reply = run(client.io, client.web.respond(client.slack.response_url("R42"),
                                                       {{"response_type", "in_channel"}, {"text", "done"}}));
  CHECK(reply.ok);
  CHECK(reply.error.empty());
  const auto calls = client.slack.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls.back().method == "response_url");
  CHECK(calls.back().target == "/response/R42");
  CHECK(calls.back().authorization.empty());
  CHECK(calls.back().body.at("text") == "done");
  CHECK(client.slack.api_connections() == 1);  // same origin, same connection
}

TEST_CASE("The pool does not reuse a connection idle for longer than its limit") {
  testing::SlackEmulator slack;
  asio::io_context io;
  net::HttpPool pool(net::HttpPool::Options{4, 50ms});
  auto get = [&]() -> asio::awaitable<net::HttpResponse> {
    co_return co_await pool.request({"POST", slack.api_url() + "auth.test",
                                     {{"Authorization", "Bearer xoxb-test-token"}}, "{}", 2s});
  };
  CHECK(run(io, get()).status == 200);
  CHECK(run(io, get()).status == 200);
  CHECK(slack.api_connections() == 1);
  run(io, [&]() -> asio::awaitable<int> {
    asio::steady_timer pause(io, 100ms);
    co_await pause.async_wait(asio::use_awaitable);
    co_return 0;
  }());
  CHECK(run(io, get()).status == 200);
  CHECK(slack.api_connections() == 2);
  CHECK(pool.opened() == 2);
  CHECK(pool.idle() == 1);
  pool.clear();
  CHECK(pool.idle() == 0);
}

TEST_CASE("http_request still opens and closes a connection per call") {
  testing::SlackEmulator slack;
  asio::io_context io;
  for (int i = 0; i < 2; ++i) {
    const auto got = run(io, net::http_request({"POST", slack.api_url() + "auth.test",
                                                {{"Authorization", "Bearer xoxb-test-token"}}, "{}", 2s}));
    CHECK(got.status == 200);
  }
  CHECK(slack.api_connections() == 2);
  const auto bad = run(io, net::http_request({"GET", "ftp://example.com/", {}, "", 1s}));
  CHECK_FALSE(bad.status);
  CHECK(bad.error.find("not an http(s) URL") != std::string::npos);
}

namespace {

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += length;
  }
  return true;
}

}  // namespace

TEST_CASE("long text is cut into sections on character boundaries, never inside an entity or a link") {
  std::string accents;
  for (int i = 0; i < 1700; ++i) accents += "é";
  const auto parts = slack::split_for_sections(accents, 3000);
  REQUIRE(parts.size() == 2);
  std::string joined;
  for (const auto part : parts) {
    CHECK(part.size() <= 3000);
    CHECK(valid_utf8(part));
    joined += part;
  }
  CHECK(joined == accents);
  // An entity and a link straddling the limit go whole into the next part.
  const std::string entity = std::string(2997, 'a') + "&amp; rest";
  CHECK(slack::split_for_sections(entity, 3000).at(1).starts_with("&amp;"));
  const std::string link = std::string(2990, 'b') + "<https://grafana.example/d/x|dashboard> after";
  CHECK(slack::split_for_sections(link, 3000).at(1).starts_with("<https://"));
  // The blocks of a reason of 1,700 × é are valid UTF-8 JSON strings.
  chat::Message message;
  message.text = accents;
  for (const auto& block : slack::blocks(message))
    CHECK(valid_utf8(block.at("text").at("text").as_string()));
}
