// KRPC queries per crawler CPU-second against a raw loopback UDP
// request/response loop, measured in the same run.
//
// One responder thread answers every query on 127.0.0.1 with the same
// realistic get_peers reply (8 nodes, 8 values, a token), its transaction id
// patched in. Two clients take turns against it, each keeping `window`
// queries in flight:
//   raw       blocking sendto/recv of fixed bytes: the syscalls alone, this
//             machine's practical limit for a UDP request/response;
//   krpc      p2pscope's KrpcClient (encode, 4-byte tid, pacing gate, reply
//             matching, full decode, a deadline per query).
// Only the client thread's CPU time (CLOCK_THREAD_CPUTIME_ID) is counted, so
// the responder's cost and any waiting do not enter the ratio.
//
//   krpc_bench [--queries N] [--window W]      prints one JSON object
#include "core/krpc.hpp"
#include "crawler/krpc_client.hpp"
#include "tests/testlib/random_values.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace p2pscope {
namespace {

using namespace net;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string reply_template() {
  testlib::Gen g(7);
  KrpcResponse r;
  r.transaction_id = "TTTT";
  r.id = g.hash<NodeId>();
  for (int i = 0; i < 8; ++i) r.nodes.push_back(g.node(Family::v4));
  for (int i = 0; i < 8; ++i) r.values.push_back(g.endpoint(Family::v4));
  r.token = g.bytes(8);
  r.version = "LT20";
  return encode_krpc(r);
}

int udp_socket_on_loopback() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int big = 1 << 22;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind 127.0.0.1");
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// Answers until `stop`; copies the query's 4-byte transaction id ("1:t4:")
// into the reply. Not a KRPC parser: the fastest answer keeps the responder
// from being what is measured.
void respond(int fd, const std::atomic<bool>& stop) {
  auto reply = reply_template();
  auto tid_at = reply.find("1:t4:") + 5;
  std::vector<char> buf(2048);
  timeval tv{0, 100000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (!stop) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    auto n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    auto* t = static_cast<char*>(memmem(buf.data(), static_cast<std::size_t>(n), "1:t4:", 5));
    if (!t || t + 9 > buf.data() + n) continue;
    std::memcpy(reply.data() + tid_at, t + 5, 4);
    ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

struct Run {
  std::size_t done = 0;
  double cpu = 0, wall = 0;
  double per_cpu_second() const { return static_cast<double>(done) / cpu; }
};

Run run_raw(std::uint16_t port, std::size_t queries, std::size_t window) {
  auto q = KrpcQuery::get_peers(NodeId{}, InfoHash{});
  q.transaction_id = "abcd";
  q.read_only = true;
  auto bytes = encode_krpc(q);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<char> buf(2048);
  Run r;
  auto cpu0 = thread_cpu_seconds();
  auto wall0 = wall_seconds();
  std::size_t sent = 0;
  for (; sent < window; ++sent) ::send(fd, bytes.data(), bytes.size(), 0);
  while (r.done < queries) {
    if (::recv(fd, buf.data(), buf.size(), 0) <= 0) {  // a datagram lost on loopback: resend one
      ::send(fd, bytes.data(), bytes.size(), 0);
      continue;
    }
    ++r.done;
    if (sent < queries) {
      ::send(fd, bytes.data(), bytes.size(), 0);
      ++sent;
    }
  }
  r.cpu = thread_cpu_seconds() - cpu0;
  r.wall = wall_seconds() - wall0;
  ::close(fd);
  return r;
}

awaitable<void> query_loop(crawler::KrpcClient& c, Endpoint to, std::size_t& left, std::size_t& done,
                           std::size_t& failed) {
  while (left > 0) {
    --left;
    auto r = co_await c.query(to, KrpcQuery::get_peers(NodeId{}, InfoHash{}));
    if (r && r.value().nodes.size() == 8) ++done;
    else ++failed;
  }
}

Run run_krpc(std::uint16_t port, std::size_t queries, std::size_t window, std::size_t& failed) {
  asio::io_context io;
  net::RateGate gate(net::Politeness::unlimited());
  crawler::KrpcConfig cfg;
  cfg.bind_v4 = IpAddress::v4(0x7f000001);
  auto client = crawler::KrpcClient::open(io.get_executor(), cfg, gate, [](auto&&...) {});
  if (!client) throw std::runtime_error("KrpcClient::open: " + client.error().message());
  Endpoint to{IpAddress::v4(0x7f000001), port};
  std::size_t left = queries;
  Run r;
  for (std::size_t i = 0; i < window; ++i)
    asio::co_spawn(io, query_loop(*client.value(), to, left, r.done, failed), asio::detached);
  auto cpu0 = thread_cpu_seconds();
  auto wall0 = wall_seconds();
  while (r.done + failed < queries) io.run_one();
  r.cpu = thread_cpu_seconds() - cpu0;
  r.wall = wall_seconds() - wall0;
  return r;
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  using namespace p2pscope;
  std::size_t queries = 300000, window = 32;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--queries") queries = std::stoul(argv[i + 1]);
    else if (a == "--window") window = std::stoul(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: krpc_bench [--queries N] [--window W]\n");
      return 2;
    }
  }
  int fd = udp_socket_on_loopback();
  std::atomic<bool> stop{false};
  std::thread responder(respond, fd, std::cref(stop));
  auto port = port_of(fd);
  run_raw(port, queries / 10, window);  // warm-up
  auto raw = run_raw(port, queries, window);
  std::size_t failed = 0;
  auto krpc = run_krpc(port, queries, window, failed);
  stop = true;
  responder.join();
  ::close(fd);
  std::printf(
      "{\"queries\": %zu, \"window\": %zu, \"raw_per_cpu_s\": %.0f, \"raw_per_s\": %.0f, "
      "\"krpc_per_cpu_s\": %.0f, \"krpc_per_s\": %.0f, \"krpc_failed\": %zu, \"ratio\": %.3f}\n",
      queries, window, raw.per_cpu_second(), static_cast<double>(raw.done) / raw.wall, krpc.per_cpu_second(),
      static_cast<double>(krpc.done) / krpc.wall, failed, krpc.per_cpu_second() / raw.per_cpu_second());
  // Every query must be answered: 32 in flight cannot overflow a loopback
  // socket's buffer, so a failure is the client's, not the network's.
  if (failed > 0) std::fprintf(stderr, "krpc_bench: %zu of %zu queries failed\n", failed, queries);
  return failed > 0 ? 1 : 0;
}
