#include "goaround/verify/verify.hpp"

#include <boost/json.hpp>
#include <boost/url.hpp>

#include <cstdio>

#include "goaround/net/http_client.hpp"

namespace goaround::verify {
namespace asio = boost::asio;

namespace {

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

asio::awaitable<HttpResponse> http_get(std::string url, std::chrono::milliseconds timeout) {
  const auto got = co_await net::http_request({"GET", std::move(url), {}, "", timeout});
  co_return HttpResponse{got.status, got.body, got.error};
}

asio::awaitable<exec::Check> check_health(std::string url, int expect_status,
                                          std::chrono::milliseconds timeout) {
  const auto response = co_await http_get(url, timeout);
  exec::Check check{"health " + url, false, ""};
  if (!response.status) {
    check.detail = response.error;
    co_return check;
  }
  check.passed = *response.status == expect_status;
  check.detail = "answered " + std::to_string(*response.status) +
                 (check.passed ? "" : ", expected " + std::to_string(expect_status));
  co_return check;
}

asio::awaitable<QueryValue> prometheus_query(std::string base_url, std::string query,
                                             std::chrono::milliseconds timeout) {
  QueryValue out;
  boost::urls::url url(base_url.ends_with('/') ? base_url + "api/v1/query"
                                               : base_url + "/api/v1/query");
  url.params().set("query", query);
  const auto response = co_await http_get(std::string(url.buffer()), timeout);
  if (!response.status) {
    out.error = "Prometheus did not answer: " + response.error;
    co_return out;
  }
  boost::system::error_code ec;
  const auto body = boost::json::parse(response.body, ec);
  const auto* obj = ec ? nullptr : body.if_object();
  if (!obj) {
    out.error = "Prometheus answered " + std::to_string(*response.status) + " without JSON";
    co_return out;
  }
  if (const auto* status = obj->if_contains("status"); !status || *status != "success") {
    const auto* error = obj->if_contains("error");
    out.error = "the query failed: " +
                (error && error->is_string() ? std::string(error->get_string()) : std::string("unknown error"));
    co_return out;
  }
  // Instant vector: data.result[0].value = [time, "value"]; scalar: data.result = [time, "value"].
  const auto* data_value = obj->if_contains("data");
  const auto* data = data_value ? data_value->if_object() : nullptr;
  const auto* result = data ? data->if_contains("result") : nullptr;
  const boost::json::value* sample = nullptr;
  if (data && result && result->is_array()) {
    const auto type = data->if_contains("resultType");
    if (type && *type == "scalar") sample = result;
    else if (!result->get_array().empty())
      if (const auto* first = result->get_array()[0].if_object()) sample = first->if_contains("value");
  }
  if (!sample || !sample->is_array() || sample->get_array().size() != 2 ||
      !sample->get_array()[1].is_string()) {
    out.error = "the query returned no data";
    co_return out;
  }
  try {
    out.value = std::stod(std::string(sample->get_array()[1].get_string()));
  } catch (const std::exception&) {
    out.error = "the query returned a value that is not a number";
  }
  co_return out;
}

asio::awaitable<QueryRange> prometheus_range(std::string base_url, std::string query,
                                             std::chrono::system_clock::time_point start,
                                             std::chrono::system_clock::time_point end,
                                             std::chrono::seconds step,
                                             std::chrono::milliseconds timeout) {
  QueryRange out;
  using std::chrono::duration_cast;
  const auto epoch = [](std::chrono::system_clock::time_point t) {
    return std::to_string(duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  };
  boost::urls::url url(base_url.ends_with('/') ? base_url + "api/v1/query_range"
                                               : base_url + "/api/v1/query_range");
  url.params().set("query", query);
  url.params().set("start", epoch(start));
  url.params().set("end", epoch(end));
  url.params().set("step", std::to_string(std::max<long long>(1, step.count())));
  const auto response = co_await http_get(std::string(url.buffer()), timeout);
  if (!response.status) {
    out.error = response.error;
    co_return out;
  }
  // data.result[0].values = [[time, "value"], …]; anything else shaped is no data.
  boost::system::error_code ec;
  const auto body = boost::json::parse(response.body, ec);
  const boost::json::value* node = ec ? nullptr : &body;
  for (const auto* key : {"data", "result"})
    node = node && node->is_object() ? node->as_object().if_contains(key) : nullptr;
  const auto* series = node ? node->if_array() : nullptr;
  const auto* first = series && !series->empty() ? series->front().if_object() : nullptr;
  const auto* values_node = first ? first->if_contains("values") : nullptr;
  const auto* values = values_node ? values_node->if_array() : nullptr;
  if (!values) {
    out.error = series && series->empty() ? "the query returned no data"
                                          : "Prometheus answered without a range result";
    co_return out;
  }
  for (const auto& point : *values) {
    const auto* pair = point.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_number() || !(*pair)[1].is_string()) continue;
    try {
      const auto at = (*pair)[0].to_number<double>();
      out.samples.push_back(
          {std::chrono::system_clock::time_point(std::chrono::milliseconds(static_cast<long long>(at * 1000))),
           std::stod(std::string((*pair)[1].get_string()))});
    } catch (const std::exception&) {
      // a sample that is not a number is skipped, the rest of the line still drawn
    }
  }
  co_return out;
}

asio::awaitable<exec::Check> check_metric_below(std::string base_url, std::string query,
                                                double below, std::chrono::milliseconds timeout) {
  const auto result = co_await prometheus_query(std::move(base_url), query, timeout);
  exec::Check check{"metric below " + format_number(below), false, ""};
  if (!result.value) {
    check.detail = result.error + " (`" + query + "`)";
    co_return check;
  }
  check.passed = *result.value < below;
  check.detail = "`" + query + "` = " + format_number(*result.value);
  co_return check;
}

}  // namespace goaround::verify
