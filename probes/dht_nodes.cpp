#include "probes/dht_nodes.hpp"

#include "core/bep42.hpp"
#include "probes/probe_common.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <set>

namespace p2pscope::probes {

using namespace net;

namespace {

ProbeOutcome outcome_of(const std::error_code& ec) {
  return ec == std::errc::timed_out ? ProbeOutcome::timeout : ProbeOutcome::error;
}

struct Pings {
  explicit Pings(const asio::any_io_executor& ex) : wake(ex) {}
  Wakeup wake;
  std::size_t running = 0;
  std::vector<std::pair<Endpoint, bool>> answers;
};

awaitable<void> ping_one(const KrpcAsk& ask, Endpoint to, Pings& p) {
  auto r = co_await ask(to, KrpcQuery::ping(NodeId{}));
  p.answers.emplace_back(to, r.has_value());
  --p.running;
  p.wake.notify();
}

// The named nodes worth a ping: contactable, not the node itself, each once.
std::vector<Endpoint> to_ping(const KrpcResponse& r, const Endpoint& node, const DhtNodeProbeConfig& cfg) {
  std::vector<Endpoint> out;
  for (const auto* list : {&r.nodes, &r.nodes6}) {
    for (const auto& n : *list) {
      if (out.size() >= cfg.max_pings) return out;
      if (n.endpoint == node || detail::never_contact(n.endpoint, cfg.contact_special_purpose)) continue;
      if (std::find(out.begin(), out.end(), n.endpoint) == out.end()) out.push_back(n.endpoint);
    }
  }
  return out;
}

// The first eight, comma-separated: evidence stays short however much a node sent.
std::string first_few(const std::vector<Endpoint>& eps) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < eps.size() && i < 8; ++i) out.push_back(eps[i].to_string());
  return detail::joined(out);
}

}  // namespace

awaitable<DhtNodeContact> probe_dht_node(const KrpcAsk& ask, Endpoint node, InfoHash random,
                                         const DhtNodeProbeConfig& cfg) {
  DhtNodeContact c;
  c.node = node;
  c.random = random;
  if (auto why = detail::never_contact(node, cfg.contact_special_purpose)) {
    c.why = *why;
    co_return c;
  }
  auto start = std::chrono::steady_clock::now();
  auto r = co_await ask(node, KrpcQuery::get_peers(NodeId{}, random));
  if (!r) {
    c.answered = outcome_of(r.error());
    c.why = "get_peers: " + r.error().message();
    co_return c;
  }
  c.answered = ProbeOutcome::positive;
  c.rtt_ms = detail::ms_since(start);
  c.id = r.value().id;
  c.values = r.value().values;
  c.named = r.value().nodes.size() + r.value().nodes6.size();
  auto targets = to_ping(r.value(), node, cfg);
  // Every ping runs to its own deadline; this frame outlives them all.
  auto ex = co_await asio::this_coro::executor;
  Pings p(ex);
  for (const auto& t : targets) {
    ++p.running;
    asio::co_spawn(ex, ping_one(ask, t, p), asio::detached);
  }
  while (p.running > 0) co_await p.wake.wait();
  c.pinged = p.answers.size();
  for (const auto& [ep, ok] : p.answers) {
    if (ok) ++c.ping_answered;
    else c.silent.push_back(ep);
  }
  std::sort(c.silent.begin(), c.silent.end());
  co_return c;
}

