#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "goaround/exec/adapter.hpp"

namespace goaround::verify {

struct HttpResponse {
  std::optional<int> status;  // set when the server answered
  std::string body;
  std::string error;  // why there is no answer: refused, timed out, bad URL, TLS
};

// GET a URL (http, or https with SNI and certificate verification against the system CAs).
boost::asio::awaitable<HttpResponse> http_get(std::string url, std::chrono::milliseconds timeout);

// The service answers its health URL with the expected status code.
boost::asio::awaitable<exec::Check> check_health(std::string url, int expect_status,
                                                 std::chrono::milliseconds timeout);

struct QueryValue {
  std::optional<double> value;  // the first sample of an instant query
  std::string error;            // failing or empty query: never treated as a good value
};

// A Prometheus instant query (GET {base}/api/v1/query?query=…).
boost::asio::awaitable<QueryValue> prometheus_query(std::string base_url, std::string query,
                                                    std::chrono::milliseconds timeout);

// The query's current value is below the threshold.
boost::asio::awaitable<exec::Check> check_metric_below(std::string base_url, std::string query,
                                                       double below,
                                                       std::chrono::milliseconds timeout);

}  // namespace goaround::verify

namespace goaround::verify {

struct Sample {
  std::chrono::system_clock::time_point at;
  double value = 0;
};
struct QueryRange {
  std::vector<Sample> samples;  // the first series of a range query
  std::string error;
};

// A Prometheus range query (GET {base}/api/v1/query_range) for charts.
boost::asio::awaitable<QueryRange> prometheus_range(std::string base_url, std::string query,
                                                    std::chrono::system_clock::time_point start,
                                                    std::chrono::system_clock::time_point end,
                                                    std::chrono::seconds step,
                                                    std::chrono::milliseconds timeout);

}  // namespace goaround::verify
