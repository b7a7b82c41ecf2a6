// Handshake probes per second on the lab: p2pscope's liveness probe
// (contact_peer: connect, BitTorrent handshake for the real infohash, wait
// for the peer's handshake, close) against the lab's own peers, and in the
// same run the baseline: raw loopback TCP connect/accept/close between two
// sockets of this process (listeners on a second thread), at the same
// concurrency, over as many destinations as the probe has. Run it inside the lab
// (bench/run.sh does):
//
//   p2pscope lab exec -- probe_bench --bind FREE_IP --truth GROUND_TRUTH.json [--probes N] [--concurrency C]
//
// Targets are the lab's lite peers (the actor process serves them all); the
// libtorrent peers are left out because they refuse a second connection from
// one address, which would measure libtorrent, not the probe. The politeness
// gate is lifted. Prints one JSON object; exits 1 if any probe fails.
#include "probes/peer_probe.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>
#include <string>

namespace p2pscope {
namespace {

using namespace net;
using Clock = std::chrono::steady_clock;

struct Options {
  IpAddress bind = IpAddress::v4(0);
  std::string truth;
  std::size_t probes = 20000, concurrency = 64;
};

struct Run {
  std::size_t next = 0, ok = 0, failed = 0;
  std::string first_failure;
};

awaitable<void> probe_worker(Run& r, const std::vector<Endpoint>& peers, const InfoHash& ih, std::size_t total,
                             const probes::PeerProbeConfig& cfg, net::RateGate& gate) {
  auto rng = probes::seeded_generator();
  auto own = probes::ProbeIdentity::fresh(rng);
  while (r.next < total) {
    const auto& peer = peers[r.next++ % peers.size()];
    auto c = co_await probes::contact_peer(peer, ih, own, cfg, gate, false);
    if (c.handshake == ProbeOutcome::positive) {
      ++r.ok;
    } else if (r.failed++ == 0) {
      r.first_failure = peer.to_string() + ": " + c.why;
    }
  }
}

awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    error_code ec;
    auto socket = co_await acceptor.async_accept(use_ec(ec));
    if (ec) co_return;
    socket.close();
  }
}

awaitable<void> connect_worker(Run& r, const std::vector<tcp::endpoint>& servers, std::size_t total, const IpAddress& bind) {
  auto executor = co_await asio::this_coro::executor;
  while (r.next < total) {
    const auto& server = servers[r.next++ % servers.size()];
    tcp::socket s(executor);
    error_code ec;
    open_outgoing(s, from_asio(server.address()), bind, ec);  // as the probe does
    if (!ec) co_await s.async_connect(server, use_ec(ec));
    ec ? ++r.failed : ++r.ok;
  }
}

// Runs workers to completion; returns seconds.
template <class Spawn>
double timed(Spawn&& spawn) {
  asio::io_context io;
  spawn(io);
  auto t0 = Clock::now();
  io.run();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<Endpoint> lite_peers(const nlohmann::json& truth) {
  std::vector<Endpoint> out;
  for (const auto& a : truth.at("addresses")) {
    if (a.value("implementation", "") != "p2pscope-lab" || a.value("role", "") != "leecher" || !a.contains("port")) continue;
    out.push_back({IpAddress::parse(a.at("ip").get<std::string>()).value(), a.at("port").get<std::uint16_t>()});
  }
  return out;
}

int run(const Options& o) {
  std::ifstream f(o.truth);
  auto truth = nlohmann::json::parse(f, nullptr, false);
  if (truth.is_discarded() || !truth.contains("addresses")) {
    std::fprintf(stderr, "probe_bench: cannot read a ground truth from %s\n", o.truth.c_str());
    return 2;
  }
  auto peers = lite_peers(truth);
  auto ih = InfoHash::from_hex(truth.at("info_hashes").at(0).get<std::string>()).value();
  if (peers.empty()) {
    std::fprintf(stderr, "probe_bench: the ground truth lists no lab lite peers\n");
    return 2;
  }
  probes::PeerProbeConfig cfg;
  cfg.local = o.bind;
  net::RateGate gate(net::Politeness::unlimited());

  Run ours;
  double ours_s = timed([&](asio::io_context& io) {
    for (std::size_t i = 0; i < o.concurrency; ++i)
      asio::co_spawn(io, probe_worker(ours, peers, ih, o.probes, cfg, gate), asio::detached);
  });

  // The listeners run on a thread of their own, as the lab's peers run in a
  // process of their own; as many as the probe has targets, since
  // connections to one destination soon run into their own TIME_WAITs.
  Run raw;
  asio::io_context server_io;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<tcp::endpoint> servers;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    auto& a = *acceptors.emplace_back(std::make_unique<tcp::acceptor>(server_io, tcp::endpoint(to_asio(o.bind), 0)));
    // A full accept queue drops SYNs, and each drop costs a 1 s
    // retransmission: queues as deep as the kernel allows, accepts pending
    // on every listener.
    a.listen(asio::socket_base::max_listen_connections);
    servers.push_back(a.local_endpoint());
    for (int k = 0; k < 4; ++k) asio::co_spawn(server_io, accept_loop(a), asio::detached);
  }
  std::thread server([&server_io] { server_io.run(); });
  double raw_s = timed([&](asio::io_context& io) {
    for (std::size_t i = 0; i < o.concurrency; ++i)
      asio::co_spawn(io, connect_worker(raw, servers, o.probes, o.bind), asio::detached);
  });
  asio::post(server_io, [&acceptors] {
    for (auto& a : acceptors) a->close();  // ends the accept loops, so run() returns
  });
  server.join();

  double ours_rate = static_cast<double>(ours.ok) / ours_s, raw_rate = static_cast<double>(raw.ok) / raw_s;
  std::printf("{\"targets\":%zu,\"probes\":%zu,\"concurrency\":%zu,\"handshakes\":%zu,\"failed\":%zu,\"probe_per_s\":%.0f,"
              "\"raw_connects\":%zu,\"raw_per_s\":%.0f,\"ratio\":%.3f}\n",
              peers.size(), o.probes, o.concurrency, ours.ok, ours.failed, ours_rate, raw.ok, raw_rate, ours_rate / raw_rate);
  if (ours.failed || raw.failed) {
    std::fprintf(stderr, "probe_bench: %zu probe(s) and %zu raw connect(s) failed; first: %s\n", ours.failed, raw.failed,
                 ours.first_failure.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace p2pscope

int main(int argc, char** argv) {
  p2pscope::Options o;
  auto usage = [] {
    std::fprintf(stderr, "usage: probe_bench --bind FREE_IP --truth GROUND_TRUTH.json [--probes N] [--concurrency C]\n");
    return 2;
  };
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--bind") {
      auto ip = p2pscope::IpAddress::parse(v);
      if (!ip) return usage();
      o.bind = ip.value();
    } else if (a == "--truth") {
      o.truth = v;
    } else if (a == "--probes") {
      o.probes = std::stoul(v);
    } else if (a == "--concurrency") {
      o.concurrency = std::max(1ul, std::stoul(v));
    } else {
      return usage();
    }
  }
  if (argc % 2 == 0 || o.truth.empty()) return usage();
  return p2pscope::run(o);
}
