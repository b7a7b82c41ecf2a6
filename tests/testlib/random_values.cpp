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
