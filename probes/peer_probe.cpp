#include "probes/peer_probe.hpp"

#include "core/extension.hpp"
#include "probes/probe_common.hpp"
#include "net/pace.hpp"
#include "net/tcp_stream.hpp"

namespace p2pscope::probes {

using namespace net;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint8_t kOurPexId = 1;

std::string our_hello(const InfoHash& ih, const ProbeIdentity& me, bool extended) {
  Handshake h;
  h.info_hash = ih;
  h.peer_id = me.peer_id;
  h.set_features(Features(Feature::extension_protocol) | Feature::dht | Feature::fast);
  auto out = encode_handshake(h);
  if (extended) {
    ExtendedHandshake e;
    e.m["ut_pex"] = kOurPexId;
    e.v = me.client;
    out += encode_extended(0, encode_extended_handshake(e));
  }
  return out;
}

// Common clients (both packaged in Debian 12), with the peer id prefix and
// the BEP 10 name each sends.
struct KnownClient {
  std::string_view prefix, name;
};
constexpr KnownClient kClients[] = {
    {"-qB4520-", "qBittorrent/4.5.2"},
    {"-TR3000-", "Transmission 3.00"},
};

std::string message_name(const Frame& f) {
  if (f.keep_alive) return "keep-alive";
  switch (static_cast<MessageId>(f.id)) {
    case MessageId::bitfield: return "bitfield";
    case MessageId::have_all: return "have_all";
    case MessageId::have_none: return "have_none";
    case MessageId::have: return "have";
    case MessageId::unchoke: return "unchoke";
    case MessageId::choke: return "choke";
    case MessageId::port: return "port";
    case MessageId::extended: return "extended";
    default: return "message-" + std::to_string(f.id);
  }
}

// Names the frame; counts PEX entries in an ut_pex we asked for.
void note_frame(const Frame& f, Contact& c) {
  auto name = message_name(f);
  if (f.id == static_cast<std::uint8_t>(MessageId::extended) && !f.keep_alive) {
    if (auto ext = decode_extended(f.payload)) {
      if (ext.value().ext_id == 0) {
        name = "extended-handshake";
      } else if (ext.value().ext_id == kOurPexId) {
        auto pex = decode_pex(ext.value().body);
        auto n = pex ? pex.value().added.size() : 0;
        c.pex_peers += n;
        name = "ut_pex(" + std::to_string(n) + ")";
      }
    }
  }
  if (c.transcript.size() < 64) c.transcript.push_back(std::move(name));
}

// Reads frames until the deadline, the peer hangs up, or a bad frame.
template <class Stream>
awaitable<void> listen_after(Stream& s, std::string buf, std::chrono::milliseconds linger, const WireLimits& wire,
                             Contact& c) {
  auto until = Clock::now() + linger;
  for (;;) {
    auto frame = next_frame(buf, wire);
    if (!frame) {
      c.transcript.push_back("bad-frame");
      co_return;
    }
    if (frame.value()) {
      note_frame(*frame.value(), c);
      buf.erase(0, frame.value()->consumed);
      continue;
    }
    if (Clock::now() >= until) co_return;
    error_code ec;
    co_await s.read_some(buf, until, ec);
    if (ec) {
      if (Clock::now() < until) c.transcript.push_back("closed");
      co_return;
    }
  }
}

// The handshakes (and, when listen is set, what follows) over a connected stream.
template <class Stream>
awaitable<void> converse(Stream& s, const InfoHash& ih, const ProbeIdentity& me, const PeerProbeConfig& cfg,
                         bool listen, Contact& c) {
  auto start = Clock::now();
  auto until = start + cfg.handshake_timeout;
  error_code ec;
  co_await s.write(our_hello(ih, me, listen), until, ec);
  std::string buf;
  if (!ec) co_await read_at_least(s, buf, kHandshakeSize, until, ec);
  c.hung_up_at_once = false;
  if (buf.size() < kHandshakeSize) {
    bool late = Clock::now() >= until;
    c.hung_up_at_once = buf.empty() && !late;
    c.handshake = late ? ProbeOutcome::timeout : ProbeOutcome::negative;
    c.why = late ? "no handshake in time" : (buf.empty() ? "closed without a handshake" : "closed mid-handshake");
    co_return;
  }
  auto theirs = decode_handshake(std::string_view(buf).substr(0, kHandshakeSize));
  if (!theirs) {
    c.handshake = ProbeOutcome::negative;
    c.why = "not a BitTorrent handshake: " + theirs.error().message();
    co_return;
  }
  c.theirs = theirs.value();
  c.handshake_ms = detail::ms_since(start);
  c.handshake = theirs.value().info_hash == ih ? ProbeOutcome::positive : ProbeOutcome::negative;
  if (c.handshake == ProbeOutcome::negative) c.why = "answered for infohash " + theirs.value().info_hash.hex();
  if (listen && c.handshake == ProbeOutcome::positive)
    co_await listen_after(s, buf.substr(kHandshakeSize), cfg.linger, cfg.wire, c);
}

awaitable<void> over_tcp(const Endpoint& peer, const InfoHash& ih, const ProbeIdentity& me, const PeerProbeConfig& cfg,
                         bool listen, Contact& c) {
  tcp::socket sock(co_await asio::this_coro::executor);
  auto conn = co_await detail::timed_connect(sock, peer, peer.address.is_v4() ? cfg.local : cfg.local6,
                                             cfg.connect_timeout);
  c.connect = conn.outcome;
  c.connect_ms = conn.ms;
  c.why = conn.why;
  if (c.connect != ProbeOutcome::positive) co_return;
  c.carrier = Carrier::tcp;
  TcpStream s(sock);
  co_await converse(s, ih, me, cfg, listen, c);
}

awaitable<void> over_utp(UtpMux& mux, const Endpoint& peer, const InfoHash& ih, const ProbeIdentity& me,
                         const PeerProbeConfig& cfg, bool listen, Contact& c) {
  auto start = Clock::now();
  error_code ec;
  auto s = co_await mux.connect(peer, cfg.connect_timeout, ec);
  if (ec) {
    c.utp_connect = ec == asio::error::connection_reset ? ProbeOutcome::negative : ProbeOutcome::timeout;
    c.why += (c.why.empty() ? "" : "; ") + std::string("uTP connect: ") + ec.message();
    co_return;
  }
  c.utp_connect = ProbeOutcome::positive;
  c.utp_connect_ms = detail::ms_since(start);
  c.carrier = Carrier::utp;
  c.why.clear();
  co_await converse(s, ih, me, cfg, listen, c);
}

ProbeResult base(const Endpoint& peer, std::optional<InfoHash> ih, ProbeKind kind, ProbeOutcome outcome) {
  auto r = detail::probe_record(peer, kind, outcome);
  r.info_hash = ih;
  return r;
}

}  // namespace

