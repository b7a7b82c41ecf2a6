// Diagnosis (sections IV-C and V of the P2PScope study): from a crawl's
// observations, the probe results and the routing data, a verdict for every
// (infohash, peer) handed out, and for every source the share of bogus peers
// it handed out.
//
// Per peer, the most decisive evidence wins, in this order:
//   1. it accepted a random infohash (fake-infohash probe)        -> anti_p2p
//   2. it answered a handshake for the real infohash             -> normal
//   3. unroutable (special-purpose or no announced prefix):
//        its byte-reversed address is routable and was handed out
//        for the same infohash, or answers a handshake           -> byte_order
//        otherwise                                               -> bogus_unroutable
//   4. routable but silent:
//        the reverse answers a handshake                         -> byte_order
//        in a known anti-P2P list                                -> anti_p2p
//        in a server-farm /24 that holds a confirmed anti-P2P
//        peer                                                    -> anti_p2p
//        TCP port open or uTP set up, or closed / no answer      -> unreachable
//        never probed                                            -> unknown
// Per source, "definitely bogus" counts bogus_unroutable, byte_order and
// anti_p2p (the study's lower bound); "possibly bogus" adds unreachable and
// unknown (the upper bound). Hop distance: 0 for an anti-P2P source, else one
// more than the nearest peer it handed out that has a distance.
//
// Pure and single-threaded: no I/O, inputs are only read.
#pragma once

#include "core/names.hpp"
#include "core/records.hpp"
#include "probes/cluster.hpp"
#include "probes/dht_nodes.hpp"
#include "probes/prefix_table.hpp"

#include <span>

namespace p2pscope::probes {

struct DiagnoseInputs {
  std::span<const Observation> observations;
  std::span<const EmuleObservation> emule_observations;
  std::span<const ProbeResult> probes;
  const PrefixTable* routing = nullptr;  // null: only special-purpose ranges decide routability
  std::span<const IpRange> known;        // known anti-P2P ranges
  ClusterConfig cluster;
  std::span<const DhtNodeSeen> dht_nodes;  // the DHT nodes met, judged as probes/dht_nodes.hpp says
  DhtJudgeConfig dht;
};

// What a source's hand-outs make it look like: anti_p2p_peer (judged
// anti_p2p itself); byte_order_client (PEX, reversals are at least half its
// definitely-bogus peers); propagator (PEX, hands out unroutable peers);
// poisoned_tracker (hands out unroutable peers, or >= 50% definitely bogus).
// eMule: byte_order_relay (source exchange, reversals at least half its
// definitely-bogus peers: an old aMule); poisoned_server (an index server
// listing definitely-bogus addresses that run no eMule client, which could
// never have logged in). bogus_dht_node: a DHT source with a dht_* verdict
// of its own.
enum class SourceLooks : std::uint8_t {
  unremarkable, anti_p2p_peer, byte_order_client, propagator, poisoned_tracker, byte_order_relay, poisoned_server,
  bogus_dht_node
};
// The names are the words reports print; unremarkable's is empty.
constexpr auto enum_names(SourceLooks) noexcept {
  return std::to_array<std::pair<SourceLooks, std::string_view>>(
      {{SourceLooks::unremarkable, ""},
       {SourceLooks::anti_p2p_peer, "anti-P2P peer"},
       {SourceLooks::byte_order_client, "buggy client (byte order)"},
       {SourceLooks::propagator, "propagator (relays peers unchecked)"},
       {SourceLooks::poisoned_tracker, "poisoned tracker"},
       {SourceLooks::byte_order_relay, "old-aMule byte-order relay (source exchange)"},
       {SourceLooks::poisoned_server, "poisoned index server"},
       {SourceLooks::bogus_dht_node, "bogus DHT node"}});
}
inline std::string_view to_string(SourceLooks l) noexcept { return name_of(l); }

struct SourceReport {
  Via via = Via::dht;
  std::string source;                     // tracker URL, or the node/peer ip:port
  std::size_t peers = 0;                  // unique (infohash, peer) pairs handed out
  std::size_t definitely_bogus = 0, possibly_bogus = 0;
  std::map<VerdictKind, std::size_t> by_verdict;
  SourceLooks looks_like = SourceLooks::unremarkable;
  std::optional<std::size_t> hops_from_anti_p2p;
  ClusterStats cluster;                   // over the addresses it handed out
  // eMule: the reversed entries (byte_order verdicts) it handed out, by the
  // SX version (0 for servers and KAD) and ID form they came in.
  std::map<std::pair<std::uint8_t, ed2k::IdForm>, std::size_t> reversed_entries;

