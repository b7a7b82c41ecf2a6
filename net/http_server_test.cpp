// The HTTP server over real loopback connections: what a client sends in raw
// bytes, and what comes back before the server closes.
#include "net/http_server.hpp"

#include <gtest/gtest.h>

namespace p2pscope::net {
namespace {

using namespace std::chrono_literals;

class HttpServer : public ::testing::Test {
 protected:
  HttpServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}

  // Sends `request` (all at once, then nothing), reads until the server
  // closes or 5 s pass, and stops the server.
  std::string exchange(std::string request) {
    HttpHandler handler = [this](const HttpAsk& a) {
      asks_.push_back(a);
      return HttpAnswer{200, {{"Content-Type", "text/plain"}}, "hello " + a.target};
    };
    asio::co_spawn(io_, serve_http(acceptor_, handler, limits_, stop_), asio::detached);
    std::string got;
    asio::steady_timer guard(io_, 5s);
    guard.async_wait([this](const error_code& ec) {
      if (!ec) stop_.request("test timed out");
    });
    asio::co_spawn(io_, [&]() -> awaitable<void> {
      tcp::socket s(io_);
      error_code ec;
      co_await s.async_connect(acceptor_.local_endpoint(), use_ec(ec));
      co_await asio::async_write(s, asio::buffer(request), use_ec(ec));
      std::string buf(4096, '\0');
      for (;;) {
        auto n = co_await s.async_read_some(asio::buffer(buf), use_ec(ec));
        if (ec) break;
        got.append(buf.data(), n);
      }
      stop_.request("test over");
      guard.cancel();
    }, asio::detached);
    io_.run_for(10s);
    return got;
  }
  static std::size_t count(const std::string& s, std::string_view part) {
    std::size_t n = 0;
    for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
    return n;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  StopSignal stop_;
  HttpLimits limits_;
  std::vector<HttpAsk> asks_;
};

TEST_F(HttpServer, AnswersRequestsOnOneKeptConnection) {
  auto got = exchange("GET /a HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"e\"\r\n\r\n"
                      "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(count(got, "HTTP/1.1 200 OK"), 2u) << got;
  EXPECT_NE(got.find("hello /a"), std::string::npos);
  EXPECT_NE(got.find("hello /b"), std::string::npos);
  ASSERT_EQ(asks_.size(), 2u);
  EXPECT_EQ(asks_[0].if_none_match, "\"e\"");
  EXPECT_EQ(asks_[1].method, "GET");
}

TEST_F(HttpServer, AHeadAnswerSaysTheLengthAndSendsNoBody) {
  auto got = exchange("HEAD /abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(got.find("Content-Length: 10\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("hello"), std::string::npos) << got;
}

TEST_F(HttpServer, AnOversizedHeaderGets431AndTheConnectionCloses) {
  limits_.header_bytes = 1024;
  auto got = exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 431")) << got.substr(0, 100);
  EXPECT_TRUE(asks_.empty());
}

TEST_F(HttpServer, ARequestWithABodyIsRefused) {
  auto got = exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413")) << got.substr(0, 100);
  EXPECT_TRUE(asks_.empty());
}

TEST_F(HttpServer, GarbageGets400) {
  auto got = exchange("\x01\x02 not http at all\r\n\r\n");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400")) << got.substr(0, 100);
}

TEST_F(HttpServer, ASilentClientIsDroppedAfterTheReadTimeout) {
  limits_.read_timeout = 200ms;
  auto began = std::chrono::steady_clock::now();
  auto got = exchange("GET / HTTP/1.1\r\n");  // and then nothing
  EXPECT_TRUE(got.empty()) << got;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 4s) << "not dropped before the test's own 5 s guard";
}

}  // namespace
}  // namespace p2pscope::net
