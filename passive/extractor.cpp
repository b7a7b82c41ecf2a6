#include "passive/extractor.hpp"
#include "passive/krpc_salvage.hpp"

#include "core/bytes.hpp"
#include "core/http_tracker.hpp"
#include "core/udp_tracker.hpp"
#include "core/text.hpp"
#include "core/utp.hpp"
#include "passive/ed2k_datagram.hpp"
#include "passive/ed2k_stream.hpp"
#include "passive/http_stream.hpp"
#include "passive/lru_map.hpp"
#include "passive/peer_wire_parser.hpp"

#include <array>
#include <cstring>
#include <tuple>
#include <variant>

namespace p2pscope::passive {

namespace {

enum class Content : std::uint8_t { unknown, peer_wire, http_request, http_response, ed2k, other };

// One direction of a flow: what `ep` sends. Kept small (no HTTP state
// unless the stream is HTTP) because a slot is reset for every new flow.
struct Side {
  Side(Carrier carrier, const Endpoint& from, const ExtractorLimits& lim)
      : ep(from), wire(WireLimits{lim.max_message}) {
    if (carrier == Carrier::utp) stream.emplace<UtpDirection>(lim.reassembly);
    else stream.emplace<TcpDirection>(lim.reassembly);
  }
  Endpoint ep;
  std::variant<TcpDirection, UtpDirection> stream;  // by the flow's carrier
  Content content = Content::unknown;
  std::string pending;  // first bytes, until they say what the stream is
  std::size_t scanned = 0;  // bytes of an unknown stream searched for a handshake
  PeerWireParser wire;
  std::unique_ptr<HttpStream> http;
  std::unique_ptr<Ed2kStreamParser> ed2k_parser;
  std::optional<std::uint8_t> ut_pex;  // the id this side asked to receive ut_pex with
  bool ut_pex_inferred = false;        // ... or, mid-stream, the id its ut_pex messages came on
  bool mid_stream = false;             // its peer-wire messages were picked up mid-stream
  bool gap_counted = false;

  TcpDirection& tcp() { return std::get<TcpDirection>(stream); }
  UtpDirection& utp() { return std::get<UtpDirection>(stream); }
  bool began_mid_stream() const {
    return std::visit([](const auto& d) { return d.started_mid_stream(); }, stream);
  }
};

// A flow's carrier and two endpoints as five words, the endpoints in a
// fixed order so that both directions find it: compared and hashed without
// a call per packet.
struct FlowKey {
  std::array<std::uint64_t, 5> w{};
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// *swapped says whether b came first.
FlowKey flow_key(Carrier carrier, const Endpoint& a, const Endpoint& b, bool* swapped) {
  std::array<std::uint64_t, 2> x, y;  // addresses: IPv4 uses the first 4 bytes, the rest are 0
  std::memcpy(x.data(), a.address.data(), 16);
  std::memcpy(y.data(), b.address.data(), 16);
  std::uint64_t px = a.port, py = b.port;
  *swapped = std::tie(y[0], y[1], py) < std::tie(x[0], x[1], px);
  if (*swapped) {
    std::swap(x, y);
    std::swap(px, py);
  }
  auto tag = static_cast<std::uint64_t>(a.address.family()) << 32 | static_cast<std::uint64_t>(carrier) << 40;
  return FlowKey{{x[0], x[1], y[0], y[1], px | py << 16 | tag}};
}

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept {
    std::uint64_t h = 0;
    for (auto w : k.w) h = (h ^ w) * 0x9e3779b97f4a7c15ULL;  // LruMap mixes the result again
    return h;
  }
};

}  // namespace

struct Extractor::Flow {
  Flow(Carrier c, const Endpoint& first_sender, const Endpoint& receiver, const ExtractorLimits& lim)
      : carrier(c), side{Side(c, first_sender, lim), Side(c, receiver, lim)} {}
  Carrier carrier = Carrier::tcp;
  std::array<Side, 2> side;
  std::optional<InfoHash> announced;  // the info hash of an HTTP announce on this connection
  double t = 0;                        // time of the packet being handled

