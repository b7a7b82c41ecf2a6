// One UDP socket answering for many lab addresses: the socket is bound to
// the wildcard address and a port, and IP_PKTINFO tells which address each
// datagram was sent to, so one process stands in for thousands of nodes
// (the DHT and KAD responders) and answers each from the address asked.
//
// serve_addressed runs until the socket is closed. answer(datagram, from,
// to) returns what to send back to `from`, from `to`: a std::optional or a
// std::vector of datagrams. A reply that does not fit the send queue is
// dropped, as a busy node drops it. Either family: an IPv6 socket (bound to
// [::], IPv6 only) learns its destinations through IPV6_PKTINFO.
// Threads: the socket's executor; the socket outlives the coroutine.
#pragma once

#include "core/ip.hpp"
#include "lab/asio.hpp"

#include <optional>
#include <string>
#include <type_traits>

namespace p2pscope::lab {

struct AddressedDatagram {
  std::size_t size = 0;
  Endpoint from, to;
};

// Turns on IP_PKTINFO and a receive queue of `queue_bytes` (one socket for
// every node: a crawler starting many lookups at once overflows the default).
void enable_addressed(udp::socket& socket, int queue_bytes);
// The next queued datagram into buf, or nothing when none is queued; `port`
// is the socket's own (every node's port).
std::optional<AddressedDatagram> receive_addressed(udp::socket& socket, std::string& buf, std::uint16_t port);
void send_addressed(udp::socket& socket, std::string_view data, const Endpoint& from, const Endpoint& to);

template <class Answer>
awaitable<void> serve_addressed(udp::socket& socket, Answer answer) {
  enable_addressed(socket, 4 << 20);
  auto port = socket.local_endpoint().port();
  std::string buf(65536, '\0');
  for (;;) {
    error_code ec;
    co_await socket.async_wait(udp::socket::wait_read, use_ec(ec));
    if (ec || !socket.is_open()) co_return;
    while (auto got = receive_addressed(socket, buf, port)) {
      auto out = answer(std::string_view(buf.data(), got->size), got->from, got->to);
      if constexpr (std::is_same_v<decltype(out), std::optional<std::string>>) {
        if (out) send_addressed(socket, *out, got->to, got->from);
      } else {
        for (const auto& d : out) send_addressed(socket, d, got->to, got->from);
      }
    }
  }
}

}  // namespace p2pscope::lab
