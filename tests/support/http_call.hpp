#pragma once
// Blocking HTTP/1.1 calls to a loopback port, and raw bytes for the listener's fuzz tests.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <utility>
#include <vector>

namespace goaround::testing {

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
  std::string content_type;
};

inline HttpAnswer http_call(unsigned short port, boost::beast::http::verb method, const std::string& target,
                            const std::string& body = "",
                            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  beast::http::request<beast::http::string_body> request{method, target, 11};
  request.set(beast::http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) request.set(k, v);
  request.body() = body;
  request.prepare_payload();
  beast::http::write(socket, request, ec);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(socket, buffer, response, ec);
  if (ec) return {};
  return {static_cast<int>(response.result_int()), response.body(), std::string(response[beast::http::field::content_type])};
}

// Sends raw bytes, half-closes, and returns whatever came back (empty when nothing did).
inline std::string http_raw(unsigned short port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  boost::asio::write(socket, boost::asio::buffer(bytes), ec);
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  std::string answer;
  boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
  return answer;
}

inline unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

}  // namespace goaround::testing
