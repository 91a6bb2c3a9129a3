#include "support/slack_emulator.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "goaround/slack/scheduling.hpp"

namespace goaround::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Socket = websocket::stream<beast::tcp_stream>;

struct SlackEmulator::Impl {
  // One websocket. Touched on the io thread, except the record (guarded by `mutex`).
  struct Link {
    Connection record;
    std::shared_ptr<Socket> ws;
    std::deque<std::optional<std::string>> outbox;  // text frames; nothing = a close frame
    bool writing = false;
    bool ended = false;  // dropped, closed or frozen: nothing more is written
  };
  struct SlowAck {
    std::chrono::milliseconds deadline;
    bool new_envelope_id;
  };

  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  std::thread thread;
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<Call> calls;
  std::vector<json::value> frames;
  std::vector<std::shared_ptr<Link>> links;  // by connection id
  int connections = 0;
  int api_connections = 0;
  bool drop_next_request = false;  // drop_next_api_request()
  // HTTP connections that carried /api/ or /response/ requests; touched on the io thread only.
  std::vector<std::weak_ptr<beast::tcp_stream>> api_streams;
  long next_ts = 1;
  std::map<std::string, int> rate_limited;  // method → Retry-After seconds, once
  std::map<std::string, std::chrono::steady_clock::time_point> acked;
  std::map<std::string, std::vector<std::string>> groups;
  std::optional<SlowAck> slow_next;
  std::multiset<std::string> ignore_ack;  // envelope ids whose next ack counts as late
  std::vector<std::string> ignored;
  unsigned short link_port = 0;  // hand_out_links_of(): another emulator's websocket; 0: our own

  unsigned short port() const { return acceptor.local_endpoint().port(); }

