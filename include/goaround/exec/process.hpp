#pragma once
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace goaround::exec {

struct ProcessSpec {
  // argv[0] is a path or a name looked up on PATH; the rest are passed as they are (no shell).
  std::vector<std::string> argv;
  // The child's whole environment, nothing added: callers build it (tool::environment hands
  // down the bot's own without its secrets).
  std::map<std::string, std::string> environment;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::size_t output_cap = 256 * 1024;  // per stream; past it the oldest output is dropped
};

enum class ProcessError { none, not_found, spawn_failed, timed_out, exit_nonzero };

struct ProcessResult {
  ProcessError error = ProcessError::none;
  std::optional<int> exit_code;
  std::string out;
  std::string err;
  std::string message;  // one line for people: what went wrong
  bool ok() const { return error == ProcessError::none; }
  // The last `lines` lines of stderr then stdout, for the timeline and the card.
  std::string tail(std::size_t lines = 12) const;
};

// Called with each complete output line (stdout and stderr) as it arrives.
using LineFn = std::function<void(std::string_view line)>;

// Runs a command on the caller's executor in a process group of its own; on timeout the
// whole group is killed (no orphans). Never throws for the command's own failures.
boost::asio::awaitable<ProcessResult> run_process(ProcessSpec spec, LineFn on_line = {});

}  // namespace goaround::exec
