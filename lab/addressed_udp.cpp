#include "lab/addressed_udp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace p2pscope::lab {
namespace {

msghdr message(sockaddr_in& peer, iovec& iov, char* control, std::size_t control_size) {
  msghdr msg{};
  msg.msg_name = &peer;
  msg.msg_namelen = sizeof peer;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = control_size;
  return msg;
}

}  // namespace

void enable_addressed(udp::socket& socket, int queue_bytes) {
  int fd = socket.native_handle();
  int on = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &queue_bytes, sizeof queue_bytes);
}

std::optional<AddressedDatagram> receive_addressed(udp::socket& socket, std::string& buf, std::uint16_t port) {
  int fd = socket.native_handle();
  sockaddr_in src{};
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  for (;;) {
    auto msg = message(src, iov, control, sizeof control);  // the kernel rewrites the lengths: per datagram
    auto n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    if (src.sin_family != AF_INET) continue;
    for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      AddressedDatagram r;
      r.size = static_cast<std::size_t>(n);
      r.from = {IpAddress::v4(ntohl(src.sin_addr.s_addr)), ntohs(src.sin_port)};
      r.to = {IpAddress::v4(ntohl(info.ipi_addr.s_addr)), port};
      return r;
    }
  }
}

void send_addressed(udp::socket& socket, std::string_view data, const Endpoint& from, const Endpoint& to) {
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(to.port);
  std::memcpy(&dst.sin_addr, to.address.data(), 4);
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  auto msg = message(dst, iov, control, sizeof control);
  auto* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  std::memcpy(&info.ipi_spec_dst, from.address.data(), 4);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  (void)::sendmsg(socket.native_handle(), &msg, MSG_DONTWAIT);
}

}  // namespace p2pscope::lab
