#include "tests/testlib/random_values.hpp"

#include <algorithm>

namespace p2pscope::testlib {

std::string Gen::bytes(std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng_());
  return s;
}

std::string Gen::text(std::size_t max_len) {
  std::string s(below(max_len + 1), ' ');
  for (auto& c : s) c = static_cast<char>(' ' + below(95));
  return s;
}

IpAddress Gen::address(Family f) {
  if (f == Family::v4) return IpAddress::v4(u32());
  return IpAddress::from_bytes(bytes(16)).value();
}

Endpoint Gen::endpoint(Family f) { return Endpoint{address(f), u16()}; }

KrpcQuery Gen::krpc_query() {
  KrpcQuery q;
  q.transaction_id = bytes(1 + below(4));
  q.id = hash<NodeId>();
  if (coin()) q.version = bytes(4);
  q.read_only = coin();
  q.want = WantFlags::from_bits(static_cast<std::uint8_t>(below(4)));
  switch (below(6)) {
    case 0: q.method_name = "ping"; break;
    case 1: q.method_name = "find_node"; q.target = hash<NodeId>(); break;
    case 2: q.method_name = "get_peers"; q.info_hash = hash<InfoHash>(); break;
    case 3:
      q.method_name = "announce_peer";
      q.info_hash = hash<InfoHash>();
      q.port = u16();
      q.implied_port = coin();
      q.token = bytes(below(20));
      break;
    case 4: q.method_name = "sample_infohashes"; q.target = hash<NodeId>(); break;
    default: q.method_name = "vote_" + text(8); break;  // unknown method, kept by name
  }
  return q;
}

KrpcResponse Gen::krpc_response() {
  KrpcResponse r;
  r.transaction_id = bytes(1 + below(4));
  r.id = hash<NodeId>();
  for (std::size_t i = below(9); i > 0; --i) r.nodes.push_back(node(Family::v4));
  for (std::size_t i = below(9); i > 0; --i) r.nodes6.push_back(node(Family::v6));
  for (std::size_t i = below(20); i > 0; --i) r.values.push_back(endpoint());
  if (coin()) r.token = bytes(below(20));
  if (coin()) {
    r.samples.emplace();
    for (std::size_t i = below(10); i > 0; --i) r.samples->push_back(hash<InfoHash>());
    r.interval = static_cast<std::int64_t>(below(21600));
    r.num = static_cast<std::int64_t>(below(100000));
  }
  if (coin()) r.requester = endpoint();
  if (coin()) r.version = bytes(4);
  return r;
}

KrpcError Gen::krpc_error() {
  return KrpcError{bytes(1 + below(4)), static_cast<std::int64_t>(201 + below(4)), text(40),
                   coin() ? std::optional<std::string>(bytes(4)) : std::nullopt};
}

KrpcMessage Gen::krpc() {
  switch (below(3)) {
    case 0: return krpc_query();
    case 1: return krpc_response();
    default: return krpc_error();
  }
}

UdpTrackerRequest Gen::udp_request() {
  switch (below(3)) {
    case 0: return UdpConnectRequest{u32()};
    case 1: {
      UdpAnnounceRequest a;
      a.connection_id = u64();
      a.transaction_id = u32();
      a.info_hash = hash<InfoHash>();
      a.peer_id = hash<PeerId>();
      a.downloaded = u64();
      a.left = u64();
      a.uploaded = u64();
      a.event = static_cast<AnnounceEvent>(below(4));
      a.ip = u32();
      a.key = u32();
      a.num_want = static_cast<std::int32_t>(u32());
      a.port = u16();
      if (coin()) a.extensions = bytes(below(40));
      return a;
    }
    default: {
      UdpScrapeRequest s{u64(), u32(), {}};
      for (std::size_t i = 1 + below(74); i > 0; --i) s.info_hashes.push_back(hash<InfoHash>());
      return s;
    }
  }
}

UdpTrackerResponse Gen::udp_response(Family peers) {
  switch (below(4)) {
    case 0: return UdpConnectResponse{u32(), u64()};
    case 1: {
      UdpAnnounceResponse a{u32(), u32(), u32(), u32(), {}};
      for (std::size_t i = below(200); i > 0; --i) a.peers.push_back(endpoint(peers));
      return a;
    }
    case 2: {
      UdpScrapeResponse s{u32(), {}};
      for (std::size_t i = below(74); i > 0; --i) s.entries.push_back(ScrapeCounts{u32(), u32(), u32()});
      return s;
    }
    default: return UdpErrorResponse{u32(), text(100)};
  }
}

