#include "goaround/slack/envelope_ledger.hpp"

#include <spdlog/spdlog.h>

#include "goaround/metrics/metrics.hpp"
#include "goaround/slack/scheduling.hpp"

namespace goaround::slack {
using namespace std::chrono_literals;

namespace {

// How long a batch is retried while the store refuses it (locked, full, gone) before its work
// is given up; longer than SQLite's 5 s busy timeout, so one held lock does not lose work.
constexpr auto record_patience = 15s;
constexpr auto prune_every = 10min;
// Group commit: ids that come within this long of the first share one fsync. At 1,000
// envelopes a second that is a third of the fsyncs, and on a VM the host's work for each
// one seems to take CPU from the ack thread (scripts/bench.sh, five runs of each, one
// after the other: ack p99 1.1-3.1 ms with an fsync per id as it came, 0.27-0.97 ms with
// 2 ms; 5 ms was no better). The work waits 2 ms more; the ack waits for neither.
constexpr auto group_window = 2ms;

std::string event_key(const std::string& event_id) { return "event:" + event_id; }

}  // namespace

EnvelopeLedger::EnvelopeLedger(std::unique_ptr<store::Store> store, const time::Clock& clock, std::chrono::hours keep)
    : store_(std::move(store)), clock_(clock), keep_(keep) {
  for (auto& id : store_->envelopes().since(clock_.now() - keep_)) remember(id);
  writer_ = std::thread([this] { write_loop(); });
}

EnvelopeLedger::~EnvelopeLedger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

bool EnvelopeLedger::seen(const std::string& id) const { return seen_.contains(id); }

void EnvelopeLedger::remember(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  while (!seen_order_.empty() && now - seen_order_.front().first > keep_) {
    seen_.erase(seen_order_.front().second);
    seen_order_.pop_front();
  }
  if (seen_.insert(id).second) seen_order_.emplace_back(now, id);
}

bool EnvelopeLedger::first_sight(const std::string& envelope_id, const std::string& event_id) {
  const bool fresh = !seen(envelope_id) && (event_id.empty() || !seen(event_key(event_id)));
  remember(envelope_id);
  if (!event_id.empty()) remember(event_key(event_id));
  return fresh;
}

void EnvelopeLedger::forget(const std::string& envelope_id, const std::string& event_id) {
  // Left in seen_order_: erasing a missing id there later is harmless.
  seen_.erase(envelope_id);
  if (!event_id.empty()) seen_.erase(event_key(event_id));
}

void EnvelopeLedger::record_then(store::EnvelopeIds ids, std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back({std::move(ids), std::move(work)});
  }
  wake_.notify_one();
}

void EnvelopeLedger::write_loop() {
  // Background work like the handlers': on a busy machine the ack thread goes first.
  yield_to_acks("slack: the envelope ledger");
  auto pruned = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left to record
      wake_.wait_for(lock, group_window, [&] { return stopping_; });  // group commit
      batch.swap(pending_);
    }
    std::vector<store::EnvelopeIds> ids;
    for (const auto& p : batch) ids.push_back(p.ids);
    const auto first_try = std::chrono::steady_clock::now();
    auto pause = 50ms;
    std::optional<std::vector<bool>> fresh;
    while (!fresh) {
      try {
        fresh = store_->envelopes().record(ids);
      } catch (const std::exception& e) {
        std::unique_lock lock(mutex_);
        const bool give_up = stopping_ || std::chrono::steady_clock::now() - first_try > record_patience;
        metrics::process_metrics().envelope_record_failures.inc({give_up ? "dropped" : "retried"});
        if (give_up) {
          spdlog::error("slack: could not record {} envelope id(s) ({}); acked, and not worked on "
                        "so that none can run twice", batch.size(), e.what());
          break;
        }
        spdlog::warn("slack: recording envelope ids failed ({}); retrying", e.what());
        // Shutting down does not wait out the retries.
        wake_.wait_for(lock, pause, [&] { return stopping_; });
        pause = std::min<std::chrono::milliseconds>(pause * 2, 1s);
      }
    }
    if (!fresh) continue;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if ((*fresh)[i] && stopping) {
        // Shutting down: the handlers' world is going away; like a crash, at most once.
        spdlog::warn("slack: envelope {} was acked as the bot stopped; not worked on", batch[i].ids.envelope_id);
      } else if ((*fresh)[i]) {
        if (batch[i].work) batch[i].work();
      } else {
        spdlog::info("slack: envelope {} was recorded before; acked, not run again",
                     batch[i].ids.envelope_id);
      }
    }
    if (std::chrono::steady_clock::now() - pruned > prune_every) {
      pruned = std::chrono::steady_clock::now();
      try {
        store_->envelopes().prune(clock_.now() - keep_);
      } catch (const std::exception& e) {
        spdlog::warn("slack: pruning old envelope ids failed ({}); trying again later", e.what());
      }
    }
  }
}

}  // namespace goaround::slack
