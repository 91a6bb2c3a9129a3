#include "goaround/exec/process.hpp"

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/process/v2/environment.hpp>
// Boost 1.81 header-only mode omits process_environment::on_setup; its .ipp supplies it.
#include <boost/process/v2/impl/environment.ipp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace goaround::exec {
namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

// Puts the child in a new process group so that a timeout can kill its children too.
struct NewProcessGroup {
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const bp::filesystem::path&,
                                          const char* const*&) {
    if (::setpgid(0, 0) != 0) return {errno, boost::system::system_category()};
    return {};
  }
};

std::vector<std::string> environment_for(const ProcessSpec& spec) {
  std::vector<std::string> out;
  for (const auto& [k, v] : spec.environment) out.push_back(k + "=" + v);
  return out;
}

// Reads a stream to its end, keeping at most `cap` bytes (the newest) and reporting lines.
asio::awaitable<void> drain(asio::readable_pipe& pipe, std::string& kept, std::size_t cap,
                            const LineFn& on_line) {
  std::string partial;
  char chunk[4096];
  for (;;) {
    boost::system::error_code ec;
    const auto n = co_await pipe.async_read_some(asio::buffer(chunk),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      kept.append(chunk, n);
      if (kept.size() > cap) kept.erase(0, kept.size() - cap);
      partial.append(chunk, n);
      for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
        if (on_line) on_line(std::string_view(partial).substr(0, nl));
        partial.erase(0, nl + 1);
      }
    }
    if (ec) break;
  }
  if (!partial.empty() && on_line) on_line(partial);
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n')) --pos;
  const auto end = pos;
  for (std::size_t seen = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++seen == lines) break;
  return text.substr(pos, end - pos);
}

}  // namespace

std::string ProcessResult::tail(std::size_t lines) const {
  const auto e = last_lines(err, lines);
  const auto o = last_lines(out, lines);
  if (e.empty()) return o;
  if (o.empty()) return e;
  return e + "\n" + o;
}

asio::awaitable<ProcessResult> run_process(ProcessSpec spec, LineFn on_line) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  ProcessResult result;
  const auto& name = spec.argv.at(0);
  bp::filesystem::path exe = name;
  if (name.find('/') == std::string::npos) exe = bp::environment::find_executable(name);
  if (exe.empty() || ::access(exe.c_str(), X_OK) != 0) {
    result.error = ProcessError::not_found;
    result.message = "`" + name + "` was not found" +
                     (name.find('/') == std::string::npos ? " on PATH" : "") +
                     "; install it or set its path under `tools` in the configuration";
    co_return result;
  }
  asio::readable_pipe out(executor), err(executor);
  std::optional<bp::process> child;
  try {
    child.emplace(executor, exe, std::vector<std::string>(spec.argv.begin() + 1, spec.argv.end()),
                  bp::process_stdio{nullptr, out, err},
                  bp::process_environment(environment_for(spec)), NewProcessGroup{});
  } catch (const std::exception& e) {
    result.error = ProcessError::spawn_failed;
    result.message = "could not start `" + name + "`: " + e.what();
    co_return result;
  }
  const auto pid = child->id();
  asio::steady_timer deadline(executor, spec.timeout);
  auto finished = co_await ((drain(out, result.out, spec.output_cap, on_line) &&
                             drain(err, result.err, spec.output_cap, on_line) &&
                             child->async_wait(asio::use_awaitable)) ||
                            deadline.async_wait(asio::use_awaitable));
  if (finished.index() == 1) {
    ::kill(-pid, SIGKILL);
    boost::system::error_code ignored;
    child->wait(ignored);
    result.error = ProcessError::timed_out;
    result.message = "`" + name + "` did not finish within " +
                     std::to_string(spec.timeout.count() / 1000) + " s and was killed";
    co_return result;
  }
  result.exit_code = std::get<0>(finished);
  if (*result.exit_code != 0) {
    result.error = ProcessError::exit_nonzero;
    const auto last = last_lines(result.err.empty() ? result.out : result.err, 1);
    result.message = "`" + name + "` exited with " + std::to_string(*result.exit_code) +
                     (last.empty() ? "" : ": " + last);
  }
  co_return result;
}

}  // namespace goaround::exec