HttpAnnounceResponse Gen::http_announce(PeerEncoding enc) {
  HttpAnnounceResponse r;
  if (below(8) == 0) {
    r.failure_reason = text(60);
    return r;
  }
  if (coin()) r.warning_message = text(60);
  r.interval = static_cast<std::int64_t>(below(7200));
  if (coin()) r.min_interval = static_cast<std::int64_t>(below(3600));
  if (coin()) r.complete = static_cast<std::int64_t>(below(100000));
  if (coin()) r.incomplete = static_cast<std::int64_t>(below(100000));
  if (coin()) r.tracker_id = text(20);
  if (coin()) r.external_ip = address(coin() ? Family::v4 : Family::v6);
  // Decoding yields "peers" before "peers6", so generate IPv4 first.
  std::size_t n4 = below(60), n6 = below(20);
  for (std::size_t i = 0; i < n4 + n6; ++i) {
    TrackerPeer p{endpoint(i < n4 ? Family::v4 : Family::v6), std::nullopt};
    if (enc == PeerEncoding::dictionary && coin()) p.peer_id = hash<PeerId>();
    r.peers.push_back(p);
  }
  if (enc == PeerEncoding::dictionary) {
    // Dictionary form carries both families in one list, in order.
    for (std::size_t i = below(3); i > 0; --i)
      r.named_peers.push_back(NamedPeer{"peer" + std::to_string(u16()) + ".example", u16(), std::nullopt});
  }
  return r;
}

HttpScrapeResponse Gen::http_scrape() {
  HttpScrapeResponse r;
  for (std::size_t i = below(10); i > 0; --i) {
    r.files.push_back(ScrapeFile{hash<InfoHash>(), static_cast<std::int64_t>(u32()), static_cast<std::int64_t>(u32()),
                                 static_cast<std::int64_t>(u32()),
                                 coin() ? std::optional<std::string>(text(20)) : std::nullopt});
  }
  // The files dict is keyed by infohash, so decoding returns them sorted.
  std::sort(r.files.begin(), r.files.end(), [](const auto& a, const auto& b) { return a.info_hash < b.info_hash; });
  if (coin()) r.min_request_interval = static_cast<std::int64_t>(below(3600));
  return r;
}

Handshake Gen::handshake() {
  Handshake h;
  auto r = bytes(8);
  std::copy(r.begin(), r.end(), h.reserved.begin());
  h.info_hash = hash<InfoHash>();
  h.peer_id = hash<PeerId>();
  return h;
}

ExtendedHandshake Gen::extended_handshake() {
  ExtendedHandshake h;
  for (std::size_t i = below(5); i > 0; --i) h.m["ext_" + text(6)] = static_cast<std::uint8_t>(below(256));
  if (coin()) h.v = text(30);
  if (coin()) h.p = u16();
  if (coin()) h.yourip = address(coin() ? Family::v4 : Family::v6);
  if (coin()) h.ipv4 = address(Family::v4);
  if (coin()) h.ipv6 = address(Family::v6);
  if (coin()) h.reqq = static_cast<std::int64_t>(below(5000));
  if (coin()) h.metadata_size = static_cast<std::int64_t>(u32());
  return h;
}

PexMessage Gen::pex() {
  PexMessage m;
  for (Family f : {Family::v4, Family::v6}) {
    bool flagged = coin();
    std::size_t n = below(50);
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<PexFlags> flags;
      if (flagged) flags = PexFlags::from_bits(static_cast<std::uint8_t>(below(32)));
      m.added.push_back(PexPeer{endpoint(f), flags});
    }
    if (!flagged && n > 0)
      m.anomalies.set(f == Family::v4 ? PexAnomaly::added_flags_mismatch : PexAnomaly::added6_flags_mismatch);
  }
  for (Family f : {Family::v4, Family::v6}) {
    for (std::size_t i = below(10); i > 0; --i) m.dropped.push_back(endpoint(f));
  }
  return m;
}

}  // namespace p2pscope::testlib

