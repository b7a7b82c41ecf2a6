#include "lab/lab_peer.hpp"

#include "core/extension.hpp"
#include "core/peer_wire.hpp"
#include "lab/announcer.hpp"
#include "lab/peer_conn.hpp"

#include <algorithm>
#include <iostream>
#include <random>

namespace p2pscope::lab {
namespace {

using namespace std::chrono_literals;

constexpr std::uint8_t kOurPexId = 1;  // the id we ask peers to use for ut_pex
constexpr std::size_t kPexCap = 50;    // BEP 11: at most 50 added per message
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kIdleTimeout = 180s;
constexpr std::size_t kMaxDials = 32;  // propagator: connections at once

struct Persona {
  std::string_view peer_id_prefix, version;
};

// Anti-P2P fleets look alike (one client string, one reqq): the study's
// fingerprint. The byte-order and propagator actors pose as KTorrent, the
// client whose PEX bug the P2PScope study traced.
Persona persona(PeerKind k) {
  switch (k) {
    case PeerKind::honest: return {"-PL0100-", "p2pscope-lab 0.1"};
    case PeerKind::anti_p2p: return {"-UT3550-", "\xC2\xB5Torrent 3.5.5"};
    case PeerKind::byte_order: return {"-KT4100-", "KTorrent 4.1.0"};
    case PeerKind::propagator: return {"-KT2400-", "KTorrent 2.4.0"};
  }
  return {"-PL0100-", "p2pscope-lab"};
}

// One peer-wire session, over either carrier. The reader (the session
// coroutine) never writes once the writer (PEX and keep-alives) has
// started, so writes never interleave.
struct Conn {
  Conn(std::shared_ptr<PeerConn> w, std::size_t first_pex)
      : wire(std::move(w)), timer(wire->executor()), cursor(first_pex) {}
  std::shared_ptr<PeerConn> wire;
  asio::steady_timer timer;
  Endpoint listen;  // where the remote peer accepts connections
  bool listen_known = false;  // outgoing, or told by the extended handshake's "p"
  std::optional<std::uint8_t> their_pex;
  bool pex_due = false;    // set by the reader when PEX became possible; the writer sends at once
  std::size_t cursor = 0;  // rotates through pex_list() 50 at a time
  void close() {
    wire->close();
    timer.cancel();
  }
};

std::string pex_message(LabPeer& me, Conn& c) {
  auto all = me.pex_list();
  std::erase(all, c.listen);
  PexMessage m;
  for (std::size_t i = 0; i < std::min(all.size(), kPexCap); ++i) {
    const auto& ep = all[(c.cursor + i) % all.size()];
    PexFlags f;
    f.set(PexFlag::reachable, me.is_connected(ep));
    m.added.push_back({ep, f});
  }
  c.cursor += kPexCap;
  return encode_extended(*c.their_pex, encode_pex(m));
}

awaitable<void> writer(LabPeer& me, std::shared_ptr<Conn> c) {
  error_code ec;
  while (c->wire->is_open()) {
    c->pex_due = false;
    std::string out = c->their_pex ? pex_message(me, *c) : encode_keep_alive();
    co_await c->wire->write(out, ec);
    if (ec) break;
    if (c->pex_due) continue;  // the extended handshake arrived while we were writing
    c->timer.expires_after(c->their_pex ? me.world().pex_interval : 90s);
    co_await c->timer.async_wait(use_ec(ec));
  }
  c->close();
}

std::string opening_messages(const LabPeer& me, const Handshake& theirs, const Endpoint& remote) {
  std::string out;
  auto f = theirs.features();
  if (f.has(Feature::extension_protocol)) {
    ExtendedHandshake h;
    h.m["ut_pex"] = kOurPexId;
    h.v = std::string(persona(me.kind()).version);
    h.p = me.party().endpoint.port;
    h.yourip = remote.address;
    h.reqq = 255;
    out += encode_extended(0, encode_extended_handshake(h));
  }
  auto it = me.world().pieces.find(theirs.info_hash);
  std::size_t pieces = it != me.world().pieces.end() ? it->second : me.world().pieces.begin()->second;
  bool fast = f.has(Feature::fast);
  if (me.claims_all_pieces()) {
    if (fast) return out + encode_message(MessageId::have_all);
    return out + encode_bitfield(Bitfield{std::vector<std::uint8_t>((pieces + 7) / 8, 0xff)});
  }
  if (fast) return out + encode_message(MessageId::have_none);
  return out;
}

// Reads messages until the peer goes quiet or breaks the protocol.
awaitable<void> reader(LabPeer& me, std::shared_ptr<Conn> c) {
  std::string buf;
  for (;;) {
    bool got = co_await c->wire->next_message(buf, kIdleTimeout);  // not in the if: see peer_conn.cpp
    if (!got) co_return;
    auto frame = next_frame(buf);
    if (!frame || !frame.value() || frame.value()->keep_alive) continue;
    if (frame.value()->id != static_cast<std::uint8_t>(MessageId::extended)) continue;
    auto ext = decode_extended(frame.value()->payload);
    if (!ext) co_return;
    if (ext.value().ext_id == 0) {
      auto h = decode_extended_handshake(ext.value().body);
      if (!h) co_return;
      if (auto p = h.value().p; p && !c->listen_known) {
        c->listen.port = *p;
        c->listen_known = true;
        me.connected(c->listen);
        if (me.kind() != PeerKind::anti_p2p) me.learned(c->listen);
      }
      bool start_writer = !c->their_pex;
      c->their_pex = h.value().extension_id("ut_pex");
      if (start_writer && c->their_pex) {
        c->pex_due = true;  // the writer sends PEX right away
        c->timer.cancel();
      }
    } else if (ext.value().ext_id == kOurPexId) {
      auto pex = decode_pex(ext.value().body);
      if (!pex) co_return;
      for (const auto& p : pex.value().added) me.heard(p.endpoint);
    }
  }
}

// After the handshakes: opening messages, then reader and writer.
awaitable<void> run_connection(LabPeer& me, std::shared_ptr<Conn> c, const Handshake& theirs) {
  error_code ec;
  auto opening = opening_messages(me, theirs, c->listen);
  co_await c->wire->write(opening, ec);
  if (ec) co_return c->close();
  if (c->listen_known) {
    me.connected(c->listen);
    if (me.kind() != PeerKind::anti_p2p) me.learned(c->listen);
  }
  asio::co_spawn(c->wire->executor(), writer(me, c), asio::detached);
  co_await reader(me, c);
  if (c->listen_known) me.disconnected(c->listen);
  c->close();
}

Handshake our_handshake(const LabPeer& me, const InfoHash& ih) {
  Handshake h;
  h.info_hash = ih;
  h.peer_id = me.peer_id();
  Features f;
  f.set(Feature::extension_protocol);
  f.set(Feature::fast);
  h.set_features(f);
  return h;
}

awaitable<Result<Handshake>> read_handshake(PeerConn& w) {
  std::string buf;
  bool got = co_await w.next_handshake(buf, kHandshakeTimeout);  // not in the if: see peer_conn.cpp
  if (!got) co_return errc::truncated;
  co_return decode_handshake(buf);
}

awaitable<void> incoming(LabPeer& me, std::shared_ptr<PeerConn> w) {
  auto c = std::make_shared<Conn>(std::move(w), me.next_session() * kPexCap);
  c->listen = c->wire->remote();
  auto theirs = co_await read_handshake(*c->wire);
  if (!theirs || !me.accepts(theirs.value().info_hash)) co_return c->close();
  error_code ec;
  auto ours = encode_handshake(our_handshake(me, theirs.value().info_hash));  // a named buffer, not a temporary
  co_await c->wire->write(ours, ec);
  if (ec) co_return c->close();
  co_await run_connection(me, c, theirs.value());
}

// Dials over TCP: the peers a lab peer dials all listen on TCP.
awaitable<void> outgoing(LabPeer& me, Endpoint to, InfoHash ih) {
  tcp::socket s(co_await asio::this_coro::executor);
  error_code ec;
  {
    Watchdog dog(s);
    open_outgoing(s, to.address, me.party().endpoint.address, ec);
    if (ec) co_return;
    dog.arm(kHandshakeTimeout);
    co_await s.async_connect(to_tcp(to), use_ec(ec));
    if (ec) co_return;
  }
  auto c = std::make_shared<Conn>(tcp_conn(std::move(s)), me.next_session() * kPexCap);
  c->listen = to;
  c->listen_known = true;
  auto ours = encode_handshake(our_handshake(me, ih));
  co_await c->wire->write(ours, ec);
  if (ec) co_return c->close();
  auto theirs = co_await read_handshake(*c->wire);
  if (!theirs || theirs.value().info_hash != ih) co_return c->close();
  co_await run_connection(me, c, theirs.value());
}

awaitable<void> listen(LabPeer& me, tcp::acceptor acceptor) {
  for (;;) {
    error_code ec;
    auto s = co_await acceptor.async_accept(use_ec(ec));
    if (!acceptor.is_open()) co_return;
    if (!ec) asio::co_spawn(acceptor.get_executor(), incoming(me, tcp_conn(std::move(s))), asio::detached);
  }
}

// An honest IPv6 peer's DHT announce: to each node the world names for ih.
awaitable<void> announce_to_dht(LabPeer& me, const InfoHash& ih) {
  auto it = me.world().dht_announce_v6.find(ih);
  if (it == me.world().dht_announce_v6.end()) co_return;
  auto id = NodeId::from_bytes(me.peer_id().raw()).value();
  for (const auto& node : it->second) (void)co_await dht_announce(me.party().endpoint.address, node, id, ih, me.party().endpoint.port);
}

// A farm head lists each of its fakes at every poisoned tracker face of its
// own family: an IPv4 head through BEP 15's "IP address" field, an IPv6 one
// through an HTTP announce's BEP 7 "ipv6=" (BEP 15 has no IPv6 field).
awaitable<void> plant_fakes(LabPeer& me, const InfoHash& ih, AnnounceEvent event) {
  const auto& self = me.party().endpoint;
  for (const auto& t : me.world().poisoned_trackers) {
    if (t.address.family() != self.address.family()) continue;
    for (const auto& fake : me.fakes()) {
      if (self.address.is_v4()) {
        AnnounceSpec spec{ih, me.peer_id(), fake.port, true, fake.address, 0, event};
        (void)co_await udp_announce(self.address, t, spec);
        continue;
      }
      HttpAnnounceParams p{.info_hash = ih, .peer_id = me.peer_id(), .port = self.port, .event = event};
      p.numwant = 0;
      p.ipv6 = fake.to_string();
      (void)co_await http_announce(self.address, t, p);
    }
  }
}

// Announces to every tracker for every lab torrent, once more when the
// whole lab is up (the first announce only hears of the peers that started
// earlier), then at the interval; what the trackers return is learned. A
// farm head also plants its fakes at the poisoned trackers.
awaitable<void> announce_loop(LabPeer& me, std::chrono::milliseconds stagger) {
  co_await sleep_for(stagger);
  const auto& self = me.party().endpoint;
  for (auto event = AnnounceEvent::started;; event = AnnounceEvent::none) {
    bool first = event == AnnounceEvent::started;
    for (const auto& [ih, pieces] : me.world().pieces) {
      for (const auto& t : me.world().udp_trackers) {
        if (t.address.family() != self.address.family()) continue;  // a dual-stack tracker's other face
        AnnounceSpec spec{ih, me.peer_id(), self.port, me.claims_all_pieces(), std::nullopt, 200, event};
        auto r = co_await udp_announce(self.address, t, spec);
        if (r) {
          for (const auto& ep : r.value().peers) me.learned(ep);
        }
      }
      if (self.address.is_v6() && me.kind() == PeerKind::honest) co_await announce_to_dht(me, ih);
      if (me.farm_head()) co_await plant_fakes(me, ih, event);
    }
    if (first) me.set_announced();
    co_await sleep_for(first ? std::chrono::seconds(10) : me.world().announce_interval);
  }
}

// The peers a lab peer dials: the propagator every peer it learns or hears
// of; an IPv6 lite peer the ones trackers name (nothing else in the lab
// dials IPv6 peers, and real clients dial what trackers give them).
bool dials(const LabPeer& me) {
  return me.kind() == PeerKind::propagator || (me.kind() == PeerKind::honest && me.party().endpoint.address.is_v6());
}

std::vector<Endpoint> to_dial(const LabPeer& me) {
  if (me.kind() == PeerKind::propagator) return me.pex_list();
  return dials(me) ? me.learned_peers() : std::vector<Endpoint>{};
}

// Dials each of to_dial() once, a few at a time.
awaitable<void> dial_loop(LabPeer& me) {
  auto ex = co_await asio::this_coro::executor;
  std::set<Endpoint> tried;
  auto in_flight = std::make_shared<std::size_t>(0);
  const auto ih = me.world().pieces.begin()->first;
  for (;;) {
    for (const auto& ep : to_dial(me)) {
      if (*in_flight >= kMaxDials) break;
      if (ep == me.party().endpoint || !tried.insert(ep).second) continue;
      ++*in_flight;
      asio::co_spawn(ex, outgoing(me, ep, ih), [in_flight](std::exception_ptr) { --*in_flight; });
    }
    co_await sleep_for(2s);
  }
}

}  // namespace

LabPeer::LabPeer(const Party& party, PeerKind kind, const PeerWorld& world, std::uint64_t seed)
    : party_(party), kind_(kind), world_(world) {
  std::mt19937_64 rng(seed);
  std::string id(persona(kind).peer_id_prefix);
  while (id.size() < 20) id.push_back(static_cast<char>('0' + rng() % 10));
  peer_id_ = PeerId::from_bytes(id).value();
}

bool LabPeer::accepts(const InfoHash& ih) const { return kind_ == PeerKind::anti_p2p || world_.pieces.count(ih) != 0; }

bool LabPeer::claims_all_pieces() const noexcept { return kind_ == PeerKind::anti_p2p || party_.lite_seed; }

void LabPeer::set_fleet(std::vector<Endpoint> fleet, std::vector<Endpoint> fakes, bool farm_head) {
  fleet_ = std::move(fleet);
  fakes_ = std::move(fakes);
  farm_head_ = farm_head;
}

void LabPeer::set_known(std::vector<Endpoint> known) {
  bounded_ = true;
  learned_.clear();
  for (const auto& ep : known)
    if (ep != party_.endpoint) learned_.insert(ep);
}

void LabPeer::learned(const Endpoint& ep) {
  if (ep == party_.endpoint) return;
  if (bounded_ && !world_.clients.count(ep.address)) return;
  learned_.insert(ep);
}

void LabPeer::heard(const Endpoint& ep) {
  if (ep != party_.endpoint) heard_.insert(ep);
}

std::vector<Endpoint> LabPeer::pex_list() const {
  std::vector<Endpoint> out;
  switch (kind_) {
    case PeerKind::honest: out.assign(connected_.begin(), connected_.end()); break;
    case PeerKind::anti_p2p:
      for (const auto& ep : fleet_) {
        if (ep != party_.endpoint) out.push_back(ep);
      }
      out.insert(out.end(), fakes_.begin(), fakes_.end());
      break;
    case PeerKind::byte_order: {
      std::set<Endpoint> all(learned_);
      all.insert(connected_.begin(), connected_.end());
      bool v6 = party_.endpoint.address.is_v6();
      auto how = static_cast<V6Reversal>(party_.variant);
      for (const auto& ep : all) {
        if (ep.address.is_v6() != v6) continue;
        out.push_back({v6 ? reversed(how, ep.address) : reverse_v4(ep.address), ep.port});
      }
      break;
    }
    case PeerKind::propagator: {
      std::set<Endpoint> all(learned_);
      all.insert(heard_.begin(), heard_.end());
      all.insert(connected_.begin(), connected_.end());
      out.assign(all.begin(), all.end());
      break;
    }
  }
  return out;
}

Status start_lab_peer(asio::io_context& io, LabPeer& peer) {
  if (peer.party().utp_only) {
    P2PSCOPE_TRY(mux, net::UtpMux::open(io.get_executor(), peer.party().endpoint));
    mux->listen();
    // Its UDP port has the number of the TCP port it does not open.
    auto session = [&peer](std::shared_ptr<PeerConn> c) { return incoming(peer, std::move(c)); };
    asio::co_spawn(io, serve_utp(std::move(mux), kIdleTimeout, std::move(session)), asio::detached);
  } else {
    tcp::acceptor acceptor(io);
    error_code ec;
    listen_on(acceptor, peer.party().endpoint, ec);
    if (ec) return ec;
    asio::co_spawn(io, listen(peer, std::move(acceptor)), asio::detached);
  }
  // Spread the first announces over a few seconds, as clients starting at
  // different moments would.
  auto stagger = std::chrono::milliseconds(std::hash<std::string>{}(peer.party().name) % 3000);
  asio::co_spawn(io, announce_loop(peer, stagger), asio::detached);
  if (dials(peer)) asio::co_spawn(io, dial_loop(peer), asio::detached);
  return success();
}

namespace {

awaitable<void> fake_service(tcp::socket s) {
  Watchdog dog(s);
  dog.arm(5s);
  error_code ec;
  static const std::string banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
  co_await asio::async_write(s, asio::buffer(banner), use_ec(ec));
  std::string buf(256, '\0');
  (void)co_await s.async_read_some(asio::buffer(buf), use_ec(ec));
  s.close(ec);  // whatever came was not SSH: hang up, as sshd does
}

awaitable<void> open_port_loop(tcp::acceptor acceptor, std::function<void(const Endpoint&)> on_accept) {
  for (;;) {
    error_code ec;
    auto s = co_await acceptor.async_accept(use_ec(ec));
    if (!acceptor.is_open()) co_return;
    if (ec) continue;
    if (on_accept) {
      auto from = s.remote_endpoint(ec);
      if (ec) continue;  // already gone
      on_accept(from_asio(from));
    }
    asio::co_spawn(acceptor.get_executor(), fake_service(std::move(s)), asio::detached);
  }
}

}  // namespace

Status start_open_port(asio::io_context& io, const Endpoint& at, std::function<void(const Endpoint& from)> on_accept) {
  tcp::acceptor acceptor(io);
  error_code ec;
  acceptor.open(to_tcp(at).protocol(), ec);
  if (!ec) acceptor.bind(to_tcp(at), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  asio::co_spawn(io, open_port_loop(std::move(acceptor), std::move(on_accept)), asio::detached);
  return success();
}

}  // namespace p2pscope::lab
