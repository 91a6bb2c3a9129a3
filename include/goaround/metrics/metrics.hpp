#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace goaround::metrics {

// Label values, in the order of the family's label names.
using Labels = std::vector<std::string>;

// A monotonically increasing count per label set (Prometheus `counter`).
class Counter {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);
  void inc(const Labels& values = {}, double by = 1);
  double value(const Labels& values = {}) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> values_;
};

// Observations in fixed cumulative buckets (Prometheus `histogram`).
class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<double> bounds);
  void observe(double value);
  std::uint64_t count() const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> buckets_;  // per bound, not cumulative; rendered cumulatively
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// What the bot exposes on GET /metrics. Modules count into the process-wide instance (the way
// Prometheus client libraries keep a default registry), so no module needs to know the
// HTTP listener that serves them.
struct Metrics {
  Counter envelopes{"goaround_slack_envelopes_total", "Socket Mode envelopes received, by type.", {"type"}};
  Histogram ack_seconds{"goaround_slack_ack_seconds", "Envelope receipt to ack written, in seconds.",
                        {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 3}};
  Counter envelope_record_failures{"goaround_slack_envelope_record_failures_total",
                                   "Acked envelopes whose ids could not be recorded durably: retried, "
                                   "or dropped unworked after the retries (at most once).",
                                   {"outcome"}};
  Counter slack_link_failures{"goaround_slack_failures_total",
                              "Failures the Slack link survived, by where: the link (reconnected), "
                              "a frame (acked, not worked on), a handler (logged).",
                              {"where"}};
  Counter slack_api_errors{"goaround_slack_api_errors_total",
                           "Slack Web API calls that ended in an error, by method and error.",
                           {"method", "error"}};
  Counter slack_rate_limits{"goaround_slack_rate_limited_total",
                            "Slack Web API answers of HTTP 429, by method.", {"method"}};
  Counter executions{"goaround_executions_total", "Go-arounds finished, by adapter and result.",
                     {"adapter", "result"}};
  Counter trigger_evaluations{"goaround_trigger_evaluations_total",
                              "Trigger queries evaluated, by service, trigger and outcome "
                              "(ok, breach, error).",
                              {"service", "trigger", "outcome"}};
  Counter trigger_fires{"goaround_trigger_fires_total",
                        "Triggers that held past their for-duration and acted, by severity.",
                        {"service", "trigger", "severity"}};
  Counter deployments{"goaround_deployments_registered_total", "Deployments registered by CI.",
                      {"service"}};
  Counter http_requests{"goaround_http_requests_total", "HTTP requests answered, by route and status.",
                        {"route", "status"}};
  Counter lease_renewals{"goaround_lease_renewals_total",
                         "Attempts to take or renew the leader lease, by outcome (held: this replica "
                         "leads; error: the store did not answer). Others' leases are not counted.",
                         {"outcome"}};
  Counter leader_changes{"goaround_leader_takeovers_total",
                         "Times this replica became the leader (took the lease, or took it back).", {}};
  // 1 while this replica holds the leader lease and does the work that must happen once.
  std::atomic<int> leader{0};
  // Read when rendered (the store is the truth); unset: not exposed.
  std::function<double()> open_incidents;

  // The Prometheus text exposition format, version 0.0.4.
  std::string render() const;
};

Metrics& process_metrics();

}  // namespace goaround::metrics