  bool first_swapped = false;          // flow_key's `swapped` for the first sender
  Hop hop(std::size_t i) const { return {t, side[i].ep, side[1 - i].ep, carrier}; }
};

// A BEP 15 client/tracker pair: the connection id the tracker granted and
// the transactions still waiting for an answer (the info hash of announces).
struct UdpTrackerPair {
  std::optional<std::uint64_t> connection_id;
  std::map<std::uint32_t, std::optional<InfoHash>> waiting;
  // Announces on a connection id whose grant the capture missed (it began
  // after the connect), by transaction id: reported once the tracker
  // answers one, which confirms the exchange and its connection id.
  std::map<std::uint32_t, std::pair<std::uint64_t, TrackerAnnounceEvent>> unconfirmed;
};

struct Extractor::Table {
  explicit Table(std::size_t max_flows) : flows(max_flows) {}
  LruMap<FlowKey, Flow, FlowKeyHash> flows;
  std::map<std::pair<Endpoint, Endpoint>, UdpTrackerPair> udp_trackers;  // (client, tracker)
};

namespace {

// The name an eDonkey/eMule message about one file goes by in the records
// (the opcodes Ed2kHandlers' file_request and file_answer carry).
std::string_view ed2k_file_message(std::uint8_t opcode) {
  switch (opcode) {
    case ed2k::op::request_filename: return "request_filename";
    case ed2k::op::set_req_file_id: return "set_req_file_id";
    case ed2k::op::request_sources: return "request_sources";
    case ed2k::op::request_sources2: return "request_sources2";
    case ed2k::op::multipacket: return "multipacket";
    case ed2k::op::multipacket_ext: return "multipacket_ext";
    case ed2k::op::no_such_file: return "no_such_file";
    case ed2k::op::file_status: return "file_status";
    case ed2k::op::req_filename_answer: return "filename_answer";
    case ed2k::op::multipacket_answer: return "multipacket_answer";
    default: return "other";
  }
}

// A login says its obfuscation in its flags tag (0x20), not in a hello's
// options: the same three bits, as the event's `crypt` writes them.
std::uint8_t login_crypt(const std::vector<ed2k::Tag>& tags) {
  namespace f = ed2k::server_flag;
  for (const auto& t : tags) {
    if (t.name != std::string_view("\x20", 1)) continue;
    return static_cast<std::uint8_t>(((t.number & f::crypt_supported) ? 1 : 0) |
                                     ((t.number & f::crypt_requested) ? 2 : 0) |
                                     ((t.number & f::crypt_required) ? 4 : 0));
  }
  return 0;
}

Content classify(std::string_view first) {
  if (first.empty()) return Content::unknown;
  if (first[0] == '\x13') return Content::peer_wire;
  if (auto p = static_cast<std::uint8_t>(first[0]); p == 0xE3 || p == 0xC5 || p == 0xD4) {
    if (first.size() < 6) return Content::unknown;  // the protocol byte, the length and the opcode
    if (looks_like_ed2k(first)) return Content::ed2k;
  }
  for (std::string_view p : {"GET ", "HTTP"}) {
    auto n = std::min(first.size(), p.size());
    if (first.substr(0, n) != p.substr(0, n)) continue;
    if (first.size() < p.size()) return Content::unknown;
    return p == "GET " ? Content::http_request : Content::http_response;
  }
  return Content::other;
}


}  // namespace

Extractor::Extractor(Sink sink, ExtractorLimits lim)
    : sink_(std::move(sink)), lim_(lim), flows_(std::make_unique<Table>(lim.max_flows)) {}
Extractor::~Extractor() = default;

std::uint64_t Extractor::flows_evicted() const noexcept { return flows_->flows.evictions(); }

void Extractor::packet(double t, const Packet& p) {
  if (p.truncated) count("snaplen_cut");
  if (p.fragment) {
    count("ip_fragment");
    return;
  }
  if (p.transport == Transport::tcp) tcp(t, p);
  else if (p.transport == Transport::udp && !p.payload.empty()) udp(t, p);
}

Extractor::Located Extractor::flow_for(const Packet& p, Carrier carrier, double t) {
  Endpoint src{p.src, p.src_port}, dst{p.dst, p.dst_port};
  bool swapped = false;
  auto key = flow_key(carrier, src, dst, &swapped);
  auto& flows = flows_->flows;
  auto* f = flows.find(key);
  if (!f) {
    // An evicted flow's close-delimited HTTP body, if any, is dropped: the
    // connection's end was not seen.
    f = &flows.emplace(key, carrier, src, dst, lim_);
    f->first_swapped = swapped;
    ++flows_seen_;
  }
  f->t = t;
  return {*f, swapped == f->first_swapped ? 0u : 1u};
}

namespace {

// The recognisers for one direction's in-order bytes.
struct Deliver {
  Extractor::Flow& flow;
  std::size_t i;
  const Extractor::Sink& sink;
  std::function<void(const std::string&)> count;
  const ExtractorLimits& lim;

