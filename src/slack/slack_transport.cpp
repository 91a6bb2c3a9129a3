#include "goaround/slack/slack_transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "goaround/net/http_client.hpp"

namespace goaround::slack {
namespace asio = boost::asio;
namespace json = boost::json;

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::vector<std::string_view> split_for_sections(std::string_view text, std::size_t limit) {
  std::vector<std::string_view> parts;
  while (text.size() > limit) {
    auto cut = limit;
    // Never inside a UTF-8 sequence: back up to a byte that starts a character.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    // Never inside an entity (&amp;) or a link or mention (<https://…|label>, <@U1>).
    const auto chunk = text.substr(0, cut);
    const auto amp = chunk.rfind('&');
    if (amp != std::string_view::npos && chunk.find(';', amp) == std::string_view::npos && cut - amp <= 8)
      cut = amp;
    const auto open = chunk.rfind('<');
    if (open != std::string_view::npos && chunk.find('>', open) == std::string_view::npos && open > 0)
      cut = std::min(cut, open);
    // Where it reads naturally: the last line break in the last quarter.
    if (const auto newline = text.substr(0, cut).rfind('\n');
        newline != std::string_view::npos && newline >= cut - cut / 4)
      cut = newline + 1;
    if (cut == 0) cut = limit;  // one unbreakable run longer than a section: cut it anyway
    while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    if (cut == 0) cut = limit;  // not UTF-8 at all (a run of continuation bytes): cut by bytes
    parts.push_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  if (!text.empty()) parts.push_back(text);
  return parts;
}

json::array blocks(const chat::Message& message) {
  json::array out;
  // A section holds at most 3,000 characters; bytes are counted, which is stricter.
  for (const auto part : split_for_sections(message.text, 3000))
    out.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", part}}}});
  if (!message.buttons.empty()) {
    json::array elements;
    for (const auto& b : message.buttons) {
      json::object button{{"type", "button"},
                          {"text", {{"type", "plain_text"}, {"text", b.label}}},
                          {"action_id", b.action},
                          {"value", b.action}};
      if (b.style == chat::ButtonStyle::primary) button["style"] = "primary";
      if (b.style == chat::ButtonStyle::danger) button["style"] = "danger";
      elements.push_back(std::move(button));
    }
    out.push_back({{"type", "actions"}, {"elements", std::move(elements)}});
  }
  return out;
}

namespace {

// scheme://host[:port] of a URL, or "" when it is not one.
std::string origin_of(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_authority()) return {};
  return std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_authority());
}

}  // namespace

SlackTransport::SlackTransport(asio::any_io_executor executor, WebApi& api, const std::string& api_url)
    : executor_(std::move(executor)), api_(api), api_origin_(origin_of(api_url)) {}

bool SlackTransport::answerable(const std::string& reply_url) const {
  // A response_url comes inside a payload: only Slack's own hooks (or the API's own host, as
  // for an emulator) may receive what the bot says, so a forged payload cannot aim it elsewhere.
  const auto origin = origin_of(reply_url);
  return !origin.empty() && (origin == "https://hooks.slack.com" || origin == api_origin_);
}

void SlackTransport::enqueue(const std::string& conversation, Job job) {
  auto& lane = lanes_[conversation];
  lane.push_back(std::move(job));
  if (lane.size() > 1) return;  // its drain is running and will come to it
  asio::co_spawn(executor_, drain(conversation), asio::detached);
}

asio::awaitable<void> SlackTransport::drain(std::string conversation) {
  // The lane's front job is the one running; it leaves the lane when it is done.
  for (;;) {
    auto& lane = lanes_[conversation];
    // Moved out, not copied (a copy is a deep copy of the message); the emptied job holds its
    // place at the front until it is done.
    auto job = std::move(lane.front());
    try {
      co_await job();
    } catch (const std::exception& e) {
      spdlog::error("slack: a message to {} failed: {}", conversation, e.what());
    }
    auto& after = lanes_[conversation];
    after.pop_front();
    if (after.empty()) {
      lanes_.erase(conversation);
      co_return;
    }
  }
}

asio::awaitable<std::string> SlackTransport::post(const chat::Place& where, const chat::Message& message) {
  // The queue runs the post in turn; this waits on a timer that the job cancels when done.
  auto done = std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
  auto ts = std::make_shared<std::string>();
  json::object args{{"channel", where.channel}, {"text", message.text}, {"blocks", blocks(message)}};
  if (!where.thread.empty()) args["thread_ts"] = where.thread;
  enqueue(where.channel, [this, args = std::move(args), done, ts]() -> asio::awaitable<void> {
    struct Done {  // however the job ends, the caller stops waiting
      std::shared_ptr<asio::steady_timer> timer;
      ~Done() { timer->cancel(); }
    } signal{done};
    const auto reply = co_await api_.call("chat.postMessage", args);
    if (reply.ok)
      if (const auto* v = reply.body.if_contains("ts"); v && v->is_string()) *ts = v->get_string();
  });
  boost::system::error_code ignored;
  co_await done->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  co_return *ts;
}

