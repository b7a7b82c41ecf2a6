#include "crawler/crawl.hpp"

#include "core/special_ranges.hpp"
#include "crawler/dht_crawl.hpp"
#include "crawler/tracker_client.hpp"

#include <deque>
#include <random>
#include <set>
#include <unordered_set>

namespace p2pscope::crawler {

using namespace net;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

Timestamp utc_now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// A counting semaphore for coroutines on one thread: acquire() waits for a
// free slot, release() hands it to the longest waiter.
class Slots {
 public:
  Slots(const asio::any_io_executor& ex, std::size_t cap) : ex_(ex), cap_(std::max<std::size_t>(cap, 1)) {}
  awaitable<void> acquire() {
    if (used_ < cap_) {
      ++used_;
      co_return;
    }
    auto w = std::make_shared<Wakeup>(ex_);
    waiters_.push_back(w);
    co_await w->wait();  // the slot is handed over by release()
  }
  void release() {
    if (waiters_.empty()) {
      --used_;
      return;
    }
    waiters_.front()->notify();
    waiters_.pop_front();
  }
  std::size_t used() const noexcept { return used_; }
  std::size_t waiting() const noexcept { return waiters_.size(); }

 private:
  asio::any_io_executor ex_;
  std::size_t cap_, used_ = 0;
  std::deque<std::shared_ptr<Wakeup>> waiters_;
};

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
  return l;
}

constexpr std::size_t kMaxAnomalyKeys = 100000;
constexpr std::size_t kMaxKnownNodes = 256;

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
  return c;
}

std::string CrawlConfig::describe() const {
  std::string s = "schedule: re-query trackers and DHT every " + std::to_string(requery.count()) +
                  " s, one PEX session per new peer held up to " + std::to_string(pex.hold.count() / 1000) +
                  " s, stop after " + std::to_string(stable_for.count()) + " s without new peers";
  if (max_duration.count() > 0) s += " or after " + std::to_string(max_duration.count()) + " s";
  s += "\npoliteness: " + politeness.describe() + "; KRPC timeout " + std::to_string(krpc_timeout.count()) +
       " ms, UDP tracker resend after " + std::to_string(udp.first_wait.count()) + " ms doubling, " +
       std::to_string(udp.max_resends) + " resends";
  s += "\nsources:";
  s += use_trackers ? " trackers" : "";
  s += use_dht ? " dht" : "";
  s += use_pex ? " pex" : "";
  return s;
}

struct Crawler::Impl {
  Impl(asio::io_context& ctx, CrawlConfig c, std::vector<Target> t, RecordSink& s, ProgressFn p)
      : io(ctx), cfg(std::move(c)), targets(std::move(t)), sink(s), progress(std::move(p)), gate(cfg.politeness),
        http(io.get_executor(), http_limits(cfg)), pex_slots(io.get_executor(), cfg.politeness.max_sessions),
        lookup_slots(io.get_executor(), cfg.politeness.max_lookups),
        peer_id(random_hash<PeerId>("-PS0001-")) {}

  asio::io_context& io;
  CrawlConfig cfg;
  std::vector<Target> targets;
  RecordSink& sink;
  ProgressFn progress;
  net::RateGate gate;
  HttpClient http;
  std::unique_ptr<KrpcClient> krpc;
  std::vector<NodeEntry> bootstrap_nodes, known_nodes;
  SourceTally tally;
  std::map<std::string, Anomaly> anomalies;
  std::uint64_t anomaly_count = 0;
  std::set<std::pair<InfoHash, Endpoint>> pex_asked;
  Slots pex_slots, lookup_slots;
  std::size_t pex_done = 0;
  PeerId peer_id;
  Clock::time_point started{}, last_growth{};
  std::size_t startup_pending = 0;
  bool stopping = false;
  std::optional<std::error_code> sink_error;
  CrawlSummary summary;

  void stop(std::string reason) {
    if (stopping) return;
    stopping = true;
    summary.stop_reason = std::move(reason);
    io.stop();
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
    a.via = via;
    a.source_url = std::move(url);
    a.source_endpoint = ep;
    a.info_hash = ih;
    a.kind = kind;
    a.detail = std::move(detail);
    ++anomaly_count;
    std::string key = std::string(to_string(a.via)) + ' ' + a.source_url.value_or("") +
                      (a.source_endpoint ? a.source_endpoint->to_string() : "") + ' ' + std::string(to_string(a.kind));
    if (auto it = anomalies.find(key); it != anomalies.end()) {
      ++it->second.count;
      return;
    }
    if (anomalies.size() >= kMaxAnomalyKeys) return;  // still counted in the progress total
    a.time = utc_now();
    a.run = cfg.run_id;
    anomalies.emplace(std::move(key), std::move(a));
  }

  void record(Observation o) {
    o.time = utc_now();
    o.run = cfg.run_id;
    auto added = tally.add(o);
    if (!added.new_observation) return;
    write(o);
    if (!added.new_peer) return;
    last_growth = Clock::now();
    maybe_pex(o.info_hash, o.peer);
  }

  bool contactable(const Endpoint& ep) const {
    if (ep.port == 0 || is_bogon(ep.address)) return false;
    if (!ep.address.is_v4() && !cfg.bind_v6) return false;
    return ep.address != cfg.bind_v4 && (!cfg.bind_v6 || ep.address != *cfg.bind_v6);
  }

  void maybe_pex(const InfoHash& ih, const Endpoint& peer) {
    if (!cfg.use_pex || stopping || !contactable(peer)) return;
    if (!pex_asked.emplace(ih, peer).second) return;
    asio::co_spawn(io, pex_one(ih, peer), asio::detached);
  }