std::vector<ProbeResult> dht_node_results(const DhtNodeContact& c) {
  std::vector<ProbeResult> out;
  auto fake = detail::probe_record(c.node, ProbeKind::dht_fake_infohash,
                                   c.answered != ProbeOutcome::positive ? c.answered
                                   : c.values.empty()                   ? ProbeOutcome::negative
                                                                        : ProbeOutcome::positive);
  fake.rtt_ms = c.rtt_ms;
  fake.evidence["random_info_hash"] = c.random.hex();
  if (c.answered != ProbeOutcome::positive) {
    fake.evidence["why"] = c.why;
    out.push_back(std::move(fake));
    return out;
  }
  fake.evidence["node_id"] = c.id ? c.id->hex() : "";
  fake.evidence["values"] = std::to_string(c.values.size());
  fake.evidence["nodes"] = std::to_string(c.named);
  if (!c.values.empty()) fake.evidence["values_sample"] = first_few(c.values);
  out.push_back(std::move(fake));
  auto n = detail::probe_record(c.node, ProbeKind::dht_neighbours,
                                c.ping_answered > 0 ? ProbeOutcome::positive : ProbeOutcome::negative);
  n.evidence["asked"] = std::to_string(c.pinged);
  n.evidence["answered"] = std::to_string(c.ping_answered);
  if (!c.silent.empty()) n.evidence["silent"] = first_few(c.silent);
  out.push_back(std::move(n));
  return out;
}

