// Active probes of one peer, each one connection with a deadline on every
// step (one coroutine per probe). The connection is TCP, or uTP (BEP 29)
// when the config has a uTP mux for the peer's family and the first
// carrier tried cannot connect: a uTP-only peer is alive too.
//   liveness       connect (SYN-ACK), then a BitTorrent handshake for the
//                  real infohash: does a BitTorrent peer for this torrent
//                  live here?
//   fake infohash  a handshake for a freshly random infohash (Approach II of
//                  the P2PScope study). An honest client has never heard of
//                  it and hangs up; a peer that accepts it, then sends a
//                  bitfield/have_all or PEX for it, is an anti-P2P peer. The
//                  transcript is kept as evidence.
//   reverse        the liveness handshake sent to the byte-reversed address
//                  on the same port: is the reverse a BitTorrent peer?
// Every connect is paced by the RateGate (per-target and global rates).
// Special-purpose addresses are never contacted: their result is an error
// with the reason (tests on loopback lift this in the config). Threads: one io_context thread; the gate and the config
// must outlive the coroutine.
#pragma once

#include "core/peer_wire.hpp"
#include "core/records.hpp"
#include "net/rate_gate.hpp"
#include "net/asio.hpp"
#include "net/utp_socket.hpp"

#include <random>

namespace p2pscope::probes {

struct PeerProbeConfig {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{8000};
  std::chrono::milliseconds linger{3000};  // fake probe: how long to listen after the handshake
  WireLimits wire{.max_message = 1 << 18};
  IpAddress local = IpAddress::v4(0);      // source address for IPv4 probes (0.0.0.0: any)
  IpAddress local6 = IpAddress::v6({});    // and for IPv6
  bool contact_special_purpose = false;    // tests on loopback only: real probes never contact bogons
  // contact_peer_again_if_hung_up: the pause before asking again (0: never).
  // Longer than libtorrent's uTP connect timeout (3 s): its own pending
  // attempt to dial our address counts as our connection (below).
  std::chrono::milliseconds hung_up_retry{5000};
  net::UtpMuxes utp;                       // empty: TCP only
};

// What one connection saw.
struct Contact {
  ProbeOutcome connect = ProbeOutcome::error;    // TCP; positive: connected
  std::optional<ProbeOutcome> utp_connect;       // uTP, when tried
  std::optional<double> utp_connect_ms;
  std::optional<Carrier> carrier;                // the one that connected
  ProbeOutcome handshake = ProbeOutcome::error;  // positive: answered for our infohash
  std::optional<double> connect_ms, handshake_ms;
  std::optional<Handshake> theirs;               // whatever handshake came back
  std::vector<std::string> transcript;           // message names after the handshake, in order
  std::size_t pex_peers = 0;                     // entries in ut_pex messages received
  std::string why;                               // what ended it, when not a handshake
  bool hung_up_at_once = false;                  // connected, then closed before any handshake byte
  bool skipped = false;                          // never contacted: special-purpose address or port 0
  bool asked_again = false;                      // hung up at once, and asked again (its outcome is the second's)

  bool connected() const noexcept { return carrier.has_value(); }
  // positive when either carrier connected; otherwise TCP's outcome.
  ProbeOutcome reached() const noexcept { return connected() ? ProbeOutcome::positive : connect; }
};

// Who the prober says it is. An anti-P2P peer that could recognise the
// probe (a constant peer id, a "p2pscope" client name) could evade the very
// test that catches it, so a run looks like one common client: its peer id
// prefix and BEP 10 client name, twelve fresh random characters, and its
// reserved bits (DHT, fast, extension protocol).
struct ProbeIdentity {
  PeerId peer_id;
  std::string client;  // BEP 10 "v"
  // A common client chosen at random, with a fresh peer id.
  static ProbeIdentity fresh(std::mt19937_64& rng);
};

// A generator seeded from std::random_device with a full seed sequence:
// fake infohashes must not repeat across runs.
std::mt19937_64 seeded_generator();

// Which carriers a contact may use.
enum class CarrierPlan : std::uint8_t {
  // TCP; then uTP (when cfg has it) if TCP cannot connect or the peer hangs
  // up before a single handshake byte (a libtorrent with incoming TCP off
  // accepts the connection and closes it): for a peer not met before.
  tcp_then_utp,
  tcp_only,
  utp_only,  // needs cfg.utp for the peer's family
};

// Connects to peer as `plan` says, sends our handshake for ih (with BEP 10 and,
// when listen is set, an extended handshake offering ut_pex) and, when
// listen is set, records the messages that follow for cfg.linger. `me` and
// cfg must outlive the coroutine.
net::awaitable<Contact> contact_peer(Endpoint peer, InfoHash ih, const ProbeIdentity& me, const PeerProbeConfig& cfg,
                                     net::RateGate& gate, bool listen, CarrierPlan plan = CarrierPlan::tcp_then_utp);

// contact_peer, and once more after cfg.hung_up_retry when the peer took
// the connection and hung up before a single byte on every carrier tried: a
// client that holds one connection per address (libtorrent's default) does
// that while it still has an earlier one of ours (a probe of another peer
// whose reverse is this one), or while its own attempt to dial the address
// a crawl from ours announced is pending, and one at its connection limit
// until a slot frees. For our real infohash only: on a fake one, an honest client hangs
// up at once anyway.
net::awaitable<Contact> contact_peer_again_if_hung_up(Endpoint peer, InfoHash ih, const ProbeIdentity& me,
                                                      const PeerProbeConfig& cfg, net::RateGate& gate);

// Records from contacts. run and time are filled in by the caller. The
// liveness records: tcp_connect; utp_connect when uTP was tried; handshake
// when either connected (its evidence names the carrier).
std::vector<ProbeResult> liveness_results(const Endpoint& peer, const InfoHash& ih, const Contact& c);
ProbeResult fake_infohash_result(const Endpoint& peer, const InfoHash& real, const InfoHash& fake, const Contact& c);
ProbeResult reverse_result(const Endpoint& peer, const Endpoint& reversed, const InfoHash& ih, const Contact& c);

// A random infohash for the fake probe (draw one per probe).
InfoHash random_info_hash(std::mt19937_64& rng);

}  // namespace p2pscope::probes
