// Whether this host can reach the IPv6 internet: the default for the
// crawler's IPv6 routes (`p2pscope crawl`, on unless --no-ipv6).
//
// Asks the kernel for a route by connecting a UDP socket to a global
// address; connecting a UDP socket sends nothing. Threads: any.
#pragma once

#include "core/ip.hpp"

namespace p2pscope::net {

enum class HostIpv6 : std::uint8_t {
  unrouted,  // no IPv6 socket, or no route to the global address
  routed,
};

// `probe` is the global address whose route is looked up (a public
// resolver's address by default; no packet is sent to it).
HostIpv6 host_ipv6(const IpAddress& probe = IpAddress::parse("2001:4860:4860::8888").value());

}  // namespace p2pscope::net
