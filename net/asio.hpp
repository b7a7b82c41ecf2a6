// The one way p2pscope includes Boost.Asio with C++20 coroutines, plus the
// few helpers every network layer shares (endpoint conversion, deadlines,
// wake-ups).
//
// Boost 1.74 needs two nudges: its awaitable.hpp uses std::exchange without
// including <utility>, and it does not detect clang's coroutine support on
// top of libstdc++. Every file that uses Asio includes it through here.
#pragma once

#include "core/ip.hpp"

#include <coroutine>
#include <utility>

#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio.hpp>
#include <boost/asio/redirect_error.hpp>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace p2pscope::net {

namespace asio = boost::asio;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using tcp = boost::asio::ip::tcp;
using udp = boost::asio::ip::udp;
using boost::system::error_code;

inline auto use_ec(error_code& ec) { return asio::redirect_error(use_awaitable, ec); }

inline asio::ip::address to_asio(const IpAddress& a) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy(a.data(), a.data() + 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy(a.data(), a.data() + 16, b.begin());
  return asio::ip::address_v6(b);
}
inline IpAddress from_asio(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  return IpAddress::v6(a.to_v6().to_bytes());
}
inline tcp::endpoint to_tcp(const Endpoint& e) { return {to_asio(e.address), e.port}; }
inline udp::endpoint to_udp(const Endpoint& e) { return {to_asio(e.address), e.port}; }
inline Endpoint from_asio(const tcp::endpoint& e) { return {from_asio(e.address()), e.port()}; }
inline Endpoint from_asio(const udp::endpoint& e) { return {from_asio(e.address()), e.port()}; }

// Opens s for the family of `to` and binds it to the source address local
// (unspecified: any). The port is left to connect(): with
// IP_BIND_ADDRESS_NO_PORT the kernel picks it per destination, so one source
// address carries far more outgoing connections (and their TIME_WAITs) than
// the ~28k ephemeral ports a bind to port 0 reserves outright. Probing and
// PEX crawling connect to tens of thousands of peers from one address.
inline void open_outgoing(tcp::socket& s, const IpAddress& to, const IpAddress& local, error_code& ec) {
  s.open(to.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (!ec) s.set_option(asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>(true), ec);
  if (!ec) s.bind(tcp::endpoint(to_asio(local), 0), ec);
}

// Opens, binds (address reuse on) and listens on `at`: the lab's and the
// harness's servers. A bind error (the address is not on an interface)
// comes back in ec.
inline void listen_on(tcp::acceptor& a, const Endpoint& at, error_code& ec) {
  a.open(to_tcp(at).protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(to_tcp(at), ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
}

// A deadline for a socket's operations: when it passes, the socket is
// closed, so whatever the session awaits completes with an error and the
// session ends. arm() again before each step; the watchdog must not outlive
// the socket it guards.
template <class Socket>
class Watchdog {
 public:
  explicit Watchdog(Socket& s) : socket_(s), timer_(s.get_executor()) {}
  ~Watchdog() {
    *alive_ = false;  // a handler already queued must not touch the socket
    timer_.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    timer_.async_wait([alive = alive_, &s = socket_](const error_code& ec) {
      if (!ec && *alive) {
        error_code ignored;
        s.close(ignored);
      }
    });
  }

 private:
  Socket& socket_;
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Lets one coroutine sleep until another has news: wait() returns after the
// next notify(), or at once when notify() came since the last wait(). For
// one waiter at a time, on the thread that runs the executor.
class Wakeup {
 public:
  explicit Wakeup(const asio::any_io_executor& ex) : timer_(ex) { timer_.expires_at(never()); }
  void notify() {
    pending_ = true;
    timer_.cancel();
  }
  // Returns true when notified, false when the deadline passed first.
  awaitable<bool> wait_until(asio::steady_timer::time_point deadline) {
    if (!pending_) {
      timer_.expires_at(deadline);
      error_code ec;
      co_await timer_.async_wait(use_ec(ec));
      timer_.expires_at(never());
    }
    co_return std::exchange(pending_, false);
  }
  awaitable<void> wait() { co_await wait_until(never()); }

 private:
  static asio::steady_timer::time_point never() { return asio::steady_timer::time_point::max(); }
  asio::steady_timer timer_;
  bool pending_ = false;
};

inline awaitable<void> sleep_for(std::chrono::steady_clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  error_code ec;
  co_await t.async_wait(use_ec(ec));
}

}  // namespace p2pscope::net
