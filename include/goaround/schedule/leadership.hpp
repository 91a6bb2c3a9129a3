#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "goaround/schedule/periodic.hpp"
#include "goaround/store/store.hpp"

namespace goaround::schedule {

// Which replica does the work that must happen once (status cadence, reminders, trigger
// polling): the holder of the `leader` lease in the store. Every replica tries to take it
// every renew period; the holder renews it. The holder stops leading on its own steady clock
// a margin before the lease could expire in the store, so two replicas never both believe
// they lead; the work it does carries the lease's fencing token, so a late write of a
// deposed leader changes nothing either way.
class Leadership {
 public:
  struct Timing {
    std::chrono::milliseconds lease{std::chrono::seconds(2)};
    std::chrono::milliseconds renew_every() const { return lease / 4; }
    // Leading ends this long before the lease would, by this process's clock.
    std::chrono::milliseconds margin() const { return lease / 4; }
  };
  static constexpr const char* lease_name = "leader";

  Leadership(store::Store& store, std::string holder, Timing timing);

  // Takes or renews the lease now; whether this process leads afterwards. A store error
  // counts as not renewed (logged), never as leading.
  bool renew();
  // The fence for leader work, while this process leads; nullopt when it does not.
  std::optional<store::Fence> fence() const;
  bool leading() const { return fence().has_value(); }
  // Called on the loop each time this process becomes leader (run the due work at once).
  void on_lead(std::function<void()> callback) { on_lead_ = std::move(callback); }

  // Renews every renew_every() until stop(); stop() hands the lease over at once.
  boost::asio::awaitable<void> run();
  void stop();

 private:
  store::Store& store_;
  const std::string holder_;
  const Timing timing_;
  std::optional<store::Fence> fence_;
  std::chrono::steady_clock::time_point leads_until_{};
  std::function<void()> on_lead_;
  Periodic periodic_;
};

}  // namespace goaround::schedule
