#include "crawler/pex_session.hpp"

#include "core/hash.hpp"
#include "net/connect.hpp"
#include "net/pace.hpp"
#include "net/tcp_stream.hpp"

#include <algorithm>

namespace p2pscope::crawler {

using namespace net;

namespace {

constexpr std::uint8_t kOurPexId = 1;  // the id we ask peers to use when they send us ut_pex

std::string our_handshakes(const InfoHash& ih, const PeerId& own, const PexConfig& cfg) {
  Handshake h;
  h.info_hash = ih;
  h.peer_id = own;
  h.set_features(Features{Feature::extension_protocol});
  ExtendedHandshake e;
  e.m["ut_pex"] = kOurPexId;
  e.v = "p2pscope/0.1";
  e.p = cfg.listen_port;
  return encode_handshake(h) + encode_extended(0, encode_extended_handshake(e));
}

PeerHello hello_of(const Endpoint& peer, Carrier carrier, const Handshake& h, const ExtendedHandshake& e) {
  PeerHello out;
  out.carrier = carrier;
  out.info_hash = h.info_hash;
  out.peer = peer;
  out.peer_id = h.peer_id;
  out.reserved_hex = detail::to_hex(h.reserved.data(), h.reserved.size());
  out.client = e.v;
  out.yourip = e.yourip;
  out.reqq = e.reqq;
  out.listen_port = e.p;
  for (const auto& [name, id] : e.m) {
    if (id != 0) out.extensions.push_back(name);
  }
  std::sort(out.extensions.begin(), out.extensions.end());
  return out;
}

// A peer that took the connection but never completed its handshake holds
// a session slot for nothing: an anomaly. Hanging up at once, before any
// byte, is what honest clients do for a torrent they lack: not one.
void note_missing_handshake(std::size_t got, std::chrono::steady_clock::duration took, const PexConfig& cfg,
                            const PexEvents& ev) {
  auto of = std::to_string(got) + " of " + std::to_string(kHandshakeSize) + " handshake bytes";
  if (took >= cfg.handshake_timeout) {
    auto secs = std::to_string(static_cast<double>(cfg.handshake_timeout.count()) / 1000.0).substr(0, 4);
    ev.on_anomaly(got == 0 ? AnomalyKind::silent : AnomalyKind::slow, "connected, but " + of + " within " + secs + " s");
  } else if (got > 0) {
    ev.on_anomaly(AnomalyKind::protocol_violation, "closed after " + of);
  }
}

// Reads the extended messages after the handshake until the deadline and
// reports what they say. Returns how the session ended.
class Listener {
 public:
  Listener(const Endpoint& peer, const Handshake& theirs, const PexConfig& cfg, const PexEvents& ev, PexOutcome& out)
      : peer_(peer), theirs_(theirs), cfg_(cfg), ev_(ev), out_(out) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // One complete frame; returns an end state to stop at.
  std::optional<PexEnd> on_frame(const Frame& f) {
    if (f.keep_alive || f.id != static_cast<std::uint8_t>(MessageId::extended)) return std::nullopt;
    auto ext = decode_extended(f.payload);
    if (!ext) return violation("malformed extended message");
    if (ext.value().ext_id == 0) return on_ext_handshake(ext.value().body);
    if (ext.value().ext_id != kOurPexId) return std::nullopt;  // an extension we did not ask for
    if (!pex_ok_) return violation("ut_pex before an extended handshake enabling it");
    return on_pex(ext.value().body);
  }
  bool saw_ext_handshake() const noexcept { return ext_seen_; }

 private:
  std::optional<PexEnd> violation(std::string why) {
    ev_.on_anomaly(AnomalyKind::protocol_violation, std::move(why));
    return PexEnd::limit;
  }

  std::optional<PexEnd> on_ext_handshake(std::string_view body) {
    auto h = decode_extended_handshake(body, cfg_.ext);
    if (!h) return violation("extended handshake: " + h.error().message());
    if (!ext_seen_) ev_.on_hello(hello_of(peer_, out_.carrier.value_or(Carrier::tcp), theirs_, h.value()));
    ext_seen_ = true;
    pex_ok_ = h.value().extension_id("ut_pex").has_value();
    return pex_ok_ ? std::nullopt : std::optional(PexEnd::no_pex);
  }