  double lower_share() const { return peers ? static_cast<double>(definitely_bogus) / static_cast<double>(peers) : 0; }
  double upper_share() const { return peers ? static_cast<double>(possibly_bogus) / static_cast<double>(peers) : 0; }
};

// The Fig. 4-style breakdown over every (infohash, peer) handed out.
struct Breakdown {
  std::size_t unroutable_reverse_is_peer = 0;  // the reverse is a BitTorrent peer (seen, or it answered)
  std::size_t unroutable_reverse_unroutable = 0;
  std::size_t unroutable_other = 0;
  std::size_t routable_anti_p2p = 0;
  std::size_t routable_bittorrent = 0;         // answered a handshake
  std::size_t routable_byte_order = 0;
  std::size_t routable_open_port = 0;          // TCP open or uTP set up, no BitTorrent
  std::size_t routable_no_answer = 0;
  std::size_t routable_unprobed = 0;
};

// The study's Fig. 4 for eMule over unique (file, peer) pairs with an
// address (LowIDs name none): each peer is unroutable, runs eMule (answered
// the hello) or is other, and so is the address its ID names in the other
// byte order.
//   lower bound: not eMule, reverse is eMule (a reversal for sure);
//   upper bound: the lower bound, plus unroutable with a reverse that is not
//                eMule, plus other with a reverse that is other (bogus
//                either way round, cause unknown).
enum class EmuleClass : std::uint8_t { unroutable, emule, other };
constexpr auto enum_names(EmuleClass) noexcept {
  return std::to_array<std::pair<EmuleClass, std::string_view>>(
      {{EmuleClass::unroutable, "unroutable"}, {EmuleClass::emule, "running eMule"}, {EmuleClass::other, "other"}});
}
struct EmuleTree {
  std::array<std::array<std::size_t, 3>, 3> cells{};  // [peer class][reverse class]
  std::size_t& at(EmuleClass peer, EmuleClass reverse) {
    return cells[static_cast<std::size_t>(peer)][static_cast<std::size_t>(reverse)];
  }
  std::size_t at(EmuleClass peer, EmuleClass reverse) const {
    return cells[static_cast<std::size_t>(peer)][static_cast<std::size_t>(reverse)];
  }
  std::size_t total() const;
  std::size_t of(EmuleClass peer) const;
  std::size_t lower() const;
  std::size_t upper() const;
};
struct EmuleBreakdown {
  EmuleTree servers, sx, kad, overall;  // by the route that handed the peer out (a peer may count in several)
  std::size_t low_ids = 0;              // observations naming no address
};

struct Diagnosis {
  // One per (infohash, peer) and per (file, peer), sorted; then one per DHT
  // node judged bogus (dht_* verdicts, no infohash), by node address.
  std::vector<Verdict> verdicts;
  std::vector<SourceReport> sources;   // most definitely-bogus peers first
  Breakdown breakdown;
  std::optional<EmuleBreakdown> emule; // when there were eMule observations
};

Diagnosis diagnose(const DiagnoseInputs& in);

// Routable, and the evidence either way: special-purpose ranges first, then
// the routing data when given (without it, anything else counts as routable).
std::pair<bool, std::string> routability(const IpAddress& ip, const PrefixTable* routing);
// Inside one of the known anti-P2P ranges.
bool in_known_list(const IpAddress& ip, std::span<const IpRange> known);
// A source's reversed entries for people: "SX v3 hybrid IDs 72; ..." ("" when none).
std::string reversed_entries_text(const SourceReport& s);
// Folds one probe's outcome into what is known: the first outcome, or any positive one.
void merge_probe_outcome(std::optional<ProbeOutcome>& slot, ProbeOutcome o);
// bogus_unroutable, byte_order and anti_p2p: the study's lower bound.
bool definitely_bogus(VerdictKind k);
// Adds the eMule verdicts, sources and breakdown (emule_diagnose.cpp).
void diagnose_emule(const DiagnoseInputs& in, Diagnosis& d);

// How a source is named in a SourceReport: the tracker URL, or the node or
// peer as ip:port ("?" when the record lacks it).
std::string source_of(const Observation& o);

}  // namespace p2pscope::probes
