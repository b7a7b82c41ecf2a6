#include "probes/emule_diagnose.hpp"

#include <algorithm>
#include <set>

namespace p2pscope::probes {

namespace {

using ed2k::Md4;

struct Key {
  Md4 file;
  Endpoint peer;
  friend auto operator<=>(const Key&, const Key&) = default;
};

// What the probes said about one address (the hello answers for the peer,
// not for a file), and about the reverse of a handed-out peer.
struct Facts {
  std::optional<ProbeOutcome> tcp, hello, fake, reverse;
  std::string client, fake_transcript, reverse_at, reverse_client;
  bool crypt_required = false;
};

std::string get(const ProbeResult& p, const char* key) {
  auto it = p.evidence.find(key);
  return it == p.evidence.end() ? std::string() : it->second;
}

bool server_route(Via v) { return v == Via::ed2k_server || v == Via::ed2k_server_udp; }

// The address the same four ID bytes name in the other form: the bytes reversed.
Endpoint reverse_of(const Endpoint& peer) { return {reverse_v4(peer.address), peer.port}; }

class EmuleDiagnoser {
 public:
  explicit EmuleDiagnoser(const DiagnoseInputs& in) : in_(in) {}

  void run(Diagnosis& d) {
    index();
    EmuleBreakdown b;
    for (const auto& k : keys_) {
      auto v = judge(k);
      kind_of_[k] = v.verdict;
      d.verdicts.push_back(std::move(v));
    }
    tree(b);
    sources(d);
    d.emule = b;
  }

 private:
  void index() {
    std::vector<IpAddress> all;
    for (const auto& o : in_.emule_observations) {
      auto peer = o.peer();
      if (!peer) {
        ++low_ids_;
        continue;
      }
      keys_.insert(Key{o.file, *peer});
      all.push_back(peer->address);
    }
    for (const auto& p : in_.probes) {
      if (!p.file_hash) continue;
      auto& f = facts_[p.peer];
      switch (p.probe) {
        case ProbeKind::tcp_connect: merge_probe_outcome(f.tcp, p.outcome); break;
        case ProbeKind::ed2k_hello:
          merge_probe_outcome(f.hello, p.outcome);
          if (p.outcome == ProbeOutcome::positive) f.client = get(p, "client");
          f.crypt_required = f.crypt_required || p.evidence.count("crypt_required");
          break;
        case ProbeKind::fake_file:
          merge_probe_outcome(f.fake, p.outcome);
          if (p.outcome == ProbeOutcome::positive) {
            f.fake_transcript = get(p, "transcript");
            claimers_.insert(cluster_subnet(p.peer.address).network);
          }
          break;
        case ProbeKind::reverse_byte_order:
          merge_probe_outcome(f.reverse, p.outcome);
          f.reverse_at = get(p, "reverse");
          if (p.outcome == ProbeOutcome::positive) f.reverse_client = get(p, "client");
          break;
        default: break;
      }
    }
    for (const auto& farm : cluster(all, in_.cluster).farms)
      if (claimers_.count(farm.subnet.network)) farms_.insert(farm.subnet.network);
  }

  const Facts& facts(const Endpoint& e) const {
    static const Facts kNone;
    auto it = facts_.find(e);
    return it == facts_.end() ? kNone : it->second;
  }

  Verdict judge(const Key& k) const {
    const auto& f = facts(k.peer);
    auto [is_routable, route_why] = routability(k.peer.address, in_.routing);
    const auto& route = route_why;  // a lambda cannot capture a structured binding in C++20
    auto v = [&](VerdictKind kind, double confidence, std::string why) {
      Verdict out;
      out.peer = k.peer;
      out.file_hash = k.file;
      out.verdict = kind;
      out.confidence = confidence;
      out.evidence = {std::move(why), route};
      return out;
    };
    if (f.fake == ProbeOutcome::positive) return v(VerdictKind::anti_p2p, 0.99, "claimed a random file hash: " + f.fake_transcript);
    if (f.hello == ProbeOutcome::positive)
      return v(VerdictKind::normal, 0.95, "answered an eMule hello" + (f.client.empty() ? "" : " (" + f.client + ")"));
    if (f.reverse == ProbeOutcome::positive)
      return v(VerdictKind::byte_order, 0.95, "the other byte order of its ID, " + f.reverse_at + ", answers an eMule hello" +
                                                  (f.reverse_client.empty() ? "" : " (" + f.reverse_client + ")"));
    if (!is_routable) return v(VerdictKind::bogus_unroutable, 0.9, "unroutable, and its reverse runs no eMule client");
    if (in_known_list(k.peer.address, in_.known)) return v(VerdictKind::anti_p2p, 0.7, "listed in a known anti-P2P list");
    auto subnet = cluster_subnet(k.peer.address);
    if (farms_.count(subnet.network))
      return v(VerdictKind::anti_p2p, 0.8, "in server farm " + subnet.to_string() + " with a peer that claimed a random file hash");
    if (f.crypt_required) return v(VerdictKind::unknown, 0.0, "requires protocol obfuscation: not probed in plaintext");
    if (f.tcp == ProbeOutcome::positive) return v(VerdictKind::unreachable, 0.6, "TCP port open, but no eMule hello answer");
    if (f.tcp) return v(VerdictKind::unreachable, 0.5, "no TCP connection (" + std::string(to_string(*f.tcp)) + ")");
    return v(VerdictKind::unknown, 0.0, "not probed");
  }

