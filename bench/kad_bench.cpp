// KAD requests and source searches per crawler CPU-second against a raw
// loopback UDP request/response loop, measured in the same run (issue 24:
// >= 30% of the baseline, as for KRPC).
//
// A responder thread runs the lab's many-nodes KAD responder: N nodes at
// 127.x.y.1, a /24 each, one socket for all of them as in the lab, indexing
// 20 sources for every file. The crawler's crawl_kad() then runs a whole
// KAD round over F files as a crawl does: find-node iterations toward each file (8 files at once, as the
// crawler's default), then source searches at the nodes within tolerance,
// every reply decoded and every source reported.
// The baseline is blocking send/recv of a source search and a fixed
// 20-source answer, 32 in flight as in krpc_bench: the syscalls alone. Only the client thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID) counts, so the responder and the waiting for
// the search window do not enter the ratio.
//
//   kad_bench [--nodes N] [--files F] [--parallel LOOKUPS]   prints one JSON object
#include "crawler/kad_client.hpp"
#include "lab/kad_responder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <thread>

namespace p2pscope {
namespace {

using namespace net;
using Clock = std::chrono::steady_clock;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

const IpAddress kLoopback = IpAddress::v4(0x7f000001);

kad::SourceEntry source(std::mt19937_64& rng, std::uint64_t size) {
  kad::SourceEntry e;
  for (auto& b : e.user_hash.bytes) b = static_cast<std::uint8_t>(rng());
  e.type = 1;
  e.ip = static_cast<std::uint32_t>(rng()) | 0x01000000u;
  e.tcp_port = 4662;
  e.udp_port = 4672;
  e.file_size = size;
  return e;
}

struct Swarm {
  asio::io_context io;
  udp::socket socket{io, udp::endpoint(udp::v4(), 0)};
  std::unique_ptr<lab::KadResponderState> state;
  std::vector<crawler::Ed2kFile> files;
};

void build_swarm(Swarm& s, std::size_t n, std::size_t f) {
  std::mt19937_64 rng(24);
  std::vector<lab::KadNode> nodes;
  auto port = s.socket.local_endpoint().port();
  for (std::size_t i = 0; i < n; ++i) {
    kad::KadId id;
    for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
    // A /24 each (127.x.y.1), so the lookup's per-/24 allowance does not bind.
    nodes.push_back({id, {IpAddress::v4(0x7f000001u + (static_cast<std::uint32_t>(i) << 8)), port}, 4662});
  }
  s.state = std::make_unique<lab::KadResponderState>(nodes);
  for (std::size_t i = 0; i < f; ++i) {
    crawler::Ed2kFile file;
    for (auto& b : file.hash.bytes) b = static_cast<std::uint8_t>(rng());
    // Within search tolerance of at least one node (the first 8 bits shared).
    file.hash.bytes[0] = nodes[(i * 7) % n].id.bytes[0];
    file.size = 100'000'000;
    for (int k = 0; k < 20; ++k) s.state->index(file.hash, source(rng, file.size));
    s.files.push_back(file);
  }
  asio::co_spawn(s.io, lab::serve_kad(s.socket, *s.state), asio::detached);
}

// A fixed 20-source answer to echo, from the responder's own encoder.
std::string search_answer(Swarm& s) {
  auto q = kad::encode_source_search({kad::KadId::of(s.files.front().hash), 0, s.files.front().size});
  auto d = ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::search_source_req, q});
  for (std::size_t i = 0; i < s.state->nodes().size(); ++i) {
    auto out = s.state->answer(i, d, {kLoopback, 1});
    if (!out.empty()) return out.front();
  }
  return {};
}

struct Raw {
  std::size_t done = 0;
  double cpu = 0;
};

Raw run_raw(const std::string& request, const std::string& answer, std::size_t rounds) {
  int srv = ::socket(AF_INET, SOCK_DGRAM, 0), cli = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(srv, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(srv, reinterpret_cast<sockaddr*>(&a), &len);
  ::connect(cli, reinterpret_cast<sockaddr*>(&a), sizeof a);
  timeval tv{0, 200000};
  ::setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    std::string buf(2048, '\0');
    sockaddr_in from{};
    while (!stop) {
      socklen_t fl = sizeof from;
      if (::recvfrom(srv, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl) > 0)
        ::sendto(srv, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
    }
  });
  std::string buf(4096, '\0');
  Raw r;
  auto cpu0 = thread_cpu_seconds();
  // 32 in flight, as krpc_bench's baseline: the cheapest the syscalls get.
  std::size_t sent = 0;
  for (; sent < 32 && sent < rounds; ++sent) ::send(cli, request.data(), request.size(), 0);
  while (r.done < rounds) {
    if (::recv(cli, buf.data(), buf.size(), 0) <= 0) {  // a datagram lost on loopback: resend one
      ::send(cli, request.data(), request.size(), 0);
      continue;
    }
    ++r.done;
    if (sent < rounds) {
      ::send(cli, request.data(), request.size(), 0);
      ++sent;
    }
  }
  r.cpu = thread_cpu_seconds() - cpu0;
  stop = true;
  echo.join();
  ::close(srv);
  ::close(cli);
  return r;
}