void SlackTransport::update(const chat::Place& where, const std::string& handle, const chat::Message& message) {
  json::object args{{"channel", where.channel}, {"ts", handle}, {"text", message.text}, {"blocks", blocks(message)}};
  enqueue(where.channel, [this, args = std::move(args)]() -> asio::awaitable<void> {
    co_await api_.call("chat.update", args);
  });
}

void SlackTransport::whisper(const chat::Place& where, const chat::Person& to, const chat::Message& message) {
  json::object args{{"channel", where.channel}, {"user", to.id}, {"text", message.text}, {"blocks", blocks(message)}};
  if (!where.thread.empty()) args["thread_ts"] = where.thread;
  // The interaction's own reply address works even where the bot is not in the channel; when
  // it fails (expired, used up), chat.postEphemeral still says it.
  std::string reply_url = answerable(where.reply_url) ? where.reply_url : "";
  // A private answer is a conversation of its own: a slow hooks host holds back no card.
  enqueue(where.channel + " " + to.id, [this, args = std::move(args), reply_url]() -> asio::awaitable<void> {
    if (!reply_url.empty()) {
      json::object body{{"response_type", "ephemeral"}, {"replace_original", false},
                        {"text", args.at("text")}, {"blocks", args.at("blocks")}};
      const auto replied = co_await api_.respond(reply_url, std::move(body));
      if (replied.ok) co_return;
      spdlog::warn("slack response_url: {}; using chat.postEphemeral", replied.error);
    }
    co_await api_.call("chat.postEphemeral", args);
  });
}

void SlackTransport::attach(const chat::Place& where, const std::string& path, const std::string& title) {
  enqueue(where.channel, [this, where, path, title]() -> asio::awaitable<void> {
    // The external upload flow: get an upload URL, send the bytes there, then share the file.
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto name = std::filesystem::path(path).filename().string();
    const auto slot = co_await api_.call("files.getUploadURLExternal",
                                         {{"filename", name}, {"length", bytes.size()}});
    if (!slot.ok) co_return;
    const auto* url = slot.body.if_contains("upload_url");
    const auto* id = slot.body.if_contains("file_id");
    if (!url || !url->is_string() || !id || !id->is_string()) co_return;
    co_await net::http_request({"POST", std::string(url->get_string()),
                                {{"Content-Type", "application/octet-stream"}}, bytes,
                                std::chrono::seconds(30)});
    json::object complete{{"files", json::array{{{"id", id->get_string()}, {"title", title}}}},
                          {"channel_id", where.channel}};
    if (!where.thread.empty()) complete["thread_ts"] = where.thread;
    co_await api_.call("files.completeUploadExternal", complete);
  });
}

void SlackTransport::react(const chat::Place& where, const std::string& handle, const std::string& emoji) {
  json::object args{{"channel", where.channel}, {"timestamp", handle}, {"name", emoji}};
  enqueue(where.channel, [this, args = std::move(args)]() -> asio::awaitable<void> {
    co_await api_.call("reactions.add", args);
  });
}

void SlackTransport::pin(const chat::Place& where, const std::string& handle) {
  json::object args{{"channel", where.channel}, {"timestamp", handle}};
  enqueue(where.channel, [this, args = std::move(args)]() -> asio::awaitable<void> {
    co_await api_.call("pins.add", args);
  });
}

asio::awaitable<bool> SlackTransport::open_form(const chat::Place& where, const chat::Person&,
                                                const chat::Form& form) {
  if (where.form_key.empty()) co_return false;
  json::array inputs;
  for (const auto& field : form.fields) {
    json::object element{{"type", "plain_text_input"}, {"action_id", field.id}, {"multiline", field.multiline}};
    if (!field.initial.empty()) element["initial_value"] = field.initial;
    inputs.push_back({{"type", "input"},
                      {"block_id", field.id},
                      {"optional", true},
                      {"label", {{"type", "plain_text"}, {"text", field.label}}},
                      {"element", std::move(element)}});
  }
  json::object view{{"type", "modal"},
                    {"callback_id", form.action},
                    {"title", {{"type", "plain_text"}, {"text", form.title.substr(0, 24)}}},
                    {"submit", {{"type", "plain_text"}, {"text", form.submit}}},
                    {"close", {{"type", "plain_text"}, {"text", "Cancel"}}},
                    // Where the answer goes once the form is submitted.
                    {"private_metadata", json::serialize(json::object{{"channel", where.channel}, {"thread", where.thread}})},
                    {"blocks", std::move(inputs)}};
  // Not through the queue: the trigger expires about 3 s after the click.
  const auto reply = co_await api_.call("views.open", {{"trigger_id", where.form_key}, {"view", std::move(view)}});
  co_return reply.ok;
}

}  // namespace goaround::slack