awaitable<Contact> contact_peer(Endpoint peer, InfoHash ih, const ProbeIdentity& me, const PeerProbeConfig& cfg,
                                net::RateGate& gate, bool listen, CarrierPlan plan) {
  Contact c;
  if (auto why = detail::never_contact(peer, cfg.contact_special_purpose)) {
    c.why = *why;
    c.skipped = true;
    co_return c;
  }
  auto* utp = plan == CarrierPlan::tcp_only ? nullptr : cfg.utp.for_peer(peer);
  if (plan == CarrierPlan::utp_only) {
    if (!utp) {
      c.why = "no uTP socket for this address family";
      co_return c;
    }
    co_await net::pace(gate, peer.address);
    co_await over_utp(*utp, peer, ih, me, cfg, listen, c);
    co_return c;
  }
  co_await net::pace(gate, peer.address);
  co_await over_tcp(peer, ih, me, cfg, listen, c);
  if (utp && (!c.connected() || c.hung_up_at_once)) {
    co_await net::pace(gate, peer.address);
    co_await over_utp(*utp, peer, ih, me, cfg, listen, c);
  }
  co_return c;
}

awaitable<Contact> contact_peer_again_if_hung_up(Endpoint peer, InfoHash ih, const ProbeIdentity& me,
                                                 const PeerProbeConfig& cfg, net::RateGate& gate) {
  auto c = co_await contact_peer(peer, ih, me, cfg, gate, false);
  if (cfg.hung_up_retry.count() == 0 || !c.hung_up_at_once || c.handshake == ProbeOutcome::positive) co_return c;
  asio::steady_timer pause(co_await asio::this_coro::executor, cfg.hung_up_retry);
  error_code ec;
  co_await pause.async_wait(net::use_ec(ec));
  auto again = co_await contact_peer(peer, ih, me, cfg, gate, false);
  again.asked_again = true;
  co_return again;
}

