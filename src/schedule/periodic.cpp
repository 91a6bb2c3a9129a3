#include "goaround/schedule/periodic.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace goaround::schedule {
namespace asio = boost::asio;

asio::awaitable<void> Periodic::run(std::chrono::milliseconds period, Tick tick, std::string name) {
  timer_.emplace(co_await asio::this_coro::executor);
  while (!stopped_) {
    try {
      co_await tick();
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", name, e.what());
    }
    timer_->expires_after(period);
    boost::system::error_code ignored;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void Periodic::stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
}

}  // namespace goaround::schedule