  std::optional<PexEnd> on_pex(std::string_view body) {
    auto m = decode_pex(body, cfg_.ext);
    if (!m) {
      auto kind = m.error() == errc::too_many_items ? AnomalyKind::oversized : AnomalyKind::malformed;
      ev_.on_anomaly(kind, "ut_pex: " + m.error().message());
      return PexEnd::limit;
    }
    if (++out_.messages > cfg_.max_messages) {
      ev_.on_anomaly(AnomalyKind::oversized, "more than " + std::to_string(cfg_.max_messages) + " ut_pex messages");
      return PexEnd::limit;
    }
    for (const auto& p : m.value().added) {
      if (out_.peers >= cfg_.max_peers) {
        ev_.on_anomaly(AnomalyKind::oversized, "more than " + std::to_string(cfg_.max_peers) + " PEX peers");
        return PexEnd::limit;
      }
      ++out_.peers;
      ev_.on_peer(p);
    }
    if (cfg_.until == PexUntil::whole_view && m.value().added.size() < kWholeViewBelow) return PexEnd::whole_view;
    return std::nullopt;
  }

  Endpoint peer_;
  Handshake theirs_;
  const PexConfig& cfg_;
  const PexEvents& ev_;
  PexOutcome& out_;
  bool ext_seen_ = false, pex_ok_ = false;
};

}  // namespace

std::string_view to_string(PexEnd e) noexcept { return name_of(e); }

namespace {

using Clock = asio::steady_timer::clock_type;

// Both handshakes; the peer's, or nothing when the session ends here (out.end says why).
template <class Stream>
awaitable<std::optional<Handshake>> shake_hands(Stream& s, std::string& buf, const InfoHash& ih, const PeerId& own_id,
                                                const PexConfig& cfg, const PexEvents& ev, PexOutcome& out) {
  out.end = PexEnd::no_handshake;
  auto start = Clock::now();
  auto until = start + cfg.handshake_timeout;
  error_code ec;
  co_await s.write(our_handshakes(ih, own_id, cfg), until, ec);
  if (!ec) co_await read_at_least(s, buf, kHandshakeSize, until, ec);
  if (ec) {
    out.hung_up_at_once = buf.empty() && Clock::now() < until;
    note_missing_handshake(buf.size(), Clock::now() - start, cfg, ev);
    co_return std::nullopt;
  }
  auto theirs = decode_handshake(std::string_view(buf).substr(0, kHandshakeSize));
  if (!theirs) {
    ev.on_anomaly(AnomalyKind::malformed, "handshake: " + theirs.error().message());
    co_return std::nullopt;
  }
  if (theirs.value().info_hash != ih) {
    ev.on_anomaly(AnomalyKind::handshake_mismatch, "answered for infohash " + theirs.value().info_hash.hex());
    out.end = PexEnd::wrong_torrent;
    co_return std::nullopt;
  }
  if (!theirs.value().features().has(Feature::extension_protocol)) {
    out.end = PexEnd::no_pex;
    co_return std::nullopt;
  }
  buf.erase(0, kHandshakeSize);
  co_return theirs.value();
}

// Everything after the connect, over either carrier; out.end says how it ended.
template <class Stream>
awaitable<void> converse(Stream& s, const Endpoint& peer, const InfoHash& ih, const PeerId& own_id,
                         const PexConfig& cfg, const PexEvents& ev, PexOutcome& out) {
  std::string buf;
  auto theirs = co_await shake_hands(s, buf, ih, own_id, cfg, ev, out);
  if (!theirs) co_return;
  Listener listener(peer, *theirs, cfg, ev, out);
  auto until = Clock::now() + cfg.hold;
  for (;;) {
    auto frame = next_frame(buf, cfg.wire);
    if (!frame) {
      ev.on_anomaly(frame.error() == errc::oversized ? AnomalyKind::oversized : AnomalyKind::malformed,
                    "peer wire: " + frame.error().message());
      out.end = PexEnd::limit;
      co_return;
    }
    if (frame.value()) {
      auto end = listener.on_frame(*frame.value());
      buf.erase(0, frame.value()->consumed);
      if (end) {
        out.end = *end;
        co_return;
      }
      continue;
    }
    // Without an extended handshake soon, PEX will not come.
    auto read_until = listener.saw_ext_handshake() ? until : std::min(until, Clock::now() + cfg.handshake_timeout);
    error_code ec;
    co_await s.read_some(buf, read_until, ec);
    if (ec) {
      if (!listener.saw_ext_handshake()) out.end = PexEnd::no_pex;
      else out.end = Clock::now() >= until ? PexEnd::held : PexEnd::closed;
      co_return;
    }
  }
}

awaitable<PexOutcome> over_tcp(const Endpoint& peer, const InfoHash& ih, const PeerId& own_id, const PexConfig& cfg,
                               const PexEvents& ev, StopSignal* stop) {
  PexOutcome out;
  tcp::socket sock(co_await asio::this_coro::executor);
  auto hook = close_on_stop(stop, sock);
  if (co_await connect_within(sock, peer, peer.address.is_v4() ? cfg.local : cfg.local6, cfg.connect_timeout))
    co_return out;
  out.carrier = Carrier::tcp;
  TcpStream s(sock);
  co_await converse(s, peer, ih, own_id, cfg, ev, out);
  co_return out;
}

awaitable<PexOutcome> over_utp(UtpMux& mux, const Endpoint& peer, const InfoHash& ih, const PeerId& own_id,
                               const PexConfig& cfg, const PexEvents& ev, StopSignal* stop) {
  PexOutcome out;
  error_code ec;
  auto s = co_await mux.connect(peer, cfg.connect_timeout, ec);
  if (ec || (stop && stop->requested())) co_return out;
  StopSignal::Hook hook;
  if (stop) hook = stop->on_request([&s] { s.close(); });
  out.carrier = Carrier::utp;
  co_await converse(s, peer, ih, own_id, cfg, ev, out);
  co_return out;
}

// TCP and uTP in the route's order; the second only when the first did not
// connect, or (TCP) hung up at once.
awaitable<PexOutcome> each_carrier(Endpoint peer, InfoHash ih, PeerId own_id, const PexConfig& cfg, net::RateGate& gate,
                                   const PexEvents& ev, PexRoute route) {
  auto* stop = route.stop;
  auto* utp = route.utp ? route.utp->for_peer(peer) : nullptr;
  auto stopped = [stop] { return stop && stop->requested(); };
  bool utp_turn = utp && route.order == CarrierOrder::utp_first;
  PexOutcome out;
  for (int attempt = 0; attempt < (utp ? 2 : 1); ++attempt, utp_turn = !utp_turn) {
    if (stopped()) break;
    co_await net::pace(gate, peer.address);
    if (stopped()) break;
    auto got = utp_turn ? co_await over_utp(*utp, peer, ih, own_id, cfg, ev, stop)
                        : co_await over_tcp(peer, ih, own_id, cfg, ev, stop);
    got.fell_back = attempt > 0;
    // A second carrier that did not connect either says nothing new.
    if (attempt == 0 || got.carrier) out = got;
    // A TCP listener that hangs up at once may be a client that takes uTP only.
    bool retry = !out.carrier || (out.carrier == Carrier::tcp && out.hung_up_at_once);
    if (!retry) break;
  }
  co_return out;
}

}  // namespace

awaitable<PexOutcome> pex_session(Endpoint peer, InfoHash ih, PeerId own_id, const PexConfig& cfg, net::RateGate& gate,
                                  const PexEvents& ev, PexRoute route) {
  auto* stop = route.stop;
  auto stopped = [stop] { return stop && stop->requested(); };
  auto out = co_await each_carrier(peer, ih, own_id, cfg, gate, ev, route);
  if (out.end == PexEnd::no_handshake && out.hung_up_at_once && cfg.hung_up_retry.count() > 0 && !stopped()) {
    bool slept = true;
    if (stop) slept = co_await stop->sleep_for(cfg.hung_up_retry);
    else co_await net::sleep_for(cfg.hung_up_retry);
    if (slept && !stopped()) {
      out = co_await each_carrier(peer, ih, own_id, cfg, gate, ev, route);
      out.asked_again = true;
    }
  }
  // Whatever the session was waiting for failed because it was closed.
  if (stopped()) out.end = PexEnd::stopped;
  co_return out;
}

}  // namespace p2pscope::crawler