std::vector<ProbeResult> liveness_results(const Endpoint& peer, const InfoHash& ih, const Contact& c) {
  std::vector<ProbeResult> out;
  // A peer reached over uTP first was not asked over TCP at all.
  if (!(c.carrier == Carrier::utp && c.connect == ProbeOutcome::error)) {
    auto tcp = base(peer, ih, ProbeKind::tcp_connect, c.connect);
    tcp.rtt_ms = c.connect_ms;
    if (c.connect != ProbeOutcome::positive) tcp.evidence["why"] = c.why;
    out.push_back(std::move(tcp));
  }
  if (c.utp_connect) {
    auto utp = base(peer, ih, ProbeKind::utp_connect, *c.utp_connect);
    utp.rtt_ms = c.utp_connect_ms;
    if (*c.utp_connect != ProbeOutcome::positive) utp.evidence["why"] = c.why;
    out.push_back(std::move(utp));
  }
  if (c.connected()) {
    auto hs = base(peer, ih, ProbeKind::handshake, c.handshake);
    hs.evidence["carrier"] = std::string(name_of(*c.carrier));
    hs.rtt_ms = c.handshake_ms;
    if (c.theirs) hs.evidence["peer_id"] = std::string(c.theirs->peer_id.raw().substr(0, 8));
    if (!c.why.empty()) hs.evidence["why"] = c.why;
    if (c.asked_again) hs.evidence["asked_again"] = "it hung up at once the first time";
    out.push_back(hs);
  }
  return out;
}

ProbeResult fake_infohash_result(const Endpoint& peer, const InfoHash& real, const InfoHash& fake, const Contact& c) {
  // Positive only when the peer accepted a torrent that does not exist.
  auto outcome = !c.connected() ? c.reached()
                 : c.handshake == ProbeOutcome::positive ? ProbeOutcome::positive
                 : c.handshake == ProbeOutcome::timeout  ? ProbeOutcome::timeout
                                                         : ProbeOutcome::negative;
  auto r = base(peer, real, ProbeKind::fake_infohash, outcome);
  r.rtt_ms = c.handshake_ms;
  r.evidence["fake_info_hash"] = fake.hex();
  if (c.handshake == ProbeOutcome::positive) {
    r.evidence["accepted"] = "handshake";
    r.evidence["transcript"] = detail::joined(c.transcript);
    if (c.pex_peers > 0) r.evidence["pex_peers"] = std::to_string(c.pex_peers);
  } else {
    r.evidence["why"] = c.why;
  }
  return r;
}

ProbeResult reverse_result(const Endpoint& peer, const Endpoint& reversed, const InfoHash& ih, const Contact& c) {
  auto r = detail::reverse_record(peer, reversed, {c.reached(), c.handshake, c.skipped, c.handshake_ms, c.why},
                                  "does the reverse answer a BitTorrent handshake on the same port");
  r.info_hash = ih;
  return r;
}

ProbeIdentity ProbeIdentity::fresh(std::mt19937_64& rng) {
  static constexpr std::string_view kChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const auto& c = kClients[rng() % std::size(kClients)];
  std::string id(c.prefix);
  while (id.size() < PeerId::size) id += kChars[rng() % kChars.size()];
  return ProbeIdentity{PeerId::from_bytes(id).value(), std::string(c.name)};
}

std::mt19937_64 seeded_generator() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  return std::mt19937_64(seq);
}

InfoHash random_info_hash(std::mt19937_64& rng) {
  std::string raw(20, '\0');
  for (auto& ch : raw) ch = static_cast<char>(rng());
  return InfoHash::from_bytes(raw).value();
}

}  // namespace p2pscope::probes
