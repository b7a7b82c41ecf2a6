#include "crawler/crawl.hpp"

#include "crawler/utc_now.hpp"
#include "core/bep42.hpp"
#include "crawler/crawl_core.hpp"
#include "crawler/dht_crawl.hpp"
#include "crawler/tracker_client.hpp"
#include "net/slots.hpp"
#include "net/stop_signal.hpp"

#include <random>
#include <set>
#include <unordered_set>

namespace p2pscope::crawler {

using namespace net;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

template <class Hash>
Hash random_hash(std::string_view prefix) {
  std::random_device rd;
  std::string raw(prefix);
  while (raw.size() < Hash::size) raw += static_cast<char>(rd());
  return Hash::from_bytes(raw).value();
}

AnomalyKind from_lookup(LookupAnomaly a) {
  switch (a) {
    case LookupAnomaly::unsolicited: return AnomalyKind::unsolicited;
    case LookupAnomaly::bogus_node: return AnomalyKind::bogus_node;
    case LookupAnomaly::self_reference: return AnomalyKind::protocol_violation;
  }
  return AnomalyKind::malformed;
}

std::string lookup_detail(LookupAnomaly a) {
  switch (a) {
    case LookupAnomaly::unsolicited: return "get_peers reply nobody asked for";
    case LookupAnomaly::bogus_node: return "node entry with port 0 or a special-purpose address";
    case LookupAnomaly::self_reference: return "node listed itself";
  }
  return {};
}

HttpLimits http_limits(const CrawlConfig& c) {
  HttpLimits l = c.http;
  if (!l.local && !(c.bind_v4 == IpAddress::v4(0))) l.local = c.bind_v4;
  if (!l.local6 && c.bind_v6 && *c.bind_v6 != IpAddress::v6({})) l.local6 = c.bind_v6;
  return l;
}

CoreConfig core_config(const CrawlConfig& c) {
  return {c.stable_for, c.max_duration, c.use_pex, c.bind_v4, c.bind_v6};
}

}  // namespace

CrawlConfig CrawlConfig::quick() {
  CrawlConfig c;
  c.requery = 15s;
  c.stable_for = 15s;
  c.max_duration = 150s;
  c.krpc_timeout = 1500ms;
  c.udp.first_wait = 1500ms;
  c.http.timeout = 8s;
  c.http.connect_timeout = 3s;
  c.http.min_rate_window = 3s;
  c.pex.connect_timeout = 3s;
  c.pex.handshake_timeout = 5s;
  c.pex.hold = 65s;  // the lab sends ut_pex every 10 s, 50 entries each: a byte-order actor needs 5-6
  c.pex.until = PexUntil::whole_view;  // most lab peers name everyone in their first message
  // The lab's made-up addresses cost a connect timeout per carrier each:
  // with thousands of them, 200 slots would hold the queue past the end.
  c.politeness.max_sessions = 1000;
  return c;
}

std::string CrawlConfig::describe() const {
  std::string s = "schedule: re-query trackers and DHT every " + std::to_string(requery.count()) +
                  " s, one PEX session per new peer held up to " + std::to_string(pex.hold.count() / 1000) +
                  (pex.until == PexUntil::whole_view ? " s (less once a message names under 50 peers)" : " s") +
                  ", stop after " + std::to_string(stable_for.count()) + " s without new peers";
  if (max_duration.count() > 0) s += " or after " + std::to_string(max_duration.count()) + " s";
  s += "\npoliteness: " + politeness.describe() + "; KRPC timeout " + std::to_string(krpc_timeout.count()) +
       " ms, UDP tracker resend after " + std::to_string(udp.first_wait.count()) + " ms doubling, " +
       std::to_string(udp.max_resends) + " resends";
  s += "\nsources:";
  s += use_trackers ? " trackers" : "";
  s += use_dht ? " dht" : "";
  s += use_pex ? (use_utp ? " pex (tcp, utp)" : " pex (tcp)") : "";
  return s;
}

