#include "goaround/slack/socket_mode.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <spdlog/spdlog.h>

#include <random>

#include "goaround/metrics/metrics.hpp"

namespace goaround::slack {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Errors after which retrying cannot help (the official SDK stops on the same ones).
bool unrecoverable(const std::string& error) {
  return error == "not_authed" || error == "invalid_auth" || error == "account_inactive" ||
         error == "user_removed_from_team" || error == "team_disabled";
}

template <typename Stream>
void set_timeouts(Stream& ws, std::chrono::milliseconds idle) {
  // Slack pings; we ping too when idle, and a link silent for this long is dead.
  websocket::stream_base::timeout timeout{30s, idle, true};
  ws.set_option(timeout);
}

}  // namespace

SocketModeClient::SocketModeClient(asio::any_io_executor executor, WebApi& api,
                                   config::Secret app_token, EnvelopeLedger& ledger, Handler handler,
                                   Options options)
    : executor_(std::move(executor)),
      api_(api),
      app_token_(std::move(app_token)),
      ledger_(ledger),
      handler_(std::move(handler)),
      options_(options) {}

void SocketModeClient::stop() {
  stopped_ = true;
  const auto closers = closers_;  // closing ends read loops, which erase their entries
  for (const auto& [_, close] : closers) close();
  for (auto* pause : pauses_) pause->cancel();  // a loop waiting to reconnect ends now
  finish_if_done();
}

// run() returns once stopped and nothing refers to the client any more: no connection served
// and no loop left (one waiting to reconnect, or in apps.connections.open, would otherwise
// wake up inside a destroyed client).
void SocketModeClient::finish_if_done() {
  if (stopped_ && live_ == 0 && loops_ == 0 && finished_) finished_->cancel();
}

void SocketModeClient::spawn_loop() {
  ++loops_;  // counted from the spawn, so a stop() before the loop starts still waits for it
  asio::co_spawn(executor_, keep_connected(), [this](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        spdlog::error("slack: the connection loop failed: {}", e.what());
      } catch (...) {
        spdlog::error("slack: the connection loop failed");
      }
    }
    --loops_;
    finish_if_done();
  });
}

asio::awaitable<bool> SocketModeClient::run() {
  finished_.emplace(executor_, asio::steady_timer::time_point::max());
  spawn_loop();
  boost::system::error_code ignored;
  co_await finished_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_return link_disabled_;
}

asio::awaitable<void> SocketModeClient::keep_connected() {
  std::mt19937 random{std::random_device{}()};
  asio::steady_timer pause(executor_);
  pauses_.insert(&pause);
  struct Forget {
    std::set<asio::steady_timer*>& pauses;
    asio::steady_timer* pause;
    ~Forget() { pauses.erase(pause); }
  } forget{pauses_, &pause};
  auto backoff = 1s;
  while (!stopped_) {
    // Nothing that goes wrong on one link ends the loop: it is logged, and the link comes back.
    try {
      const auto opened = co_await api_.call_with(app_token_, "apps.connections.open", {});
      const auto* url = opened.body.if_contains("url");
      if (opened.ok && url && url->is_string()) {
        const auto began = std::chrono::steady_clock::now();
        const auto ended = co_await serve(std::string(url->get_string()));
        if (ended == Ended::replaced) co_return;  // the replacement keeps the link from here
        if (ended == Ended::link_disabled) {
          link_disabled_ = true;
          stop();  // every connection, the replaced ones too
          break;
        }
        if (std::chrono::steady_clock::now() - began > 60s) backoff = 1s;  // it had been healthy
      } else if (unrecoverable(opened.error)) {
        spdlog::critical("slack: apps.connections.open refused the app token ({}); not retrying",
                         opened.error);
        stopped_ = true;
        break;
      }
    } catch (const std::exception& e) {
      spdlog::error("slack: the link failed: {}; reconnecting", e.what());
      metrics::process_metrics().slack_link_failures.inc({"link"});
    }
    if (stopped_) break;
    // Exponential backoff with jitter, so many bots do not come back in step.
    const auto jitter = std::chrono::milliseconds(random() % 1000);
    spdlog::warn("slack: reconnecting in {} ms", (backoff + jitter).count());
    pause.expires_after(backoff + jitter);
    boost::system::error_code cancelled;  // by stop()
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    backoff = std::min<std::chrono::seconds>(backoff * 2, 60s);
  }
}

