#include "probes/diagnose.hpp"

#include "core/special_ranges.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

namespace p2pscope::probes {
namespace {

struct PeerKey {
  InfoHash ih;
  Endpoint peer;
  friend auto operator<=>(const PeerKey&, const PeerKey&) = default;
};

struct Facts {
  std::optional<ProbeOutcome> tcp, utp, handshake, fake, reverse;
  std::string fake_transcript, reverse_of;
};

Verdict verdict(const PeerKey& k, VerdictKind kind, double confidence, std::vector<std::string> evidence) {
  Verdict v;
  v.peer = k.peer;
  v.info_hash = k.ih;
  v.verdict = kind;
  v.confidence = confidence;
  v.evidence = std::move(evidence);
  return v;
}

class Diagnoser {
 public:
  explicit Diagnoser(const DiagnoseInputs& in) : in_(in) {}

  Diagnosis run() {
    index();
    Diagnosis d;
    for (const auto& k : keys_) {
      auto v = judge(k, d.breakdown);
      kind_of_[k] = v.verdict;
      d.verdicts.push_back(std::move(v));
    }
    sources(d);
    return d;
  }

 private:
  void index() {
    for (const auto& o : in_.observations) {
      PeerKey k{o.info_hash, o.peer};
      keys_.insert(k);
      seen_[o.info_hash].insert(o.peer.address);
    }
    for (const auto& p : in_.probes) {
      if (!p.info_hash) continue;
      auto& f = facts_[PeerKey{*p.info_hash, p.peer}];
      switch (p.probe) {
        case ProbeKind::tcp_connect: merge_probe_outcome(f.tcp, p.outcome); break;
        case ProbeKind::utp_connect: merge_probe_outcome(f.utp, p.outcome); break;
        case ProbeKind::handshake: merge_probe_outcome(f.handshake, p.outcome); break;
        case ProbeKind::fake_infohash:
          merge_probe_outcome(f.fake, p.outcome);
          if (p.outcome == ProbeOutcome::positive && p.evidence.count("transcript"))
            f.fake_transcript = p.evidence.at("transcript");
          break;
        case ProbeKind::reverse_byte_order: merge_probe_outcome(f.reverse, p.outcome); break;
        default: break;
      }
      if (p.probe == ProbeKind::fake_infohash && p.outcome == ProbeOutcome::positive)
        anti_subnets_.insert(cluster_subnet(p.peer.address).network);
    }
    farm_subnets();
  }

  // /24s crowded with handed-out addresses (a server farm) that also hold a
  // peer caught by the fake-infohash probe.
  void farm_subnets() {
    std::vector<IpAddress> all;
    for (const auto& [ih, ips] : seen_) all.insert(all.end(), ips.begin(), ips.end());
    for (const auto& farm : cluster(all, in_.cluster).farms)
      if (anti_subnets_.count(farm.subnet.network)) farms_.insert(farm.subnet.network);
  }

  std::pair<bool, std::string> routable(const IpAddress& ip) const { return routability(ip, in_.routing); }

  // A byte-reversed variant of k's address that was handed out for the same
  // infohash and is routable, if any. A reverse that is itself unroutable is
  // no peer at all: a byte-order client that relays an already-bogus address
  // makes such pairs, and neither side is the original.
  std::optional<IpAddress> reverse_seen(const PeerKey& k) const {
    auto it = seen_.find(k.ih);
    if (it == seen_.end()) return std::nullopt;
    for (const auto& r : byte_order_variants(k.peer.address))
      if (it->second.count(r) && routable(r).first) return r;
    return std::nullopt;
  }

  Verdict judge(const PeerKey& k, Breakdown& b) const {
    auto it = facts_.find(k);
    Facts f = it == facts_.end() ? Facts{} : it->second;
    auto [is_routable, route] = routable(k.peer.address);
    if (f.fake == ProbeOutcome::positive) {
      ++(is_routable ? b.routable_anti_p2p : b.unroutable_other);
      return verdict(k, VerdictKind::anti_p2p, 0.99, {"accepted a random infohash: " + f.fake_transcript, route});
    }
    if (f.handshake == ProbeOutcome::positive) {
      ++(is_routable ? b.routable_bittorrent : b.unroutable_other);
      return verdict(k, VerdictKind::normal, 0.95, {"answered a BitTorrent handshake for this infohash", route});
    }
    auto rev = reverse_seen(k);
    if (!is_routable) return judge_unroutable(k, f, rev, route, b);
    return judge_silent(k, f, route, b);
  }

