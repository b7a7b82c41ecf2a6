// The run's second view: what the client gave out, read from the run's
// pcap (`sandbox-lo.pcap`) by `passive`'s extractor, the code behind
// `p2pscope passive`, and set against what the harness's feeders recorded
// (capture.hpp). The two read the same bytes independently (the feeders
// through their own sessions, passive through TCP and uTP reassembly), so
// a difference is a defect in one of them, or bytes a feeder never read.
//
// The client's messages are those from its addresses, and those to a
// feeder's own endpoint (a fed peer's, a hub's, a DHT node's: only the
// client talks to those; a client's unbound socket, as Deluge's, gets the
// receiver's address as its source on the sandbox's loopback). Compared, as sets of endpoints: the peers in
// the `ut_pex` messages the client sent (added and added6), the `values`, and the `nodes`/`nodes6`
// of its KRPC responses, to anyone but itself (libtorrent's DHT meets its
// own address and answers it); and per receiver, that the pcap holds every
// ut_pex message the feeders read. eMule runs: the sources of every source
// exchange answer the client sent (ANSWERSOURCES, ANSWERSOURCES2), each ID
// read in its version's form (ED2K for 1-2, hybrid for 3-4; a 28-byte SX1
// entry by the version the asker it went to read it in) and LowIDs left
// out, against the sources the askers recorded. With a partner
// (HarnessPlan::partner), the client's messages to it are no feeder's: they
// are kept apart (to_partner), and its Azureus peer exchange is read there
// too. Pure apart from reading the file; any thread.
#pragma once

#include "core/error.hpp"
#include "taint-harness/capture.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::harness {

struct WireCheck {
  std::size_t pex_messages = 0;    // ut_pex messages the client sent, in the pcap
  std::size_t krpc_responses = 0;  // KRPC responses the client sent, in the pcap
  std::size_t pex_peers = 0, dht_values = 0, dht_nodes = 0;  // distinct endpoints, in the pcap
  std::size_t sx_answers = 0, sx_sources = 0;  // eMule: source exchange answers, their distinct HighID sources
  // One line per endpoint in one view only ("pex added 1.2.3.4:5: in the
  // pcap, not in the feeders' capture"), at most kMaxDifferences; the
  // number of all of them in `differing`.
  std::vector<std::string> differences;
  std::size_t differing = 0;
  std::optional<std::string> damage;  // the pcap ended in a damaged record
  std::uint64_t pcap_dropped = 0;     // packets the recorder's kernel buffer dropped (set by the run)
  // Runs with a partner: every peer exchange the client sent it (ut_pex or
  // AZ_PEER_EXCHANGE), which only the pcap holds (Capture::partner_pex).
  std::vector<PexSeen> to_partner;
  bool agree() const noexcept { return differing == 0; }
};
inline constexpr std::size_t kMaxDifferences = 20;

// Reads pcap for what the plan's client sent and compares it with c.
// Errors: the file cannot be opened or read.
StatusOr<WireCheck> check_wire(const std::filesystem::path& pcap, const Capture& c, const HarnessPlan& plan);

nlohmann::json to_json(const WireCheck& w);

}  // namespace p2pscope::harness