struct Crawler::Impl {
  Impl(asio::io_context& ctx, CrawlConfig c, std::vector<Target> t, RecordSink& s, ProgressFn p)
      : io(ctx), cfg(std::move(c)), targets(std::move(t)), sink(s), progress(std::move(p)),
        core(core_config(cfg), Clock::now()), gate(cfg.politeness), http(io.get_executor(), http_limits(cfg)),
        pex_slots(io.get_executor(), cfg.politeness.max_sessions),
        lookup_slots(io.get_executor(), cfg.politeness.max_lookups), grace(io.get_executor()),
        learned(targets.size()), peer_id(random_hash<PeerId>("-PS0001-")) {}

  asio::io_context& io;
  CrawlConfig cfg;
  std::vector<Target> targets;
  RecordSink& sink;
  ProgressFn progress;
  CrawlCore core;
  net::RateGate gate;
  HttpClient http;
  std::unique_ptr<KrpcClient> krpc;
  std::vector<NodeEntry> bootstrap_nodes;
  Slots pex_slots, lookup_slots;
  StopSignal stop_signal;
  asio::steady_timer grace;
  std::size_t flows = 0;  // tracker, DHT and PEX coroutines still running
  std::vector<std::vector<NodeEntry>> learned;  // per target: where its next lookup starts
  std::set<std::pair<Endpoint, NodeId>> nodes_seen;  // DHT nodes recorded, at most kMaxDhtNodesRecorded
  std::set<std::pair<InfoHash, Endpoint>> samples_seen;  // BEP 51 samples recorded, at most kMaxDhtSamplesRecorded
  std::set<InfoHash> sampled;                            // distinct info hashes among them
  std::set<Endpoint> sample_nodes;                       // nodes that offered samples
  std::size_t pex_done = 0;
  PeerId peer_id;
  UtpMuxes utp;
  std::shared_ptr<net::Resolver> resolver =
      cfg.resolver ? cfg.resolver : std::make_shared<net::SystemResolver>(io.get_executor());
  std::optional<Error> sink_error;
  CrawlSummary summary;

  // Every flow ends through its own deadlines; the grace timer bounds how
  // long the last of them (a tracker's `stopped` announce) may take.
  void stop(std::string reason) {
    if (stop_signal.requested()) return;
    summary.stop_reason = reason;
    core.stopping();
    pex_slots.cancel();
    lookup_slots.cancel();
    stop_signal.request(std::move(reason));
    grace.expires_after(cfg.stop_grace);
    grace.async_wait([this](const error_code& ec) {
      if (ec) return;
      summary.warnings.push_back(std::to_string(flows) + " sessions had not ended " +
                                 std::to_string(cfg.stop_grace.count()) + " s after the stop; they were cut off");
      io.stop();
    });
    maybe_finish();
  }

  void flow_started() { ++flows; }
  void flow_ended() {
    --flows;
    maybe_finish();
  }
  void maybe_finish() {
    if (stop_signal.requested() && flows == 0) io.stop();
  }

  void write(const Record& r) {
    if (auto st = sink.write(r); !st && !sink_error) {
      sink_error = st.error();
      stop("cannot write records: " + st.error().message());
    }
  }

  void anomaly(Via via, std::optional<std::string> url, std::optional<Endpoint> ep, std::optional<InfoHash> ih,
               AnomalyKind kind, std::string detail) {
    Anomaly a;
    a.time = utc_now();
    a.run = cfg.run_id;
    a.via = via;
    a.source_url = std::move(url);
    a.source_endpoint = ep;
    a.info_hash = ih;
    a.kind = kind;
    a.detail = std::move(detail);
    core.anomaly(std::move(a));
  }

  bool is_us(const Endpoint& ep) const {
    if (ep.port != cfg.port) return false;
    if (ep.address.is_v4()) return ep.address == cfg.bind_v4 && cfg.bind_v4 != IpAddress::v4(0);
    return cfg.bind_v6 && ep.address == *cfg.bind_v6 && *cfg.bind_v6 != IpAddress::v6({});
  }

  void record(Observation o) {
    if (is_us(o.peer)) {  // our own announce, listed back: probing it would judge us
      ++summary.own_endpoint_handed_out;
      return;
    }
    o.time = utc_now();
    o.run = cfg.run_id;
    auto admitted = core.observe(o, Clock::now());
    if (admitted.record) write(o);
    if (admitted.contact) {
      flow_started();
      bool says_utp = o.pex_flags && o.pex_flags->has(PexFlag::supports_utp);
      asio::co_spawn(io, pex_one(o.info_hash, o.peer, says_utp ? CarrierOrder::utp_first : CarrierOrder::tcp_first),
                     asio::detached);
    }
  }