// A named coroutine rather than a capturing lambda: GCC 12 miscompiles the
// latter (a double free in release builds).
awaitable<void> run_crawl(std::vector<kad::Contact> seeds, std::vector<crawler::Ed2kFile> files,
                          const crawler::KadConfig& cfg, RateGate& gate, const crawler::KadEvents& ev,
                          crawler::KadReport& report) {
  auto r = co_await crawler::crawl_kad(std::move(seeds), std::move(files), cfg, gate, ev);
  if (r) report = r.value();
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  using namespace p2pscope;
  std::size_t nodes = 500, files = 200, parallel = crawler::KadConfig{}.parallel_lookups;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--nodes") nodes = std::stoul(argv[i + 1]);
    else if (a == "--files") files = std::stoul(argv[i + 1]);
    else if (a == "--parallel") parallel = std::stoul(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: kad_bench [--nodes N] [--files F] [--parallel LOOKUPS]\n");
      return 2;
    }
  }
  Swarm swarm;
  build_swarm(swarm, nodes, files);
  auto answer = search_answer(swarm);
  if (answer.empty()) {
    std::fprintf(stderr, "kad_bench: the responder indexes nothing near the first file\n");
    return 1;
  }
  std::thread responder([&] { swarm.io.run(); });

  asio::io_context io;
  RateGate gate(Politeness::unlimited());
  crawler::KadConfig cfg;
  cfg.local = kLoopback;
  cfg.timeout = std::chrono::milliseconds(1000);
  cfg.search_window = std::chrono::milliseconds(50);
  cfg.per_ip_budget = false;  // aMule's per-IP allowances would pace a benchmark
  cfg.parallel_lookups = parallel;
  std::vector<kad::Contact> seeds;
  for (std::size_t i = 0; i < swarm.state->nodes().size(); i += 25) seeds.push_back(swarm.state->contact(i));
  std::size_t sources = 0;
  crawler::KadEvents ev{[&](EmuleObservation) { ++sources; }, [](auto&&...) {}};
  crawler::KadReport report;
  auto cpu0 = thread_cpu_seconds();
  auto wall0 = Clock::now();
  asio::co_spawn(io, run_crawl(seeds, swarm.files, cfg, gate, ev, report), asio::detached);
  io.run();
  auto cpu = thread_cpu_seconds() - cpu0;
  auto wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  swarm.io.stop();
  responder.join();

  auto request = ed2k::encode_udp_frame({ed2k::Protocol::kad, kad::op::search_source_req,
                                         kad::encode_source_search({kad::KadId::of(swarm.files.front().hash), 0, 1})});
  auto raw = run_raw(request, answer, 100000);
  double requests = static_cast<double>(report.find_nodes + report.searches + report.bootstrapped);
  double ours = requests / cpu, base = static_cast<double>(raw.done) / raw.cpu;
  std::printf(
      "{\"nodes\": %zu, \"files\": %zu, \"find_nodes\": %zu, \"searches\": %zu, \"searches_answered\": %zu, "
      "\"sources\": %zu, \"lookup_replies\": %zu, \"lookup_timeouts\": %zu, \"crawler_cpu_s\": %.3f, \"wall_s\": %.2f, \"kad_requests_per_cpu_s\": %.0f, "
      "\"searches_per_cpu_s\": %.0f, \"raw_per_cpu_s\": %.0f, \"ratio\": %.3f}\n",
      nodes, files, report.find_nodes, report.searches, report.searches_answered, sources, report.lookup.replies,
      report.lookup.timeouts, cpu, wall, ours,
      static_cast<double>(report.searches) / cpu, base, ours / base);
  // Every file's search must find its sources, or the figure means nothing.
  bool ok = report.searches_answered > 0 && sources >= 20 * files;
  if (!ok) std::fprintf(stderr, "kad_bench: %zu sources for %zu files\n", sources, files);
  return ok ? 0 : 1;
}
