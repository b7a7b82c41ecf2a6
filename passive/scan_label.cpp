#include "passive/scan_label.hpp"

#include "core/utp.hpp"

#include <deque>
#include <limits>
#include <set>

namespace p2pscope::passive {

std::string_view to_string(Prediction p) noexcept { return name_of(p); }

namespace {

// One detector's sliding window over a host's failed attempts.
struct Window {
  std::deque<std::pair<double, Endpoint>> entries;
  std::map<IpAddress, std::map<std::uint16_t, std::size_t>> ports;  // attempts per address and port

  void add(double t, const Endpoint& to, double window) {
    while (!entries.empty() && entries.front().first < t - window) {
      const auto& [old_t, ep] = entries.front();
      auto a = ports.find(ep.address);
      if (--a->second[ep.port] == 0) a->second.erase(ep.port);
      if (a->second.empty()) ports.erase(a);
      entries.pop_front();
    }
    entries.emplace_back(t, to);
    ++ports[to.address][to.port];
  }
};

struct Detector {
  Window window;
  std::optional<ScanAlarm> alarm;
};

constexpr std::size_t kMaxRatioSet = 1 << 20;

}  // namespace

struct ScanLabeler::Host {
  ScanHost s;
  std::map<Endpoint, Prediction> predicted;
  std::set<IpAddress> peers;  // of failed attempts, for the ratio
  std::set<std::uint16_t> ports;
  Detector all, unpredicted;
};

struct ScanLabeler::Pending {
  struct Attempt {
    double t = 0;
    Prediction predicted = Prediction::none;
  };
  std::map<std::pair<Endpoint, Endpoint>, Attempt> open;  // (from, to)
  std::deque<std::pair<double, std::pair<Endpoint, Endpoint>>> by_time;
};

ScanLabeler::ScanLabeler(ScanConfig cfg, FailedSink on_failed)
    : cfg_(cfg), on_failed_(std::move(on_failed)), pending_(std::make_unique<Pending>()) {}
ScanLabeler::~ScanLabeler() = default;

ScanLabeler::Host* ScanLabeler::host(const IpAddress& a) {
  auto it = hosts_.find(a);
  if (it != hosts_.end()) return it->second.get();
  if (hosts_.size() >= cfg_.max_hosts) {
    ++counters_["hosts_over_limit"];
    return nullptr;
  }
  auto h = std::make_unique<Host>();
  h->s.host = a;
  return hosts_.emplace(a, std::move(h)).first->second.get();
}

void ScanLabeler::predict(const IpAddress& a, const Endpoint& peer, Prediction why) {
  auto* h = host(a);
  if (!h) return;
  if (h->predicted.size() >= cfg_.max_predicted && !h->predicted.count(peer)) {
    ++counters_["predictions_over_limit"];
    return;
  }
  h->predicted.emplace(peer, why);  // the first reason stays
}

void ScanLabeler::event(const Event& e) {
  if (const auto* tp = std::get_if<TrackerPeersEvent>(&e)) {
    for (const auto& p : tp->peers) predict(tp->hop.to.address, p, Prediction::tracker);
  } else if (const auto* k = std::get_if<KrpcEvent>(&e)) {
    for (const auto& v : k->values) predict(k->hop.to.address, v, Prediction::dht);
    for (const auto& n : k->nodes) predict(k->hop.to.address, n.endpoint, Prediction::dht);
  } else if (const auto* x = std::get_if<PexEvent>(&e)) {
    for (const auto& p : x->pex.added) predict(x->hop.to.address, p.endpoint, Prediction::pex);
  } else if (const auto* v = std::get_if<VuzeDhtEvent>(&e)) {
    for (const auto& p : v->peers()) predict(v->hop.to.address, p, Prediction::dht);
    for (const auto& c : v->packet.contacts) predict(v->hop.to.address, c.endpoint, Prediction::dht);
  }
}

namespace {
bool bittorrent_udp(std::string_view payload) {
  return !payload.empty() &&
         (payload.front() == 'd' || decode_utp(payload).has_value() || decode_vuze_dht(payload).has_value());
}
bool unreachable(const Packet& p) {
  return (p.transport == Transport::icmp && p.icmp_type == 3) || (p.transport == Transport::icmpv6 && p.icmp_type == 1);
}
}  // namespace

void ScanLabeler::packet(double t, const Packet& p) {
  expire(t);
  Endpoint src{p.src, p.src_port}, dst{p.dst, p.dst_port};
  if (p.transport == Transport::udp) {
    if (!bittorrent_udp(p.payload)) return;
    predict(p.src, dst, Prediction::udp);
    predict(p.dst, src, Prediction::udp);
    return;
  }
  if (unreachable(p) && p.icmp_quote && p.icmp_quote->protocol == 6) {
    const auto& q = *p.icmp_quote;
    failed({q.src, q.src_port}, {q.dst, q.dst_port}, "icmp_unreachable");
    return;
  }
  if (p.transport != Transport::tcp) return;
  if (p.has(TcpFlag::syn) && !p.has(TcpFlag::ack)) {
    auto key = std::make_pair(src, dst);
    if (pending_->open.count(key)) return;  // a retransmitted SYN
    auto* h = host(p.src);
    if (!h) return;
    if (pending_->open.size() >= cfg_.max_pending) {
      ++counters_["attempts_over_limit"];
      return;
    }
    ++h->s.attempts;
    auto pr = h->predicted.find(dst);
    pending_->open.emplace(key, Pending::Attempt{t, pr == h->predicted.end() ? Prediction::none : pr->second});
    pending_->by_time.emplace_back(t, key);
  } else if (p.has(TcpFlag::syn) && p.has(TcpFlag::ack)) {
    pending_->open.erase({dst, src});
  } else if (p.has(TcpFlag::rst)) {
    failed(dst, src, "rst");
  }
}

void ScanLabeler::expire(double now) {
  auto& q = pending_->by_time;
  while (!q.empty() && q.front().first + cfg_.attempt_timeout < now) {
    auto [t, key] = q.front();
    q.pop_front();
    auto it = pending_->open.find(key);
    if (it != pending_->open.end() && it->second.t == t) failed(key.first, key.second, "timeout");
  }
}

namespace {

std::optional<ScanAlarm> triggered(const Detector& d, const ScanConfig& cfg, double t, const Endpoint& to) {
  auto addresses = d.window.ports.size();
  auto ports = d.window.ports.at(to.address).size();
  if (addresses >= cfg.address_threshold) return ScanAlarm{t, {}, "address_scan", false, addresses};
  if (ports >= cfg.port_threshold) return ScanAlarm{t, {}, "port_scan", false, ports};
  return std::nullopt;
}

}  // namespace

void ScanLabeler::failed(const Endpoint& from, const Endpoint& to, std::string why) {
  auto it = pending_->open.find({from, to});
  if (it == pending_->open.end()) return;  // not an attempt we saw open, or already settled
  FailedAttempt f{it->second.t, from, to, it->second.predicted, std::move(why)};
  pending_->open.erase(it);
  auto& h = *hosts_.at(from.address);
  ++h.s.failed;
  if (f.predicted != Prediction::none) ++h.s.failed_predicted;
  if (h.peers.size() < kMaxRatioSet) h.peers.insert(to.address);
  h.ports.insert(to.port);
  h.s.unique_peers = h.peers.size();
  h.s.unique_ports = h.ports.size();
  h.s.ppr = static_cast<double>(h.ports.size()) / static_cast<double>(h.peers.size());
  if (on_failed_) on_failed_(f);

  h.all.window.add(f.t, to, cfg_.window);
  if (!h.all.alarm) h.all.alarm = triggered(h.all, cfg_, f.t, to);
  if (f.predicted != Prediction::none) return;
  h.unpredicted.window.add(f.t, to, cfg_.window);
  if (h.unpredicted.alarm) return;
  auto a = triggered(h.unpredicted, cfg_, f.t, to);
  if (!a) return;
  bool bittorrent_ratio = h.s.unique_peers >= cfg_.min_ppr_peers && h.s.ppr >= cfg_.ppr_low && h.s.ppr <= cfg_.ppr_high;
  if (bittorrent_ratio) {
    h.s.ppr_suppressed = true;
    return;
  }
  a->suppressed_detector = true;
  h.unpredicted.alarm = a;
}

std::vector<ScanHost> ScanLabeler::finish() {
  expire(std::numeric_limits<double>::infinity());
  std::vector<ScanHost> out;
  for (auto& [a, h] : hosts_) {
    if (h->s.attempts == 0) continue;
    h->s.unsuppressed = h->all.alarm;
    h->s.suppressed = h->unpredicted.alarm;
    for (auto* al : {&h->s.unsuppressed, &h->s.suppressed})
      if (*al) (*al)->host = a;
    out.push_back(h->s);
  }
  return out;
}

nlohmann::json to_json(const FailedAttempt& f) {
  return {{"type", "passive_failed_connection"}, {"t", f.t}, {"from", f.from.to_string()}, {"to", f.to.to_string()},
          {"predicted", f.predicted != Prediction::none}, {"predicted_by", to_string(f.predicted)}, {"why", f.why}};
}

nlohmann::json to_json(const ScanAlarm& a) {
  return {{"type", "passive_scan_alarm"}, {"t", a.t}, {"host", a.host.to_string()}, {"kind", a.kind},
          {"detector", a.suppressed_detector ? "suppressed" : "unsuppressed"}, {"distinct", a.distinct}};
}

nlohmann::json to_json(const ScanHost& h) {
  nlohmann::json j{{"type", "passive_scan_host"}, {"host", h.host.to_string()}, {"attempts", h.attempts},
                   {"failed", h.failed}, {"failed_predicted", h.failed_predicted}, {"unique_peers", h.unique_peers},
                   {"unique_ports", h.unique_ports}, {"ppr", h.ppr}, {"ppr_suppressed", h.ppr_suppressed},
                   {"alarm_unsuppressed", nullptr}, {"alarm_suppressed", nullptr}};
  if (h.unsuppressed) j["alarm_unsuppressed"] = h.unsuppressed->kind;
  if (h.suppressed) j["alarm_suppressed"] = h.suppressed->kind;
  return j;
}

}  // namespace p2pscope::passive
