#include "goaround/schedule/leadership.hpp"

#include <spdlog/spdlog.h>

#include "goaround/metrics/metrics.hpp"

namespace goaround::schedule {

Leadership::Leadership(store::Store& store, std::string holder, Timing timing)
    : store_(store), holder_(std::move(holder)), timing_(timing) {}

bool Leadership::renew() {
  auto& metrics = metrics::process_metrics();
  // Measured from before the request: the store's lease began no earlier than this.
  const auto asked_at = std::chrono::steady_clock::now();
  const bool was_leading = leading();
  std::optional<store::Leases::Grant> grant;
  try {
    grant = store_.leases().acquire(lease_name, holder_, timing_.lease);
  } catch (const std::exception& e) {
    spdlog::warn("leader: could not renew the lease: {}", e.what());
    metrics.lease_renewals.inc({"error"});
  }
  if (grant) {
    metrics.lease_renewals.inc({"held"});
    const bool new_term = !fence_ || fence_->token != grant->token;
    fence_ = store::Fence{lease_name, holder_, grant->token};
    leads_until_ = asked_at + timing_.lease - timing_.margin();
    if (new_term || !was_leading) {
      spdlog::info("leader: this replica ({}) leads now, fencing token {}", holder_, grant->token);
      metrics.leader_changes.inc();
      if (on_lead_) on_lead_();
    }
  } else {
    // Who leads instead says so itself ("leads now"): no second query on every standby's try.
    if (was_leading) spdlog::warn("leader: this replica ({}) no longer leads; its leader work stops", holder_);
    fence_.reset();
  }
  metrics.leader = leading() ? 1 : 0;
  return leading();
}

std::optional<store::Fence> Leadership::fence() const {
  if (!fence_ || std::chrono::steady_clock::now() >= leads_until_) return std::nullopt;
  return fence_;
}

boost::asio::awaitable<void> Leadership::run() {
  co_await periodic_.run(
      timing_.renew_every(), [this]() -> boost::asio::awaitable<void> {
        renew();
        co_return;
      },
      "leader lease");
}

void Leadership::stop() {
  periodic_.stop();
  if (!leading()) return;
  try {
    store_.leases().release(lease_name, holder_);
    spdlog::info("leader: this replica ({}) hands the lease over", holder_);
  } catch (const std::exception& e) {
    spdlog::warn("leader: could not hand the lease over (it expires by itself): {}", e.what());
  }
  fence_.reset();
  metrics::process_metrics().leader = 0;
}

}  // namespace goaround::schedule