  void operator()(std::string_view bytes) {
    auto& s = flow.side[i];
    if (s.content == Content::unknown) {
      s.pending.append(bytes);
      s.content = classify(s.pending);
      if (s.content == Content::unknown) return;
      if (s.content == Content::http_request || s.content == Content::http_response) {
        s.http = std::make_unique<HttpStream>(
            s.content == Content::http_request ? HttpStream::Role::request : HttpStream::Role::response,
            HttpLimits{lim.max_http_head, lim.max_http_body});
      }
      if (s.content == Content::ed2k) s.ed2k_parser = std::make_unique<Ed2kStreamParser>();
      std::string first = std::move(s.pending);
      s.pending.clear();
      route(first);
      return;
    }
    route(bytes);
  }

  void route(std::string_view bytes) {
    auto& s = flow.side[i];
    if (s.content == Content::peer_wire) wire(bytes);
    else if (s.http) http(bytes);
    else if (s.ed2k_parser) ed2k_stream(bytes);
    else if (s.content == Content::other) look_past_negotiation(bytes);
  }

  // MSE (message stream encryption) that settles on plaintext sends the
  // handshake after its key exchange: look for the protocol string in the
  // first kScanLimit bytes of a stream that did not open with it. A stream
  // that began before the capture may be peer-wire messages instead: look
  // for a message boundary there too.
  static constexpr std::size_t kScanLimit = 8192;
  static constexpr std::string_view kProtocol = "\x13" "BitTorrent protocol";
  void look_past_negotiation(std::string_view bytes) {
    auto& s = flow.side[i];
    if (s.scanned >= kScanLimit) return;
    auto keep = std::min(bytes.size(), kScanLimit - s.scanned);
    s.pending.append(bytes.substr(0, keep));
    s.scanned += keep;
    auto at = s.pending.find(kProtocol);
    bool mid = false;
    if (at == std::string::npos && began_mid_stream()) {
      if (auto b = find_message_boundary(s.pending, WireLimits{lim.max_message})) at = *b, mid = true;
    }
    if (at == std::string::npos) {
      // Mid-stream, a message may straddle segments: keep all that is scanned.
      if (!began_mid_stream() && s.pending.size() >= kProtocol.size()) {
        s.pending.erase(0, s.pending.size() - kProtocol.size() + 1);
      }
      if (s.scanned >= kScanLimit) s.pending.clear();
      return;
    }
    count(mid ? "peer_wire_mid_stream" : "peer_wire_after_negotiation");
    s.content = Content::peer_wire;
    if (mid) {
      s.mid_stream = true;
      s.wire.resume_mid_stream();
    }
    std::string rest = s.pending.substr(at);
    s.pending.clear();
    rest.append(bytes.substr(keep));
    wire(rest);
  }

  bool began_mid_stream() const { return flow.side[i].began_mid_stream(); }

  void wire(std::string_view bytes) {
    auto& s = flow.side[i];
    auto before = s.wire.state();
    s.wire.feed(bytes, handlers());
    if (before != PeerWireParser::State::failed && s.wire.state() == PeerWireParser::State::failed) {
      count(s.wire.failure() == errc::bad_protocol_string ? "not_plaintext_peer_wire" : "peer_wire_malformed");
    }
  }

  // A ut_pex body names its lists; other extensions (ut_metadata, lt_donthave,
  // ...) use other keys.
  static bool looks_like_pex(std::string_view body) {
    if (body.empty() || body[0] != 'd') return false;
    for (std::string_view key : {"5:added", "6:added6", "7:dropped", "8:dropped6"}) {
      if (body.find(key) != std::string_view::npos) return decode_pex(body).has_value();
    }
    return false;
  }

