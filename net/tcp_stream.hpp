// A connected TCP socket seen the way net::UtpStream is: read some bytes
// or write all of them by a deadline, then close. Session code written
// against that shape (read_some, write, close) runs over either carrier;
// read_at_least below serves both.
//
// Ownership and threads: it borrows the socket, which must outlive it; one
// io_context thread. A deadline that passes closes the socket (the session
// is over then), and the call reports asio::error::timed_out.
#pragma once

#include "net/asio.hpp"

#include <string>
#include <string_view>

namespace p2pscope::net {

class TcpStream {
 public:
  using time_point = asio::steady_timer::time_point;

  explicit TcpStream(tcp::socket& s) : socket_(s), dog_(s) {}

  // Appends at least one byte to out, or sets ec (eof, reset, timed_out...).
  awaitable<void> read_some(std::string& out, time_point until, error_code& ec) {
    if (!arm(until, ec)) co_return;
    std::string chunk(4096, '\0');
    auto got = co_await socket_.async_read_some(asio::buffer(chunk), use_ec(ec));
    if (ec && asio::steady_timer::clock_type::now() >= until) ec = asio::error::timed_out;
    out.append(chunk, 0, got);
  }

  awaitable<void> write(std::string_view bytes, time_point until, error_code& ec) {
    if (!arm(until, ec)) co_return;
    co_await asio::async_write(socket_, asio::buffer(bytes), use_ec(ec));
    if (ec && asio::steady_timer::clock_type::now() >= until) ec = asio::error::timed_out;
  }

  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  bool arm(time_point until, error_code& ec) {
    ec = {};
    auto left = until - asio::steady_timer::clock_type::now();
    if (left <= time_point::duration::zero()) {
      ec = asio::error::timed_out;
      return false;
    }
    // The watchdog counts in milliseconds; round up so it never fires early.
    dog_.arm(std::chrono::ceil<std::chrono::milliseconds>(left));
    return true;
  }

  tcp::socket& socket_;
  Watchdog<tcp::socket> dog_;
};

// Reads from any stream of that shape until buf holds at least n bytes;
// ec says why not.
template <class Stream>
awaitable<void> read_at_least(Stream& s, std::string& buf, std::size_t n, asio::steady_timer::time_point until,
                              error_code& ec) {
  ec = {};
  while (!ec && buf.size() < n) co_await s.read_some(buf, until, ec);
}

}  // namespace p2pscope::net
