// Scores a crawl's observations against the lab's ground truth (issue #4's
// acceptance; the demo reuses it). Pure: JSON and records in, numbers out.
//
//   recall       of the peers the lab hands out (every truth address with a
//                port, except trackers, DHT nodes and the tools' own
//                addresses), the share the crawl observed
//   attribution  the share of observations whose (via, source) the truth
//                confirms: an honest peer from any lab tracker, DHT node or
//                BitTorrent-speaking peer; a bogus one only from the actor
//                and route its `introduced_by` names (an anti-P2P peer, which
//                does speak BitTorrent, may also be relayed by any peer)
//   completeness every actor named in `introduced_by` as a direct source
//                (a poisoned tracker's reply, a peer's PEX) was observed
//                handing out at least one bogus peer it introduced
#pragma once

#include "core/records.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace p2pscope::lab {

struct CrawlScore {
  std::size_t expected = 0, found = 0;
  std::size_t observations = 0, confirmed = 0;
  std::vector<std::string> missed;          // "ip:port (role)", the first few hundred
  std::vector<std::string> unconfirmed;     // "via source -> peer: why", the first few hundred
  std::vector<std::string> actors_missing;  // direct-source actors never seen handing out their peers
  std::vector<std::string> actors_seen;
  // Peers the truth says speak uTP only, and those of them the crawl heard
  // PEX from (reaching them needs a uTP session).
  std::size_t utp_only = 0, utp_only_heard = 0;
  // Handed-out peers at IPv6 addresses and those observed; live peers with
  // only an IPv6 address, and those the crawl heard PEX from (over IPv6).
  std::size_t ipv6_expected = 0, ipv6_found = 0;
  std::size_t ipv6_only = 0, ipv6_only_heard = 0;
  std::vector<std::string> unheard;  // "ip:port (role)": uTP-only or IPv6-only peers no PEX came from

  double recall() const { return expected ? static_cast<double>(found) / static_cast<double>(expected) : 1.0; }
  double attribution() const {
    return observations ? static_cast<double>(confirmed) / static_cast<double>(observations) : 1.0;
  }
};

// truth: the ground-truth document (docs/lab-ground-truth.md). Only
// observations for the truth's infohashes count.
CrawlScore score_crawl(const nlohmann::json& truth, const std::vector<Observation>& observations);

// The same for the eMule side (issue 24), over the truth's eMule rows and
// `ed2k_files`:
//   recall       of the eMule peers the lab hands out (every eMule row with a
//                port except servers and KAD nodes), the share observed; a
//                LowID counts as the (server, LowID) the truth lists
//   attribution  an honest peer from any lab server, KAD node or eMule
//                peer; a bogus one only from the actor and route its
//                `introduced_by` names (ed2k-server-reply: that server;
//                ed2k-offer: any lab server; kad-publish: any KAD node; sx:
//                that peer's source exchange), or an anti-P2P peer relayed
//                by any eMule peer; a LowID only from a server listing it;
//                a lab tool's address through source exchange (real aMule
//                takes whoever asks about a file it downloads for a source)
//   completeness every actor naming an sx or ed2k-server-reply route was seen
//                handing out a bogus address it introduced
// actors_seen also lists the real amuleds seen answering source exchange.
CrawlScore score_emule_crawl(const nlohmann::json& truth, const std::vector<EmuleObservation>& observations);