  WireHandlers handlers() {
    WireHandlers h;
    h.handshake = [this](const Handshake& hs) {
      sink(HandshakeEvent{flow.hop(i), hs.info_hash, hs.peer_id, hs.features().has(Feature::extension_protocol),
                          hs.features().has(Feature::dht)});
    };
    h.extended_handshake = [this](const ExtendedHandshakeSummary& x) {
      flow.side[i].ut_pex = x.extension_id;
      flow.side[i].ut_pex_inferred = false;
      std::optional<std::string> v;
      if (x.v) v.emplace(*x.v);
      sink(ExtendedHandshakeEvent{flow.hop(i), std::move(v), x.p, x.yourip, flow.side[i].ut_pex});
    };
    h.extended = [this](std::uint8_t id, std::string_view body) {
      auto& receiver = flow.side[1 - i];
      if (!receiver.ut_pex && flow.side[i].mid_stream && looks_like_pex(body)) {
        receiver.ut_pex = id;
        receiver.ut_pex_inferred = true;
      }
      if (!receiver.ut_pex || *receiver.ut_pex != id) return;
      auto pex = decode_pex(body);
      if (!pex) return count("ut_pex_malformed");
      sink(PexEvent{flow.hop(i), std::move(pex).value(), receiver.ut_pex_inferred});
    };
    h.az = [this](const AzFrame& f) {
      if (f.id != kAzPeerExchange) return;
      auto pex = decode_az_peer_exchange(f.payload);
      if (!pex) return count("az_pex_malformed");
      sink(PexEvent{flow.hop(i), std::move(pex).value().pex, false, PexDialect::az_pex});
    };
    return h;
  }

  void ed2k_stream(std::string_view bytes) {
    auto& p = *flow.side[i].ed2k_parser;
    auto undecodable = p.undecodable();
    bool was_failed = p.state() == Ed2kStreamParser::State::failed;
    p.feed(bytes, ed2k_handlers());
    for (auto n = p.undecodable(); n > undecodable; --n) count("ed2k_message_malformed");
    if (!was_failed && p.state() == Ed2kStreamParser::State::failed) count("ed2k_stream_malformed");
  }

  Ed2kHandlers ed2k_handlers() {
    Ed2kHandlers h;
    h.hello = [this](const ed2k::Hello& x, ed2k::HelloKind kind) {
      sink(hello_event(kind == ed2k::HelloKind::hello ? Ed2kHelloKind::hello : Ed2kHelloKind::answer, x));
    };
    h.login = [this](const ed2k::Login& l) {
      auto e = hello_event(Ed2kHelloKind::login, ed2k::Hello{l.user_hash, l.client_id, l.tcp_port, l.tags, 0, 0, {}});
      e.crypt = login_crypt(l.tags);
      sink(e);
    };
    h.file_request = [this](std::uint8_t opcode, const ed2k::Md4& file, std::uint64_t size) {
      sink(Ed2kFileEvent{flow.hop(i), std::string(ed2k_file_message(opcode)), file, size});
    };
    h.file_answer = [this](std::uint8_t opcode, const ed2k::Md4& file) {
      sink(Ed2kFileEvent{flow.hop(i), std::string(ed2k_file_message(opcode)), file});
    };
    h.get_sources = [this](const std::vector<ed2k::SourceRequest>& q) {
      for (const auto& r : q) sink(Ed2kFileEvent{flow.hop(i), "get_sources", r.file, r.size});
    };
    h.sources = [this](const ed2k::SourcesAnswer& a) {
      sink(Ed2kSourcesEvent{flow.hop(i), Ed2kRoute::sx, a.file, a.version, seen_sources(a.entries)});
    };
    h.found_sources = [this](const ed2k::FoundSources& f, ed2k::SourceForm) {
      sink(Ed2kSourcesEvent{flow.hop(i), Ed2kRoute::server, f.file, 0, seen_sources(f.sources)});
    };
    return h;
  }