  awaitable<void> pex_one(InfoHash ih, Endpoint peer, CarrierOrder order) {
    if (co_await pex_slots.acquire()) {
      auto out = co_await pex_with_slot(ih, peer, order);
      pex_slots.release();
      ++summary.pex_ends[std::string(to_string(out.end))];
      if (out.carrier) ++summary.pex_carriers[std::string(name_of(*out.carrier))];
      summary.pex_fallbacks += out.fell_back && out.carrier;
      summary.pex_asked_again += out.asked_again;
    } else {
      ++summary.pex_ends[std::string(to_string(PexEnd::stopped))];  // queued when the crawl stopped
    }
    ++pex_done;
    flow_ended();
  }

  awaitable<PexOutcome> pex_with_slot(InfoHash ih, Endpoint peer, CarrierOrder order) {
    PexEvents ev;
    ev.on_peer = [this, ih, peer](const PexPeer& p) {
      Observation o;
      o.info_hash = ih;
      o.peer = p.endpoint;
      o.via = Via::pex;
      o.source_endpoint = peer;
      o.pex_flags = p.flags;
      record(std::move(o));
    };
    ev.on_hello = [this](PeerHello h) {
      h.time = utc_now();
      h.run = cfg.run_id;
      write(h);
    };
    ev.on_anomaly = [this, ih, peer](AnomalyKind k, std::string d) {
      anomaly(Via::pex, std::nullopt, peer, ih, k, std::move(d));
    };
    co_return co_await pex_session(peer, ih, peer_id, cfg.pex, gate, ev, PexRoute{&stop_signal, &utp, order});
  }

  void on_tracker_reply(const Target& t, const TrackerClient& c, const TrackerReply& r) {
    for (const auto& p : r.peers) {
      Observation o;
      o.info_hash = t.info_hash;
      o.peer = p;
      o.via = c.via();
      o.source_url = c.url();
      o.source_endpoint = r.address;
      record(std::move(o));
    }
    if (r.seeders || r.leechers)
      write(SwarmCounts{utc_now(), cfg.run_id, t.info_hash, c.via(), c.url(), false, r.seeders, r.leechers, std::nullopt});
  }

  awaitable<void> scrape(const Target& t, TrackerClient& c) {
    auto s = co_await c.scrape(t.info_hash);
    if (s) write(SwarmCounts{utc_now(), cfg.run_id, t.info_hash, c.via(), c.url(), true, s.value().seeders,
                             s.value().leechers, s.value().completed});
  }

  // Never sooner than the tracker allows.
  Clock::duration next_announce(const Result<TrackerReply>& r) const {
    auto wait = std::chrono::duration_cast<Clock::duration>(cfg.requery);
    if (!r) return wait;
    auto allowed = r.value().min_interval ? r.value().min_interval : r.value().interval;
    if (allowed && *allowed > 0) wait = std::max<Clock::duration>(wait, std::chrono::seconds(std::min<std::int64_t>(*allowed, 86400)));
    return wait;
  }

  // A tracker URL: one announce loop per address family its host has.
  awaitable<void> tracker_flow(std::size_t ti, std::string url) {
    std::vector<TrackerPath> paths;
    if (auto parsed = parse_tracker_url(url); !parsed) {
      summary.warnings.push_back(url + ": not an http, https or udp tracker URL with a port");
    } else if (auto r = co_await tracker_paths(parsed.value(), *resolver, cfg.bind_v6 ? Ipv6Routes::on : Ipv6Routes::off); !r) {
      summary.warnings.push_back(url + ": cannot resolve " + parsed.value().host + ": " + r.error().message());
    } else if (r.value().empty()) {
      summary.warnings.push_back(url + ": " + parsed.value().host + " has no IPv4 address (and IPv6 is off)");
    } else {
      paths = std::move(r).value();
    }
    if (paths.empty()) {
      core.first_round_done();
      flow_ended();
      co_return;
    }
    for (std::size_t k = 1; k < paths.size(); ++k) {
      core.first_round_started();
      flow_started();
      asio::co_spawn(io, tracker_loop(ti, url, paths[k], paths.size()), asio::detached);
    }
    co_await tracker_loop(ti, url, paths[0], paths.size());
  }

