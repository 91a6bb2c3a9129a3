#include "support/slack_emulator.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace goaround::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct SlackEmulator::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::thread thread;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<Call> calls;
  std::vector<json::value> frames;
  std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> sockets;
  int connections = 0;
  long next_ts = 1;
  std::map<std::string, int> rate_limited;  // method → Retry-After seconds, once
  std::map<std::string, std::chrono::steady_clock::time_point> acked;
  std::map<std::string, std::vector<std::string>> groups;

  unsigned short port() const { return acceptor.local_endpoint().port(); }

  json::object answer(const std::string& method, const std::string& authorization,
                      const json::value& body) {
    const bool app_token = authorization.rfind("Bearer xapp-", 0) == 0;
    const bool bot_token = authorization.rfind("Bearer xoxb-", 0) == 0;
    if (method == "apps.connections.open") {
      if (!app_token) return {{"ok", false}, {"error", "invalid_auth"}};
      return {{"ok", true},
              {"url", "ws://127.0.0.1:" + std::to_string(port()) + "/link/?ticket=t" +
                          std::to_string(next_ts++)}};
    }
    if (!bot_token) return {{"ok", false}, {"error", "not_authed"}};
    const auto* args = body.if_object();
    const auto channel = args && args->if_contains("channel") ? args->at("channel") : json::value("C0");
    if (method == "chat.postMessage") {
      return {{"ok", true}, {"channel", channel}, {"ts", "1700000000." + std::to_string(100000 + next_ts++)}};
    }
    if (method == "chat.update" || method == "chat.postEphemeral" || method == "files.completeUploadExternal")
      return {{"ok", true}};
    if (method == "files.getUploadURLExternal")
      return {{"ok", true},
              {"upload_url", "http://127.0.0.1:" + std::to_string(port()) + "/upload/F1"},
              {"file_id", "F1"}};
    if (method == "auth.test") return {{"ok", true}, {"user_id", "U0BOT"}, {"team_id", "T111"}, {"bot_id", "B0BOT"}};
    if (method == "usergroups.users.list") {
      json::array users;
      const auto group = args && args->if_contains("usergroup") ? std::string(args->at("usergroup").as_string()) : "";
      if (const auto it = groups.find(group); it != groups.end())
        for (const auto& u : it->second) users.push_back(json::string(u));
      return {{"ok", true}, {"users", std::move(users)}};
    }
    return {{"ok", false}, {"error", "unknown_method"}};
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (websocket::is_upgrade(request)) {
        auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(stream));
        co_await ws->async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        // hello goes out before the connection is offered to deliveries: one writer at a time.
        const std::string hello = R"({"type":"hello","num_connections":1,"debug_info":{"host":"applink-emulator"},"connection_info":{"app_id":"A111"}})";
        co_await ws->async_write(asio::buffer(hello), asio::redirect_error(asio::use_awaitable, ec));
        {
          std::lock_guard lock(mutex);
          sockets.push_back(ws);
          ++connections;
        }
        changed.notify_all();
        for (;;) {
          beast::flat_buffer frame;
          co_await ws->async_read(frame, asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;
          const auto arrived = std::chrono::steady_clock::now();
          json::error_code jec;
          auto value = json::parse(beast::buffers_to_string(frame.data()), jec);
          std::lock_guard lock(mutex);
          if (!jec && value.is_object())
            if (const auto* id = value.as_object().if_contains("envelope_id"); id && id->is_string())
              acked.emplace(std::string(id->get_string()), arrived);
          frames.push_back(jec ? json::value(beast::buffers_to_string(frame.data())) : value);
          changed.notify_all();
        }
        co_return;
      }
      http::response<http::string_body> response{http::status::ok, request.version()};
      response.set(http::field::content_type, "application/json");
      const std::string target(request.target());
      if (target.rfind("/api/", 0) == 0) {
        const auto method = target.substr(5);
        json::error_code jec;
        const auto body = json::parse(request.body(), jec);
        const std::string authorization(request[http::field::authorization]);
        json::object reply;
        {
          std::lock_guard lock(mutex);
          calls.push_back({method, authorization, jec ? json::value() : body});
          if (const auto it = rate_limited.find(method); it != rate_limited.end()) {
            response.result(http::status::too_many_requests);
            response.set(http::field::retry_after, std::to_string(it->second));
            reply = {{"ok", false}, {"error", "ratelimited"}};
            rate_limited.erase(it);
          } else {
            reply = answer(method, authorization, body);
          }
          changed.notify_all();
        }
        response.body() = json::serialize(reply);
      } else {
        response.body() = "OK";
      }
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !request.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  // One write at a time per websocket (Beast's rule): frames wait in an outbox.
  std::map<void*, std::deque<std::string>> outbox;
  std::map<void*, bool> writing;
  void flush(const std::shared_ptr<websocket::stream<beast::tcp_stream>>& ws) {
    auto& queue = outbox[ws.get()];
    if (writing[ws.get()] || queue.empty()) return;
    writing[ws.get()] = true;
    auto text = std::make_shared<std::string>(std::move(queue.front()));
    queue.pop_front();
    ws->async_write(asio::buffer(*text), [this, ws, text](boost::system::error_code ec, std::size_t) {
      writing[ws.get()] = false;
      if (!ec) flush(ws);
    });
  }

  template <typename T, typename Ready>
  bool wait(const std::vector<T>& items, Ready ready, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return ready(items); });
  }
};

SlackEmulator::SlackEmulator() : impl_(std::make_unique<Impl>()) {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

SlackEmulator::~SlackEmulator() {
  asio::post(impl_->io, [this] {
    impl_->acceptor.close();
    for (auto& ws : impl_->sockets) beast::get_lowest_layer(*ws).close();
  });
  impl_->io.stop();
  impl_->thread.join();
}

std::string SlackEmulator::api_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port()) + "/api/";
}

bool SlackEmulator::deliver(const json::value& envelope) {
  return deliver_text(json::serialize(envelope));
}

void SlackEmulator::rate_limit_next(const std::string& method, int seconds) {
  std::lock_guard lock(impl_->mutex);
  impl_->rate_limited[method] = seconds;
}

void SlackEmulator::set_group(const std::string& group, std::vector<std::string> members) {
  std::lock_guard lock(impl_->mutex);
  impl_->groups[group] = std::move(members);
}

bool SlackEmulator::deliver_text(const std::string& frame) {
  std::shared_ptr<websocket::stream<beast::tcp_stream>> ws;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->sockets.empty()) return false;
    ws = impl_->sockets.back();
  }
  asio::post(impl_->io, [this, ws, frame] {
    impl_->outbox[ws.get()].push_back(frame);
    impl_->flush(ws);
  });
  return true;
}

bool SlackEmulator::wait_for_call(const std::function<bool(const std::vector<Call>&)>& ready,
                                  std::chrono::milliseconds limit) {
  return impl_->wait(impl_->calls, ready, limit);
}

bool SlackEmulator::wait_for_frame(const std::function<bool(const std::vector<json::value>&)>& ready,
                                   std::chrono::milliseconds limit) {
  return impl_->wait(impl_->frames, ready, limit);
}

bool SlackEmulator::wait_for_connections(int count, std::chrono::milliseconds limit) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, limit, [&] { return impl_->connections >= count; });
}

std::map<std::string, std::chrono::steady_clock::time_point> SlackEmulator::ack_times() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->acked;
}

std::vector<SlackEmulator::Call> SlackEmulator::calls() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->calls;
}

std::vector<json::value> SlackEmulator::frames() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->frames;
}

int SlackEmulator::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace goaround::testing
