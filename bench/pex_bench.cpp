// Concurrent PEX sessions held open, and the crawler's memory per session.
//
// A child process plays N peers on 127.0.0.1: each accepted connection gets
// a BitTorrent handshake and a BEP 10 extended handshake offering ut_pex,
// then is held silent, as real peers are between their once-a-minute PEX
// messages. The parent opens N crawler pex_session()s against it and, once
// every one has passed both handshakes (the state a crawl holds sessions in
// while waiting for ut_pex), reads its own memory:
//   heap  glibc mallinfo2() bytes in use, after minus before;
//   rss   resident set size from /proc/self/statm, after minus before.
// Kernel socket buffers are not in either; /proc/net/sockstat's TCP "mem"
// (pages, both ends together) is reported beside them.
//
// With --carrier utp the same over uTP (BEP 29): the child's peers share one
// listening UDP socket, and the parent's sessions another (the crawler's
// net::UtpMux), opened at most 2,000 a second (the crawler opens sessions
// through its slots and rate gate, never all at once).
//
//   pex_bench [--sessions N] [--carrier tcp|utp]
//                                 prints one JSON object; exit 1 if not all
//                                 N sessions came up
#include "bench/session_memory.hpp"
#include "crawler/pex_session.hpp"
#include "net/tcp_stream.hpp"
#include "net/utp_socket.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace p2pscope {
namespace {

using namespace net;

const InfoHash kTorrent = InfoHash::from_bytes(std::string(20, 'T')).value();

std::string farm_greeting() {
  Handshake h;
  h.info_hash = kTorrent;
  h.peer_id = PeerId::from_bytes("-LT2080-farmfarmfarm").value();
  h.set_features(Features{Feature::extension_protocol});
  ExtendedHandshake e;
  e.m["ut_pex"] = 1;
  e.v = "farm";
  return encode_handshake(h) + encode_extended(0, encode_extended_handshake(e));
}

awaitable<void> farm_peer(tcp::socket s, const std::string& greeting) {
  std::string buf(4096, '\0');
  error_code ec;
  co_await asio::async_read(s, asio::buffer(buf.data(), kHandshakeSize), use_ec(ec));
  if (ec) co_return;
  co_await asio::async_write(s, asio::buffer(greeting), use_ec(ec));
  buf.clear();
  buf.shrink_to_fit();
  std::string sink(256, '\0');
  while (!ec) co_await s.async_read_some(asio::buffer(sink), use_ec(ec));
}

awaitable<void> farm_accept(tcp::acceptor& acc, const std::string& greeting) {
  for (;;) {
    error_code ec;
    auto s = co_await acc.async_accept(use_ec(ec));
    if (ec) continue;  // EMFILE under a burst: try again
    asio::co_spawn(acc.get_executor(), farm_peer(std::move(s), greeting), asio::detached);
  }
}

awaitable<void> utp_farm_peer(UtpStream s, const std::string& greeting) {
  std::string buf;
  error_code ec;
  auto until = asio::steady_timer::clock_type::now() + std::chrono::minutes(5);
  co_await read_at_least(s, buf, kHandshakeSize, until, ec);
  if (ec) co_return;
  co_await s.write(greeting, until, ec);
  buf.clear();
  buf.shrink_to_fit();
  while (!ec) co_await s.read_some(buf, asio::steady_timer::clock_type::now() + std::chrono::hours(1), ec);
}

awaitable<void> utp_farm_accept(std::shared_ptr<UtpMux> mux, const std::string& greeting) {
  for (;;) {
    error_code ec;
    auto s = co_await mux->accept(ec);
    if (ec) co_return;
    asio::co_spawn(co_await asio::this_coro::executor, utp_farm_peer(std::move(s), greeting), asio::detached);
  }
}

[[noreturn]] void run_utp_farm(int port_fd) {
  asio::io_context io;
  auto mux = UtpMux::open(io.get_executor(), {IpAddress::v4(0x7f000001), 0}).value();
  mux->listen(4096);
  auto port = mux->local_endpoint().port;
  (void)::write(port_fd, &port, sizeof port);
  ::close(port_fd);
  auto greeting = farm_greeting();
  asio::co_spawn(io, utp_farm_accept(mux, greeting), asio::detached);
  io.run();
  std::_Exit(0);
}

// Runs the peers in this (child) process; writes the port to `port_fd`.
[[noreturn]] void run_farm(int port_fd) {
  asio::io_context io;
  tcp::acceptor acc(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  acc.listen(4096);
  auto port = acc.local_endpoint().port();
  (void)::write(port_fd, &port, sizeof port);
  ::close(port_fd);
  auto greeting = farm_greeting();
  asio::co_spawn(io, farm_accept(acc, greeting), asio::detached);
  io.run();
  std::_Exit(0);
}

using bench::heap_bytes;
using bench::rss_bytes;
using bench::tcp_mem_pages;

struct Counts {
  std::size_t hellos = 0, ended = 0;
};

awaitable<void> session(Endpoint farm, const crawler::PexConfig& cfg, net::RateGate& gate,
                        const crawler::PexEvents& ev, const crawler::PexRoute& route, Counts& c) {
  PeerId own = PeerId::from_bytes("-PS0001-benchbenchbe").value();
  co_await crawler::pex_session(farm, kTorrent, own, cfg, gate, ev, route);
  ++c.ended;
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  using namespace p2pscope;
  std::size_t n = 10000;
  bool utp = false;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i], value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--sessions" && !value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
      n = std::stoul(value);
    } else if (flag == "--carrier" && (value == "tcp" || value == "utp")) {
      utp = value == "utp";
    } else {
      std::fprintf(stderr, "usage: pex_bench [--sessions N] [--carrier tcp|utp]\n");
      return 2;
    }
  }
  auto open_files = bench::raise_open_files(n + 64);
  if (open_files < n + 64) {
    std::fprintf(stderr, "pex_bench: open-file limit %lu is below %zu sessions\n", static_cast<unsigned long>(open_files), n);
    return 1;
  }
  int pipefd[2];
  if (::pipe(pipefd) != 0) return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    if (utp) run_utp_farm(pipefd[1]);
    run_farm(pipefd[1]);
  }
  ::close(pipefd[1]);
  std::uint16_t port = 0;
  if (::read(pipefd[0], &port, sizeof port) != sizeof port) return 1;

  asio::io_context io;
  auto politeness = net::Politeness::unlimited();
  if (utp) politeness.global_rate = 2000;
  net::RateGate gate(politeness);
  crawler::PexRoute route;
  net::UtpMuxes muxes;
  if (utp) {
    std::vector<std::string> warnings;
    muxes = net::UtpMuxes::open(io.get_executor(), IpAddress::v4(0x7f000001), std::nullopt, warnings);
    if (!muxes.v4) {
      std::fprintf(stderr, "pex_bench: %s\n", warnings.empty() ? "no uTP socket" : warnings.front().c_str());
      return 1;
    }
    route.utp = &muxes;
    route.order = crawler::CarrierOrder::utp_first;
  }
  crawler::PexConfig cfg;
  cfg.hold = std::chrono::minutes(10);
  cfg.connect_timeout = std::chrono::seconds(60);
  cfg.handshake_timeout = std::chrono::seconds(60);
  Counts c;
  crawler::PexEvents ev{[](const PexPeer&) {}, [&](PeerHello) { ++c.hellos; }, [](AnomalyKind, std::string) {}};
  Endpoint farm{IpAddress::v4(0x7f000001), port};

  auto heap0 = heap_bytes();
  auto rss0 = rss_bytes();
  auto tcp0 = tcp_mem_pages();
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) asio::co_spawn(io, session(farm, cfg, gate, ev, route, c), asio::detached);
  auto limit = start + std::chrono::seconds(120);
  while (c.hellos + c.ended < n && std::chrono::steady_clock::now() < limit)
    io.run_one_for(std::chrono::milliseconds(100));
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto per_session = [n](std::size_t after, std::size_t before) {
    return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
  };
  auto heap = per_session(heap_bytes(), heap0);
  auto rss = per_session(rss_bytes(), rss0);
  auto tcp = tcp_mem_pages() - tcp0;
  std::printf(
      "{\"carrier\": \"%s\", \"sessions\": %zu, \"held\": %zu, \"ended_early\": %zu, \"seconds_to_open\": %.2f, \"heap_bytes_per_session\": "
      "%.0f, \"rss_bytes_per_session\": %.0f, \"kernel_tcp_mem_pages_both_ends\": %ld}\n",
      utp ? "utp" : "tcp", n, c.hellos, c.ended, secs, heap, rss, tcp);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  std::fflush(stdout);
  std::_Exit(c.hellos == n ? 0 : 1);  // skip tearing down 10,000 sessions one by one
}
