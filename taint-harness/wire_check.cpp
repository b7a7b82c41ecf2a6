#include "taint-harness/wire_check.hpp"

#include "core/ed2k.hpp"
#include "core/records.hpp"
#include "passive/extractor.hpp"
#include "passive/pcap_reader.hpp"

#include <map>
#include <set>

namespace p2pscope::harness {
namespace {

using Endpoints = std::set<Endpoint>;

struct Views {
  Endpoints pex, values, nodes, sx;
  std::map<Endpoint, std::size_t> pex_to;  // ut_pex messages by receiver
};

Views feeders_view(const Capture& c) {
  Views v;
  for (const auto& m : c.pex) {
    ++v.pex_to[m.to];
    for (const auto& p : m.added) v.pex.insert(p.endpoint);
  }
  for (const auto& d : c.dht) {
    v.values.insert(d.values.begin(), d.values.end());
    v.nodes.insert(d.nodes.begin(), d.nodes.end());
  }
  for (const auto& a : c.sx) v.sx.insert(a.sources.begin(), a.sources.end());
  return v;
}

// The version each asker read the client's answer in, by its address.
std::map<IpAddress, std::uint8_t> answer_versions(const Capture& c) {
  std::map<IpAddress, std::uint8_t> out;
  for (const auto& a : c.sx)
    if (a.version) out[a.asker.address] = *a.version;
  return out;
}

// A source exchange answer's HighID sources, each read in its version's
// form by the askers' own rule (EmuleObservation::peer(): LowIDs name no
// address). A 28-byte SX1 entry is version 2 or 3 by the level the asker
// advertised, which the pcap alone does not tell: passive reads it as a
// receiving client would (by the sender's advertised level), the check as
// the asker it went to.
void add_sources(Endpoints& out, const passive::Ed2kSourcesEvent& e, const std::map<IpAddress, std::uint8_t>& asked) {
  EmuleObservation o;
  o.id_form = e.form();
  auto it = asked.find(e.hop.to.address);
  if (it != asked.end() && (e.sx_version == 2 || e.sx_version == 3) && (it->second == 2 || it->second == 3))
    o.id_form = ed2k::id_form_of_sx(it->second);
  for (const auto& s : e.sources) {
    o.raw_id = s.id;
    o.peer_port = s.port;
    if (auto p = o.peer()) out.insert(*p);
  }
}

void one_sided(WireCheck& w, std::string_view what, const Endpoints& a, const Endpoints& b, std::string_view where) {
  for (const auto& e : a) {
    if (b.count(e)) continue;
    if (++w.differing <= kMaxDifferences)
      w.differences.push_back(std::string(what) + " " + e.to_string() + ": " + std::string(where));
  }
}

void compare(WireCheck& w, std::string_view what, const Endpoints& pcap, const Endpoints& feeders) {
  one_sided(w, what, pcap, feeders, "in the pcap, not in the feeders' capture");
  one_sided(w, what, feeders, pcap, "in the feeders' capture, not in the pcap");
}

// Every message a feeder read was on the wire first. The other way is no
// defect: the client may send one more as it is stopped, past the feeders.
void compare_messages(WireCheck& w, const std::map<Endpoint, std::size_t>& pcap,
                      const std::map<Endpoint, std::size_t>& feeders) {
  for (const auto& [to, n] : feeders) {
    auto it = pcap.find(to);
    auto held = it == pcap.end() ? 0 : it->second;
    if (held >= n) continue;
    if (++w.differing <= kMaxDifferences)
      w.differences.push_back("ut_pex to " + to.to_string() + ": the feeders read " + std::to_string(n) +
                              ", the pcap holds " + std::to_string(held));
  }
}

}  // namespace

StatusOr<WireCheck> check_wire(const std::filesystem::path& pcap, const Capture& c, const HarnessPlan& plan) {
  WireCheck w;
  Views wire;
  auto nodes = plan.dht_nodes();
  Endpoints feeders(nodes.begin(), nodes.end());
  for (const auto& f : plan.fed) feeders.insert(f.endpoint);
  auto self = [&](const IpAddress& a) { return a == plan.client.address || a == plan.client6; };
  // The partner is no feeder: what the client tells it is kept apart.
  auto from_client = [&](const passive::Hop& h) {
    return !self(h.to.address) && !plan.is_partner(h.to.address) && (self(h.from.address) || feeders.count(h.to));
  };
  const auto asked = answer_versions(c);
  std::optional<double> first;  // the pcap's first frame: about when the world started
  passive::Extractor extractor([&](const passive::Event& e) {
    if (const auto* told = std::get_if<passive::PexEvent>(&e);
        told && self(told->hop.from.address) && plan.is_partner(told->hop.to.address)) {
      w.to_partner.push_back(
          {told->hop.t - first.value_or(told->hop.t), told->hop.to, told->pex.added, told->pex.dropped, told->dialect});
    } else if (const auto* p = std::get_if<passive::PexEvent>(&e); p && from_client(p->hop)) {
      ++w.pex_messages;
      ++wire.pex_to[p->hop.to];
      for (const auto& peer : p->pex.added) wire.pex.insert(peer.endpoint);
    } else if (const auto* k = std::get_if<passive::KrpcEvent>(&e);
               k && from_client(k->hop) && k->kind == passive::KrpcKind::response) {
      ++w.krpc_responses;
      wire.values.insert(k->values.begin(), k->values.end());
      for (const auto& n : k->nodes) wire.nodes.insert(n.endpoint);
    } else if (const auto* x = std::get_if<passive::Ed2kSourcesEvent>(&e);
               x && x->route == passive::Ed2kRoute::sx && from_client(x->hop)) {
      ++w.sx_answers;
      add_sources(wire.sx, *x, asked);
    }
  });
  auto sum = passive::read_packets(pcap, [&](const passive::Frame& f, const Packet* p) {
    if (!first) first = f.t;
    if (p) extractor.packet(f.t, *p);
  });
  if (!sum) return sum.error();
  extractor.finish();
  w.damage = sum.value().damage;
  w.pex_peers = wire.pex.size();
  w.dht_values = wire.values.size();
  w.dht_nodes = wire.nodes.size();
  w.sx_sources = wire.sx.size();
  auto fed = feeders_view(c);
  compare(w, "pex added", wire.pex, fed.pex);
  compare(w, "dht values", wire.values, fed.values);
  compare(w, "dht nodes", wire.nodes, fed.nodes);
  compare(w, "sx source", wire.sx, fed.sx);
  compare_messages(w, wire.pex_to, fed.pex_to);
  return w;
}

nlohmann::json to_json(const WireCheck& w) {
  nlohmann::json j{{"agree", w.agree()},          {"pex_messages", w.pex_messages}, {"krpc_responses", w.krpc_responses},
                   {"pex_peers", w.pex_peers},    {"dht_values", w.dht_values},     {"dht_nodes", w.dht_nodes},
                   {"sx_answers", w.sx_answers},  {"sx_sources", w.sx_sources},
                   {"differing", w.differing},    {"differences", w.differences}};
  if (w.damage) j["damage"] = *w.damage;
  if (w.pcap_dropped) j["pcap_dropped"] = w.pcap_dropped;
  if (!w.to_partner.empty()) {
    std::size_t az = 0;
    for (const auto& m : w.to_partner) az += m.dialect == PexDialect::az_pex;
    j["partner_pex_messages"] = w.to_partner.size();
    j["partner_az_pex_messages"] = az;
  }
  return j;
}

}  // namespace p2pscope::harness