namespace {

struct NodeFacts {
  std::set<NodeId> ids;
  std::set<InfoHash> targets;
  const ProbeResult* fake = nullptr;
  const ProbeResult* neighbours = nullptr;
  std::vector<std::string> sybil;  // why it belongs to a Sybil cluster
  // Probed, and no answer: a name nothing answers at is no node and no
  // Sybil (the node that named it is the suspect), so it is not clustered.
  bool silent() const {
    return fake && fake->outcome != ProbeOutcome::positive && fake->outcome != ProbeOutcome::negative;
  }
};

std::size_t count_in(const ProbeResult& p, const char* key) {
  auto it = p.evidence.find(key);
  if (it == p.evidence.end()) return 0;
  std::size_t v = 0;
  for (char ch : it->second) {
    if (ch < '0' || ch > '9' || v > 1'000'000'000) return 0;
    v = v * 10 + static_cast<std::size_t>(ch - '0');
  }
  return v;
}

std::string evidence_of(const ProbeResult& p, const char* key) {
  auto it = p.evidence.find(key);
  return it == p.evidence.end() ? std::string() : it->second;
}

// Of several results of one kind (several probe runs), a positive one wins,
// then a negative one: an answer tells more than a timeout.
int rank(ProbeOutcome o) { return o == ProbeOutcome::positive ? 2 : o == ProbeOutcome::negative ? 1 : 0; }
void keep(const ProbeResult*& slot, const ProbeResult& p) {
  if (!slot || rank(p.outcome) > rank(slot->outcome)) slot = &p;
}

bool bep42_fails(const NodeId& id, const IpAddress& ip) { return bep42_applies(ip) && !bep42_valid(id, ip); }

void mark_horizontal(std::map<Endpoint, NodeFacts>& nodes, const DhtJudgeConfig& cfg) {
  std::map<IpAddress, std::vector<Endpoint>> by_ip;
  for (const auto& [ep, f] : nodes)
    if (!f.silent()) by_ip[ep.address].push_back(ep);
  for (const auto& [address, eps] : by_ip) {
    const IpAddress ip = address;  // a structured binding cannot be captured
    std::set<NodeId> ids;
    for (const auto& ep : eps) ids.insert(nodes[ep].ids.begin(), nodes[ep].ids.end());
    auto invalid = static_cast<std::size_t>(std::count_if(ids.begin(), ids.end(), [&](const NodeId& id) { return bep42_fails(id, ip); }));
    if (ids.size() < cfg.ids_per_address || invalid * 2 < ids.size()) continue;
    auto why = "one of " + std::to_string(ids.size()) + " node ids on " + ip.to_string() + " (" + std::to_string(invalid) +
               " of them not BEP 42 ids for it): a horizontal Sybil cluster";
    for (const auto& ep : eps) nodes[ep].sybil.push_back(why);
  }
}

void mark_vertical(std::map<Endpoint, NodeFacts>& nodes, const DhtJudgeConfig& cfg) {
  std::set<InfoHash> targets;
  for (const auto& [ep, f] : nodes) targets.insert(f.targets.begin(), f.targets.end());
  for (const auto& t : targets) {
    auto target = NodeId::from_bytes(t.raw()).value();
    std::vector<std::pair<Endpoint, NodeId>> near;
    for (const auto& [ep, f] : nodes) {
      if (f.silent()) continue;
      for (const auto& id : f.ids) {
        if (common_prefix_bits(id, target) >= cfg.near_bits) near.emplace_back(ep, id);
      }
    }
    for (const auto& [ep, id] : near) {
      bool invalid = bep42_fails(id, ep.address);
      if (near.size() < cfg.near_crowd && !invalid) continue;
      nodes[ep].sybil.push_back("id " + id.hex() + " shares the first " + std::to_string(common_prefix_bits(id, target)) +
                                " bits with infohash " + t.hex() + " (" + std::to_string(near.size()) +
                                " node id(s) met that near it" + (invalid ? "; not a BEP 42 id" : "") +
                                "): a vertical Sybil");
    }
  }
}

std::string fake_values_reason(const ProbeResult& p, const std::map<Endpoint, NodeFacts>& nodes) {
  auto sample = evidence_of(p, "values_sample");
  std::size_t are_nodes = 0, listed = 0;
  for (std::size_t start = 0; start < sample.size();) {
    auto end = std::min(sample.find(',', start), sample.size());
    if (auto ep = Endpoint::parse(std::string_view(sample).substr(start, end - start))) {
      ++listed;
      are_nodes += nodes.count(ep.value());
    }
    start = end + 1;
  }
  auto why = "gave " + evidence_of(p, "values") + " values for a random infohash (" +
             evidence_of(p, "random_info_hash") + ") nobody announced";
  if (are_nodes > 0)
    why += "; " + std::to_string(are_nodes) + " of the first " + std::to_string(listed) + " are DHT nodes this crawl met";
  return why;
}

}  // namespace

std::vector<Verdict> judge_dht_nodes(std::span<const DhtNodeSeen> seen, std::span<const ProbeResult> probes,
                                     const DhtJudgeConfig& cfg) {
  std::map<Endpoint, NodeFacts> nodes;
  for (const auto& s : seen) {
    auto& f = nodes[s.node];
    f.ids.insert(s.node_id);
    f.targets.insert(s.info_hash);
  }
  for (const auto& p : probes) {
    auto it = nodes.find(p.peer);
    if (it == nodes.end()) continue;
    if (p.probe == ProbeKind::dht_fake_infohash) keep(it->second.fake, p);
    else if (p.probe == ProbeKind::dht_neighbours) keep(it->second.neighbours, p);
  }
  mark_horizontal(nodes, cfg);
  mark_vertical(nodes, cfg);
  std::vector<Verdict> out;
  for (const auto& [ep, f] : nodes) {
    Verdict v;
    v.peer = ep;
    auto judge = [&](VerdictKind k, double confidence, std::string why) {
      if (v.evidence.empty()) {
        v.verdict = k;
        v.confidence = confidence;
      }
      v.evidence.push_back(std::move(why));
    };
    if (f.fake && f.fake->outcome == ProbeOutcome::positive)
      judge(VerdictKind::dht_fake_values, 0.95, fake_values_reason(*f.fake, nodes));
    if (f.neighbours && count_in(*f.neighbours, "asked") >= cfg.min_pinged && count_in(*f.neighbours, "answered") == 0)
      judge(VerdictKind::dht_phantom_neighbours, 0.9,
            "none of the " + evidence_of(*f.neighbours, "asked") + " nodes it named answered a ping (" +
                evidence_of(*f.neighbours, "silent") + ")");
    for (const auto& why : f.sybil) judge(VerdictKind::dht_sybil, 0.8, why);
    if (!v.evidence.empty()) out.push_back(std::move(v));
  }
  return out;
}

int common_prefix_bits(const NodeId& a, const NodeId& b) noexcept {
  auto x = a ^ b;
  const auto& bytes = x.bytes();
  int bits = 0;
  for (auto byte : bytes) {
    if (byte != 0) return bits + std::countl_zero(static_cast<std::uint8_t>(byte));
    bits += 8;
  }
  return bits;
}

}  // namespace p2pscope::probes
