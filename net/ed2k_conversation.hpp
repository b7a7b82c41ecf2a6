// One eDonkey/eMule TCP conversation over a connected socket, frame by
// frame, every read and write under a watchdog that closes the socket when
// its time is up: the crawler's sessions and the lab's servers both talk
// through it. Not thread-safe; the socket must outlive it.
#pragma once

#include "core/ed2k.hpp"
#include "net/asio.hpp"

#include <algorithm>
#include <string>

namespace p2pscope::net {

class Conversation {
 public:
  Conversation(net::tcp::socket& s, const ed2k::Limits& lim, std::chrono::milliseconds write_timeout)
      : s_(s), lim_(lim), write_timeout_(write_timeout), dog_(s) {}

  // The next frame; std::errc::timed_out after `timeout`, the socket's
  // error when it fails, or the decoder's (errc::oversized, ...) for a
  // frame that cannot be read.
  net::awaitable<Result<ed2k::Frame>> next(std::chrono::milliseconds timeout) {
    dog_.arm(timeout);
    for (;;) {
      auto got = ed2k::decode_tcp_frame(buf_, lim_);
      if (got) {
        buf_.erase(0, got.value().size);
        co_return std::move(got.value().frame);
      }
      if (got.error() != errc::truncated) co_return got.error();
      // Wait for bytes before taking a buffer for them: a crawl holds
      // thousands of sessions that wait, and a 16 KiB buffer each would
      // be most of their memory.
      net::error_code ec;
      co_await s_.async_wait(net::tcp::socket::wait_read, net::use_ec(ec));
      std::size_t n = 0;
      if (!ec) {
        // Non-blocking, so a readiness that turns out spurious means
        // waiting again rather than a read that blocks the whole thread.
        s_.non_blocking(true, ec);
        std::string chunk(std::clamp<std::size_t>(s_.available(ec), 1, 16384), '\0');
        if (!ec) n = s_.read_some(net::asio::buffer(chunk), ec);
        if (ec == net::asio::error::would_block || ec == net::asio::error::try_again) continue;
        buf_.append(chunk, 0, n);
      }
      if (ec == net::asio::error::operation_aborted || ec == net::asio::error::bad_descriptor)
        co_return make_error_code(std::errc::timed_out);  // the watchdog closed it
      if (ec) co_return static_cast<std::error_code>(ec);
    }
  }
  // The next frame before `until`: std::errc::timed_out once it has passed,
  // even while frames keep coming (buffered frames come back from next()
  // without waiting, so a loop over next(timeout) alone would let a peer
  // that streams unasked frames hold it for ever).
  net::awaitable<Result<ed2k::Frame>> next_before(std::chrono::steady_clock::time_point until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) co_return make_error_code(std::errc::timed_out);
    co_return co_await next(left);
  }
  net::awaitable<bool> send(const ed2k::Frame& f) { co_return co_await send_bytes(ed2k::encode_tcp_frame(f)); }
  // Frames already encoded (several at once, say).
  net::awaitable<bool> send_bytes(std::string bytes) {
    net::error_code ec;
    dog_.arm(write_timeout_);
    co_await net::asio::async_write(s_, net::asio::buffer(bytes), net::use_ec(ec));
    co_return !ec;
  }

 private:
  net::tcp::socket& s_;
  ed2k::Limits lim_;
  std::chrono::milliseconds write_timeout_;
  net::Watchdog<net::tcp::socket> dog_;
  std::string buf_;
};

}  // namespace p2pscope::net