  Verdict judge_unroutable(const PeerKey& k, const Facts& f, const std::optional<IpAddress>& rev, const std::string& route,
                           Breakdown& b) const {
    if (rev || f.reverse == ProbeOutcome::positive) {
      ++b.unroutable_reverse_is_peer;
      auto why = rev ? "its byte-reversed address " + rev->to_string() + " was handed out for the same infohash"
                     : std::string("its byte-reversed address answers a BitTorrent handshake");
      return verdict(k, VerdictKind::byte_order, rev ? 0.9 : 0.95, {why, route});
    }
    auto variants = byte_order_variants(k.peer.address);
    bool reverse_unroutable = !variants.empty() && std::none_of(variants.begin(), variants.end(), [&](const IpAddress& r) {
      return routable(r).first;
    });
    ++(reverse_unroutable ? b.unroutable_reverse_unroutable : b.unroutable_other);
    return verdict(k, VerdictKind::bogus_unroutable, 0.9, {route});
  }

  Verdict judge_silent(const PeerKey& k, const Facts& f, const std::string& route, Breakdown& b) const {
    if (f.reverse == ProbeOutcome::positive) {
      ++b.routable_byte_order;
      return verdict(k, VerdictKind::byte_order, 0.8, {"its byte-reversed address answers a BitTorrent handshake", route});
    }
    if (in_known_list(k.peer.address, in_.known)) {
      ++b.routable_anti_p2p;
      return verdict(k, VerdictKind::anti_p2p, 0.7, {"listed in a known anti-P2P list", route});
    }
    auto subnet = cluster_subnet(k.peer.address);
    if (farms_.count(subnet.network)) {
      ++b.routable_anti_p2p;
      return verdict(k, VerdictKind::anti_p2p, 0.8,
                     {"in server farm " + subnet.to_string() + " with a peer that accepted a random infohash", route});
    }
    if (f.tcp == ProbeOutcome::positive || f.utp == ProbeOutcome::positive) {
      ++b.routable_open_port;
      auto what = f.tcp == ProbeOutcome::positive ? "TCP port open" : "uTP connection set up";
      return verdict(k, VerdictKind::unreachable, 0.6, {std::string(what) + ", but no BitTorrent handshake", route});
    }
    if (f.tcp || f.utp) {
      ++b.routable_no_answer;
      std::string why = f.tcp ? "no TCP connection (" + std::string(to_string(*f.tcp)) + ")" : "not probed over TCP";
      if (f.utp) why += ", no uTP connection (" + std::string(to_string(*f.utp)) + ")";
      return verdict(k, VerdictKind::unreachable, 0.5, {why, route});
    }
    ++b.routable_unprobed;
    return verdict(k, VerdictKind::unknown, 0.0, {"not probed", route});
  }

  void sources(Diagnosis& d) const;
  std::unordered_map<std::string, std::size_t> hop_distances() const;

