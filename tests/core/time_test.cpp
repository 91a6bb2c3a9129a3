#include <catch2/catch.hpp>

#include "goaround/time/clock.hpp"

using namespace goaround;
using namespace std::chrono_literals;

TEST_CASE("durations are read the way people write them") {
  CHECK(time::parse_duration("500ms") == 500ms);
  CHECK(time::parse_duration("30s") == 30s);
  CHECK(time::parse_duration("15m") == 15min);
  CHECK(time::parse_duration("1h30m") == 90min);
  CHECK_FALSE(time::parse_duration(""));
  CHECK_FALSE(time::parse_duration("15"));
  CHECK_FALSE(time::parse_duration("-5m"));
  CHECK_FALSE(time::parse_duration("5 minutes"));
}

TEST_CASE("UTC timestamps carry milliseconds and read back") {
  const auto at = time::TimePoint(1795450378123ms);
  CHECK(time::format_utc(at) == "2026-11-23T16:12:58.123Z");
  CHECK(time::parse_utc("2026-11-23T16:12:58.123Z") == at);
  CHECK_FALSE(time::parse_utc("2026-11-23 16:12:58"));
}

TEST_CASE("durations print short") {
  CHECK(time::format_duration(850ms) == "850 ms");
  CHECK(time::format_duration(2400ms) == "2.4 s");
  CHECK(time::format_duration(185s) == "3 min 5 s");
  CHECK(time::format_duration(62min) == "1 h 2 min");
}

TEST_CASE("RFC 3339 times as kubectl, helm and Argo CD print them read back as UTC") {
  const auto utc = [](std::string_view text) {
    const auto at = time::parse_rfc3339(text);
    return at ? time::format_utc(*at) : std::string("none");
  };
  CHECK(utc("2024-03-04T21:30:33Z") == "2024-03-04T21:30:33.000Z");
  CHECK(utc("2024-03-04T22:30:33.123456789+01:00") == "2024-03-04T21:30:33.123Z");
  CHECK(utc("2024-03-04T16:00:33.5-05:30") == "2024-03-04T21:30:33.500Z");
  CHECK(utc("2024-03-04T21:30:33.") == "none");
  CHECK(utc("2024-03-04T21:30:33") == "none");
  CHECK(utc("2024-02-30T21:30:33Z") == "none");
  CHECK(utc("yesterday") == "none");
  CHECK(utc("2024-03-04t21:30:33z") == "2024-03-04T21:30:33.000Z");
  CHECK(utc("2024-03-04T21:30:33+-1:00") == "none");
  CHECK(utc("2024-03-04T21:30:33+01:-5") == "none");
  CHECK(time::format_age(std::chrono::seconds(20)) == "under a minute");
  CHECK(time::format_age(std::chrono::minutes(192)) == "3 h 12 min");
  CHECK(time::format_age(std::chrono::hours(24 * 5 + 3)) == "5 days");
}
