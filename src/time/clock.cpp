#include "goaround/time/clock.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace goaround::time {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_utc(TimePoint at) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(at.time_since_epoch());
  const auto secs = floor<seconds>(ms);
  const std::time_t t = secs.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

std::string format_readable(TimePoint at, TimePoint now) {
  const auto stamp = format_utc(at);
  const auto time = stamp.substr(11, 8) + " UTC";
  return stamp.substr(0, 10) == format_utc(now).substr(0, 10) ? time : stamp.substr(0, 10) + " " + time;
}

std::string readable(std::string_view stored, TimePoint now) {
  const auto at = parse_utc(stored);
  return at ? format_readable(*at, now) : std::string(stored);
}

std::optional<TimePoint> parse_utc(std::string_view text) {
  // Fixed layout YYYY-MM-DDTHH:MM:SS.mmmZ, read by position: timelines parse many of these.
  if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != '.' || text[23] != 'Z')
    return std::nullopt;
  const auto field = [&](std::size_t at, std::size_t len) -> int {
    int value = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int y = field(0, 4), mo = field(5, 2), d = field(8, 2), h = field(11, 2),
            mi = field(14, 2), s = field(17, 2), ms = field(20, 3);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      s < 0 || s > 60 || ms < 0)
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;  // 31 February and friends
  const auto date = sys_days(ymd);
  return time_point_cast<system_clock::duration>(date + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms));
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) return std::nullopt;
  milliseconds total{0};
  while (!text.empty()) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data() || value < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    std::size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len])))
      ++unit_len;
    const auto unit = text.substr(0, unit_len);
    text.remove_prefix(unit_len);
    if (unit == "ms") total += milliseconds(value);
    else if (unit == "s") total += seconds(value);
    else if (unit == "m") total += minutes(value);
    else if (unit == "h") total += hours(value);
    else if (unit == "d") total += hours(24 * value);  // practice_every: 30d
    else return std::nullopt;
  }
  return total;
}

std::string format_duration(std::chrono::milliseconds d) {
  using namespace std::chrono;
  char buf[48];
  const auto ms = d.count();
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  else if (ms < 60'000) std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  else if (ms < 3'600'000 && ms % 60'000 < 1000)
    std::snprintf(buf, sizeof buf, "%lld min", static_cast<long long>(ms / 60'000));  // "2 min", not "2 min 0 s"
  else if (ms < 3'600'000)
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>(ms % 60'000 / 1000));
  else if (ms % 3'600'000 < 60'000)
    std::snprintf(buf, sizeof buf, "%lld h", static_cast<long long>(ms / 3'600'000));
  else
    std::snprintf(buf, sizeof buf, "%lld h %lld min", static_cast<long long>(ms / 3'600'000),
                  static_cast<long long>(ms % 3'600'000 / 60'000));
  return buf;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  // Written by hand: libstdc++ 12 has no std::chrono::parse. The date and time are format_utc's
  // layout; the fraction has any number of digits and the zone is Z or ±HH:MM.
  if (text.size() < 20) return std::nullopt;
  std::size_t at = 19;
  int ms = 0, digits = 0;
  if (at < text.size() && text[at] == '.') {
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at, ++digits)
      if (digits < 3) ms = ms * 10 + (text[at] - '0');
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) ms *= 10;
  }
  std::chrono::minutes offset{0};
  const auto zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(zone[i])) != 0; };
    if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return std::nullopt;
    const int h = (zone[1] - '0') * 10 + (zone[2] - '0'), m = (zone[4] - '0') * 10 + (zone[5] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    offset = std::chrono::minutes((zone[0] == '-' ? -1 : 1) * (h * 60 + m));
  } else {
    return std::nullopt;
  }
  char stamp[25];
  std::snprintf(stamp, sizeof stamp, "%.19s.%03dZ", text.data(), ms);
  if (stamp[10] == 't' || stamp[10] == ' ') stamp[10] = 'T';  // RFC 3339 allows either
  const auto local = parse_utc(stamp);
  if (!local) return std::nullopt;
  return *local - offset;
}

std::string format_age(std::chrono::milliseconds age) {
  using namespace std::chrono;
  if (age < minutes(1)) return "under a minute";
  if (age < hours(48)) return format_duration(duration_cast<minutes>(age));
  return std::to_string(duration_cast<hours>(age).count() / 24) + " days";
}

std::string format_phase(std::chrono::milliseconds d) {
  return d < std::chrono::minutes(1) ? format_duration(d) : format_age(d);
}

TimePoint stored_time(std::string_view text) { return parse_utc(text).value_or(TimePoint{}); }

}  // namespace goaround::time
