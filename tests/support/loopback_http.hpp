#pragma once
// A small HTTP/1.1 server on 127.0.0.1 for stand-ins: one thread, one request per connection
// (answered with Connection: close), the stand-in's handler deciding each answer. Stopped in
// the destructor.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <string>
#include <thread>

namespace goaround::testing {

class LoopbackHttp {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  struct Answer {
    int status = 200;
    std::string body;  // JSON
  };
  explicit LoopbackHttp(std::function<Answer(const Request&)> handler)
      : handler_(std::move(handler)), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackHttp() {
    io_.stop();
    thread_.join();
  }
  LoopbackHttp(const LoopbackHttp&) = delete;
  LoopbackHttp& operator=(const LoopbackHttp&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket socket) {
      if (ec) return;
      serve(std::move(socket));
      accept();
    });
  }
  void serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    boost::beast::flat_buffer buffer;
    Request request;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    const auto answer = handler_(request);
    http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::connection, "close");
    response.body() = answer.body;
    response.prepare_payload();
    http::write(socket, response, ec);
  }

  std::function<Answer(const Request&)> handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace goaround::testing
