#include "crawler/dht_crawl.hpp"

#include <memory>

namespace p2pscope::crawler {

using namespace net;

namespace {

struct LookupRun {
  GetPeersLookup lookup;
  KrpcMethod method;  // get_peers or sample_infohashes
  Wakeup wake;
  LookupEvents ev;
  std::size_t running = 0;
  std::size_t without_bep51 = 0;
};

awaitable<void> ask(KrpcAsk krpc, std::shared_ptr<LookupRun> run, NodeEntry node) {
  // The client puts in its own node id.
  const auto& target = run->lookup.target();
  auto q = run->method == KrpcMethod::sample_infohashes
               ? KrpcQuery::sample_infohashes(NodeId{}, target)
               : KrpcQuery::get_peers(NodeId{}, InfoHash::from_bytes(target.raw()).value());
  auto r = co_await krpc(node.endpoint, std::move(q));
  // Without find_node, a node that lacks BEP 51 would end the walk at it,
  // and such nodes are common: the walk would stall short of the target.
  if (!r && r.error() == make_error_code(errc::remote_error) && run->method == KrpcMethod::sample_infohashes) {
    ++run->without_bep51;
    r = co_await krpc(node.endpoint, KrpcQuery::find_node(NodeId{}, target));
  }
  if (r) {
    auto before = run->lookup.stats().anomalies;
    auto reply = run->lookup.on_reply(node.endpoint, r.value());
    for (const auto& f : reply.peers) run->ev.on_found(f);
    NodeEntry from{reply.id, node.endpoint};
    if (reply.solicited && run->ev.on_node) {
      run->ev.on_node(from, std::nullopt);
      for (const auto& n : reply.nodes) run->ev.on_node(n, from);
    }
    if (reply.solicited && run->ev.on_samples && r.value().samples)
      run->ev.on_samples({from, *r.value().samples, r.value().num, r.value().interval});
    for (const auto& [kind, n] : run->lookup.stats().anomalies) {
      auto was = before.count(kind) ? before.at(kind) : 0;
      if (n > was) run->ev.on_anomaly(node.endpoint, kind, n - was);
    }
  } else {
    run->lookup.on_timeout(node.endpoint);
  }
  --run->running;
  run->wake.notify();
}

awaitable<void> mark_slow(std::shared_ptr<LookupRun> run, Endpoint node, std::chrono::milliseconds after) {
  co_await sleep_for(after);
  if (run->lookup.on_slow(node)) run->wake.notify();
}

}  // namespace

namespace {

awaitable<LookupResult> walk(KrpcAsk krpc, KrpcMethod method, InfoHash target,
                             std::vector<NodeEntry> seeds, LookupConfig cfg, LookupEvents events, StopSignal* stop) {
  auto ex = co_await asio::this_coro::executor;
  // Shared with the query coroutines, which may finish after a stopped crawl
  // abandons this one.
  auto run = std::make_shared<LookupRun>(
      LookupRun{GetPeersLookup(target, seeds, cfg), method, Wakeup(ex), std::move(events), 0});
  StopSignal::Hook hook;
  if (stop) hook = stop->on_request([run] { run->wake.notify(); });
  while (!stop || !stop->requested()) {
    for (const auto& n : run->lookup.next_queries()) {
      ++run->running;
      asio::co_spawn(ex, ask(krpc, run, n), asio::detached);
      asio::co_spawn(ex, mark_slow(run, n.endpoint, cfg.slow_after), asio::detached);
    }
    // Slow queries still running finish on their own: a late reply's peers
    // are still reported through on_found.
    if (run->running == 0 || run->lookup.done()) break;
    co_await run->wake.wait();
  }
  LookupResult out{run->lookup.stats(), {}, run->without_bep51};
  for (auto& [n, token] : run->lookup.closest_answered()) out.closest.push_back(n);
  co_return out;
}

}  // namespace

awaitable<LookupResult> dht_get_peers(KrpcAsk ask, const InfoHash& target, std::vector<NodeEntry> seeds,
                                      LookupConfig cfg, LookupEvents events, StopSignal* stop) {
  return walk(std::move(ask), KrpcMethod::get_peers, target, std::move(seeds), cfg, std::move(events), stop);
}

awaitable<LookupResult> dht_sample_infohashes(KrpcAsk ask, const NodeId& target, std::vector<NodeEntry> seeds,
                                              LookupConfig cfg, LookupEvents events, StopSignal* stop) {
  return walk(std::move(ask), KrpcMethod::sample_infohashes, InfoHash::from_bytes(target.raw()).value(),
              std::move(seeds), cfg, std::move(events), stop);
}

namespace {
KrpcAsk ask_through(KrpcClient& krpc) {
  return [&krpc](const Endpoint& to, KrpcQuery q) { return krpc.query(to, std::move(q)); };
}
}  // namespace

awaitable<LookupResult> dht_get_peers(KrpcClient& krpc, const InfoHash& target, std::vector<NodeEntry> seeds,
                                      LookupConfig cfg, LookupEvents events, StopSignal* stop) {
  return dht_get_peers(ask_through(krpc), target, std::move(seeds), cfg, std::move(events), stop);
}

awaitable<LookupResult> dht_sample_infohashes(KrpcClient& krpc, const NodeId& target, std::vector<NodeEntry> seeds,
                                              LookupConfig cfg, LookupEvents events, StopSignal* stop) {
  return dht_sample_infohashes(ask_through(krpc), target, std::move(seeds), cfg, std::move(events), stop);
}

awaitable<std::vector<NodeEntry>> resolve_bootstrap(const std::vector<std::string>& entries,
                                                    std::vector<std::string>& failed) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<NodeEntry> out;
  for (const auto& e : entries) {
    if (auto ep = Endpoint::parse(e)) {
      out.push_back({NodeId{}, ep.value()});
      continue;
    }
    auto hp = parse_host_port(e);
    if (!hp) {
      failed.push_back(e + " (not host:port with a port of 1-65535)");
      continue;
    }
    udp::resolver resolver(ex);
    error_code ec;
    auto results = co_await resolver.async_resolve(hp.value().host, std::to_string(hp.value().port),
                                                   udp::resolver::numeric_service, use_ec(ec));
    if (ec) {
      failed.push_back(e + " (" + ec.message() + ")");
      continue;
    }
    for (const auto& r : results) out.push_back({NodeId{}, from_asio(r.endpoint())});
  }
  co_return out;
}

Result<HostPort> parse_host_port(std::string_view e) {
  P2PSCOPE_TRY(parts, split_host_port(e));
  if (parts.host.empty() || parts.port.empty()) return errc::bad_address;
  P2PSCOPE_TRY(port, parse_port(parts.port));
  if (port == 0) return errc::bad_value;
  return HostPort{std::string(parts.host), port};
}

std::vector<std::string> default_bootstrap() {
  return {"router.bittorrent.com:6881", "dht.transmissionbt.com:6881", "router.utorrent.com:6881",
          "dht.libtorrent.org:25401"};
}

}  // namespace p2pscope::crawler
