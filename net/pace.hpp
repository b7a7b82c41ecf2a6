// The asynchronous side of RateGate: waits for the booked slot.
#pragma once

#include "net/rate_gate.hpp"
#include "net/asio.hpp"

namespace p2pscope::net {

inline net::awaitable<void> pace(RateGate& gate, const IpAddress& ip) {
  auto now = RateGate::Clock::now();
  auto slot = gate.reserve(ip, now);
  if (slot > now) co_await net::sleep_for(slot - now);
}

}  // namespace p2pscope::net
