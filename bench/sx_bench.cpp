// Concurrent eMule source-exchange sessions held open, and the crawler's
// memory per session (issue 24: 10,000 at <= 16 KiB each).
//
// A child process plays N eMule peers on 127.0.0.1: each answers the
// crawler's hello as aMule 2.3.3 does, then takes the file request (the
// extended multipacket with SX2 inside) and holds the connection silent,
// as an aMule that has nothing to say yet does. The parent opens N crawler
// sx_session()s against it and, once the child has seen every session's
// file request (the state a crawl holds sessions in while it waits for an
// answer), reads its own memory:
//   heap  glibc mallinfo2() bytes in use, after minus before;
//   rss   resident set size from /proc/self/statm, after minus before.
// Kernel socket buffers are not in either; /proc/net/sockstat's TCP "mem"
// (pages, both ends together) is reported beside them.
//
//   sx_bench [--sessions N]      prints one JSON object; exit 1 if not all
//                                N sessions came up
#include "core/ed2k_client.hpp"
#include "core/ed2k_link.hpp"
#include "bench/session_memory.hpp"
#include "crawler/sx_session.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

namespace p2pscope {
namespace {

using namespace net;

const ed2k::Md4 kFile{{0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}};

std::string hello_answer() {
  using namespace ed2k;
  std::uint32_t misc1 = 3u << 12 | 1u << 8 | 1u << 1;  // SX1 3, extended requests 1, multipacket
  std::uint32_t misc2 = 1u << 10 | 1u << 5 | 1u << 4 | 8u;  // SX2, ext multipacket, large files, KAD 8
  std::vector<Tag> tags = {string_tag(0x01, "aMule"), number_tag(0x11, TagType::uint32, 0x3C),
                           number_tag(0xFB, TagType::uint32, 0x03040D80), number_tag(0xFA, TagType::uint32, misc1),
                           number_tag(0xFE, TagType::uint32, misc2)};
  Hello me{Md4{{9, 9, 9, 9, 9, 14, 9, 9, 9, 9, 9, 9, 9, 9, 111, 9}}, 0, 4662, tags, 0, 0, {}};
  return encode_tcp_frame(Frame{Protocol::edonkey, op::hello_answer, encode_hello(me, HelloKind::answer)});
}

awaitable<void> farm_peer(tcp::socket s, const std::string& answer, std::atomic<std::size_t>& asked) {
  std::string in, buf(4096, '\0');
  error_code ec;
  bool counted = false;
  while (!ec) {
    auto n = co_await s.async_read_some(asio::buffer(buf), use_ec(ec));
    in.append(buf.data(), n);
    for (auto f = ed2k::decode_tcp_frame(in); f; f = ed2k::decode_tcp_frame(in)) {
      in.erase(0, f.value().size);
      if (f.value().frame.opcode == ed2k::op::hello) co_await asio::async_write(s, asio::buffer(answer), use_ec(ec));
      if (f.value().frame.opcode == ed2k::op::multipacket_ext && !counted) {
        counted = true;
        ++asked;
        buf.resize(256);
        buf.shrink_to_fit();
      }
    }
  }
}

awaitable<void> farm_accept(tcp::acceptor& acc, const std::string& answer, std::atomic<std::size_t>& asked) {
  for (;;) {
    error_code ec;
    auto s = co_await acc.async_accept(use_ec(ec));
    if (ec) continue;  // EMFILE under a burst: try again
    asio::co_spawn(acc.get_executor(), farm_peer(std::move(s), answer, asked), asio::detached);
  }
}

// Runs the peers in this (child) process; writes the port to `port_fd`.
[[noreturn]] void run_farm(int port_fd, std::atomic<std::size_t>& asked) {
  asio::io_context io;
  tcp::acceptor acc(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  acc.listen(4096);
  auto port = acc.local_endpoint().port();
  (void)::write(port_fd, &port, sizeof port);
  ::close(port_fd);
  auto answer = hello_answer();
  asio::co_spawn(io, farm_accept(acc, answer, asked), asio::detached);
  io.run();
  std::_Exit(0);
}

using bench::heap_bytes;
using bench::rss_bytes;
using bench::tcp_mem_pages;

// A named coroutine rather than a capturing lambda: GCC 12 miscompiles the
// latter (a double free in release builds).
awaitable<void> one_session(Endpoint farm, crawler::Ed2kFile file, const crawler::SxConfig& cfg, RateGate& gate,
                            const crawler::Ed2kEvents& ev, std::size_t& ended) {
  co_await crawler::sx_session(farm, file, cfg, gate, ev);
  ++ended;
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  using namespace p2pscope;
  std::size_t n = 10000;
  if (argc == 3 && std::string(argv[1]) == "--sessions") n = std::stoul(argv[2]);
  else if (argc != 1) {
    std::fprintf(stderr, "usage: sx_bench [--sessions N]\n");
    return 2;
  }
  auto open_files = bench::raise_open_files(2 * n + 64);
  if (open_files < n + 64) {
    std::fprintf(stderr, "sx_bench: open-file limit %lu is below %zu sessions\n", static_cast<unsigned long>(open_files), n);
    return 1;
  }
  // The child counts file requests into memory both processes see.
  void* shared = ::mmap(nullptr, sizeof(std::atomic<std::size_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return 1;
  auto* asked = ::new (shared) std::atomic<std::size_t>(0);
  int pipefd[2];
  if (::pipe(pipefd) != 0) return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipefd[0]);
    run_farm(pipefd[1], *asked);
  }
  ::close(pipefd[1]);
  std::uint16_t port = 0;
  if (::read(pipefd[0], &port, sizeof port) != sizeof port) return 1;

  asio::io_context io;
  net::RateGate gate(net::Politeness::unlimited());
  crawler::SxConfig cfg;
  cfg.user_hash = ed2k::md4_of("sx_bench");
  cfg.connect_timeout = cfg.hello_timeout = std::chrono::seconds(60);
  cfg.answer_timeout = std::chrono::minutes(10);
  std::size_t ended = 0;
  crawler::Ed2kEvents ev{[](EmuleObservation) {}, [](AnomalyKind, std::string) {}};
  Endpoint farm{IpAddress::v4(0x7f000001), port};
  crawler::Ed2kFile file{kFile, 1'000'000};

  auto heap0 = heap_bytes();
  auto rss0 = rss_bytes();
  auto tcp0 = tcp_mem_pages();
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) asio::co_spawn(io, one_session(farm, file, cfg, gate, ev, ended), asio::detached);
  auto limit = start + std::chrono::seconds(120);
  while (asked->load() + ended < n && std::chrono::steady_clock::now() < limit) io.run_one_for(std::chrono::milliseconds(100));
  io.poll();  // the last sends' completions
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto per_session = [n](std::size_t after, std::size_t before) {
    return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
  };
  auto heap = per_session(heap_bytes(), heap0);
  auto rss = per_session(rss_bytes(), rss0);
  auto tcp = tcp_mem_pages() - tcp0;
  auto held = asked->load();
  std::printf(
      "{\"sessions\": %zu, \"held\": %zu, \"ended_early\": %zu, \"seconds_to_open\": %.2f, \"heap_bytes_per_session\": "
      "%.0f, \"rss_bytes_per_session\": %.0f, \"kernel_tcp_mem_pages_both_ends\": %ld}\n",
      n, held, ended, secs, heap, rss, tcp);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  std::fflush(stdout);
  std::_Exit(held == n && ended == 0 ? 0 : 1);  // skip tearing down 10,000 sessions one by one
}
