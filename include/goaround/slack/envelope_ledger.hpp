#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "goaround/store/store.hpp"
#include "goaround/time/clock.hpp"

namespace goaround::slack {

// Which Socket Mode envelopes were delivered, so that none is worked on twice, without the
// ack ever waiting for the disk. The ack path asks first_sight() (memory only: the ids this
// process saw, and those recorded in the last `keep` when it started); after the ack is out,
// record_then() hands the ids to a writer thread that records them durably, many in one
// transaction (one fsync), and only then starts the work. So: an acked envelope is never
// redelivered by Slack; work starts only once its id is durable; a crash between the ack and
// the record loses that envelope's work but never runs it twice.
class EnvelopeLedger {
 public:
  // `store`: the writer thread's own connection (with a short busy wait on SQLite: the
  // writer retries anyway, and shutting down waits for one attempt).
  EnvelopeLedger(std::unique_ptr<store::Store> store, const time::Clock& clock,
                 std::chrono::hours keep = std::chrono::hours(24));
  ~EnvelopeLedger();  // records what is pending, then stops the writer
  EnvelopeLedger(const EnvelopeLedger&) = delete;
  EnvelopeLedger& operator=(const EnvelopeLedger&) = delete;

  // On the ack path: true when neither id was seen before; both count as seen from now on.
  // `event_id` may be empty.
  bool first_sight(const std::string& envelope_id, const std::string& event_id);
  // The ack could not be written: Slack will redeliver, and the redelivery must be worked on.
  void forget(const std::string& envelope_id, const std::string& event_id);
  // After the ack: records the ids durably, then calls `work` on the writer thread (it should
  // only hand the envelope to its executor) if the store had not seen them either — another
  // process on the same store may have. A record that keeps failing (the store locked or
  // gone for longer than the retries) drops the work, logged and counted: at most once.
  void record_then(store::EnvelopeIds ids, std::function<void()> work);

 private:
  struct Pending {
    store::EnvelopeIds ids;
    std::function<void()> work;
  };
  bool seen(const std::string& id) const;
  void remember(const std::string& id);
  void write_loop();

  std::unique_ptr<store::Store> store_;
  const time::Clock& clock_;
  const std::chrono::hours keep_;
  // Touched on the ack path only (one thread).
  std::unordered_set<std::string> seen_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> seen_order_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Pending> pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace goaround::slack
