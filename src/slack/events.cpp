#include "goaround/slack/events.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <chrono>

#include "goaround/model/json_path.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::slack {
namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

}  // namespace

std::optional<std::string> ts_to_utc(std::string_view ts) {
  const auto dot = ts.find('.');
  long long seconds = 0, micros = 0;
  const auto whole = ts.substr(0, dot);
  const auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (ec != std::errc{} || end != whole.data() + whole.size()) return std::nullopt;
  // Unix seconds that a time point (nanoseconds in 64 bits, to the year 2262) can hold; Slack's
  // own are ten digits.
  if (seconds < 0 || seconds > 9'000'000'000LL) return std::nullopt;
  if (dot != std::string_view::npos) {
    auto fraction = std::string(ts.substr(dot + 1));
    if (fraction.empty() || fraction.size() > 6 ||
        fraction.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    fraction.resize(6, '0');
    std::from_chars(fraction.data(), fraction.data() + 6, micros);
  }
  return time::format_utc(time::TimePoint(std::chrono::seconds(seconds) +
                                          std::chrono::microseconds(micros)));
}

std::optional<chat::ChannelEvent> decode_channel_event(const json::value& envelope) {
  const auto* outer = envelope.if_object();
  if (!outer) return std::nullopt;
  // Either the Socket Mode envelope or the event_callback payload itself.
  const auto* payload = object_at(*outer, "payload") ? object_at(*outer, "payload") : outer;
  const auto* event = object_at(*payload, "event");
  if (!event) return std::nullopt;
  const auto type = model::text_at(*event, {"type"});
  chat::ChannelEvent out;
  if (type == "message") {
    const auto subtype = model::text_at(*event, {"subtype"});
    out.channel = model::text_at(*event, {"channel"});
    out.from_bot = event->contains("bot_id") || subtype == "bot_message";
    if (subtype == "message_changed") {
      const auto* message = object_at(*event, "message");
      if (!message) return std::nullopt;
      out.kind = chat::ChannelEvent::Kind::message_changed;
      out.user = model::text_at(*message, {"user"});
      out.text = model::text_at(*message, {"text"});
      out.ts = model::text_at(*message, {"ts"});
      out.thread_ts = model::text_at(*message, {"thread_ts"});
      out.from_bot = message->contains("bot_id");
    } else if (subtype == "message_deleted") {
      out.kind = chat::ChannelEvent::Kind::message_deleted;
      out.ts = model::text_at(*event, {"deleted_ts"});
    } else if (subtype.empty() || subtype == "thread_broadcast" || subtype == "file_share") {
      out.kind = chat::ChannelEvent::Kind::message;
      out.user = model::text_at(*event, {"user"});
      out.text = model::text_at(*event, {"text"});
      out.ts = model::text_at(*event, {"ts"});
      out.thread_ts = model::text_at(*event, {"thread_ts"});
    } else {
      return std::nullopt;  // joins, topic changes and the like are not the scribe's
    }
  } else if (type == "reaction_added" || type == "reaction_removed") {
    const auto* item = object_at(*event, "item");
    if (!item || model::text_at(*item, {"type"}) != "message") return std::nullopt;
    out.kind = type == "reaction_added" ? chat::ChannelEvent::Kind::reaction_added
                                        : chat::ChannelEvent::Kind::reaction_removed;
    out.user = model::text_at(*event, {"user"});
    out.reaction = model::text_at(*event, {"reaction"});
    out.channel = model::text_at(*item, {"channel"});
    out.ts = model::text_at(*item, {"ts"});
  } else {
    return std::nullopt;
  }
  const auto at = ts_to_utc(out.ts);
  if (out.channel.empty() || out.ts.empty() || !at) return std::nullopt;
  out.at = *at;
  return out;
}

}  // namespace goaround::slack