  json::object answer(const std::string& method, const std::string& authorization,
                      const json::value& body) {
    const bool app_token = authorization.rfind("Bearer xapp-", 0) == 0;
    const bool bot_token = authorization.rfind("Bearer xoxb-", 0) == 0;
    if (method == "apps.connections.open") {
      if (!app_token) return {{"ok", false}, {"error", "invalid_auth"}};
      return {{"ok", true},
              {"url", "ws://127.0.0.1:" + std::to_string(link_port ? link_port : port()) +
                          "/link/?ticket=t" + std::to_string(next_ts++)}};
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

  // The link ended (the bot closed it, or we did); a frozen link never ends this way.
  void ended(Link& link) {
    link.ended = true;
    {
      std::lock_guard lock(mutex);
      if (!link.record.closed && !link.record.frozen) link.record.closed = Clock::now();
    }
    changed.notify_all();
  }

  void received(const beast::flat_buffer& frame) {
    const auto arrived = std::chrono::steady_clock::now();
    const auto text = beast::buffers_to_string(frame.data());
    json::error_code jec;
    auto value = json::parse(text, jec);
    std::lock_guard lock(mutex);
    if (!jec && value.is_object())
      if (const auto* id = value.as_object().if_contains("envelope_id"); id && id->is_string()) {
        const std::string envelope_id(id->get_string());
        if (const auto late = ignore_ack.find(envelope_id); late != ignore_ack.end()) {
          ignore_ack.erase(late);  // as if it came after the deadline: the redelivery follows
          ignored.push_back(envelope_id);
        } else {
          acked.emplace(envelope_id, arrived);
        }
      }
    frames.push_back(jec ? json::value(text) : value);
    changed.notify_all();
  }

  asio::awaitable<void> session(tcp::socket socket) {
    // Shared so that drop_api_connections() can close it; the session owns it.
    auto held = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto& stream = *held;
    beast::flat_buffer buffer;
    bool counted = false;  // in api_connections
    int answered = 0;      // requests answered on this connection
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (websocket::is_upgrade(request)) {
        auto link = std::make_shared<Link>();
        link->ws = std::make_shared<Socket>(std::move(stream));
        auto& ws = *link->ws;
        co_await ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        // hello goes out before the connection is offered to deliveries: one writer at a time.
        const std::string hello = R"({"type":"hello","num_connections":1,"debug_info":{"host":"applink-emulator"},"connection_info":{"app_id":"A111"}})";
        co_await ws.async_write(asio::buffer(hello), asio::redirect_error(asio::use_awaitable, ec));
        {
          std::lock_guard lock(mutex);
          link->record.id = static_cast<int>(links.size());
          link->record.opened = Clock::now();
          links.push_back(link);
          ++connections;
        }
        changed.notify_all();
        for (;;) {
          beast::flat_buffer frame;
          co_await ws.async_read(frame, asio::redirect_error(asio::use_awaitable, ec));
          if (ec) break;  // closed, dropped, or cancelled by freeze_connection()
          received(frame);
        }
        ended(*link);
        co_return;
      }
      http::response<http::string_body> response{http::status::ok, request.version()};
      response.set(http::field::content_type, "application/json");
      const std::string target(request.target());
      const bool api = target.rfind("/api/", 0) == 0;
      const bool respond = target.rfind("/response/", 0) == 0;
      if (api || respond) {
        bool drop = false;
        bool first = false;
        {
          std::lock_guard lock(mutex);
          if (answered > 0 && drop_next_request) {
            drop_next_request = false;
            drop = true;
          } else if (!counted) {
            counted = first = true;
            ++api_connections;
          }
        }
        if (drop) {  // as if the server closed the idle connection as the request crossed it
          stream.socket().shutdown(tcp::socket::shutdown_both, ec);
          stream.socket().close(ec);
          co_return;
        }
        if (first) {
          std::erase_if(api_streams, [](const auto& weak) { return weak.expired(); });
          api_streams.push_back(held);
        }
      }
      if (respond) {
        json::error_code jec;
        const auto body = json::parse(request.body(), jec);
        {
          std::lock_guard lock(mutex);
          calls.push_back({"response_url", std::string(request[http::field::authorization]),
                           jec ? json::value() : body, target});
          changed.notify_all();
        }
        response.set(http::field::content_type, "text/plain");
        // What Slack's response_url answers; one past its 30 minutes (an id starting
        // "expired") answers 404 expired_url.
        if (target.rfind("/response/expired", 0) == 0) {
          response.result(http::status::not_found);
          response.body() = "expired_url";
        } else {
          response.body() = "ok";
        }
      } else if (api) {
        const auto method = target.substr(5);
        json::error_code jec;
        const auto body = json::parse(request.body(), jec);
        const std::string authorization(request[http::field::authorization]);
        json::object reply;
        {
          std::lock_guard lock(mutex);
          calls.push_back({method, authorization, jec ? json::value() : body, target});
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
      ++answered;
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      // As Slack's edge and Node's `ws` do: frames leave at once, never held back by Nagle
      // until the bot's delayed ACK of the previous one (that once cost the peer ~20 ms p99).
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  // One write at a time per websocket (Beast's rule): frames wait in the link's outbox.
  void flush(const std::shared_ptr<Link>& link) {
    if (link->writing || link->ended || link->outbox.empty()) return;
    link->writing = true;
    auto item = std::move(link->outbox.front());
    link->outbox.pop_front();
    if (!item) {
      link->ws->async_close(websocket::close_reason(websocket::close_code::going_away),
                            [link](boost::system::error_code) { link->writing = false; });
      return;
    }
    auto text = std::make_shared<std::string>(std::move(*item));
    link->ws->async_write(asio::buffer(*text), [this, link, text](boost::system::error_code ec, std::size_t) {
      link->writing = false;
      if (!ec) flush(link);
    });
  }

  // Called with `mutex` held.
  std::shared_ptr<Link> latest_live() const {
    for (auto it = links.rbegin(); it != links.rend(); ++it)
      if (!(*it)->record.closed && !(*it)->record.frozen) return *it;
    return nullptr;
  }
  std::shared_ptr<Link> live(int id) const {
    if (id < 0 || id >= static_cast<int>(links.size())) return nullptr;
    const auto& link = links[static_cast<std::size_t>(id)];
    return link->record.closed || link->record.frozen ? nullptr : link;
  }

  void send(const std::shared_ptr<Link>& link, std::optional<std::string> frame) {
    asio::post(io, [this, link, frame = std::move(frame)] {
      link->outbox.push_back(frame);
      flush(link);
    });
  }

  // Remembers a slow ack for this envelope when one was asked for, and schedules its redelivery.
  void maybe_slow(const json::value& envelope) {
    const auto* object = envelope.if_object();
    const auto* id = object ? object->if_contains("envelope_id") : nullptr;
    if (!id || !id->is_string()) return;
    SlowAck slow;
    {
      std::lock_guard lock(mutex);
      if (!slow_next) return;
      slow = *slow_next;
      slow_next.reset();
      ignore_ack.insert(std::string(id->get_string()));
    }
    auto again = *object;
    again["retry_attempt"] = 1;
    again["retry_reason"] = "timeout";
    if (slow.new_envelope_id) again["envelope_id"] = std::string(id->get_string()) + "-retry1";
    auto timer = std::make_shared<asio::steady_timer>(io, slow.deadline);
    timer->async_wait([this, timer, frame = json::serialize(again)](boost::system::error_code ec) {
      if (ec) return;
      std::shared_ptr<Link> link;
      {
        std::lock_guard lock(mutex);
        link = latest_live();
      }
      if (link) send(link, frame);
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
  impl_->thread = std::thread([this] {
    // Slack's edge runs on machines of its own; the emulator shares the bot's cores. With the
    // short slice its reading of an ack does not wait out the slice of whatever else runs (its
    // Web API thread answering the bot, the bot's work), which measured the harness, not the bot.
    goaround::slack::prefer_for_acks();
    impl_->io.run();
  });
}

SlackEmulator::~SlackEmulator() {
  std::promise<void> closed;
  asio::post(impl_->io, [this, &closed] {
    impl_->acceptor.close();
    std::lock_guard lock(impl_->mutex);
    for (auto& link : impl_->links) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*link->ws).socket().close(ignored);
    }
    closed.set_value();
  });
  closed.get_future().wait();  // every socket closed (frozen ones too) before the loop stops
  impl_->io.stop();
  impl_->thread.join();
}

std::string SlackEmulator::api_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port()) + "/api/";
}

std::string SlackEmulator::response_url(const std::string& id) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port()) + "/response/" + id;
}

int SlackEmulator::drop_api_connections() {
  std::promise<int> dropped;
  asio::post(impl_->io, [this, &dropped] {
    int count = 0;
    for (auto& weak : impl_->api_streams)
      if (auto stream = weak.lock(); stream && stream->socket().is_open()) {
        boost::system::error_code ignored;
        stream->socket().shutdown(tcp::socket::shutdown_both, ignored);  // FIN
        stream->socket().close(ignored);
        ++count;
      }
    impl_->api_streams.clear();
    dropped.set_value(count);
  });
  return dropped.get_future().get();
}

void SlackEmulator::hand_out_links_of(const SlackEmulator& other) {
  std::lock_guard lock(impl_->mutex);
  impl_->link_port = other.impl_->port();
}

void SlackEmulator::drop_next_api_request() {
  std::lock_guard lock(impl_->mutex);
  impl_->drop_next_request = true;
}

// Slack hands out response_urls on its own hooks host; the emulator hands out its own, so a
// payload recorded from Slack answers here instead of on the internet.
json::value SlackEmulator::localized(const json::value& envelope) const {
  auto copy = envelope;
  auto* payload = copy.is_object() ? copy.as_object().if_contains("payload") : nullptr;
  auto* url = payload && payload->is_object() ? payload->as_object().if_contains("response_url") : nullptr;
  if (url && url->is_string() && url->get_string().starts_with("https://hooks.slack.com/")) {
    const auto* id = copy.as_object().if_contains("envelope_id");
    *url = response_url(id && id->is_string() ? std::string(id->get_string()) : "envelope");
  }
  return copy;
}

bool SlackEmulator::deliver(const json::value& given) {
  const auto envelope = localized(given);
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->latest_live();
  }
  if (!link) return false;
  impl_->maybe_slow(envelope);
  impl_->send(link, json::serialize(envelope));
  return true;
}

bool SlackEmulator::deliver_on(int id, const json::value& given) {
  const auto envelope = localized(given);
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->live(id);
  }
  if (!link) return false;
  impl_->maybe_slow(envelope);
  impl_->send(link, json::serialize(envelope));
  return true;
}

