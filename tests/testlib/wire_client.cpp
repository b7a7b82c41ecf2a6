#include "tests/testlib/wire_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace p2pscope::testlib {
namespace {

using Clock = std::chrono::steady_clock;

// The socket address of ip:port, IPv4 or IPv6, and its length.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&ss); }
};

SockAddr to_sockaddr(const IpAddress& ip, std::uint16_t port) {
  SockAddr out;
  if (ip.is_v4()) {
    auto* sa = reinterpret_cast<sockaddr_in*>(&out.ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    std::memcpy(&sa->sin_addr, ip.data(), 4);
    out.len = sizeof(sockaddr_in);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out.ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    std::memcpy(&sa->sin6_addr, ip.data(), 16);
    out.len = sizeof(sockaddr_in6);
  }
  return out;
}

std::error_code sys() { return {errno, std::generic_category()}; }

Result<void> wait_for(int fd, short events, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  if (left <= 0) return std::make_error_code(std::errc::timed_out);
  pollfd p{fd, events, 0};
  int rc = ::poll(&p, 1, static_cast<int>(left));
  if (rc < 0) return sys();
  if (rc == 0) return std::make_error_code(std::errc::timed_out);
  return success();
}

int bound_socket(int type, const IpAddress& from) {
  int fd = ::socket(from.is_v4() ? AF_INET : AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  auto sa = to_sockaddr(from, 0);
  if (fd >= 0 && ::bind(fd, sa.get(), sa.len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<WireClient> WireClient::connect(const IpAddress& from, const Endpoint& to, Millis timeout) {
  int fd = bound_socket(SOCK_STREAM, from);
  if (fd < 0) return sys();
  WireClient c(fd);
  auto sa = to_sockaddr(to.address, to.port);
  if (::connect(fd, sa.get(), sa.len) != 0 && errno != EINPROGRESS) return sys();
  P2PSCOPE_CHECK(wait_for(fd, POLLOUT, Clock::now() + timeout));
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return std::error_code(err, std::generic_category());
  return c;
}

WireClient::~WireClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> WireClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      P2PSCOPE_CHECK(wait_for(fd_, POLLOUT, Clock::now() + Millis(5000)));
      continue;
    }
    if (n < 0) return sys();
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return success();
}

Result<std::string> WireClient::read(std::size_t n, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    P2PSCOPE_CHECK(wait_for(fd_, POLLIN, deadline));
    auto r = ::recv(fd_, out.data() + got, n - got, 0);
    if (r == 0) return make_error_code(errc::truncated);
    if (r < 0 && errno != EAGAIN) return sys();
    if (r > 0) got += static_cast<std::size_t>(r);
  }
  return out;
}

Result<Handshake> WireClient::handshake(const InfoHash& ih, Millis timeout) {
  Handshake h;
  h.info_hash = ih;
  h.peer_id = PeerId::from_bytes("-PS0001-testclient01").value();
  Features f;
  f.set(Feature::extension_protocol);
  f.set(Feature::fast);
  h.set_features(f);
  P2PSCOPE_CHECK(send(encode_handshake(h)));
  P2PSCOPE_TRY(raw, read(kHandshakeSize, timeout));
  return decode_handshake(raw);
}

Result<Message> WireClient::next(Millis timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
    P2PSCOPE_TRY(len_raw, read(4, left));
    std::uint32_t len = 0;
    for (unsigned char c : len_raw) len = len << 8 | c;
    if (len > WireLimits{}.max_message) return make_error_code(errc::oversized);
    if (len == 0) continue;  // keep-alive
    auto body = read(len, std::chrono::duration_cast<Millis>(deadline - Clock::now()));
    if (!body) return body.error();
    const std::string& b = body.value();
    return Message{static_cast<std::uint8_t>(b.front()), b.substr(1)};
  }
}

Result<KrpcMessage> krpc_query(const IpAddress& from, const Endpoint& to, const KrpcQuery& q, Millis timeout) {
  int fd = bound_socket(SOCK_DGRAM, from);
  if (fd < 0) return sys();
  auto out = encode_krpc(q);
  auto sa = to_sockaddr(to.address, to.port);
  auto deadline = Clock::now() + timeout;
  Result<KrpcMessage> result = std::make_error_code(std::errc::timed_out);
  if (::sendto(fd, out.data(), out.size(), 0, sa.get(), sa.len) < 0) {
    result = sys();
  } else {
    std::string buf(65536, '\0');
    while (wait_for(fd, POLLIN, deadline)) {
      auto n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) continue;
      auto m = decode_krpc(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      if (m) {
        result = std::move(m);
        break;
      }
    }
  }
  ::close(fd);
  return result;
}

}  // namespace p2pscope::testlib
