#include "store/record_types.hpp"

#include "core/bytes.hpp"
#include "store/json_fields.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace p2pscope {
namespace {

using namespace json_fields;
using Kind = RecordColumn::Kind;
using Field = CopyField;

// ---- JSON Lines codecs (docs/records.md) ----

json observation_json(const Observation& o) {
  json j;
  put_common(j, "observation", o.time, o.run);
  j["info_hash"] = o.info_hash.hex();
  put_endpoint(j, "peer_ip", "peer_port", o.peer);
  j["via"] = to_string(o.via);
  if (o.source_url) j["source_url"] = *o.source_url;
  if (o.source_endpoint) put_endpoint(j, "source_ip", "source_port", *o.source_endpoint);
  if (o.source_node_id) j["source_node_id"] = o.source_node_id->hex();
  if (auto flags = endpoint_flags(o.peer); !flags.empty()) j["peer_flags"] = peer_flags_json(flags);
  if (o.pex_flags) j["pex_flags"] = o.pex_flags->bits();
  return j;
}

Observation parse_observation(const json& j) {
  Observation o;
  read_common(j, o);
  o.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  o.peer = get_endpoint(j, "peer_ip", "peer_port");
  o.via = need(via_from(get_string(j, "via")), "via");
  o.source_url = opt_string(j, "source_url");
  if (find(j, "source_ip")) o.source_endpoint = get_endpoint(j, "source_ip", "source_port");
  o.source_node_id = opt_hash<NodeId>(j, "source_node_id");
  check_peer_flags(j, o.peer);
  if (find(j, "pex_flags")) o.pex_flags = PexFlags::from_bits(static_cast<std::uint8_t>(get_int(j, "pex_flags", 0, 255)));
  if (auto st = o.validate(); !st) fail(errc::missing_key, "observation via " + std::string(to_string(o.via)) + " lacks its source fields");
  return o;
}

std::array<std::uint8_t, 16> raw16_from(const json& j, const char* key) {
  std::array<std::uint8_t, 16> b{};
  if (!detail::from_hex(get_string(j, key), b.data(), b.size()))
    fail(errc::bad_hash, std::string("field \"") + key + "\" must be 32 hex digits");
  return b;
}
std::optional<std::uint8_t> opt_u8(const json& j, const char* key, std::int64_t lo = 0, std::int64_t hi = 255) {
  auto v = opt_int(j, key, lo, hi);
  return v ? std::optional<std::uint8_t>(static_cast<std::uint8_t>(*v)) : std::nullopt;
}
// The ID's four wire bytes, in wire order: the little-endian encoding of raw_id.
std::string raw_id_hex(std::uint32_t id) {
  std::array<std::uint8_t, 4> b{static_cast<std::uint8_t>(id), static_cast<std::uint8_t>(id >> 8),
                                static_cast<std::uint8_t>(id >> 16), static_cast<std::uint8_t>(id >> 24)};
  return detail::to_hex(b.data(), b.size());
}

json emule_observation_json(const EmuleObservation& o) {
  json j;
  put_common(j, "emule_observation", o.time, o.run);
  j["file_hash"] = o.file.hex();
  j["via"] = to_string(o.via);
  put_endpoint(j, "source_ip", "source_port", o.source);
  if (o.source_node_id) j["source_node_id"] = o.source_node_id->hex();
  j["raw_id"] = raw_id_hex(o.raw_id);
  j["id_form"] = name_of(o.id_form);
  if (auto peer = o.peer()) j["peer_ip"] = peer->address.to_string();
  j["peer_port"] = o.peer_port;
  if (o.low_id()) j["low_id"] = true;
  if (o.sx_version) j["sx_version"] = *o.sx_version;
  if (o.user_hash) j["user_hash"] = o.user_hash->hex();
  if (o.source_type) j["source_type"] = *o.source_type;
  if (o.crypt) j["crypt"] = *o.crypt;
  if (o.server) put_endpoint(j, "server_ip", "server_port", *o.server);
  return j;
}

EmuleObservation parse_emule_observation(const json& j) {
  EmuleObservation o;
  read_common(j, o);
  o.file = ed2k::Md4{raw16_from(j, "file_hash")};
  o.via = need(via_from(get_string(j, "via")), "via");
  o.source = get_endpoint(j, "source_ip", "source_port");
  if (find(j, "source_node_id")) o.source_node_id = kad::KadId{raw16_from(j, "source_node_id")};
  std::array<std::uint8_t, 4> raw{};
  if (!detail::from_hex(get_string(j, "raw_id"), raw.data(), raw.size()))
    fail(errc::bad_value, "field \"raw_id\" must be 8 hex digits (the ID's four wire bytes)");
  o.raw_id = std::uint32_t{raw[0]} | std::uint32_t{raw[1]} << 8 | std::uint32_t{raw[2]} << 16 | std::uint32_t{raw[3]} << 24;
  o.id_form = need(from_name<ed2k::IdForm>(get_string(j, "id_form")), "id_form");
  o.peer_port = static_cast<std::uint16_t>(get_int(j, "peer_port", 0, 65535));
  o.sx_version = opt_u8(j, "sx_version", 1, 4);
  if (find(j, "user_hash")) o.user_hash = ed2k::Md4{raw16_from(j, "user_hash")};
  o.source_type = opt_u8(j, "source_type");
  o.crypt = opt_u8(j, "crypt");
  if (find(j, "server_ip")) o.server = get_endpoint(j, "server_ip", "server_port");
  // peer_ip and low_id follow from raw_id and id_form; a file that disagrees was edited.
  auto peer = o.peer();
  auto written = opt_string(j, "peer_ip");
  if (written != (peer ? std::optional<std::string>(peer->address.to_string()) : std::nullopt))
    fail(errc::bad_value, "field \"peer_ip\" must be " + (peer ? peer->address.to_string() : std::string("absent")) +
                              " for raw_id " + raw_id_hex(o.raw_id) + " in the " + std::string(name_of(o.id_form)) + " form");
  if (const json* low = find(j, "low_id"); low != nullptr && (!low->is_boolean() || low->get<bool>() != o.low_id()))
    fail(errc::bad_value, "field \"low_id\" disagrees with raw_id");
  if (auto st = o.validate(); !st)
    fail(st.error() == errc::missing_key ? errc::missing_key : errc::bad_value,
         "emule_observation via " + std::string(to_string(o.via)) +
             (st.error() == errc::missing_key ? " lacks its source fields (kad: source_node_id; sx: sx_version)"
                                              : ": not an eMule route, or an id_form or sx_version that route does not use"));
  return o;
}

// Probe results and verdicts are about one peer, in one swarm or in none.
template <class Rec>
void put_subject(json& j, std::string_view type, const Rec& r) {
  put_common(j, type, r.time, r.run);
  put_endpoint(j, "peer_ip", "peer_port", r.peer);
  if (r.info_hash) j["info_hash"] = r.info_hash->hex();
  if (r.file_hash) j["file_hash"] = r.file_hash->hex();
}

template <class Rec>
void read_subject(const json& j, Rec& r) {
  read_common(j, r);
  r.peer = get_endpoint(j, "peer_ip", "peer_port");
  r.info_hash = opt_hash<InfoHash>(j, "info_hash");
  if (find(j, "file_hash")) r.file_hash = ed2k::Md4{raw16_from(j, "file_hash")};
  if (r.info_hash && r.file_hash) fail(errc::bad_value, "a record is about an infohash or an eMule file, not both");
}

json probe_json(const ProbeResult& p) {
  json j;
  put_subject(j, "probe_result", p);
  j["probe"] = to_string(p.probe);
  j["outcome"] = to_string(p.outcome);
  if (p.rtt_ms) j["rtt_ms"] = *p.rtt_ms;
  j["evidence"] = p.evidence;
  return j;
}

ProbeResult parse_probe(const json& j) {
  ProbeResult p;
  read_subject(j, p);
  p.probe = need(probe_kind_from(get_string(j, "probe")), "probe");
  p.outcome = need(probe_outcome_from(get_string(j, "outcome")), "outcome");
  if (find(j, "rtt_ms")) p.rtt_ms = get_number(j, "rtt_ms");
  if (const json* e = find(j, "evidence")) {
    if (!e->is_object()) fail(errc::wrong_type, "field \"evidence\" must be an object");
    for (const auto& [k, v] : e->items()) {
      if (!v.is_string()) fail(errc::wrong_type, "field \"evidence\": values must be strings");
      p.evidence.emplace(k, v.get<std::string>());
    }
  }
  return p;
}

json verdict_json(const Verdict& v) {
  json j;
  put_subject(j, "verdict", v);
  j["verdict"] = to_string(v.verdict);
  j["confidence"] = v.confidence;
  j["evidence"] = v.evidence;
  return j;
}

Verdict parse_verdict(const json& j) {
  Verdict v;
  read_subject(j, v);
  v.verdict = need(verdict_kind_from(get_string(j, "verdict")), "verdict");
  v.confidence = get_number(j, "confidence");
  if (!(v.confidence >= 0 && v.confidence <= 1)) fail(errc::bad_value, "field \"confidence\" must lie in [0, 1]");
  v.evidence = string_array(j, "evidence");
  return v;
}

constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;  // exact in every JSON reader

json anomaly_json(const Anomaly& a) {
  json j;
  put_common(j, "anomaly", a.time, a.run);
  j["via"] = to_string(a.via);
  if (a.source_url) j["source_url"] = *a.source_url;
  if (a.source_endpoint) put_endpoint(j, "source_ip", "source_port", *a.source_endpoint);
  if (a.info_hash) j["info_hash"] = a.info_hash->hex();
  if (a.file_hash) j["file_hash"] = a.file_hash->hex();
  j["kind"] = to_string(a.kind);
  j["detail"] = a.detail;
  j["count"] = a.count;
  return j;
}

Anomaly parse_anomaly(const json& j) {
  Anomaly a;
  read_common(j, a);
  a.via = need(via_from(get_string(j, "via")), "via");
  a.source_url = opt_string(j, "source_url");
  if (find(j, "source_ip")) a.source_endpoint = get_endpoint(j, "source_ip", "source_port");
  a.info_hash = opt_hash<InfoHash>(j, "info_hash");
  if (find(j, "file_hash")) a.file_hash = ed2k::Md4{raw16_from(j, "file_hash")};
  a.kind = need(anomaly_kind_from(get_string(j, "kind")), "kind");
  a.detail = opt_string(j, "detail").value_or("");
  a.count = static_cast<std::uint64_t>(get_int(j, "count", 1, kMaxCount));
  if (!a.validate()) fail(errc::missing_key, "anomaly needs source_url or source_ip");
  return a;
}

json swarm_counts_json(const SwarmCounts& c) {
  json j;
  put_common(j, "swarm_counts", c.time, c.run);
  j["info_hash"] = c.info_hash.hex();
  j["via"] = to_string(c.via);
  j["source_url"] = c.source_url;
  j["scrape"] = c.scrape;
  if (c.seeders) j["seeders"] = *c.seeders;
  if (c.leechers) j["leechers"] = *c.leechers;
  if (c.completed) j["completed"] = *c.completed;
  return j;
}

SwarmCounts parse_swarm_counts(const json& j) {
  SwarmCounts c;
  read_common(j, c);
  c.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  c.via = need(via_from(get_string(j, "via")), "via");
  if (c.via != Via::tracker_http && c.via != Via::tracker_udp)
    fail(errc::bad_value, "field \"via\" must be tracker_http or tracker_udp");
  c.source_url = get_string(j, "source_url");
  const auto& scrape = require(j, "scrape");
  if (!scrape.is_boolean()) fail(errc::wrong_type, "field \"scrape\" must be true or false");
  c.scrape = scrape.get<bool>();
  c.seeders = opt_int(j, "seeders", 0, kMaxCount);
  c.leechers = opt_int(j, "leechers", 0, kMaxCount);
  c.completed = opt_int(j, "completed", 0, kMaxCount);
  return c;
}

json peer_hello_json(const PeerHello& h) {
  json j;
  put_common(j, "peer_hello", h.time, h.run);
  j["info_hash"] = h.info_hash.hex();
  put_endpoint(j, "peer_ip", "peer_port", h.peer);
  j["peer_id"] = h.peer_id.hex();
  j["reserved"] = h.reserved_hex;
  if (h.client) j["client"] = *h.client;
  if (h.yourip) j["yourip"] = h.yourip->to_string();
  if (h.reqq) j["reqq"] = *h.reqq;
  if (h.listen_port) j["listen_port"] = *h.listen_port;
  j["extensions"] = h.extensions;
  if (h.carrier) j["carrier"] = name_of(*h.carrier);
  return j;
}

PeerHello parse_peer_hello(const json& j) {
  PeerHello h;
  read_common(j, h);
  h.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  h.peer = get_endpoint(j, "peer_ip", "peer_port");
  h.peer_id = need(PeerId::from_hex(get_string(j, "peer_id")), "peer_id");
  h.reserved_hex = get_string(j, "reserved");
  std::array<std::uint8_t, 8> reserved{};
  if (!detail::from_hex(h.reserved_hex, reserved.data(), reserved.size()))
    fail(errc::bad_value, "field \"reserved\" must be 16 hex digits");
  h.client = opt_string(j, "client");
  if (auto ip = opt_string(j, "yourip")) h.yourip = need(IpAddress::parse(*ip), "yourip");
  h.reqq = opt_int(j, "reqq", std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  if (auto p = opt_int(j, "listen_port", 0, 65535)) h.listen_port = static_cast<std::uint16_t>(*p);
  h.extensions = string_array(j, "extensions");
  if (auto c = opt_string(j, "carrier")) h.carrier = need(from_name<Carrier>(*c), "carrier");
  return h;
}

json dht_node_json(const DhtNodeSeen& n) {
  json j;
  put_common(j, "dht_node", n.time, n.run);
  j["info_hash"] = n.info_hash.hex();
  put_endpoint(j, "node_ip", "node_port", n.node);
  j["node_id"] = n.node_id.hex();
  if (n.source_endpoint) put_endpoint(j, "source_ip", "source_port", *n.source_endpoint);
  if (n.source_node_id) j["source_node_id"] = n.source_node_id->hex();
  return j;
}

json dht_sample_json(const DhtSample& d) {
  json j;
  put_common(j, "dht_sample", d.time, d.run);
  j["target"] = d.target.hex();
  j["info_hash"] = d.info_hash.hex();
  put_endpoint(j, "source_ip", "source_port", d.source);
  j["source_node_id"] = d.source_node_id.hex();
  if (d.num) j["num"] = *d.num;
  if (d.interval) j["sample_interval"] = *d.interval;
  return j;
}

DhtSample parse_dht_sample(const json& j) {
  DhtSample d;
  read_common(j, d);
  d.target = need(InfoHash::from_hex(get_string(j, "target")), "target");
  d.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  d.source = get_endpoint(j, "source_ip", "source_port");
  d.source_node_id = need(NodeId::from_hex(get_string(j, "source_node_id")), "source_node_id");
  d.num = opt_int(j, "num", 0, std::numeric_limits<std::int64_t>::max());
  d.interval = opt_int(j, "sample_interval", 0, std::numeric_limits<std::int64_t>::max());
  return d;
}

DhtNodeSeen parse_dht_node(const json& j) {
  DhtNodeSeen n;
  read_common(j, n);
  n.info_hash = need(InfoHash::from_hex(get_string(j, "info_hash")), "info_hash");
  n.node = get_endpoint(j, "node_ip", "node_port");
  n.node_id = need(NodeId::from_hex(get_string(j, "node_id")), "node_id");
  if (find(j, "source_ip")) n.source_endpoint = get_endpoint(j, "source_ip", "source_port");
  n.source_node_id = opt_hash<NodeId>(j, "source_node_id");
  if (n.source_endpoint.has_value() != n.source_node_id.has_value())
    fail(errc::missing_key, "dht_node names its source by both source_ip/source_port and source_node_id, or neither");
  return n;
}

json passive_json(const PassiveRecord& p) {
  json j = json::parse(p.body, nullptr, false);
  if (!j.is_object()) j = json{{"type", p.type}};  // bodies come from parse_passive; this is a guard
  if (!p.run.empty()) j["run"] = p.run;
  return j;
}

PassiveRecord parse_passive(json j, const std::string& type) {
  PassiveRecord p;
  p.type = type;
  if (auto run = opt_string(j, "run")) p.run = *run;
  j.erase("run");
  p.time = epoch_time(j, "t");
  if (!p.time) p.time = epoch_time(j, "start");
  p.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return p;
}


// ---- COPY rows ----

Field text(std::string_view s) { return std::string(s); }
Field opt_text(const std::optional<std::string>& s) { return s ? Field(*s) : std::nullopt; }
Field num(std::int64_t v) { return std::to_string(v); }
Field real(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back to the same double
  return std::string(buf, r.ptr);
}
Field bytea(const std::uint8_t* p, std::size_t n) { return "\\x" + detail::to_hex(p, n); }
template <class H>
Field hash(const H& h) { return bytea(h.bytes().data(), h.bytes().size()); }
template <class H>
Field opt_hash(const std::optional<H>& h) { return h ? hash(*h) : std::nullopt; }
Field ip(const IpAddress& a) { return a.to_string(); }
Field raw16(const std::array<std::uint8_t, 16>& b) { return bytea(b.data(), b.size()); }
Field json_text(const nlohmann::json& j) { return j.dump(); }

struct Fields {
  std::vector<Field>& f;
  void operator()(const Observation& o) {
    f.insert(f.end(), {hash(o.info_hash), ip(o.peer.address), num(o.peer.port), text(to_string(o.via)),
                       opt_text(o.source_url)});
    f.push_back(o.source_endpoint ? ip(o.source_endpoint->address) : std::nullopt);
    f.push_back(o.source_endpoint ? num(o.source_endpoint->port) : std::nullopt);
    f.push_back(opt_hash(o.source_node_id));
    f.push_back(o.pex_flags ? num(o.pex_flags->bits()) : std::nullopt);
  }
  void operator()(const ProbeResult& p) {
    f.insert(f.end(), {ip(p.peer.address), num(p.peer.port), opt_hash(p.info_hash), text(to_string(p.probe)),
                       text(to_string(p.outcome)), p.rtt_ms ? real(*p.rtt_ms) : std::nullopt,
                       json_text(nlohmann::json(p.evidence))});
    f.push_back(p.file_hash ? raw16(p.file_hash->bytes) : std::nullopt);
  }
  void operator()(const Verdict& v) {
    f.insert(f.end(), {ip(v.peer.address), num(v.peer.port), opt_hash(v.info_hash), text(to_string(v.verdict)),
                       real(v.confidence), json_text(nlohmann::json(v.evidence))});
    f.push_back(v.file_hash ? raw16(v.file_hash->bytes) : std::nullopt);
  }
  void operator()(const Anomaly& a) {
    f.insert(f.end(), {text(to_string(a.via)), opt_text(a.source_url)});
    f.push_back(a.source_endpoint ? ip(a.source_endpoint->address) : std::nullopt);
    f.push_back(a.source_endpoint ? num(a.source_endpoint->port) : std::nullopt);
    f.insert(f.end(), {opt_hash(a.info_hash), text(to_string(a.kind)), text(a.detail),
                       num(static_cast<std::int64_t>(a.count))});
    f.push_back(a.file_hash ? raw16(a.file_hash->bytes) : std::nullopt);
  }
  void operator()(const EmuleObservation& o) {
    auto peer = o.peer();
    std::array<std::uint8_t, 4> raw{static_cast<std::uint8_t>(o.raw_id), static_cast<std::uint8_t>(o.raw_id >> 8),
                                    static_cast<std::uint8_t>(o.raw_id >> 16), static_cast<std::uint8_t>(o.raw_id >> 24)};
    f.insert(f.end(), {raw16(o.file.bytes), text(to_string(o.via)), ip(o.source.address), num(o.source.port),
                       o.source_node_id ? raw16(o.source_node_id->bytes) : std::nullopt, bytea(raw.data(), raw.size()),
                       text(name_of(o.id_form)), peer ? ip(peer->address) : std::nullopt, num(o.peer_port),
                       o.sx_version ? num(*o.sx_version) : std::nullopt,
                       o.user_hash ? raw16(o.user_hash->bytes) : std::nullopt,
                       o.source_type ? num(*o.source_type) : std::nullopt, o.crypt ? num(*o.crypt) : std::nullopt});
    f.push_back(o.server ? ip(o.server->address) : std::nullopt);
    f.push_back(o.server ? num(o.server->port) : std::nullopt);
  }
  void operator()(const SwarmCounts& c) {
    f.insert(f.end(), {hash(c.info_hash), text(to_string(c.via)), text(c.source_url), text(c.scrape ? "t" : "f"),
                       c.seeders ? num(*c.seeders) : std::nullopt, c.leechers ? num(*c.leechers) : std::nullopt,
                       c.completed ? num(*c.completed) : std::nullopt});
  }
  void operator()(const PeerHello& h) {
    f.insert(f.end(), {hash(h.info_hash), ip(h.peer.address), num(h.peer.port), hash(h.peer_id),
                       text("\\x" + h.reserved_hex), opt_text(h.client)});
    f.push_back(h.yourip ? ip(*h.yourip) : std::nullopt);
    f.push_back(h.reqq ? num(*h.reqq) : std::nullopt);
    f.push_back(h.listen_port ? num(*h.listen_port) : std::nullopt);
    f.push_back(json_text(nlohmann::json(h.extensions)));
    f.push_back(h.carrier ? text(std::string(name_of(*h.carrier))) : std::nullopt);
  }
  void operator()(const PassiveRecord& p) { f.insert(f.end(), {text(p.type), text(p.body)}); }
  void operator()(const DhtNodeSeen& n) {
    f.insert(f.end(), {hash(n.info_hash), ip(n.node.address), num(n.node.port), hash(n.node_id)});
    f.push_back(n.source_endpoint ? ip(n.source_endpoint->address) : std::nullopt);
    f.push_back(n.source_endpoint ? num(n.source_endpoint->port) : std::nullopt);
    f.push_back(opt_hash(n.source_node_id));
  }
  void operator()(const DhtSample& d) {
    f.insert(f.end(), {hash(d.target), hash(d.info_hash), ip(d.source.address), num(d.source.port),
                       hash(d.source_node_id)});
    f.push_back(d.num ? num(*d.num) : std::nullopt);
    f.push_back(d.interval ? num(*d.interval) : std::nullopt);
  }
};


// ---- the table ----

bool is_passive(std::string_view type) {
  return type.starts_with("passive_") || type == "suspect_infohash" || type == "suspect_ed2k_file";
}

// Appends T's entry, which must come at T's place in the Record variant.
template <class T, json (*Emit)(const T&), T (*Parse)(const json&)>
void add(std::vector<RecordType>& t, std::string_view table, std::vector<RecordColumn> columns) {
  if (Record(std::in_place_type<T>).index() != t.size()) throw std::logic_error("record types out of variant order");
  t.push_back(RecordType{
      table, std::move(columns), nullptr, [](const Record& r) { return Emit(std::get<T>(r)); },
      [](json j, std::string_view) { return Record{Parse(j)}; },
      [](const Record& r, std::vector<Field>& out) { Fields{out}(std::get<T>(r)); }});
}

std::vector<RecordType> make_types() {
  std::vector<RecordType> t;
  add<Observation, observation_json, parse_observation>(t,
      "observation", {{"info_hash", Kind::hash}, {"peer_ip", Kind::ip}, {"peer_port"}, {"via"}, {"source_url"},
                      {"source_ip", Kind::ip}, {"source_port"}, {"source_node_id", Kind::hash}, {"pex_flags"}});
  add<ProbeResult, probe_json, parse_probe>(t,
      "probe_result", {{"peer_ip", Kind::ip}, {"peer_port"}, {"info_hash", Kind::hash}, {"probe"}, {"outcome"},
                       {"rtt_ms"}, {"evidence"}, {"file_hash", Kind::hex}});
  add<Verdict, verdict_json, parse_verdict>(t,
      "verdict", {{"peer_ip", Kind::ip}, {"peer_port"}, {"info_hash", Kind::hash}, {"verdict"}, {"confidence"},
                  {"evidence"}, {"file_hash", Kind::hex}});
  add<Anomaly, anomaly_json, parse_anomaly>(t,
      "anomaly", {{"via"}, {"source_url"}, {"source_ip", Kind::ip}, {"source_port"}, {"info_hash", Kind::hash},
                  {"kind"}, {"detail"}, {"count"}, {"file_hash", Kind::hex}});
  add<SwarmCounts, swarm_counts_json, parse_swarm_counts>(t,
      "swarm_counts", {{"info_hash", Kind::hash}, {"via"}, {"source_url"}, {"scrape"}, {"seeders"}, {"leechers"},
                       {"completed"}});
  add<PeerHello, peer_hello_json, parse_peer_hello>(t,
      "peer_hello", {{"info_hash", Kind::hash}, {"peer_ip", Kind::ip}, {"peer_port"}, {"peer_id", Kind::hash},
                     {"reserved", Kind::hex}, {"client"}, {"yourip", Kind::ip}, {"reqq"}, {"listen_port"},
                     {"extensions"}, {"carrier"}});
  RecordType passive{"passive_record", {{"type"}, {"record"}}, is_passive,
                     [](const Record& r) { return passive_json(std::get<PassiveRecord>(r)); },
                     [](json j, std::string_view type) { return Record{parse_passive(std::move(j), std::string(type))}; },
                     [](const Record& r, std::vector<Field>& out) { Fields{out}(std::get<PassiveRecord>(r)); },
                     true};
  t.push_back(std::move(passive));
  add<EmuleObservation, emule_observation_json, parse_emule_observation>(t,
      "emule_observation", {{"file_hash", Kind::hex}, {"via"}, {"source_ip", Kind::ip}, {"source_port"},
                            {"source_node_id", Kind::hex}, {"raw_id", Kind::hex}, {"id_form"}, {"peer_ip", Kind::ip},
                            {"peer_port"}, {"sx_version"}, {"user_hash", Kind::hex}, {"source_type"}, {"crypt"},
                            {"server_ip", Kind::ip}, {"server_port"}});
  add<DhtNodeSeen, dht_node_json, parse_dht_node>(t,
      "dht_node", {{"info_hash", Kind::hash}, {"node_ip", Kind::ip}, {"node_port"}, {"node_id", Kind::hash},
                   {"source_ip", Kind::ip}, {"source_port"}, {"source_node_id", Kind::hash}});
  add<DhtSample, dht_sample_json, parse_dht_sample>(t,
      "dht_sample", {{"target", Kind::hash}, {"info_hash", Kind::hash}, {"source_ip", Kind::ip}, {"source_port"},
                     {"source_node_id", Kind::hash}, {"num"}, {"sample_interval"}});
  if (t.size() != std::variant_size_v<Record>) throw std::logic_error("a Record alternative has no record type");
  return t;
}

}  // namespace

std::span<const RecordType> record_types() noexcept {
  static const std::vector<RecordType> types = make_types();
  return types;
}

const RecordType* record_type_named(std::string_view type) noexcept {
  for (const auto& t : record_types()) {
    if (t.accepts ? t.accepts(type) : t.table == type) return &t;
  }
  return nullptr;
}

std::vector<std::string_view> record_tables() {
  std::vector<std::string_view> out;
  for (const auto& t : record_types()) out.push_back(t.table);
  return out;
}

std::string_view record_type(const Record& r) noexcept {
  if (const auto* p = std::get_if<PassiveRecord>(&r)) return p->type;
  return record_type_of(r).table;
}

}  // namespace p2pscope