  awaitable<void> tracker_loop(std::size_t ti, std::string url, TrackerPath path, std::size_t paths) {
    const Target& t = targets[ti];
    Via via = tracker_via(url);
    ++(path.server.is_v4() ? summary.tracker_paths_v4 : summary.tracker_paths_v6);
    // With two families, a warning says which one failed.
    auto label = paths > 1 ? url + " (at " + path.server.to_string() + ")" : url;
    TrackerClient c(io.get_executor(), url, path, cfg.bind_v4, cfg.bind_v6, http, gate, cfg.udp,
                    [this, url, via, ih = t.info_hash](const std::optional<Endpoint>& ep, AnomalyKind k, std::string d) {
                      anomaly(via, url, ep, ih, k, std::move(d));
                    });
    TrackerAnnounce a{t.info_hash, peer_id, cfg.port, cfg.numwant, AnnounceEvent::started,
                      static_cast<std::uint32_t>(std::random_device{}())};
    bool owed_stopped = false;  // BEP 3: a tracker that took our `started` hears `stopped` at the end
    for (bool first = true; !stop_signal.requested(); first = false) {
      auto r = co_await c.announce(a);
      a.event = AnnounceEvent::none;
      if (r) {
        owed_stopped = true;
        on_tracker_reply(t, c, r.value());
      } else if (first) {
        summary.warnings.push_back(label + ": " + c.last_error());
      }
      if (first && cfg.scrape && !stop_signal.requested()) co_await scrape(t, c);
      if (first) core.first_round_done();
      co_await stop_signal.sleep_for(next_announce(r));
    }
    if (owed_stopped) {
      ++summary.trackers_owed_stopped;
      a.event = AnnounceEvent::stopped;
      a.numwant = 0;
      if (co_await c.announce(a)) ++summary.trackers_told_stopped;
    }
    flow_ended();
  }

  void on_found(const InfoHash& ih, const FoundPeer& f) {
    Observation o;
    o.info_hash = ih;
    o.peer = f.peer;
    o.via = Via::dht;
    o.source_endpoint = f.source;
    o.source_node_id = f.source_id;
    record(std::move(o));
  }

  // The first sighting of each DHT node (address and id) in this run.
  void on_node(const InfoHash& ih, const NodeEntry& n, const std::optional<NodeEntry>& source) {
    if (nodes_seen.size() >= kMaxDhtNodesRecorded) {
      summary.dht_nodes_unrecorded += !nodes_seen.count({n.endpoint, n.id});
      return;
    }
    if (!nodes_seen.insert({n.endpoint, n.id}).second) return;
    DhtNodeSeen r;
    r.time = utc_now();
    r.run = cfg.run_id;
    r.info_hash = ih;
    r.node = n.endpoint;
    r.node_id = n.id;
    if (source) {
      r.source_endpoint = source->endpoint;
      r.source_node_id = source->id;
    }
    ++summary.dht_nodes_seen;
    write(r);
  }

  // What one node offered in a BEP 51 walk toward target `ih`: one record
  // per (info hash, node) per run.
  void on_samples(const InfoHash& ih, const SampleSeen& seen) {
    if (!seen.samples.empty() && sample_nodes.insert(seen.source.endpoint).second) ++summary.dht_sample_nodes;
    for (const auto& sample : seen.samples) {
      if (samples_seen.size() >= kMaxDhtSamplesRecorded) {
        summary.dht_samples_unrecorded += !samples_seen.count({sample, seen.source.endpoint});
        continue;
      }
      if (!samples_seen.insert({sample, seen.source.endpoint}).second) continue;
      DhtSample r{utc_now(), cfg.run_id, ih, sample, seen.source.endpoint, seen.source.id, seen.num, seen.interval};
      ++summary.dht_samples;
      if (sampled.insert(sample).second) ++summary.dht_sampled_infohashes;
      write(r);
    }
  }

