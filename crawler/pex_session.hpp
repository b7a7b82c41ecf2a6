// One outgoing peer session that exists to hear PEX (BEP 11): connect,
// BitTorrent and BEP 10 handshakes, then listen for ut_pex messages until
// the hold time runs out (or, with PexUntil::whole_view, until a message
// shows the peer has named everyone it knows). Every added/added6 entry is
// reported with its flags; what the peer says about itself becomes a
// PeerHello, which names the carrier.
//
// Carriers: TCP, and uTP (BEP 29) when the caller gives a uTP mux for the
// peer's family. TCP goes first unless the caller says the peer prefers
// uTP (its PEX flags, 0x04); when the first carrier cannot connect, or TCP
// connects and the peer hangs up before a single handshake byte (what a
// libtorrent with incoming TCP turned off does), the other is tried. A
// peer that fails in any other way is not retried.
//
// Bounded: the connect, the handshakes and every read have deadlines; a
// message over WireLimits, more peers than max_peers, or more ut_pex
// messages than max_messages end the session with an anomaly.
//
// Threads: one io_context thread. The callbacks must stay valid until the
// coroutine completes.
#pragma once

#include "core/extension.hpp"
#include "core/names.hpp"
#include "core/peer_wire.hpp"
#include "core/records.hpp"
#include "net/asio.hpp"
#include "net/rate_gate.hpp"
#include "net/stop_signal.hpp"
#include "net/utp_socket.hpp"

#include <functional>

namespace p2pscope::crawler {

// When a session that hears PEX ends before the hold time.
//   hold        only when the peer hangs up or breaks a limit: later messages
//               name the peers it meets meanwhile (the default for real crawls)
//   whole_view  also after a ut_pex message naming fewer than
//               kWholeViewBelow peers: below every client's per-message cap
//               (the lab's and Transmission's 50, libtorrent's 100), so the
//               message held all the peer would name then (--quick)
enum class PexUntil : std::uint8_t { hold, whole_view };
inline constexpr std::size_t kWholeViewBelow = 50;

struct PexConfig {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds hold{130000};  // two PEX intervals (clients send at most one a minute)
  PexUntil until = PexUntil::hold;
  // A peer that took the connection and hung up before a byte, on every
  // carrier tried, is asked once more after this pause (0: never). A client
  // that holds one connection per address (libtorrent's default) does that
  // while its own attempt to dial the address our announce named is
  // pending: up to its uTP connect timeout, 3 s.
  std::chrono::milliseconds hung_up_retry{5000};
  std::size_t max_messages = 20;          // ut_pex messages per session
  std::size_t max_peers = 2000;           // added entries per session
  std::uint16_t listen_port = 6881;       // the port we claim in the extended handshake
  WireLimits wire{.max_message = 1 << 18};
  ExtensionLimits ext;
  IpAddress local = IpAddress::v4(0);     // 0.0.0.0: any
  IpAddress local6 = IpAddress::v6({});   // :: : any
};

struct PexEvents {
  std::function<void(const PexPeer&)> on_peer;
  std::function<void(PeerHello)> on_hello;
  std::function<void(AnomalyKind, std::string)> on_anomaly;
};

enum class PexEnd : std::uint8_t {
  unreachable,     // connect failed or timed out
  no_handshake,    // closed or timed out before a valid handshake
  wrong_torrent,   // answered for another infohash
  no_pex,          // no ut_pex in its extended handshake
  held,            // we hung up after the hold time
  whole_view,      // we hung up after a ut_pex message under kWholeViewBelow peers (PexUntil::whole_view)
  closed,          // the peer hung up
  limit,           // it broke a limit
  stopped,         // the crawl ended first
};
constexpr auto enum_names(PexEnd) noexcept {
  return std::to_array<std::pair<PexEnd, std::string_view>>({
      {PexEnd::unreachable, "unreachable"}, {PexEnd::no_handshake, "no_handshake"},
      {PexEnd::wrong_torrent, "wrong_torrent"}, {PexEnd::no_pex, "no_pex"}, {PexEnd::held, "held"},
      {PexEnd::whole_view, "whole_view"},
      {PexEnd::closed, "closed"}, {PexEnd::limit, "limit"}, {PexEnd::stopped, "stopped"}});
}

std::string_view to_string(PexEnd e) noexcept;

struct PexOutcome {
  PexEnd end = PexEnd::unreachable;
  std::size_t messages = 0, peers = 0;
  std::optional<Carrier> carrier;  // the one that connected
  bool fell_back = false;          // the first carrier did not connect, or hung up at once
  bool hung_up_at_once = false;    // connected, then closed before any handshake byte
  bool asked_again = false;        // this is the second session, after PexConfig::hung_up_retry
};

enum class CarrierOrder : std::uint8_t { tcp_first, utp_first };

struct PexRoute {
  net::StopSignal* stop = nullptr;      // when requested, the session ends at once with PexEnd::stopped
  const net::UtpMuxes* utp = nullptr;   // null: TCP only
  CarrierOrder order = CarrierOrder::tcp_first;
};

net::awaitable<PexOutcome> pex_session(Endpoint peer, InfoHash ih, PeerId own_id, const PexConfig& cfg,
                                       net::RateGate& gate, const PexEvents& ev, PexRoute route = {});

}  // namespace p2pscope::crawler