bool SlackEmulator::deliver_text(const std::string& frame) {
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->latest_live();
  }
  if (!link) return false;
  impl_->send(link, frame);
  return true;
}

void SlackEmulator::rate_limit_next(const std::string& method, int seconds) {
  std::lock_guard lock(impl_->mutex);
  impl_->rate_limited[method] = seconds;
}

void SlackEmulator::set_group(const std::string& group, std::vector<std::string> members) {
  std::lock_guard lock(impl_->mutex);
  impl_->groups[group] = std::move(members);
}

std::optional<int> SlackEmulator::drop_connection() {
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->latest_live();
    if (!link) return std::nullopt;
    link->record.closed = Clock::now();  // from now on nothing is delivered there
  }
  impl_->changed.notify_all();
  // After whatever was delivered before: those frames may or may not reach the bot.
  asio::post(impl_->io, [this, link] {
    link->ended = true;
    auto& socket = beast::get_lowest_layer(*link->ws).socket();
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::linger(true, 0), ignored);  // RST, not FIN
    socket.close(ignored);
  });
  return link->record.id;
}

bool SlackEmulator::close_connection_after(int id, std::chrono::milliseconds delay) {
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->live(id);
  }
  if (!link) return false;
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait([this, timer, link](boost::system::error_code ec) {
    if (!ec) impl_->send(link, std::nullopt);
  });
  return true;
}

std::optional<int> SlackEmulator::freeze_connection() {
  std::shared_ptr<Impl::Link> link;
  {
    std::lock_guard lock(impl_->mutex);
    link = impl_->latest_live();
    if (!link) return std::nullopt;
    link->record.frozen = Clock::now();
  }
  impl_->changed.notify_all();
  asio::post(impl_->io, [link] {
    // Stop reading: Beast only answers pings from inside a read. The socket stays open.
    link->ended = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(*link->ws).socket().cancel(ignored);
  });
  return link->record.id;
}

void SlackEmulator::slow_ack_next(std::chrono::milliseconds deadline, bool new_envelope_id) {
  std::lock_guard lock(impl_->mutex);
  impl_->slow_next = Impl::SlowAck{deadline, new_envelope_id};
}

std::vector<std::string> SlackEmulator::ignored_acks() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ignored;
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

bool SlackEmulator::wait_for_closed(int id, std::chrono::milliseconds limit) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, limit, [&] {
    return id >= 0 && id < static_cast<int>(impl_->links.size()) &&
           impl_->links[static_cast<std::size_t>(id)]->record.closed.has_value();
  });
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

int SlackEmulator::api_connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->api_connections;
}

std::vector<SlackEmulator::Connection> SlackEmulator::connection_log() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<Connection> log;
  for (const auto& link : impl_->links) log.push_back(link->record);
  return log;
}

}  // namespace goaround::testing
