#include "net/host_ipv6.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace p2pscope::net {

HostIpv6 host_ipv6(const IpAddress& probe) {
  if (!probe.is_v6()) return HostIpv6::unrouted;
  int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return HostIpv6::unrouted;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(53);
  std::memcpy(&sa.sin6_addr, probe.data(), 16);
  bool ok = ::connect(s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
  ::close(s);
  return ok ? HostIpv6::routed : HostIpv6::unrouted;
}

}  // namespace p2pscope::net