namespace p2pscope::testlib {

namespace {

template <class T>
std::optional<T> maybe(Gen& g, T v) {
  return g.coin() ? std::optional<T>(std::move(v)) : std::nullopt;
}

}  // namespace

Record Gen::record(std::size_t kind) {
  auto time = Timestamp{std::chrono::microseconds{static_cast<std::int64_t>(u64() % 4'000'000'000'000'000)}};
  auto run = coin() ? "run-" + text(8) : std::string();
  auto odd_text = [&] { return text(12) + (coin() ? "\t\\ \n\"" : ""); };
  switch (kind % std::variant_size_v<Record>) {
    case 0: {
      Observation o{time, run, hash<InfoHash>(), endpoint(), Via::dht, {}, {}, {}, {}};
      o.via = static_cast<Via>(below(5));  // BitTorrent's routes
      if (o.via == Via::tracker_http || o.via == Via::tracker_udp) {
        o.source_url = "udp://" + odd_text();
        o.source_endpoint = maybe(*this, endpoint());
      } else {
        o.source_endpoint = endpoint();
        if (o.via == Via::dht) o.source_node_id = hash<NodeId>();
      }
      if (coin()) o.pex_flags = PexFlags::from_bits(static_cast<std::uint8_t>(u32()));
      return o;
    }
    case 1: {
      ProbeResult p{time, run, endpoint(), maybe(*this, hash<InfoHash>()), {}, static_cast<ProbeKind>(below(12)),
                    static_cast<ProbeOutcome>(below(4)), maybe(*this, static_cast<double>(u32()) / 7.0), {}};
      if (!p.info_hash) p.file_hash = maybe(*this, md4());
      for (std::size_t i = below(3); i > 0; --i) p.evidence[text(6)] = odd_text();
      return p;
    }
    case 2: {
      Verdict v{time, run, endpoint(), maybe(*this, hash<InfoHash>()), {}, static_cast<VerdictKind>(below(9)),
                static_cast<double>(below(1001)) / 1000.0, {}};
      if (!v.info_hash) v.file_hash = maybe(*this, md4());
      for (std::size_t i = below(3); i > 0; --i) v.evidence.push_back(odd_text());
      return v;
    }
    case 3: {
      Anomaly a{time, run, static_cast<Via>(below(9)), {}, {}, maybe(*this, hash<InfoHash>()), {},
                static_cast<AnomalyKind>(below(9)), odd_text(), 1 + below(1000)};
      if (network_of(a.via) == Network::emule) a.file_hash = maybe(*this, md4());
      if (coin()) a.source_url = "http://" + text(10);
      else a.source_endpoint = endpoint();
      return a;
    }
    case 4: {
      SwarmCounts c{time, run, hash<InfoHash>(), coin() ? Via::tracker_http : Via::tracker_udp, "http://" + text(10),
                    coin(), maybe(*this, std::int64_t(u32())), maybe(*this, std::int64_t(u32())),
                    maybe(*this, std::int64_t(u32()))};
      return c;
    }
    case 5: {
      PeerHello h{time, run, hash<InfoHash>(), endpoint(), hash<PeerId>(), detail::to_hex(
                      reinterpret_cast<const std::uint8_t*>(bytes(8).data()), 8), maybe(*this, odd_text()),
                  maybe(*this, address(coin() ? Family::v4 : Family::v6)), maybe(*this, std::int64_t(u32())),
                  maybe(*this, u16()), {}, std::nullopt};
      for (std::size_t i = below(4); i > 0; --i) h.extensions.push_back("ut_" + text(5));
      std::sort(h.extensions.begin(), h.extensions.end());
      if (coin()) h.carrier = coin() ? Carrier::tcp : Carrier::utp;
      return h;
    }
    case 6: {
      // The body in its canonical form: compact, keys sorted, "t" whole seconds.
      auto t = u64() % 4'000'000'000;
      PassiveRecord p{Timestamp{std::chrono::seconds{t}}, run, "passive_krpc", {}};
      p.body = "{\"carrier\":\"udp\",\"from\":\"" + endpoint().to_string() + "\",\"kind\":\"query\",\"method\":\"" +
               std::to_string(u32()) + "\",\"t\":" + std::to_string(t) + ",\"to\":\"" + endpoint().to_string() +
               "\",\"type\":\"passive_krpc\"}";
      return p;
    }
    case 7: return emule_observation(time, run);
    case 8: {
      DhtNodeSeen n{time, run, hash<InfoHash>(), endpoint(), hash<NodeId>(), {}, {}};
      if (coin()) {
        n.source_endpoint = endpoint();
        n.source_node_id = hash<NodeId>();
      }
      return n;
    }
    default:
      return DhtSample{time, run, hash<InfoHash>(), hash<InfoHash>(), endpoint(), hash<NodeId>(),
                       maybe(*this, std::int64_t(u32())), maybe(*this, std::int64_t(u16()))};
  }
}

ed2k::Md4 Gen::md4() {
  ed2k::Md4 h;
  for (auto& b : h.bytes) b = static_cast<std::uint8_t>(u32());
  return h;
}

// Every eMule route with the fields it requires; a LowID now and then.
EmuleObservation Gen::emule_observation(Timestamp time, std::string run) {
  EmuleObservation o;
  o.time = time;
  o.run = std::move(run);
  o.file = md4();
  o.via = static_cast<Via>(static_cast<std::size_t>(Via::ed2k_server) + below(4));
  o.source = endpoint(coin() ? Family::v4 : Family::v6);
  o.raw_id = coin() ? static_cast<std::uint32_t>(below(1u << 24)) : u32();
  o.peer_port = u16();
  o.id_form = ed2k::IdForm::ed2k;
  if (o.via == Via::kad) {
    o.source_node_id = kad::KadId{md4().bytes};
    o.id_form = ed2k::IdForm::hybrid;
    o.source_type = maybe(*this, static_cast<std::uint8_t>(below(7)));
  }
  if (o.via == Via::sx) {
    o.sx_version = static_cast<std::uint8_t>(1 + below(4));
    o.id_form = ed2k::id_form_of_sx(*o.sx_version);
    o.server = maybe(*this, endpoint(Family::v4));
  }
  o.user_hash = maybe(*this, md4());
  o.crypt = maybe(*this, static_cast<std::uint8_t>(u32()));
  return o;
}

}  // namespace p2pscope::testlib
