#include "net/host_ipv6.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

namespace p2pscope::net {
namespace {

bool kernel_has_ipv6() {
  int s = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (s < 0) return false;
  ::close(s);
  return true;
}

TEST(HostIpv6, LoopbackIsRoutedWhereTheKernelHasIpv6) {
  if (!kernel_has_ipv6()) GTEST_SKIP() << "this kernel has no IPv6 sockets";
  EXPECT_EQ(host_ipv6(IpAddress::parse("::1").value()), HostIpv6::routed);
}

TEST(HostIpv6, AnIpv4ProbeAddressIsNoIpv6Route) {
  EXPECT_EQ(host_ipv6(IpAddress::parse("127.0.0.1").value()), HostIpv6::unrouted);
}

}  // namespace
}  // namespace p2pscope::net
