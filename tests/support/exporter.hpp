#pragma once
// A tiny metrics exporter on loopback for a real Prometheus to scrape: GET /metrics answers
// the gauges the test sets, in the text exposition format. One thread, stopped in the destructor.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace goaround::testing {

class Exporter {
 public:
  Exporter() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Exporter() {
    io_.stop();
    thread_.join();
  }
  void set(const std::string& gauge, double value) {
    std::lock_guard lock(mutex_);
    gauges_[gauge] = value;
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      answer(std::move(socket));
      accept();
    });
  }
  void answer(boost::asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    std::string request;
    boost::asio::read_until(socket, boost::asio::dynamic_buffer(request), "\r\n\r\n", ec);
    std::string body;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [name, value] : gauges_) body += "# TYPE " + name + " gauge\n" + name + " " + std::to_string(value) + "\n";
    }
    const auto response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(response), ec);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::mutex mutex_;
  std::map<std::string, double> gauges_;
  std::thread thread_;
};

}  // namespace goaround::testing