  const DiagnoseInputs& in_;
  std::set<PeerKey> keys_;
  std::map<InfoHash, std::set<IpAddress>> seen_;
  std::map<PeerKey, Facts> facts_;
  std::set<IpAddress> anti_subnets_, farms_;
  std::map<PeerKey, VerdictKind> kind_of_;
};

// Breadth-first from every anti-P2P peer, backwards along "S handed out P".
std::unordered_map<std::string, std::size_t> Diagnoser::hop_distances() const {
  std::unordered_map<std::string, std::vector<std::string>> handed_out_by;  // peer -> sources
  for (const auto& o : in_.observations) handed_out_by[o.peer.to_string()].push_back(source_of(o));
  std::unordered_map<std::string, std::size_t> dist;
  std::deque<std::string> queue;
  for (const auto& [k, kind] : kind_of_) {
    if (kind == VerdictKind::anti_p2p && dist.emplace(k.peer.to_string(), 0).second) queue.push_back(k.peer.to_string());
  }
  while (!queue.empty()) {
    auto node = queue.front();
    queue.pop_front();
    auto it = handed_out_by.find(node);
    if (it == handed_out_by.end()) continue;
    for (const auto& s : it->second)
      if (dist.emplace(s, dist.at(node) + 1).second) queue.push_back(s);
  }
  return dist;
}

// No honest source hands out an unroutable peer: nothing could have announced
// from there, and a client that checks would never have connected to it. A
// byte-order client's list is dominated by reversals; a propagator's bogus
// peers are whatever it heard.
SourceLooks looks_like(const SourceReport& r, bool anti_p2p) {
  auto count = [&r](VerdictKind k) {
    auto it = r.by_verdict.find(k);
    return it == r.by_verdict.end() ? std::size_t{0} : it->second;
  };
  bool tracker = r.via == Via::tracker_http || r.via == Via::tracker_udp;
  if (anti_p2p) return SourceLooks::anti_p2p_peer;
  if (r.via == Via::pex && count(VerdictKind::byte_order) > 0 && 2 * count(VerdictKind::byte_order) >= r.definitely_bogus)
    return SourceLooks::byte_order_client;
  if (r.via == Via::pex && count(VerdictKind::bogus_unroutable) > 0) return SourceLooks::propagator;
  if (tracker && (r.lower_share() >= 0.5 || count(VerdictKind::bogus_unroutable) > 0)) return SourceLooks::poisoned_tracker;
  return SourceLooks::unremarkable;
}

void Diagnoser::sources(Diagnosis& d) const {
  std::map<std::pair<Via, std::string>, std::set<PeerKey>> handed;
  for (const auto& o : in_.observations) handed[{o.via, source_of(o)}].insert(PeerKey{o.info_hash, o.peer});
  std::set<std::string> anti_endpoints;
  for (const auto& [k, kind] : kind_of_)
    if (kind == VerdictKind::anti_p2p) anti_endpoints.insert(k.peer.to_string());
  auto dist = hop_distances();
  for (const auto& [key, peers] : handed) {
    SourceReport r;
    r.via = key.first;
    r.source = key.second;
    r.peers = peers.size();
    std::vector<IpAddress> addresses;
    for (const auto& k : peers) {
      auto kind = kind_of_.at(k);
      ++r.by_verdict[kind];
      r.definitely_bogus += definitely_bogus(kind);
      r.possibly_bogus += definitely_bogus(kind) || kind == VerdictKind::unreachable || kind == VerdictKind::unknown;
      addresses.push_back(k.peer.address);
    }
    r.cluster = cluster(addresses, in_.cluster);
    r.looks_like = looks_like(r, anti_endpoints.count(r.source) != 0);
    if (auto it = dist.find(r.source); it != dist.end()) r.hops_from_anti_p2p = it->second;
    d.sources.push_back(std::move(r));
  }
  std::stable_sort(d.sources.begin(), d.sources.end(), [](const SourceReport& a, const SourceReport& b) {
    return a.definitely_bogus > b.definitely_bogus;
  });
}

}  // namespace

Diagnosis diagnose(const DiagnoseInputs& in) {
  auto d = Diagnoser(in).run();
  if (!in.emule_observations.empty()) diagnose_emule(in, d);
  auto nodes = judge_dht_nodes(in.dht_nodes, in.probes, in.dht);
  std::set<std::string> bogus_nodes;
  for (const auto& v : nodes) bogus_nodes.insert(v.peer.to_string());
  for (auto& s : d.sources) {
    if (s.via == Via::dht && bogus_nodes.count(s.source)) s.looks_like = SourceLooks::bogus_dht_node;
  }
  d.verdicts.insert(d.verdicts.end(), std::make_move_iterator(nodes.begin()), std::make_move_iterator(nodes.end()));
  return d;
}

std::pair<bool, std::string> routability(const IpAddress& ip, const PrefixTable* routing) {
  if (is_bogon(ip)) {
    const auto* r = classify(ip);
    return {false, "special-purpose: " + std::string(r ? r->name : "reserved") + (r ? " (" + std::string(r->rfc) + ")" : "")};
  }
  if (!routing) return {true, "not special-purpose (no routing data given)"};
  if (auto a = routing->lookup(ip))
    return {true, "announced: " + a->prefix.to_string() + " AS" + std::to_string(a->asn) + (a->org.empty() ? "" : " " + std::string(a->org))};
  return {false, "no announced prefix covers it"};
}

void merge_probe_outcome(std::optional<ProbeOutcome>& slot, ProbeOutcome o) {
  if (!slot || o == ProbeOutcome::positive) slot = o;  // any positive probe counts
}

bool in_known_list(const IpAddress& ip, std::span<const IpRange> known) {
  return std::any_of(known.begin(), known.end(), [&](const IpRange& r) { return r.contains(ip); });
}

std::string reversed_entries_text(const SourceReport& s) {
  std::string out;
  for (const auto& [key, n] : s.reversed_entries) {
    if (!out.empty()) out += "; ";
    if (key.first) out += "SX v" + std::to_string(key.first) + " ";
    out += std::string(name_of(key.second)) + " IDs " + std::to_string(n);
  }
  return out;
}

bool definitely_bogus(VerdictKind k) {
  return k == VerdictKind::bogus_unroutable || k == VerdictKind::byte_order || k == VerdictKind::anti_p2p;
}

std::string source_of(const Observation& o) {
  if (o.via == Via::tracker_http || o.via == Via::tracker_udp) return o.source_url.value_or("?");
  return o.source_endpoint ? o.source_endpoint->to_string() : "?";
}


}  // namespace p2pscope::probes
