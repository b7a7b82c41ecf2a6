#include "passive/events.hpp"

#include "core/text.hpp"

namespace p2pscope::passive {
namespace {

using nlohmann::json;

json hop_json(const char* type, const Hop& h) {
  return {{"type", type}, {"t", h.t}, {"from", h.from.to_string()}, {"to", h.to.to_string()},
          {"carrier", to_string(h.carrier)}};
}

json endpoints(const std::vector<Endpoint>& eps) {
  json a = json::array();
  for (const auto& e : eps) a.push_back(e.to_string());
  return a;
}

struct ToJson {
  json operator()(const HandshakeEvent& e) const {
    auto j = hop_json("passive_handshake", e.hop);
    j["info_hash"] = e.info_hash.hex();
    j["peer_id"] = e.peer_id.hex();
    j["peer_id_text"] = printable(e.peer_id.raw());
    j["extension_protocol"] = e.extension_protocol;
    j["dht"] = e.dht;
    return j;
  }
  json operator()(const ExtendedHandshakeEvent& e) const {
    auto j = hop_json("passive_extended_handshake", e.hop);
    if (e.v) j["v"] = printable(*e.v);
    if (e.p) j["p"] = *e.p;
    if (e.yourip) j["yourip"] = e.yourip->to_string();
    if (e.ut_pex) j["ut_pex"] = *e.ut_pex;
    return j;
  }
  json operator()(const PexEvent& e) const {
    auto j = hop_json("passive_pex", e.hop);
    json added = json::array();
    for (const auto& a : e.pex.added) {
      json x{{"peer", a.endpoint.to_string()}};
      if (a.flags) x["flags"] = a.flags->bits();
      added.push_back(x);
    }
    j["added"] = added;
    j["dropped"] = endpoints(e.pex.dropped);
    return j;
  }
  json operator()(const KrpcEvent& e) const {
    auto j = hop_json("passive_krpc", e.hop);
    j["kind"] = e.kind;
    if (!e.method.empty()) j["method"] = printable(e.method);
    if (e.info_hash) j["info_hash"] = e.info_hash->hex();
    if (!e.values.empty()) j["values"] = endpoints(e.values);
    if (!e.nodes.empty()) {
      json nodes = json::array();
      for (const auto& n : e.nodes) nodes.push_back({{"id", n.id.hex()}, {"node", n.endpoint.to_string()}});
      j["nodes"] = nodes;
    }
    if (e.version) j["v"] = printable(*e.version);
    return j;
  }
  json operator()(const TrackerAnnounceEvent& e) const {
    auto j = hop_json("passive_tracker_announce", e.hop);
    j["info_hash"] = e.info_hash.hex();
    j["peer_id"] = e.peer_id.hex();
    j["port"] = e.port;
    j["event"] = e.event;
    if (e.ip) j["ip"] = printable(*e.ip);
    return j;
  }
  json operator()(const TrackerPeersEvent& e) const {
    auto j = hop_json("passive_tracker_peers", e.hop);
    if (e.info_hash) j["info_hash"] = e.info_hash->hex();
    j["peers"] = endpoints(e.peers);
    if (e.failure) j["failure"] = printable(*e.failure);
    return j;
  }
};

}  // namespace

std::string_view to_string(Carrier c) noexcept {
  switch (c) {
    case Carrier::tcp: return "tcp";
    case Carrier::utp: return "utp";
    case Carrier::udp: return "udp";
  }
  return "?";
}

json to_json(const Event& e) { return std::visit(ToJson{}, e); }

}  // namespace p2pscope::passive