Frame read_frame(std::string_view text) {
  Frame frame;
  json::error_code ec;
  auto value = json::parse(text, ec);
  auto* message = ec ? nullptr : value.if_object();
  if (!message) return frame;
  frame.message = std::move(*message);
  const auto* type_value = frame.message.if_contains("type");
  const auto type = type_value && type_value->is_string() ? std::string(type_value->get_string()) : std::string();
  if (type == "hello") {
    frame.kind = Frame::Kind::hello;
  } else if (type == "disconnect") {
    frame.kind = Frame::Kind::disconnect;
    const auto* reason = frame.message.if_contains("reason");
    if (reason && reason->is_string()) frame.disconnect_reason = reason->get_string();
  } else if (const auto* id = frame.message.if_contains("envelope_id"); id && id->is_string()) {
    frame.kind = Frame::Kind::envelope;
    frame.ids = {std::string(id->get_string()), "", type};
    if (const auto* payload = frame.message.if_contains("payload"); payload && payload->is_object())
      if (const auto* event_id = payload->as_object().if_contains("event_id"); event_id && event_id->is_string())
        frame.ids.event_id = std::string(event_id->get_string());
    const auto* accepts = frame.message.if_contains("accepts_response_payload");
    frame.accepts_response_payload = accepts && accepts->is_bool() && accepts->get_bool();
  } else {
    frame.kind = Frame::Kind::other;
  }
  return frame;
}

std::string ack_for(const Frame& envelope, const AckCheck& decision) {
  json::object ack{{"envelope_id", envelope.ids.envelope_id}};
  if (envelope.accepts_response_payload) ack["payload"] = decision.payload;
  return json::serialize(ack);
}

SocketModeClient::Taken SocketModeClient::take(const std::string& text, Ended& ended, bool& replace,
                                               bool& greeted) {
  auto frame = read_frame(text);
  switch (frame.kind) {
    case Frame::Kind::not_json:
      spdlog::warn("slack: ignored a frame that is not a JSON object");
      return {};
    case Frame::Kind::other:
      return {};
    case Frame::Kind::hello:
      spdlog::info("slack: connected (Socket Mode)");
      greeted = true;
      return {};
    case Frame::Kind::disconnect:
      spdlog::info("slack: disconnect requested ({})", frame.disconnect_reason);
      if (frame.disconnect_reason == "link_disabled") {
        spdlog::critical("slack: Socket Mode was disabled for this app; stopping");
        ended = Ended::link_disabled;
      } else if (frame.disconnect_reason == "warning" || frame.disconnect_reason == "refresh_requested") {
        replace = true;
      }
      return {};
    case Frame::Kind::envelope:
      break;
  }
  const auto& envelope_id = frame.ids.envelope_id;
  metrics::process_metrics().envelopes.inc({frame.ids.kind});
  // From memory: a redelivery of this id, or of the same event, is acked and dropped.
  const bool fresh = ledger_.first_sight(envelope_id, frame.ids.event_id);
  const auto decision = options_.check ? options_.check(frame.message) : AckCheck{};
  Taken taken{ack_for(frame, decision), frame.ids, std::nullopt};
  if (!decision.work) spdlog::info("slack: envelope {} answered in its ack", envelope_id);
  else if (fresh) taken.work = std::move(frame.message);
  else spdlog::info("slack: envelope {} seen before; acked, not run again", envelope_id);
  return taken;
}

void SocketModeClient::hand_on(Taken taken) {
  std::function<void()> work;
  if (taken.work)
    work = [this, id = taken.ids.envelope_id, envelope = std::move(*taken.work)]() mutable {
      asio::co_spawn(options_.work_executor.value_or(executor_), handler_(std::move(envelope)),
                     [id](std::exception_ptr failure) {
                       if (!failure) return;
                       try {
                         std::rethrow_exception(failure);
                       } catch (const std::exception& e) {
                         spdlog::error("slack: envelope {} failed while being worked on: {}", id, e.what());
                       }
                       metrics::process_metrics().slack_link_failures.inc({"handler"});
                     });
    };
  ledger_.record_then(std::move(taken.ids), std::move(work));
}

