// The HTTP listener under descriptor exhaustion and past its connection cap, on the real binary.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "support/http_call.hpp"
#include "support/temp_dir.hpp"

using namespace goaround;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace bp = boost::process::v2;

namespace {

// goaround serve (no Slack) under `ulimit -n <files>`, its log collected.
struct LimitedServe {
  LimitedServe(int files, int max_connections) : port(testing::free_port()) {
    const auto config = dir.write_config("\nhttp: { listen: 127.0.0.1:" + std::to_string(port) +
                                                       ", max_connections: " + std::to_string(max_connections) +
                                                       " }\nservices: [{name: checkout, environment: e, adapter: sim}]\n");
    process.emplace(io, "/bin/sh",
                    std::vector<std::string>{"-c", "ulimit -n " + std::to_string(files) + " && exec \"$0\" serve --config \"$1\"",
                                             GOAROUND_BINARY, config.string()},
                    bp::process_stdio{nullptr, nullptr, err});
    for (int i = 0; i < 200 && testing::http_call(port, boost::beast::http::verb::get, "/healthz").status != 200; ++i)
      std::this_thread::sleep_for(50ms);
  }
  // CPU seconds (user + system) the bot has used so far.
  double cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(process->id()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    long user = 0, system = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) user = std::stol(field);
      if (i == 15) { system = std::stol(field); break; }
    }
    return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::string stop() {
    ::kill(process->id(), SIGTERM);
    std::string logs;
    boost::system::error_code ec;
    asio::read(err, asio::dynamic_buffer(logs), ec);
    process->wait(ec);
    return logs;
  }
  testing::TempDir dir;
  unsigned short port;
  asio::io_context io;
  asio::readable_pipe err{io};
  std::optional<bp::process> process;
};

std::vector<std::unique_ptr<asio::ip::tcp::socket>> idle_connections(asio::io_context& io, unsigned short port, int count) {
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> open;
  for (int i = 0; i < count; ++i) {
    auto socket = std::make_unique<asio::ip::tcp::socket>(io);
    boost::system::error_code ec;
    socket->connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) open.push_back(std::move(socket));
  }
  return open;
}

}  // namespace

TEST_CASE("out of descriptors, the listener backs off instead of spinning, and serves again after") {
  LimitedServe serve(128, 1000);  // the cap above the descriptors: accept itself fails
  REQUIRE(testing::http_call(serve.port, boost::beast::http::verb::get, "/healthz").status == 200);
  asio::io_context io;
  const double cpu_before = serve.cpu_seconds();
  auto idle = idle_connections(io, serve.port, 200);
  std::this_thread::sleep_for(3s);
  const double cpu = serve.cpu_seconds() - cpu_before;
  idle.clear();  // the descriptors come back
  std::this_thread::sleep_for(1500ms);
  CHECK(testing::http_call(serve.port, boost::beast::http::verb::get, "/healthz").status == 200);
  const auto logs = serve.stop();
  const std::regex accept_failed("accept failed");
  const auto failures = std::distance(std::sregex_iterator(logs.begin(), logs.end(), accept_failed),
                                      std::sregex_iterator());
  INFO("CPU seconds in 3 s of EMFILE: " << cpu << "; 'accept failed' lines: " << failures);
  CHECK(cpu < 0.5);
  CHECK(failures >= 1);
  CHECK(failures < 20);
  CHECK_THAT(logs, Catch::Matchers::Contains("Too many open files"));
}

TEST_CASE("past http.max_connections a connection is answered 503 and closed, and the ones within are served") {
  LimitedServe serve(1024, 8);
  asio::io_context io;
  auto idle = idle_connections(io, serve.port, 8);
  std::this_thread::sleep_for(300ms);
  const auto over = testing::http_raw(serve.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(over.starts_with("HTTP/1.1 503 Service Unavailable"));
  CHECK(over.find("too many connections") != std::string::npos);
  idle.clear();
  std::this_thread::sleep_for(300ms);
  CHECK(testing::http_call(serve.port, boost::beast::http::verb::get, "/healthz").status == 200);
  serve.stop();
}