  // A walk's anomalies (bogus node entries, self-references) as anomaly
  // records against target `ih`.
  LookupAnomalyFn anomalies_of(const InfoHash& ih) {
    return [this, ih](const Endpoint& from, LookupAnomaly a, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) anomaly(Via::dht, std::nullopt, from, ih, from_lookup(a), lookup_detail(a));
    };
  }

  // One BEP 51 walk toward a target, from the nodes its last round kept.
  awaitable<void> sample_walk(std::size_t ti) {
    const InfoHash ih = targets[ti].info_hash;
    LookupEvents ev;
    ev.on_found = [](const FoundPeer&) {};  // sample replies carry no values
    ev.on_anomaly = anomalies_of(ih);
    ev.on_samples = [this, ih](const SampleSeen& seen) { on_samples(ih, seen); };
    auto seeds = learned[ti].empty() ? bootstrap_nodes : learned[ti];
    auto r = co_await dht_sample_infohashes(*krpc, NodeId::from_bytes(ih.raw()).value(), std::move(seeds),
                                            cfg.lookup, std::move(ev), &stop_signal);
    summary.dht_sample_without_bep51 += r.without_bep51;
  }

  // The closest nodes that answered, where BEP 42 applies only those whose
  // id matches their address: a node that may pick its id freely is the
  // Sybil the next round should not start from.
  void learn(std::size_t ti, const std::vector<NodeEntry>& closest) {
    auto& keep = learned[ti];
    keep.clear();
    for (const auto& n : closest) {
      if (keep.size() >= cfg.lookup.k) break;
      if (!core.contactable(n.endpoint)) continue;
      if (bep42_applies(n.endpoint.address) && !bep42_valid(n.id, n.endpoint.address)) continue;
      keep.push_back(n);
    }
  }

  awaitable<LookupResult> lookup(std::size_t ti, std::vector<NodeEntry> seeds) {
    const InfoHash ih = targets[ti].info_hash;
    LookupEvents ev;
    ev.on_found = [this, ih](const FoundPeer& f) { on_found(ih, f); };
    ev.on_anomaly = anomalies_of(ih);
    ev.on_node = [this, ih](const NodeEntry& n, const std::optional<NodeEntry>& source) { on_node(ih, n, source); };
    co_return co_await dht_get_peers(*krpc, ih, std::move(seeds), cfg.lookup, std::move(ev), &stop_signal);
  }

  // One round for one target: from the nodes the last round kept, else (or
  // when none of those answers) from the bootstrap routers.
  awaitable<void> dht_round(std::size_t ti, std::size_t round) {
    bool from_learned = !learned[ti].empty();
    auto r = co_await lookup(ti, from_learned ? learned[ti] : bootstrap_nodes);
    note_round(round, from_learned, r.stats);
    if (from_learned && r.stats.replies == 0 && !stop_signal.requested()) {
      r = co_await lookup(ti, bootstrap_nodes);
      note_round(round, false, r.stats);
    }
    learn(ti, r.closest);
  }

  void note_round(std::size_t round, bool from_learned, const LookupStats& st) {
    if (summary.dht_rounds.size() <= round) summary.dht_rounds.resize(round + 1);
    auto& row = summary.dht_rounds[round];
    ++row.lookups;
    row.from_learned += from_learned;
    row.queries += st.queries;
    row.replies += st.replies;
    row.values += st.values;
  }

  awaitable<void> dht_loop(std::size_t ti) {
    for (std::size_t round = 0; !stop_signal.requested(); ++round) {
      if (!co_await lookup_slots.acquire()) break;
      co_await dht_round(ti, round);
      if (round == 0 && cfg.sample_infohashes && !stop_signal.requested()) co_await sample_walk(ti);
      lookup_slots.release();
      if (round == 0) core.first_round_done();
      co_await stop_signal.sleep_for(cfg.requery);
    }
    flow_ended();
  }

  CrawlProgress snapshot() const {
    CrawlProgress p;
    p.elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - core.started());
    p.unique_peers = core.tally().unique_peers();
    p.observations = core.tally().observations();
    p.handed_out = core.tally().handed_out();
    p.anomalies = core.anomaly_count();
    p.pex_active = pex_slots.used();
    p.pex_waiting = pex_slots.waiting();
    p.pex_done = pex_done;
    p.lookups_active = lookup_slots.used();
    p.krpc_sent = krpc ? krpc->stats().sent : 0;
    return p;
  }

  awaitable<void> monitor() {
    while (co_await stop_signal.sleep_for(1s)) {
      if (progress) progress(snapshot());
      if (auto why = core.stop_due(Clock::now(), pex_slots.used() + pex_slots.waiting())) stop(*why);
    }
  }

  void spawn_flows() {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (cfg.use_trackers) {
        auto urls = targets[i].trackers;
        std::unordered_set<std::string> seen(urls.begin(), urls.end());
        for (const auto& u : cfg.extra_trackers) {
          if (seen.insert(u).second) urls.push_back(u);
        }
        for (const auto& u : urls) {
          core.first_round_started();
          flow_started();
          asio::co_spawn(io, tracker_flow(i, u), asio::detached);
        }
      }
      if (krpc) {
        core.first_round_started();
        flow_started();
        asio::co_spawn(io, dht_loop(i), asio::detached);
      }
    }
  }

  awaitable<void> start() {
    if (krpc) {
      auto entries = cfg.bootstrap.empty() ? default_bootstrap() : cfg.bootstrap;
      std::vector<std::string> failed;
      bootstrap_nodes = co_await resolve_bootstrap(entries, failed);
      for (auto& f : failed) summary.warnings.push_back("DHT bootstrap " + f);
      std::erase_if(bootstrap_nodes, [&](const NodeEntry& n) { return !n.endpoint.address.is_v4() && !cfg.bind_v6; });
    }
    if (stop_signal.requested()) co_return;
    core.restart(Clock::now());
    spawn_flows();
    asio::co_spawn(io, monitor(), asio::detached);
  }
};

