#include "taint-harness/capture.hpp"

#include "core/text.hpp"


namespace p2pscope::harness {
namespace {

using nlohmann::json;

template <class T>
void put_opt(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
template <class T>
void get_opt(const json& j, const char* key, std::optional<T>& v) {
  if (j.contains(key)) v = j.at(key).get<T>();
}

Endpoint endpoint_of(const json& j) {
  auto ep = Endpoint::parse(j.get<std::string>());
  if (!ep) throw std::invalid_argument("bad endpoint " + j.get<std::string>());
  return ep.value();
}

json endpoints(const std::vector<Endpoint>& eps) {
  json a = json::array();
  for (const auto& e : eps) a.push_back(e.to_string());
  return a;
}

std::vector<Endpoint> endpoints_of(const json& j) {
  std::vector<Endpoint> out;
  for (const auto& e : j) out.push_back(endpoint_of(e));
  return out;
}

FedKind kind_of(std::string_view s) {
  if (auto k = from_name<FedKind>(s)) return k.value();
  throw std::invalid_argument("bad kind " + std::string(s));
}

json pex_json(const PexSeen& p) {
  json added = json::array();
  for (const auto& a : p.added) {
    json e{{"peer", a.endpoint.to_string()}};
    if (a.flags) e["flags"] = a.flags->bits();
    added.push_back(e);
  }
  json j{{"t", p.t}, {"to", p.to.to_string()}, {"added", added}, {"dropped", endpoints(p.dropped)}};
  if (p.dialect != PexDialect::ut_pex) j["dialect"] = name_of(p.dialect);
  return j;
}

PexSeen pex_of(const json& j) {
  PexSeen p;
  p.t = j.at("t").get<double>();
  p.to = endpoint_of(j.at("to"));
  for (const auto& a : j.at("added")) {
    PexPeer peer{endpoint_of(a.at("peer")), std::nullopt};
    if (a.contains("flags")) peer.flags = PexFlags::from_bits(a.at("flags").get<std::uint8_t>());
    p.added.push_back(peer);
  }
  p.dropped = endpoints_of(j.at("dropped"));
  if (j.contains("dialect")) {
    auto v = from_name<PexDialect>(j.at("dialect").get<std::string>());
    if (!v) throw std::invalid_argument("unknown peer exchange dialect");
    p.dialect = v.value();
  }
  return p;
}

json announce_json(const AnnounceRecord& a) {
  json j{{"t", a.t}, {"udp", a.udp}, {"from", a.from.to_string()}, {"port", a.port}, {"event", a.event},
         {"peer_id", a.peer_id}};
  put_opt(j, "ip", a.ip);
  put_opt(j, "ipv4", a.ipv4);
  put_opt(j, "ipv6", a.ipv6);
  put_opt(j, "key", a.key);
  put_opt(j, "user_agent", a.user_agent);
  return j;
}

AnnounceRecord announce_of(const json& j) {
  AnnounceRecord a;
  a.t = j.at("t").get<double>();
  a.udp = j.at("udp").get<bool>();
  auto from = IpAddress::parse(j.at("from").get<std::string>());
  if (!from) throw std::invalid_argument("bad address");
  a.from = from.value();
  a.port = j.at("port").get<std::uint16_t>();
  a.event = j.at("event").get<std::string>();
  a.peer_id = j.at("peer_id").get<std::string>();
  get_opt(j, "ip", a.ip);
  get_opt(j, "ipv4", a.ipv4);
  get_opt(j, "ipv6", a.ipv6);
  get_opt(j, "key", a.key);
  get_opt(j, "user_agent", a.user_agent);
  return a;
}

json contact_json(const ContactSeen& c) {
  json j{{"t", c.t}, {"at", c.at.to_string()}, {"kind", to_string(c.kind)}, {"handshake", c.handshake},
         {"extended", c.extended}, {"sent_port", c.sent_port}, {"carrier", name_of(c.carrier)}};
  if (c.handshake) j["peer_id"] = c.peer_id;
  put_opt(j, "v", c.v);
  put_opt(j, "p", c.p);
  put_opt(j, "ipv4", c.ipv4);
  put_opt(j, "ipv6", c.ipv6);
  put_opt(j, "yourip", c.yourip);
  return j;
}

ContactSeen contact_of(const json& j) {
  ContactSeen c;
  c.t = j.at("t").get<double>();
  c.at = endpoint_of(j.at("at"));
  c.kind = kind_of(j.at("kind").get<std::string>());
  c.handshake = j.at("handshake").get<bool>();
  c.sent_port = j.at("sent_port").get<bool>();
  c.extended = j.at("extended").get<bool>();
  // Captures from before uTP feeding have no carrier: TCP was all there was.
  if (j.contains("carrier")) {
    auto carrier = from_name<Carrier>(j.at("carrier").get<std::string>());
    if (!carrier) throw std::invalid_argument("bad carrier " + j.at("carrier").get<std::string>());
    c.carrier = carrier.value();
  }
  if (j.contains("peer_id")) c.peer_id = j.at("peer_id").get<std::string>();
  get_opt(j, "v", c.v);
  get_opt(j, "p", c.p);
  get_opt(j, "ipv4", c.ipv4);
  get_opt(j, "ipv6", c.ipv6);
  get_opt(j, "yourip", c.yourip);
  return c;
}

IncomingOutcome outcome_of(std::string_view s) {
  if (auto o = from_name<IncomingOutcome>(s)) return o.value();
  throw std::invalid_argument("bad outcome " + std::string(s));
}

json sx_json(const SxAsk& a) {
  json j{{"t", a.t}, {"asker", a.asker.to_string()}, {"asked", a.asked}, {"end", a.end},
         {"sources", endpoints(a.sources)}, {"low_ids", a.low_ids}};
  put_opt(j, "version", a.version);
  put_opt(j, "software", a.software);
  put_opt(j, "anomaly", a.anomaly);
  return j;
}

SxAsk sx_of(const json& j) {
  SxAsk a;
  a.t = j.at("t").get<double>();
  a.asker = endpoint_of(j.at("asker"));
  a.asked = j.at("asked").get<std::uint8_t>();
  a.end = j.at("end").get<std::string>();
  a.sources = endpoints_of(j.at("sources"));
  a.low_ids = j.at("low_ids").get<std::size_t>();
  get_opt(j, "version", a.version);
  get_opt(j, "software", a.software);
  get_opt(j, "anomaly", a.anomaly);
  return a;
}

}  // namespace

std::string_view to_string(IncomingOutcome o) noexcept { return name_of(o); }

std::string printable_peer_id(const PeerId& id) { return printable(id.raw()); }

json to_json(const Capture& c) {
  json j{{"duration", c.duration}, {"dht_queries", c.dht_queries}, {"dht_replies", c.dht_replies}};
  j["announces"] = json::array();
  for (const auto& a : c.announces) j["announces"].push_back(announce_json(a));
  j["pex"] = json::array();
  for (const auto& p : c.pex) j["pex"].push_back(pex_json(p));
  j["partner_pex"] = json::array();
  for (const auto& p : c.partner_pex) j["partner_pex"].push_back(pex_json(p));
  j["dht"] = json::array();
  for (const auto& d : c.dht) {
    j["dht"].push_back(
        {{"t", d.t}, {"node", d.node.to_string()}, {"values", endpoints(d.values)}, {"nodes", endpoints(d.nodes)}});
  }
  j["contacts"] = json::array();
  for (const auto& k : c.contacts) j["contacts"].push_back(contact_json(k));
  j["dht_versions"] = c.dht_versions;
  j["incoming"] = json::array();
  for (const auto& i : c.incoming) {
    json a{{"t", i.t}, {"outcome", to_string(i.outcome)}};
    if (!i.peer_id.empty()) a["peer_id"] = i.peer_id;
    j["incoming"].push_back(a);
  }
  j["sx"] = json::array();
  for (const auto& a : c.sx) j["sx"].push_back(sx_json(a));
  j["offers"] = json::array();
  for (const auto& o : c.offers)
    j["offers"].push_back({{"t", o.t}, {"login_id", o.login_id}, {"login_port", o.login_port}, {"id", o.id}, {"port", o.port}});
  j["logins"] = c.logins;
  return j;
}

Result<Capture> capture_from_json(const json& j) {
  try {
    Capture c;
    c.duration = j.at("duration").get<double>();
    c.dht_queries = j.at("dht_queries").get<std::uint64_t>();
    c.dht_replies = j.at("dht_replies").get<std::uint64_t>();
    for (const auto& a : j.at("announces")) c.announces.push_back(announce_of(a));
    for (const auto& p : j.at("pex")) c.pex.push_back(pex_of(p));
    if (j.contains("partner_pex"))  // captures from before partners have none
      for (const auto& p : j.at("partner_pex")) c.partner_pex.push_back(pex_of(p));
    for (const auto& d : j.at("dht")) {
      // Captures written before the nodes were recorded have none.
      c.dht.push_back({d.at("t").get<double>(), endpoint_of(d.at("node")), endpoints_of(d.at("values")),
                       d.contains("nodes") ? endpoints_of(d.at("nodes")) : std::vector<Endpoint>{}});
    }
    for (const auto& k : j.at("contacts")) c.contacts.push_back(contact_of(k));
    c.dht_versions = j.at("dht_versions").get<std::vector<std::string>>();
    for (const auto& a : j.at("incoming")) {
      c.incoming.push_back({a.at("t").get<double>(), outcome_of(a.at("outcome").get<std::string>()),
                            a.value("peer_id", std::string())});
    }
    // Captures written before eMule runs existed have none of these.
    if (j.contains("sx"))
      for (const auto& a : j.at("sx")) c.sx.push_back(sx_of(a));
    if (j.contains("offers"))
      for (const auto& o : j.at("offers"))
        c.offers.push_back({o.at("t").get<double>(), o.at("login_id").get<std::uint32_t>(),
                            o.at("login_port").get<std::uint16_t>(), o.at("id").get<std::uint32_t>(),
                            o.at("port").get<std::uint16_t>()});
    c.logins = j.value("logins", std::size_t{0});
    return c;
  } catch (const std::exception&) {
    return errc::bad_value;
  }
}

}  // namespace p2pscope::harness
