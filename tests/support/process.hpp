#pragma once
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace goaround::testing {

struct Ran {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the real goaround binary with `input` on a pipe as its stdin, collecting stdout and
// stderr; killed after `limit` so a hang fails the test instead of the suite.
inline Ran run_goaround(const std::vector<std::string>& args, const std::string& input = "",
                        std::chrono::seconds limit = std::chrono::seconds(60)) {
  namespace asio = boost::asio;
  namespace bp = boost::process::v2;
  asio::io_context io;
  asio::writable_pipe in(io);
  asio::readable_pipe out(io), err(io);
  bp::process child(io, GOAROUND_BINARY, args, bp::process_stdio{in, out, err});
  Ran ran;
  asio::async_write(in, asio::buffer(input), [&](auto, auto) { in.close(); });
  asio::async_read(out, asio::dynamic_buffer(ran.out), [](auto, auto) {});
  asio::async_read(err, asio::dynamic_buffer(ran.err), [](auto, auto) {});
  asio::steady_timer deadline(io, limit);
  deadline.async_wait([&](boost::system::error_code ec) {
    if (!ec) child.terminate();
  });
  child.async_wait([&](boost::system::error_code, int code) {
    ran.exit_code = code;
    deadline.cancel();
  });
  io.run();
  return ran;
}

// Runs the real goaround binary until its stdout shows `marker` (and `then` longer), then kills
// it with SIGKILL (a process dying mid-rollback); returns what it printed, or "" when the marker
// never came.
inline std::string kill_goaround_at(const std::vector<std::string>& args, const std::string& marker,
                                    std::chrono::milliseconds then = std::chrono::milliseconds(0)) {
  namespace asio = boost::asio;
  namespace bp = boost::process::v2;
  asio::io_context io;
  asio::readable_pipe out(io);
  bp::process child(io, GOAROUND_BINARY, args, bp::process_stdio{nullptr, out, nullptr});
  std::string seen;
  boost::system::error_code ec;
  asio::read_until(out, asio::dynamic_buffer(seen), marker, ec);
  std::this_thread::sleep_for(then);
  ::kill(child.id(), SIGKILL);
  child.wait(ec);
  return seen.find(marker) == std::string::npos ? "" : seen;
}

}  // namespace goaround::testing