  awaitable<void> pex_one(InfoHash ih, Endpoint peer) {
    co_await pex_slots.acquire();
    if (stopping) co_return;
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
    auto out = co_await pex_session(peer, ih, peer_id, cfg.pex, gate, ev);
    ++summary.pex_ends[std::string(to_string(out.end))];
    ++pex_done;
    pex_slots.release();
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

  awaitable<void> tracker_loop(std::size_t ti, std::string url) {
    const Target& t = targets[ti];
    Via via = tracker_via(url);
    TrackerClient c(io.get_executor(), url, cfg.bind_v4, cfg.bind_v6, http, gate, cfg.udp,
                    [this, url, via, ih = t.info_hash](const std::optional<Endpoint>& ep, AnomalyKind k, std::string d) {
                      anomaly(via, url, ep, ih, k, std::move(d));
                    });
    TrackerAnnounce a{t.info_hash, peer_id, cfg.port, cfg.numwant, AnnounceEvent::started,
                      static_cast<std::uint32_t>(std::random_device{}())};
    for (bool first = true; !stopping; first = false) {
      auto r = co_await c.announce(a);
      a.event = AnnounceEvent::none;
      auto wait = std::chrono::duration_cast<Clock::duration>(cfg.requery);
      if (r) {
        on_tracker_reply(t, c, r.value());
        // Never sooner than the tracker allows.
        auto allowed = r.value().min_interval ? r.value().min_interval : r.value().interval;
        if (allowed && *allowed > 0) wait = std::max<Clock::duration>(wait, std::chrono::seconds(std::min<std::int64_t>(*allowed, 86400)));
      } else if (first) {
        summary.warnings.push_back(url + ": " + c.last_error());
      }
      if (first && cfg.scrape && !stopping) co_await scrape(t, c);
      if (first) --startup_pending;
      co_await sleep_for(wait);
    }
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

  void remember_nodes(const std::vector<std::pair<NodeEntry, std::string>>& closest) {
    for (const auto& [n, token] : closest) {
      if (std::find(known_nodes.begin(), known_nodes.end(), n) != known_nodes.end()) continue;
      if (known_nodes.size() >= kMaxKnownNodes) known_nodes.erase(known_nodes.begin());
      known_nodes.push_back(n);
    }
  }

  awaitable<void> dht_loop(std::size_t ti) {
    const InfoHash ih = targets[ti].info_hash;
    for (bool first = true; !stopping; first = false) {
      co_await lookup_slots.acquire();
      auto seeds = bootstrap_nodes;
      seeds.insert(seeds.end(), known_nodes.begin(), known_nodes.end());
      co_await dht_get_peers(
          *krpc, ih, std::move(seeds), cfg.lookup, [this, ih](const FoundPeer& f) { on_found(ih, f); },
          [this, ih](const Endpoint& from, LookupAnomaly a, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i)
              anomaly(Via::dht, std::nullopt, from, ih, from_lookup(a), lookup_detail(a));
          });
      lookup_slots.release();
      if (first) --startup_pending;
      co_await sleep_for(cfg.requery);
    }
  }

  CrawlProgress snapshot() const {
    CrawlProgress p;
    p.elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started);
    p.unique_peers = tally.unique_peers();
    p.observations = tally.observations();
    p.handed_out = tally.handed_out();
    p.anomalies = anomaly_count;
    p.pex_active = pex_slots.used();
    p.pex_waiting = pex_slots.waiting();
    p.pex_done = pex_done;
    p.lookups_active = lookup_slots.used();
    p.krpc_sent = krpc ? krpc->stats().sent : 0;
    return p;
  }

  awaitable<void> monitor() {
    for (;;) {
      co_await sleep_for(1s);
      if (progress) progress(snapshot());
      auto now = Clock::now();
      if (cfg.max_duration.count() > 0 && now - started >= cfg.max_duration) {
        stop("reached the maximum duration of " + std::to_string(cfg.max_duration.count()) + " s");
      } else if (startup_pending == 0 && pex_slots.used() == 0 && pex_slots.waiting() == 0 &&
                 now - last_growth >= cfg.stable_for) {
        stop("no new peers for " + std::to_string(cfg.stable_for.count()) + " s");
      }
      if (stopping) co_return;
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
    started = last_growth = Clock::now();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (cfg.use_trackers) {
        auto urls = targets[i].trackers;
        std::unordered_set<std::string> seen(urls.begin(), urls.end());
        for (const auto& u : cfg.extra_trackers) {
          if (seen.insert(u).second) urls.push_back(u);
        }
        for (const auto& u : urls) {
          ++startup_pending;
          asio::co_spawn(io, tracker_loop(i, u), asio::detached);
        }
      }
      if (krpc) {
        ++startup_pending;
        asio::co_spawn(io, dht_loop(i), asio::detached);
      }
    }
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
  asio::co_spawn(m.io, m.start(), asio::detached);
  m.io.run();
  if (m.krpc) m.krpc->close();
  for (auto& [key, a] : m.anomalies) {
    if (auto st = m.sink.write(a); !st && !m.sink_error) m.sink_error = st.error();
  }
  if (auto st = m.sink.flush(); !st && !m.sink_error) m.sink_error = st.error();
  m.summary.sink_error = m.sink_error;
  m.summary.final = m.snapshot();
  m.summary.sources = m.tally.rows();
  return m.summary;
}

}  // namespace p2pscope::crawler