// An envelope whose handling failed on the ack path: acked by its id when it has one (a frame
// that fails once fails again, so a redelivery would only repeat it), and never worked on.
std::optional<std::string> SocketModeClient::ack_only(const std::string& text) noexcept {
  try {
    const auto frame = read_frame(text);
    if (frame.kind == Frame::Kind::envelope) return ack_for(frame, {});
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

template <typename Stream>
asio::awaitable<SocketModeClient::Ended> SocketModeClient::read_loop(Stream& ws) {
  Ended ended = Ended::closed;
  bool replaced = false;
  // Slack said hello on this link: it serves envelopes (for /readyz). Counted out on every
  // way out of this loop.
  bool greeted = false;
  struct Greeted {
    std::atomic<int>& open;
    bool& greeted;
    ~Greeted() {
      if (greeted) --open;
    }
  } counted{greeted_, greeted};
  for (;;) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      // Say why the link ended: a dead link and one Slack closed call for different looks.
      if (stopped_ || ended == Ended::link_disabled) {
      } else if (ec == beast::error::timeout) {
        spdlog::warn("slack: no frame and no pong for {} ms; the link is dead",
                     options_.idle_timeout.count());
      } else if (ec == websocket::error::closed) {
        spdlog::info("slack: the link was closed by Slack (code {})",
                     static_cast<int>(ws.reason().code));
      } else {
        spdlog::warn("slack: the link broke: {}", ec.message());
      }
      break;
    }
    bool replace = false;
    const auto received = std::chrono::steady_clock::now();
    // Acks are written here, one at a time, in the order the envelopes came.
    const bool was_greeted = greeted;
    const auto frame = beast::buffers_to_string(buffer.data());
    Taken taken;
    try {
      taken = take(frame, ended, replace, greeted);
    } catch (const std::exception& e) {
      spdlog::error("slack: a frame could not be handled ({}); acked, not worked on", e.what());
      metrics::process_metrics().slack_link_failures.inc({"frame"});
      taken = Taken{ack_only(frame), {}, std::nullopt};
    }
    if (greeted && !was_greeted) ++greeted_;
    if (taken.ack) {
      co_await ws.async_write(asio::buffer(*taken.ack), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        // Not acked: Slack redelivers it, and that delivery must not look like a repeat.
        ledger_.forget(taken.ids.envelope_id, taken.ids.event_id);
        break;
      }
      metrics::process_metrics().ack_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
      if (!taken.ids.envelope_id.empty()) hand_on(std::move(taken));
    }
    if (ended == Ended::link_disabled) break;
    if (replace && !replaced && !stopped_) {
      // Make before break: the new connection opens while this one still serves.
      replaced = true;
      spawn_loop();
    }
  }
  if (stopped_) co_return Ended::stopped;
  if (ended == Ended::link_disabled) co_return ended;
  co_return replaced ? Ended::replaced : Ended::closed;
}

asio::awaitable<SocketModeClient::Ended> SocketModeClient::serve(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "wss" && parsed->scheme() != "ws")) {
    spdlog::error("slack: apps.connections.open gave a URL that is not ws(s)");
    co_return Ended::closed;
  }
  const std::string host(parsed->host_address());
  const bool tls = parsed->scheme() == "wss";
  if (!tls && !loopback(host)) {
    spdlog::error("slack: refusing a plain ws:// link to {}; only loopback may skip TLS", host);
    co_return Ended::closed;
  }
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_target());
  if (target.empty()) target = "/";
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor_);
  const auto endpoints = co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Ended::closed;

  // Counted in and out on every way through (an exception included): stop() and run() rely on
  // it, and a closer must never outlive the stream it closes.
  struct Live {
    SocketModeClient& client;
    int connection;
    explicit Live(SocketModeClient& c) : client(c), connection(c.next_connection_++) { ++client.live_; }
    ~Live() {
      client.closers_.erase(connection);
      --client.live_;
    }
  } live{*this};
  const int connection = live.connection;
  Ended ended = Ended::closed;
  if (!tls) {
    websocket::stream<beast::tcp_stream> ws(executor_);
    closers_[connection] = [&ws] { beast::get_lowest_layer(ws).close(); };
    beast::get_lowest_layer(ws).expires_after(30s);
    co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      beast::get_lowest_layer(ws).expires_never();
      // Acks are tiny frames that must leave at once, not wait to be coalesced (Nagle).
      beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true), ec);
      set_timeouts(ws, options_.idle_timeout);
      co_await ws.async_handshake(host + ":" + port, target, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !stopped_) ended = co_await read_loop(ws);
    closers_.erase(connection);  // before the stream goes
  } else {
    asio::ssl::context ssl(asio::ssl::context::tls_client);
    ssl.set_default_verify_paths();
    ssl.set_verify_mode(asio::ssl::verify_peer);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(executor_, ssl);
    closers_[connection] = [&ws] { beast::get_lowest_layer(ws).close(); };
    // SNI: Slack's hosts need it to handshake, and the certificate must name the host.
    SSL_set_tlsext_host_name(ws.next_layer().native_handle(), host.c_str());
    ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(ws).expires_after(30s);
    co_await beast::get_lowest_layer(ws).async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      beast::get_lowest_layer(ws).expires_never();
      beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true), ec);
      set_timeouts(ws, options_.idle_timeout);
      co_await ws.async_handshake(host, target, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !stopped_) ended = co_await read_loop(ws);
    closers_.erase(connection);  // before the stream goes
  }
  if (ec && !stopped_) spdlog::warn("slack: connecting failed: {}", ec.message());
  if (stopped_) co_return Ended::stopped;
  co_return ended;
}

}  // namespace goaround::slack