// Verdicts against the truth, per class (issue #5's acceptance). The truth's
// class of an address: anti_p2p (roles anti_p2p, anti_p2p_fake), byte_order
// (a bogus byte_order_reversed address), bogus_unroutable, unreachable
// (bogus_dead, bogus_open_port) or normal (everything not bogus). Only
// verdicts for the truth's infohashes count; a verdict on an address the
// truth does not know counts against precision.
// A class the truth has but no verdict judged scores 0, never 0/0 = 1: a
// diagnosis that loses every anti-P2P peer must not pass.
struct ClassScore {
  std::size_t predicted = 0, correct = 0, actual = 0;  // actual: truth members among the judged peers
  std::size_t in_truth = 0;                            // addresses of this class anywhere in the truth
  std::vector<std::string> wrong, missed;              // "ip:port (truth or verdict)", the first few
  double precision() const {
    return predicted ? static_cast<double>(correct) / static_cast<double>(predicted) : in_truth ? 0.0 : 1.0;
  }
  double recall() const {
    return actual ? static_cast<double>(correct) / static_cast<double>(actual) : in_truth ? 0.0 : 1.0;
  }
};
std::map<VerdictKind, ClassScore> score_verdicts(const nlohmann::json& truth, const std::vector<Verdict>& verdicts);
// The same for eMule verdicts (issue 25): only verdicts for the truth's
// ed2k_files count, one per (file, peer); the classes come from the eMule
// rows (emule_anti_p2p and emule_fake are anti_p2p).
std::map<VerdictKind, ClassScore> score_emule_verdicts(const nlohmann::json& truth, const std::vector<Verdict>& verdicts);
// The truth's class for a ground-truth role and bogus flag.
VerdictKind truth_class(const std::string& role, bool bogus);
// Adds one judged peer to `out` (its actual class unknown when the truth
// does not know the address).
void tally_verdict(std::map<VerdictKind, ClassScore>& out, const Endpoint& peer, std::optional<VerdictKind> actual,
                   VerdictKind predicted);

// Verdicts on DHT nodes against the truth (issue 26). The nodes judged are
// the lab addresses among the crawl's dht_node records. A bogus node's class
// is its role's verdict (dht_fake_values; dht_phantom: dht_phantom_neighbours;
// dht_sybil and dht_sybil_near: dht_sybil); every other node met is normal,
// and must get no dht_* verdict. A node without a verdict counts as judged
// normal. by_role scores recall per kind of bogus node (the two Sybil roles
// apart).
struct DhtNodeScore {
  std::map<VerdictKind, ClassScore> by_kind;
  std::map<std::string, ClassScore> by_role;  // bogus roles only: actual, correct, missed, in_truth
  std::size_t met = 0;                         // lab nodes the crawl recorded
};
DhtNodeScore score_dht_nodes(const nlohmann::json& truth, const std::vector<DhtNodeSeen>& seen,
                             const std::vector<Verdict>& verdicts);

// What a diagnosis made of each misbehaving actor in the truth (the demo's
// "actors found"): the anti-P2P peers, byte-order clients, propagators and
// poisoned trackers. looks_like maps a diagnosis source (a tracker URL, or a
// peer's ip:port) to what the diagnosis says it looks like ("" or absent when
// it said nothing).
struct ActorFinding {
  std::string name, role;     // plan name and role ("tracker" for a poisoned tracker)
  std::string address;        // ip:port
  std::size_t introduced = 0; // addresses the truth says it handed out itself (pex, pex-relay, tracker-reply)
  std::size_t flagged = 0;    // of those, judged into their true class
  std::string own_verdict;    // the verdict on its own address; "" when not judged
  std::string looks_like;     // the diagnosis of it as a source; "" when none
  std::string reversed;       // eMule byte-order actors: the SX versions and ID forms of its reversed entries
};
std::vector<ActorFinding> score_actors(const nlohmann::json& truth, const std::vector<Verdict>& verdicts,
                                       const std::map<std::string, std::string>& looks_like);

// What `p2pscope explain` must say about an actor of the given role: what
// it looks like as a source (probes::SourceLooks's words) and whether its
// own verdict is anti_p2p. Roles: anti_p2p, byte_order, propagator, tracker
// (BitTorrent); emule_anti_p2p, emule_byte_order, ed2k_server (a poisoned
// one; eMule). nullopt for a role that is not an actor's.
struct ActorExpectation {
  std::string_view looks_like;
  bool anti_p2p = false;
};
std::optional<ActorExpectation> expected_of_actor(std::string_view role);

// The eMule actors (the byte-order peers, the anti-P2P peers and the
// poisoned index servers) and what the diagnosis made of them: `introduced`
// counts the bogus addresses the truth says each handed out itself (sx,
// ed2k-server-reply), `flagged` those judged into their true class, and
// `reversed` what the diagnosis says about its reversed entries ("SX v3
// hybrid IDs 72"), the sources' reversed_entries passed in as text by
// "ip:port".
std::vector<ActorFinding> score_emule_actors(const nlohmann::json& truth, const std::vector<Verdict>& verdicts,
                                             const std::map<std::string, std::string>& looks_like,
                                             const std::map<std::string, std::string>& reversed);

}  // namespace p2pscope::lab
