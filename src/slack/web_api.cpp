#include "goaround/slack/web_api.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "goaround/metrics/metrics.hpp"
#include "goaround/net/http_client.hpp"

namespace goaround::slack {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Retry-After in seconds (Slack sends whole seconds); 1 s when absent or unreadable.
std::chrono::milliseconds retry_wait(const std::optional<std::string>& header) {
  if (!header) return 1s;
  try {
    const auto seconds = std::stoi(*header);
    return std::chrono::seconds(seconds > 0 ? seconds : 0);
  } catch (const std::exception&) {
    return 1s;
  }
}

}  // namespace

WebApi::WebApi(std::string api_url, config::Secret bot_token)
    : api_url_(std::move(api_url)), bot_token_(std::move(bot_token)) {}

asio::awaitable<ApiReply> WebApi::call(const std::string& method, json::object args) {
  co_return co_await call_with(bot_token_, method, std::move(args));
}

asio::awaitable<ApiReply> WebApi::call_with(const config::Secret& token, const std::string& method,
                                            json::object args) {
  co_return co_await send({"POST", api_url_ + method,
                           {{"Authorization", "Bearer " + token.reveal()},
                            {"Content-Type", "application/json; charset=utf-8"}},
                           json::serialize(args), 10s},
                          method, 5, false);
}

asio::awaitable<ApiReply> WebApi::respond(const std::string& response_url, json::object message) {
  // The URL carries its own credential: it never reaches a log line, only "response_url" does.
  // Short and few: when the hooks host is slow or gone, chat.postEphemeral says it instead.
  co_return co_await send({"POST", response_url, {{"Content-Type", "application/json; charset=utf-8"}},
                           json::serialize(message), 3s},
                          "response_url", 2, true);
}

asio::awaitable<ApiReply> WebApi::send(net::HttpRequest request, const std::string& label, int attempts,
                                       bool plain_ok) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  ApiReply reply;
  auto backoff = 500ms;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    const auto got = co_await pool_.request(request);
    std::chrono::milliseconds wait = backoff;
    if (got.status == 429) {
      // Rate limited: Slack says how long, per method.
      wait = retry_wait(got.retry_after);
      spdlog::warn("slack {}: rate limited, retrying in {} s", label, wait.count() / 1000);
      metrics::process_metrics().slack_rate_limits.inc({label});
    } else if (got.status && *got.status < 500) {
      const auto text = got.body.substr(0, got.body.find_last_not_of(" \r\n\t") + 1);
      boost::system::error_code ec;
      auto parsed = json::parse(text, ec);
      if (!ec && parsed.is_object()) {
        reply.body = std::move(parsed.as_object());
        const auto* ok = reply.body.if_contains("ok");
        reply.ok = ok && ok->is_bool() && ok->get_bool();
        if (!reply.ok) {
          const auto* error = reply.body.if_contains("error");
          reply.error = error && error->is_string() ? std::string(error->get_string()) : "unknown_error";
        }
      } else if (!plain_ok) {
        reply.error = "the answer was not JSON (HTTP " + std::to_string(*got.status) + ")";
      } else if (*got.status / 100 == 2) {
        reply.ok = true;  // a response_url answers a plain "ok"
      } else {
        // e.g. 404 "expired_url" or "used_url" in plain text.
        reply.error = !text.empty() && text.size() <= 64 ? text : "HTTP " + std::to_string(*got.status);
      }
      if (!reply.ok) {
        spdlog::warn("slack {}: {}", label, reply.error);
        metrics::process_metrics().slack_api_errors.inc({label, reply.error});
      }
      co_return reply;
    } else {
      reply.error = got.status ? "HTTP " + std::to_string(*got.status) : got.error;
      spdlog::warn("slack {}: {} (attempt {})", label, reply.error, attempt);
      backoff *= 2;
    }
    pause.expires_after(wait);
    co_await pause.async_wait(asio::use_awaitable);
  }
  if (reply.error.empty()) reply.error = "gave up after retries";
  metrics::process_metrics().slack_api_errors.inc({label, reply.error});
  co_return reply;
}

}  // namespace goaround::slack