Crawler::Crawler(asio::io_context& io, CrawlConfig cfg, std::vector<Target> targets, RecordSink& sink,
                 ProgressFn progress)
    : impl_(std::make_unique<Impl>(io, std::move(cfg), std::move(targets), sink, std::move(progress))) {}

Crawler::~Crawler() = default;

void Crawler::stop(std::string reason) { impl_->stop(std::move(reason)); }

Result<CrawlSummary> Crawler::run() {
  auto& m = *impl_;
  if (m.cfg.use_dht) {
    KrpcConfig kc;
    kc.own_id = random_hash<NodeId>("");
    kc.timeout = m.cfg.krpc_timeout;
    kc.bind_v4 = m.cfg.bind_v4;
    kc.bind_v6 = m.cfg.bind_v6;
    auto k = KrpcClient::open(m.io.get_executor(), kc, m.gate, [&m](const Endpoint& from, AnomalyKind kind, std::string d) {
      m.anomaly(Via::dht, std::nullopt, from, std::nullopt, kind, std::move(d));
    });
    if (!k) return k.error();
    m.krpc = std::move(k).value();
  }
  m.cfg.pex.local = m.cfg.bind_v4;
  if (m.cfg.bind_v6) m.cfg.pex.local6 = *m.cfg.bind_v6;
  m.cfg.pex.listen_port = m.cfg.port;
  // uTP sessions leave from one UDP socket per family.
  if (m.cfg.use_pex && m.cfg.use_utp) m.utp = UtpMuxes::open(m.io.get_executor(), m.cfg.bind_v4, m.cfg.bind_v6, m.summary.warnings);
  asio::co_spawn(m.io, m.start(), asio::detached);
  m.io.run();
  if (m.krpc) m.krpc->close();
  m.utp.close();
  for (const auto& [key, a] : m.core.anomalies()) {
    if (auto st = m.sink.write(a); !st && !m.sink_error) m.sink_error = st.error();
  }
  if (auto st = m.sink.flush(); !st && !m.sink_error) m.sink_error = st.error();
  m.summary.sink_error = m.sink_error;
  m.summary.final = m.snapshot();
  m.summary.sources = m.core.tally().rows();
  return m.summary;
}

}  // namespace p2pscope::crawler