  Ed2kHelloEvent hello_event(Ed2kHelloKind kind, const ed2k::Hello& x) {
    auto info = ed2k::client_info(x);
    auto crypt = static_cast<std::uint8_t>((info.crypt_supported ? 1 : 0) | (info.crypt_requested ? 2 : 0) |
                                           (info.crypt_required ? 4 : 0));
    return Ed2kHelloEvent{flow.hop(i), kind, x.user_hash, x.client_id, x.tcp_port, info.name, info.software(),
                          info.sx1_version, info.sx2, crypt};
  }

  void http(std::string_view bytes) {
    auto st = flow.side[i].http->feed(bytes, [this](const HttpMessage& m) { on_http(m); });
    if (!st) count("http_" + st.error().message());
  }

  void on_http(const HttpMessage& m) {
    if (flow.side[i].content == Content::http_request) {
      // "GET <target> HTTP/1.x"; a later request on the connection may be anything.
      auto end = m.start_line.rfind(' ');
      if (m.start_line.rfind("GET ", 0) != 0 || end == std::string::npos || end <= 4) return count("http_request_malformed");
      auto target = m.start_line.substr(4, end - 4);
      auto q = target.find('?');
      if (q == std::string::npos || target.substr(0, q).find("announce") == std::string::npos) return;
      auto a = decode_announce_query(std::string_view(target).substr(q + 1));
      if (!a) return count("tracker_announce_malformed");
      flow.announced = a.value().info_hash;
      sink(TrackerAnnounceEvent{flow.hop(i), a.value().info_hash, a.value().peer_id, a.value().port,
                                std::string(to_string(a.value().event)), a.value().ip});
      return;
    }
    if (m.status != 200 || !flow.announced) return;
    auto r = decode_http_announce(m.body);
    if (!r) return count("tracker_reply_malformed");
    TrackerPeersEvent e{flow.hop(i), flow.announced, {}, r.value().failure_reason};
    for (const auto& p : r.value().peers) e.peers.push_back(p.endpoint);
    sink(e);
  }
};

}  // namespace

void Extractor::tcp(double t, const Packet& p) {
  auto [f, i] = flow_for(p, Carrier::tcp, t);
  auto& s = f.side[i];
  auto count_gap = [this](Side& side) {
    if (!side.tcp().gap() || side.gap_counted) return;
    side.gap_counted = true;
    count("tcp_gap");
  };
  if (p.has(TcpFlag::syn)) s.tcp().syn(p.seq);
  if (p.has(TcpFlag::ack)) {
    f.side[1 - i].tcp().acked(p.ack);  // may end the other direction in a gap
    count_gap(f.side[1 - i]);
  }
  Deliver d{f, i, sink_, [this](const std::string& w) { count(w); }, lim_};
  if (!p.payload.empty()) {
    if (p.payload.size() < p.payload_length) count("tcp_segment_cut");
    s.tcp().segment(p.seq, p.payload, [&d](std::string_view b) { d(b); });
  }
  count_gap(s);
  if ((p.has(TcpFlag::fin) || p.has(TcpFlag::rst)) && s.http) {
    auto st = s.http->finish([&d](const HttpMessage& m) { d.on_http(m); });
    if (!st) count("http_" + st.error().message());
  }
}

namespace {
constexpr std::size_t kMaxWaiting = 64;
}  // namespace

// An announce-shaped datagram on a connection id this pair was never seen
// to be granted: held (not consumed; it may be some other protocol) until
// a reply confirms it.
void Extractor::hold_unconfirmed_announce(const Hop& hop, std::string_view b, std::uint64_t connection_id) {
  auto m = decode_udp_tracker_request(b);
  if (!m) return;
  const auto* a = std::get_if<UdpAnnounceRequest>(&m.value());
  if (!a) return;
  auto& pairs = flows_->udp_trackers;
  auto it = pairs.find({hop.from, hop.to});
  if (it == pairs.end()) {
    if (pairs.size() >= lim_.max_flows) return count("udp_tracker_pairs_over_limit");
    it = pairs.emplace(std::make_pair(hop.from, hop.to), UdpTrackerPair{}).first;
  }
  if (it->second.unconfirmed.size() >= kMaxWaiting) return count("udp_tracker_unconfirmed_over_limit");
  std::optional<std::string> ip;
  if (a->ip != 0) ip = IpAddress::v4(a->ip).to_string();
  it->second.unconfirmed.insert_or_assign(
      a->transaction_id,
      std::pair{connection_id,
                TrackerAnnounceEvent{hop, a->info_hash, a->peer_id, a->port, std::string(to_string(a->event)), ip}});
}

// A reply to a held announce of `pair`: the exchange is BEP 15 after all.
bool Extractor::confirm_announce(UdpTrackerPair& pair, const Hop& hop, std::string_view b, std::uint32_t tid) {
  auto u = pair.unconfirmed.find(tid);
  if (u == pair.unconfirmed.end()) return false;
  auto m = decode_udp_tracker_response(b, hop.from.address.family());
  const auto* r = m ? std::get_if<UdpAnnounceResponse>(&m.value()) : nullptr;
  if (!r) return false;
  auto [connection_id, announce] = std::move(u->second);
  pair.unconfirmed.erase(u);
  pair.connection_id = connection_id;
  count("udp_tracker_announce_without_connect");
  sink_(announce);
  sink_(TrackerPeersEvent{hop, announce.info_hash, r->peers, std::nullopt});
  return true;
}

// BEP 15 is recognised only as an exchange: a connect request (its magic),
// an announce on the connection id the tracker granted, and replies whose
// transaction id is waiting; or, when the capture missed the connect, an
// announce together with the tracker's answer to it. Lone datagrams that
// merely parse are not.
bool Extractor::udp_tracker(const Hop& hop, std::string_view b) {
  auto& pairs = flows_->udp_trackers;
  // A request starts with 8 bytes (the connect magic or a connection id),
  // the action and the transaction id.
  ByteReader head(b);
  auto id = head.u64();
  auto action = head.u32();
  auto tid = head.u32();
  if (!head.failed() && b.size() == 16 && id == kUdpTrackerProtocolId && action == 0) {
    auto it = pairs.find({hop.from, hop.to});
    if (it == pairs.end()) {
      if (pairs.size() >= lim_.max_flows) return count("udp_tracker_pairs_over_limit"), true;
      it = pairs.emplace(std::make_pair(hop.from, hop.to), UdpTrackerPair{}).first;
    }
    if (it->second.waiting.size() < kMaxWaiting) it->second.waiting.emplace(tid, std::nullopt);
    return true;
  }
  if (auto req = pairs.find({hop.from, hop.to});
      req != pairs.end() && !head.failed() && req->second.connection_id == id && action == 1) {
    auto m = decode_udp_tracker_request(b);
    if (!m) return count("udp_tracker_announce_malformed"), true;
    const auto& a = std::get<UdpAnnounceRequest>(m.value());
    if (req->second.waiting.size() < kMaxWaiting) req->second.waiting[a.transaction_id] = a.info_hash;
    std::optional<std::string> ip;
    if (a.ip != 0) ip = IpAddress::v4(a.ip).to_string();
    sink_(TrackerAnnounceEvent{hop, a.info_hash, a.peer_id, a.port, std::string(to_string(a.event)), ip});
    return true;
  }
  // A reply starts with the action and the transaction id.
  auto res = pairs.find({hop.to, hop.from});
  ByteReader reply(b);
  (void)reply.u32();
  auto reply_tid = reply.u32();
  if (reply.failed()) return false;
  if (res != pairs.end() && confirm_announce(res->second, hop, b, reply_tid)) return true;
  if (!head.failed() && action == 1 && b.size() >= kUdpAnnounceRequestSize) hold_unconfirmed_announce(hop, b, id);
  if (res == pairs.end()) return false;
  auto w = res->second.waiting.find(reply_tid);
  if (w == res->second.waiting.end()) return false;
  auto info_hash = w->second;
  res->second.waiting.erase(w);
  auto m = decode_udp_tracker_response(b, hop.from.address.family());
  if (!m) return count("udp_tracker_reply_malformed"), true;
  if (const auto* c = std::get_if<UdpConnectResponse>(&m.value())) {
    res->second.connection_id = c->connection_id;
  } else if (const auto* r = std::get_if<UdpAnnounceResponse>(&m.value())) {
    sink_(TrackerPeersEvent{hop, info_hash, r->peers, std::nullopt});
  } else if (const auto* e = std::get_if<UdpErrorResponse>(&m.value()); e && info_hash) {
    sink_(TrackerPeersEvent{hop, info_hash, {}, printable(e->message)});
  }
  return true;
}

// Before eDonkey's datagrams: a Vuze request opens with a random connection
// id whose top byte may be an eDonkey protocol byte, and the Vuze test (an
// action at a fixed offset, a version in range, every field in place) is the
// stricter one.
bool Extractor::vuze_dht(const Hop& hop, std::string_view payload) {
  auto p = decode_vuze_dht(payload);
  if (!p) {
    if (p.error() == errc::unknown_message_type) return false;
    count("vuze_dht_malformed");
    return true;
  }
  sink_(VuzeDhtEvent{hop, std::move(p).value()});
  return true;
}

void Extractor::krpc(const Hop& hop, std::string_view payload) {
  auto m = decode_krpc(payload);
  if (!m) {
    // Over a limit is KRPC that is too big (a node handing out thousands
    // of values), not something else that happens to start with 'd'.
    auto why = m.error();
    if (why == errc::too_many_items || why == errc::oversized || why == errc::bencode_too_many_tokens)
      return count("krpc_oversized");
    auto salvaged = salvage_krpc(hop, payload, why);
    if (!salvaged) return count("udp_bencode_not_krpc");
    count("krpc_malformed");
    return sink_(std::move(*salvaged));
  }
  KrpcEvent e;
  e.hop = hop;
  if (const auto* q = std::get_if<KrpcQuery>(&m.value())) {
    e.kind = KrpcKind::query;
    e.method = q->method_name;
    e.transaction_id = q->transaction_id;
    e.node_id = q->id;
    e.info_hash = q->info_hash;
    e.target = q->target;
    e.token = q->token;
    e.port = q->port;
    e.implied_port = q->implied_port;
    e.version = q->version;
  } else if (const auto* r = std::get_if<KrpcResponse>(&m.value())) {
    e.kind = KrpcKind::response;
    e.transaction_id = r->transaction_id;
    e.node_id = r->id;
    e.values = r->values;
    e.nodes = r->nodes;
    e.nodes.insert(e.nodes.end(), r->nodes6.begin(), r->nodes6.end());
    if (r->samples) e.samples = *r->samples;
    e.token = r->token;
    e.version = r->version;
  } else {
    const auto& err = std::get<KrpcError>(m.value());
    e.kind = KrpcKind::error;
    e.transaction_id = err.transaction_id;
    e.error_code = err.code;
    e.error_message = err.message;
    e.version = err.version;
  }
  sink_(std::move(e));
}

void Extractor::udp(double t, const Packet& p) {
  Hop hop{t, {p.src, p.src_port}, {p.dst, p.dst_port}, Carrier::udp};
  if (udp_tracker(hop, p.payload)) return;
  if (vuze_dht(hop, p.payload)) return;
  if (ed2k_datagram(hop, p.payload, {sink_, [this](const std::string& w) { count(w); }})) return;
  if (p.payload.front() == 'd') return krpc(hop, p.payload);
  auto h = decode_utp(p.payload);
  if (!h) return;  // some other UDP protocol
  auto [f, i] = flow_for(p, Carrier::utp, t);
  auto& s = f.side[i];
  if (h.value().type == UtpType::syn) s.utp().syn(h.value().seq_nr);
  if (h.value().type != UtpType::data || h.value().payload.empty()) return;
  Deliver d{f, i, sink_, [this](const std::string& w) { count(w); }, lim_};
  s.utp().data(h.value().seq_nr, h.value().payload, [&d](std::string_view b) { d(b); });
  if (s.utp().gap() && !s.gap_counted) {
    s.gap_counted = true;
    count("utp_gap");
  }
}

void Extractor::finish() {
  // Least recently seen first: the order does not depend on the hash table.
  flows_->flows.for_each_oldest_first([this](const FlowKey&, Flow& f) {
    for (std::size_t i = 0; i < 2; ++i) {
      if (!f.side[i].http) continue;
      Deliver d{f, i, sink_, [this](const std::string& w) { count(w); }, lim_};
      (void)f.side[i].http->finish([&d](const HttpMessage& m) { d.on_http(m); });
    }
  });
}

}  // namespace p2pscope::passive
