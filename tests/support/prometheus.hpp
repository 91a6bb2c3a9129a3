#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "support/temp_dir.hpp"

namespace goaround::testing {

// A real Prometheus server (Debian's /usr/bin/prometheus) on a free loopback port. With no
// scrape target, PromQL such as vector(0.2) still evaluates; with one (host:port), it scrapes
// that every second. Stopped by its PID.
class RealPrometheus {
 public:
  explicit RealPrometheus(const std::string& scrape_target = "") {
    namespace bp = boost::process::v2;
    port_ = free_port();
    const auto config = dir_.write(
        "prometheus.yml",
        scrape_target.empty()
            ? std::string("global:\n  scrape_interval: 15s\n")
            : "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
              "  - job_name: exporter\n    static_configs:\n      - targets: ['" + scrape_target + "']\n");
    process_.emplace(io_, "/usr/bin/prometheus",
                     std::vector<std::string>{"--config.file=" + config.string(),
                                              "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                                              "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                              "--log.level=error"},
                     bp::process_stdio{nullptr, nullptr, nullptr});
    wait_until_ready();
  }
  ~RealPrometheus() {
    boost::system::error_code ignored;
    process_->request_exit(ignored);  // SIGTERM to its PID
    process_->wait(ignored);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  unsigned short port() const { return port_; }

 private:
  static unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return probe.local_endpoint().port();
  }

  void wait_until_ready() const {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < give_up) {
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) {
        const std::string request = "GET /-/ready HTTP/1.0\r\n\r\n";
        boost::asio::write(socket, boost::asio::buffer(request), ec);
        std::string answer(64, '\0');
        const auto n = socket.read_some(boost::asio::buffer(answer), ec);
        if (answer.substr(0, n).find(" 200 ") != std::string::npos) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("prometheus did not become ready on port " + std::to_string(port_));
  }

  TempDir dir_;
  boost::asio::io_context io_;
  unsigned short port_ = 0;
  std::optional<boost::process::v2::process> process_;
};

}  // namespace goaround::testing
