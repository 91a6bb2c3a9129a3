#include "goaround/metrics/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace goaround::metrics {

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) { return fmt::format("{}", v); }

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Counter::inc(const Labels& values, double by) {
  std::lock_guard lock(mutex_);
  values_[values] += by;
}

double Counter::value(const Labels& values) const {
  std::lock_guard lock(mutex_);
  const auto it = values_.find(values);
  return it == values_.end() ? 0 : it->second;
}

void Counter::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  if (values_.empty() && label_names_.empty()) out += name_ + " 0\n";
  for (const auto& [labels, value] : values_) {
    std::string set;
    for (std::size_t i = 0; i < label_names_.size() && i < labels.size(); ++i)
      set += (set.empty() ? "" : ",") + label_names_[i] + "=\"" + escape_label(labels[i]) + "\"";
    out += name_ + (set.empty() ? "" : "{" + set + "}") + " " + number(value) + "\n";
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(bounds)),
      buckets_(bounds_.size(), 0) {}

void Histogram::observe(double value) {
  std::lock_guard lock(mutex_);
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  if (static_cast<std::size_t>(at) < buckets_.size()) ++buckets_[at];
  ++count_;
  sum_ += value;
}

std::uint64_t Histogram::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

void Histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mutex_);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += buckets_[i];
    out += name_ + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name_ + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name_ + "_sum " + number(sum_) + "\n" + name_ + "_count " + std::to_string(count_) + "\n";
}

std::string Metrics::render() const {
  std::string out;
  envelopes.render(out);
  ack_seconds.render(out);
  envelope_record_failures.render(out);
  slack_link_failures.render(out);
  slack_api_errors.render(out);
  slack_rate_limits.render(out);
  executions.render(out);
  trigger_evaluations.render(out);
  trigger_fires.render(out);
  deployments.render(out);
  http_requests.render(out);
  lease_renewals.render(out);
  leader_changes.render(out);
  header(out, "goaround_leader", "1 while this replica holds the leader lease (status cadence, reminders, triggers).",
         "gauge");
  out += "goaround_leader " + number(leader.load()) + "\n";
  if (open_incidents) {
    header(out, "goaround_open_incidents", "Incidents open now.", "gauge");
    out += "goaround_open_incidents " + number(open_incidents()) + "\n";
  }
  return out;
}

Metrics& process_metrics() {
  static Metrics metrics;
  return metrics;
}

}  // namespace goaround::metrics
