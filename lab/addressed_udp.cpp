#include "lab/addressed_udp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace p2pscope::lab {
namespace {

msghdr message(sockaddr_storage& peer, iovec& iov, char* control, std::size_t control_size) {
  msghdr msg{};
  msg.msg_name = &peer;
  msg.msg_namelen = sizeof peer;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = control_size;
  return msg;
}

// Room for either family's packet info.
constexpr std::size_t kControl = CMSG_SPACE(sizeof(in6_pktinfo)) > CMSG_SPACE(sizeof(in_pktinfo))
                                     ? CMSG_SPACE(sizeof(in6_pktinfo))
                                     : CMSG_SPACE(sizeof(in_pktinfo));

Endpoint endpoint_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto& sa = reinterpret_cast<const sockaddr_in&>(ss);
    return {IpAddress::v4(ntohl(sa.sin_addr.s_addr)), ntohs(sa.sin_port)};
  }
  const auto& sa = reinterpret_cast<const sockaddr_in6&>(ss);
  IpAddress::V6Bytes b{};
  std::memcpy(b.data(), &sa.sin6_addr, 16);
  return {IpAddress::v6(b), ntohs(sa.sin6_port)};
}

// Where a datagram was sent, from its packet info; nothing when it has none.
std::optional<IpAddress> destination(msghdr& msg) {
  for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      return IpAddress::v4(ntohl(info.ipi_addr.s_addr));
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      IpAddress::V6Bytes b{};
      std::memcpy(b.data(), &info.ipi6_addr, 16);
      return IpAddress::v6(b);
    }
  }
  return std::nullopt;
}

// Fills ss with ep; returns its length.
socklen_t to_sockaddr(const Endpoint& ep, sockaddr_storage& ss) {
  if (ep.address.is_v4()) {
    auto& sa = reinterpret_cast<sockaddr_in&>(ss);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(ep.port);
    std::memcpy(&sa.sin_addr, ep.address.data(), 4);
    return sizeof sa;
  }
  auto& sa = reinterpret_cast<sockaddr_in6&>(ss);
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(ep.port);
  std::memcpy(&sa.sin6_addr, ep.address.data(), 16);
  return sizeof sa;
}

// The packet info that makes a datagram leave from `source`; returns the
// control length it takes.
std::size_t put_source(cmsghdr& c, const IpAddress& source) {
  if (source.is_v4()) {
    in_pktinfo info{};
    std::memcpy(&info.ipi_spec_dst, source.data(), 4);
    c = cmsghdr{CMSG_LEN(sizeof info), IPPROTO_IP, IP_PKTINFO};
    std::memcpy(CMSG_DATA(&c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  in6_pktinfo info{};
  std::memcpy(&info.ipi6_addr, source.data(), 16);
  c = cmsghdr{CMSG_LEN(sizeof info), IPPROTO_IPV6, IPV6_PKTINFO};
  std::memcpy(CMSG_DATA(&c), &info, sizeof info);
  return CMSG_SPACE(sizeof info);
}

}  // namespace

void enable_addressed(udp::socket& socket, int queue_bytes) {
  int fd = socket.native_handle();
  int on = 1;
  if (socket.local_endpoint().address().is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
  else ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &queue_bytes, sizeof queue_bytes);
}

std::optional<AddressedDatagram> receive_addressed(udp::socket& socket, std::string& buf, std::uint16_t port) {
  int fd = socket.native_handle();
  sockaddr_storage src{};
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[kControl];
  for (;;) {
    auto msg = message(src, iov, control, sizeof control);  // the kernel rewrites the lengths: per datagram
    auto n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    if (src.ss_family != AF_INET && src.ss_family != AF_INET6) continue;
    auto to = destination(msg);
    if (!to) continue;
    return AddressedDatagram{static_cast<std::size_t>(n), endpoint_of(src), {*to, port}};
  }
}

void send_addressed(udp::socket& socket, std::string_view data, const Endpoint& from, const Endpoint& to) {
  sockaddr_storage dst{};
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) char control[kControl] = {};
  auto msg = message(dst, iov, control, sizeof control);
  msg.msg_namelen = to_sockaddr(to, dst);
  msg.msg_controllen = put_source(*CMSG_FIRSTHDR(&msg), from.address);
  (void)::sendmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
}

}  // namespace p2pscope::lab