  std::pair<EmuleClass, EmuleClass> classes(const Endpoint& peer) const {
    const auto& f = facts(peer);
    auto mine = emule_class(routability(peer.address, in_.routing).first, f.hello);
    auto rev = reverse_of(peer);
    auto theirs = emule_class(routability(rev.address, in_.routing).first, f.reverse);
    return {mine, theirs};
  }

  void tree(EmuleBreakdown& b) const {
    b.low_ids = low_ids_;
    std::set<Key> server, sx, kad;
    for (const auto& o : in_.emule_observations) {
      auto peer = o.peer();
      if (!peer) continue;
      (server_route(o.via) ? server : o.via == Via::sx ? sx : kad).insert(Key{o.file, *peer});
    }
    auto fill = [this](const std::set<Key>& keys, EmuleTree& t) {
      for (const auto& k : keys) {
        auto [mine, theirs] = classes(k.peer);
        ++t.at(mine, theirs);
      }
    };
    fill(server, b.servers);
    fill(sx, b.sx);
    fill(kad, b.kad);
    fill(keys_, b.overall);
  }

  SourceLooks looks_like(const SourceReport& r, bool anti_p2p, std::size_t bogus_not_emule) const {
    auto it = r.by_verdict.find(VerdictKind::byte_order);
    std::size_t reversed = it == r.by_verdict.end() ? 0 : it->second;
    if (anti_p2p) return SourceLooks::anti_p2p_peer;
    if (r.via == Via::sx && reversed > 0 && 2 * reversed >= r.definitely_bogus) return SourceLooks::byte_order_relay;
    if (server_route(r.via) && bogus_not_emule > 0) return SourceLooks::poisoned_server;
    return SourceLooks::unremarkable;
  }

  void sources(Diagnosis& d) const {
    std::set<std::string> anti;
    for (const auto& [k, kind] : kind_of_)
      if (kind == VerdictKind::anti_p2p) anti.insert(k.peer.to_string());
    struct Handed {
      std::set<Key> peers;
      std::map<std::pair<std::uint8_t, ed2k::IdForm>, std::size_t> reversed;
    };
    std::map<std::pair<Via, std::string>, Handed> handed;
    for (const auto& o : in_.emule_observations) {
      auto peer = o.peer();
      if (!peer) continue;
      auto& h = handed[{o.via, o.source.to_string()}];
      Key k{o.file, *peer};
      if (h.peers.insert(k).second && kind_of_.at(k) == VerdictKind::byte_order)
        ++h.reversed[{o.sx_version.value_or(0), o.id_form}];
    }
    for (const auto& [key, h] : handed) {
      SourceReport r;
      r.via = key.first;
      r.source = key.second;
      r.peers = h.peers.size();
      r.reversed_entries = h.reversed;
      std::vector<IpAddress> addresses;
      std::size_t bogus_not_emule = 0;
      for (const auto& k : h.peers) {
        auto kind = kind_of_.at(k);
        ++r.by_verdict[kind];
        r.definitely_bogus += definitely_bogus(kind);
        r.possibly_bogus += definitely_bogus(kind) || kind == VerdictKind::unreachable || kind == VerdictKind::unknown;
        bogus_not_emule += definitely_bogus(kind) && facts(k.peer).hello != ProbeOutcome::positive;
        addresses.push_back(k.peer.address);
      }
      r.cluster = cluster(addresses, in_.cluster);
      r.looks_like = looks_like(r, anti.count(r.source) != 0, bogus_not_emule);
      d.sources.push_back(std::move(r));
    }
  }

  const DiagnoseInputs& in_;
  std::set<Key> keys_;
  std::map<Endpoint, Facts> facts_;
  std::set<IpAddress> claimers_, farms_;
  std::map<Key, VerdictKind> kind_of_;
  std::size_t low_ids_ = 0;
};

}  // namespace

EmuleClass emule_class(bool routable, std::optional<ProbeOutcome> hello) {
  if (!routable) return EmuleClass::unroutable;
  return hello == ProbeOutcome::positive ? EmuleClass::emule : EmuleClass::other;
}

std::size_t EmuleTree::total() const {
  std::size_t n = 0;
  for (const auto& row : cells)
    for (auto c : row) n += c;
  return n;
}

std::size_t EmuleTree::of(EmuleClass peer) const {
  std::size_t n = 0;
  for (auto c : cells[static_cast<std::size_t>(peer)]) n += c;
  return n;
}

std::size_t EmuleTree::lower() const {
  return at(EmuleClass::unroutable, EmuleClass::emule) + at(EmuleClass::other, EmuleClass::emule);
}

std::size_t EmuleTree::upper() const {
  return lower() + at(EmuleClass::unroutable, EmuleClass::unroutable) + at(EmuleClass::unroutable, EmuleClass::other) +
         at(EmuleClass::other, EmuleClass::other);
}

void diagnose_emule(const DiagnoseInputs& in, Diagnosis& d) {
  EmuleDiagnoser(in).run(d);
  std::stable_sort(d.sources.begin(), d.sources.end(), [](const SourceReport& a, const SourceReport& b) {
    return a.definitely_bogus > b.definitely_bogus;
  });
}

}  // namespace p2pscope::probes
