#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace goaround::time {

using TimePoint = std::chrono::system_clock::time_point;

// Wall-clock source for everything the bot timestamps; tests substitute a ManualClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(std::chrono::milliseconds by) { now_ += by; }

 private:
  TimePoint now_;
};

// Wall-clock Unix milliseconds: for what other processes compare (heartbeats), so never a
// test's ManualClock.
std::int64_t unix_ms();

// "2026-11-23T16:12:58.123Z": UTC with milliseconds, sortable as text.
std::string format_utc(TimePoint at);
// A time as people read it: "14:05:09 UTC", with the date ("2026-11-22 14:05:09 UTC") when it is
// not today's (in UTC) at `now`. Exports keep format_utc.
std::string format_readable(TimePoint at, TimePoint now);
// The same for a stored timestamp; the text itself when it is not one.
std::string readable(std::string_view stored, TimePoint now);
// The inverse of format_utc; nullopt for anything else.
std::optional<TimePoint> parse_utc(std::string_view text);
// An RFC 3339 time as tools print it ("2024-03-04T21:30:33Z", helm's
// "2024-03-04T22:30:33.123456789+01:00"); nullopt for anything else.
std::optional<TimePoint> parse_rfc3339(std::string_view text);
// How long ago, as people say it: "4 min", "3 h 12 min", "5 days".
std::string format_age(std::chrono::milliseconds age);
// A stored timestamp (always format_utc's); the epoch for one that is not.
TimePoint stored_time(std::string_view text);

// "500ms", "30s", "15m", "2h", "1h30m"; nullopt for anything else (including negatives).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// A short human form: "850 ms", "2.4 s", "3 min 5 s", "1 h 2 min".
std::string format_duration(std::chrono::milliseconds d);
// A measured phase (a drill's execution, its verification): "850 ms", "41.2 s" under a
// minute, else as format_age ("3 min").
std::string format_phase(std::chrono::milliseconds d);

}  // namespace goaround::time
