#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "goaround/verify/verify.hpp"
#include "support/prometheus.hpp"

using namespace goaround;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

template <typename T>
T wait_for(asio::awaitable<T> task) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  io.run();
  return std::move(*out);
}

testing::RealPrometheus& prometheus() {
  static testing::RealPrometheus server;  // one per test run: it takes a second to start
  return server;
}

}  // namespace


TEST_CASE("a health URL must answer with the expected status") {
  const auto ok = wait_for(verify::check_health(prometheus().url() + "/-/healthy", 200, 5s));
  CHECK(ok.passed);
  CHECK(ok.detail == "answered 200");
  const auto wrong = wait_for(verify::check_health(prometheus().url() + "/no/such/page", 200, 5s));
  CHECK_FALSE(wrong.passed);
  CHECK(wrong.detail == "answered 404, expected 200");
}

TEST_CASE("a health URL that does not answer fails with the reason") {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto closed_port = probe.local_endpoint().port();
  probe.close();
  const auto refused = wait_for(
      verify::check_health("http://127.0.0.1:" + std::to_string(closed_port) + "/healthz", 200, 2s));
  CHECK_FALSE(refused.passed);
  CHECK_THAT(refused.detail, Contains("cannot connect to 127.0.0.1"));
  const auto bad = wait_for(verify::http_get("ftp://example/", 2s));
  CHECK_THAT(bad.error, Contains("is not an http(s) URL"));
}

TEST_CASE("a Prometheus instant query returns its value from the real server") {
  const auto vector = wait_for(verify::prometheus_query(prometheus().url(), "vector(0.004)", 5s));
  REQUIRE(vector.value);
  CHECK(*vector.value == Approx(0.004));
  const auto scalar = wait_for(verify::prometheus_query(prometheus().url(), "scalar(vector(2.5))", 5s));
  REQUIRE(scalar.value);
  CHECK(*scalar.value == Approx(2.5));
}

TEST_CASE("a failing or empty query never counts as a good value") {
  const auto empty = wait_for(verify::prometheus_query(prometheus().url(), "metric_nobody_exports", 5s));
  CHECK_FALSE(empty.value);
  CHECK(empty.error == "the query returned no data");
  const auto broken = wait_for(verify::prometheus_query(prometheus().url(), "sum(", 5s));
  CHECK_FALSE(broken.value);
  CHECK_THAT(broken.error, Contains("the query failed: "));
  const auto check = wait_for(verify::check_metric_below(prometheus().url(), "metric_nobody_exports", 1.0, 5s));
  CHECK_FALSE(check.passed);
}

TEST_CASE("a metric check passes only below its threshold") {
  const auto below = wait_for(verify::check_metric_below(prometheus().url(), "vector(0.004)", 0.01, 5s));
  CHECK(below.passed);
  CHECK(below.detail == "`vector(0.004)` = 0.004");
  const auto above = wait_for(verify::check_metric_below(prometheus().url(), "vector(0.2)", 0.05, 5s));
  CHECK_FALSE(above.passed);
  CHECK(above.name == "metric below 0.05");
}
