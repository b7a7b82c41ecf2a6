// The asynchronous side of RateGate: waits for the booked slot.
#pragma once

#include "net/rate_gate.hpp"
#include "net/asio.hpp"

namespace p2pscope::net {

// Books the next slot for ip and returns how long to wait for it (zero
// when it is now): for hot paths that await only when they must, sparing a
// coroutine frame per packet.
inline RateGate::Clock::duration book(RateGate& gate, const IpAddress& ip) {
  auto now = RateGate::Clock::now();
  auto slot = gate.reserve(ip, now);
  return slot > now ? slot - now : RateGate::Clock::duration::zero();
}

inline net::awaitable<void> pace(RateGate& gate, const IpAddress& ip) {
  auto now = RateGate::Clock::now();
  auto slot = gate.reserve(ip, now);
  if (slot > now) co_await net::sleep_for(slot - now);
}

}  // namespace p2pscope::net
