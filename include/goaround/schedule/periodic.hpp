#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace goaround::schedule {

// Runs a tick every `period` on the loop until stop(); a tick that throws is logged and the
// next one tries again, so one bad tick never ends the schedule.
class Periodic {
 public:
  using Tick = std::function<boost::asio::awaitable<void>()>;
  boost::asio::awaitable<void> run(std::chrono::milliseconds period, Tick tick, std::string name);
  void stop();

 private:
  std::optional<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
};

}  // namespace goaround::schedule
