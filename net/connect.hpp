// Outgoing TCP sessions' first steps, shared by every client session:
// connect from a chosen local address within a deadline, and close the
// socket when a StopSignal is requested. One io_context thread.
#pragma once

#include "net/asio.hpp"
#include "net/stop_signal.hpp"

namespace p2pscope::net {

// Opens s for to's family, binds it to local (unless "any") and connects
// within timeout; the error says why not (asio's operation_aborted or
// bad_descriptor when the deadline closed it).
inline awaitable<error_code> connect_within(tcp::socket& s, const Endpoint& to, const IpAddress& local,
                                            std::chrono::milliseconds timeout) {
  error_code ec;
  open_outgoing(s, to.address, local, ec);
  if (ec) co_return ec;
  Watchdog<tcp::socket> dog(s);
  dog.arm(timeout);
  co_await s.async_connect(to_tcp(to), use_ec(ec));
  co_return ec;
}

// While the hook lives, a stop request closes s (so whatever the session
// awaits fails at once). A null stop gives an empty hook.
inline StopSignal::Hook close_on_stop(StopSignal* stop, tcp::socket& s) {
  if (!stop) return {};
  return stop->on_request([&s] {
    error_code ignored;
    s.close(ignored);
  });
}

}  // namespace p2pscope::net
