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
