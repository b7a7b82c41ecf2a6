// Lab scenarios: a small "key = value" text format, one setting per line,
// '#' starts a comment. Every error names the line and the field, e.g.
//   line 7, field "seeds": expected a whole number from 1 to 64, got "lots"
// Built-in scenarios (small, large, emule-small, emule-demo) are compiled into the binary.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace p2pscope::lab {

struct Scenario {
  std::string name;
  std::uint64_t seed = 1;            // makes addresses, ids and content reproducible
  int torrents = 1;
  std::int64_t content_bytes = 4 << 20;
  int piece_size = 16384;
  int seeds = 2;                     // libtorrent sessions holding the whole content
  int leechers = 8;                  // libtorrent sessions downloading it
  int leecher_rate_limit = 16384;    // bytes/s each way, so leechers stay leechers and keep gossiping
  int utp_only_leechers = 0;         // of the leechers, how many speak uTP only (libtorrent with TCP off)
  bool opentracker = true;           // Debian's opentracker, HTTP and UDP
  int lab_trackers = 0;              // the lab's own trackers (HTTP and UDP)
  int poisoned_trackers = 0;         // of those, how many inject bogus entries and honour "ip"
  int lite_peers = 0;                // the lab's lightweight peers (many per process)
  int mirrored_pairs = 0;            // lite peer pairs at a.b.c.d and d.c.b.a
  int dht_nodes = 0;                 // nodes of the many-nodes DHT responder
  bool libtorrent_dht = false;       // libtorrent seeds and leechers run the DHT too
  // Bogus DHT nodes (issue 26), answered by the responder besides dht_nodes:
  int dht_fake_values = 0;           // answer get_peers for any infohash with DHT nodes' addresses as values
  int dht_phantom = 0;               // name neighbours that do not exist, next to whatever target was asked
  int dht_sybil_hosts = 0;           // addresses that each hold dht_sybil_ids node ids (none a BEP 42 id)
  int dht_sybil_ids = 8;
  int dht_sybil_near = 0;            // per torrent: nodes with ids next to its infohash, each at its own address
  int anti_p2p_farms = 0;            // server-farm /24s of anti-P2P peers
  int anti_p2p_per_farm = 4;
  int anti_p2p_fakes = 6;            // made-up addresses per farm, handed out through PEX and trackers
  int anti_p2p_utp_only = 0;         // of farm 0's members (from the last), how many speak uTP only
  int byte_order_peers = 0;
  int byte_order_utp_only = 0;       // of those (from the last), how many speak uTP only
  int propagators = 0;
  int bogus_unroutable = 0;          // injected at the poisoned trackers
  int bogus_dead = 0;
  int bogus_open_port = 0;
  // IPv6 (issue 26). With either set, the lab trackers and the client
  // addresses are dual-stack (an IPv6 address besides the IPv4 one).
  int lite_peers_v6 = 0;             // lite peers with only an IPv6 address; they dial the peers trackers name
  int byte_order_v6_peers = 0;       // IPv6-only byte-order actors: all 16 bytes reversed, each 32-bit word swapped, by turns
  int dht_nodes_v6 = 0;              // responder nodes at IPv6 addresses (BEP 32); the IPv6 peers announce to them
  // An IPv6 anti-P2P farm (one /64, after the IPv4 farms): its members, and
  // the made-up addresses in its /64 that they hand out through PEX and that
  // its first member plants at the poisoned trackers through BEP 7 "ipv6=".
  int anti_p2p_v6_members = 0;
  int anti_p2p_v6_fakes = 0;
  // libtorrent leechers with only an IPv6 address (besides `leechers`): they
  // announce to the lab trackers' IPv6 faces and run the IPv6 DHT.
  int libtorrent_v6_leechers = 0;
  bool has_ipv6() const noexcept {
    return lite_peers_v6 > 0 || byte_order_v6_peers > 0 || dht_nodes_v6 > 0 || anti_p2p_v6_members > 0 ||
           libtorrent_v6_leechers > 0;
  }
  int pex_interval = 60;             // seconds between the lab peers' ut_pex messages (BEP 11: >= 60)
  int tracker_min_interval = 150;    // the lab's HTTP trackers' "min interval" (a crawler's re-announce pace)
  // Per byte-order actor: how many of the addresses it could learn it knows
  // and reverses, drawn from the plan (a client's peer list); 0: all of them.
  int byte_order_neighbours = 0;
  // No: the libtorrent sessions never dial the lite peers' port, so lite
  // peers do not fill their connection limits (probes would meet peers
  // that close a handshake unanswered).
  bool libtorrent_dial_lite_peers = true;
  // eMule (issue 24). Every field is 0 in the BitTorrent scenarios.
  int ed2k_servers = 0;              // the lab's eDonkey index servers, TCP and UDP
  int poisoned_ed2k_servers = 0;     // of those, how many add made-up sources to every answer
  int ed2k_files = 0;                // files the scripted eMule peers share (made-up hash and size)
  int emule_peers = 0;               // scripted honest eMule peers: aMule 2.3.3 and eMule 0.50a by turns
  int emule_low_ids = 0;             // LowID clients each server lists for every file
  int kad_nodes = 0;                 // nodes of the many-nodes KAD responder
  int emule_byte_order_peers = 0;    // source-exchange peers with aMule's historical defects, by turns
  int emule_anti_p2p = 0;            // one farm /24 of eMule peers that claim any file
  int emule_anti_p2p_fakes = 0;      // made-up addresses in that /24 that they hand out
  int amule_seeders = 0;             // real amuled (Debian's aMule 2.3.3) sharing the lab's real file
  int amule_downloaders = 0;         // real amuled downloading it, slowly, so they stay downloaders
  std::int64_t amule_file_bytes = 30'000'000;
  // 1: the aMule daemons take part in KAD (they publish themselves to the
  // responder); on in emule-small (lab/README.md).
  int amule_kad = 0;

  friend bool operator==(const Scenario&, const Scenario&) = default;
};

struct ScenarioError {
  int line = 0;       // 1-based; 0 when the error is about the file as a whole
  std::string field;  // empty when the line is not a setting at all
  std::string message;
  std::string to_string() const;
};

// Parses scenario text. On failure fills *err (if given).
Result<Scenario> parse_scenario(std::string_view text, ScenarioError* err = nullptr);

// Reads and parses a scenario file. A file that cannot be read is reported
// in *err like a parse error (line 0), with the I/O error's code.
Result<Scenario> load_scenario_file(const std::filesystem::path& path, ScenarioError* err = nullptr);

// Scenario text that parse_scenario() reads back as s.
std::string format_scenario(const Scenario& s);

// The text of a built-in scenario ("small", "large", "emule-small", "emule-demo"), or errc::bad_value.
Result<std::string_view> builtin_scenario(std::string_view name);

}  // namespace p2pscope::lab
