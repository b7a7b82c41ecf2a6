// The eMule side of a crawl: the inputs (ed2k file and server links, list
// files of links, server.met, nodes.dat), the crawler's stable user hash,
// a round over eDonkey index servers (TCP and UDP) and KAD that records
// every source with the server or node that gave it, then source exchange
// with every source found (backtracking: sources that source exchange
// names are asked in turn), and the schedule of rounds.
//
// Threads: crawl_ed2k_servers runs on one io_context thread; the sink is
// called from it.
#pragma once

#include "core/record_sink.hpp"
#include "crawler/ed2k_server_client.hpp"
#include "crawler/kad_client.hpp"
#include "crawler/sx_session.hpp"

#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <vector>

namespace p2pscope::crawler {

struct Ed2kInputs {
  std::vector<Ed2kFile> files;       // merged by hash, input order kept
  std::vector<std::string> servers;  // HOST:PORT, from server links and server.met files
  std::vector<kad::Contact> kad_nodes;  // from nodes.dat files
};

// The eMule inputs among `inputs` (what load_targets leaves): ed2k:// file
// and server links, text files whose lines are such links (other lines are
// BitTorrent's), server.met and nodes.dat files. The error names the input and line.
// A server-list link is refused: its list must be downloaded first.
StatusOr<Ed2kInputs> load_ed2k_inputs(const std::vector<std::string>& inputs);

// The user hash p2pscope logs in and says hello with from `local`: the same
// on every run from the same host and address (a changed hash gets an
// address banned for two hours), with eMule's marks (byte 5 = 14, byte 14 =
// 111).
ed2k::Md4 crawler_user_hash(const IpAddress& local);

struct Ed2kRound {
  std::size_t servers = 0, servers_answered = 0;
  std::uint64_t observations = 0;  // records written: a (route, server, file, ID, port) first seen
  std::uint64_t handed_out = 0;    // every source every server gave, repeats included
  std::uint64_t low_ids = 0, anomalies = 0;
  std::optional<KadReport> kad;  // when KAD was asked
  std::map<std::string, std::size_t> sx_ends;  // source exchange sessions by how they ended (SxEnd names)
  std::map<std::string, std::string> failures;  // server -> why it could not be asked
  std::optional<Error> sink_error;              // the sink refused a record: the round stopped there
};

// Asks every server (resolved HOST:PORT) over TCP and, at its port + 4,
// over UDP, at most `parallel` servers at a time; then KAD from kad_seeds
// (when there are any); then one source exchange session per (file,
// source) found, by any route, at most sx_parallel at once and sx_max in
// all: never to a LowID, nor (unless contact_special, for loopback tests)
// to a special-purpose address. Writes one EmuleObservation per new
// (route, source, file, ID, port) and one Anomaly per misbehaviour, each
// stamped with run_id.
struct EmuleRoundConfig {
  Ed2kAskConfig servers;
  KadConfig kad;
  SxConfig sx;
  std::string run_id;
  std::size_t parallel = 8;
  std::size_t sx_parallel = 200;
  std::size_t sx_max = 20000;
  bool contact_special = false;
};
// What a crawl remembers between rounds: the (route, source, file, ID,
// port) already written, so a later round writes only what is new.
struct EmuleMemory {
  std::set<std::tuple<Via, Endpoint, ed2k::Md4, std::uint32_t, std::uint16_t>> written;
};
// `memory` (may be null: one round on its own) is read and added to; every
// source found this round is asked through source exchange again, whether
// or not an earlier round wrote it.
net::awaitable<Ed2kRound> crawl_emule_round(std::vector<Endpoint> servers, std::vector<kad::Contact> kad_seeds,
                                           std::vector<Ed2kFile> files, const EmuleRoundConfig& cfg,
                                           net::RateGate& gate, RecordSink& sink, net::StopSignal* stop = nullptr,
                                           EmuleMemory* memory = nullptr);

// The eMule schedule: a round, then another every `requery` (never sooner
// than aMule's re-ask windows allow: a client answers one asker's source
// exchange once per 40 minutes, a server one client's GETSOURCES once per
// 20), until a round writes nothing new, after `max_rounds` (0: no limit),
// when the next round would end past `max_duration` (0: no limit), or on
// stop.
struct EmuleSchedule {
  std::chrono::seconds requery{2400};
  std::chrono::seconds max_duration{0};
  std::size_t max_rounds = 0;
};
struct EmuleCrawl {
  std::vector<Ed2kRound> rounds;
  std::string stop_reason;  // "nothing new", "max_rounds", "max_duration", "stopped", "the record sink failed"
};
// on_round (may be empty) hears each round as it ends.
net::awaitable<EmuleCrawl> crawl_emule(std::vector<Endpoint> servers, std::vector<kad::Contact> kad_seeds,
                                      std::vector<Ed2kFile> files, const EmuleRoundConfig& cfg,
                                      const EmuleSchedule& schedule, net::RateGate& gate, RecordSink& sink,
                                      net::StopSignal* stop = nullptr,
                                      std::function<void(const Ed2kRound&)> on_round = {});

// HOST:PORT to endpoints (a name may give several); entries that do not
// resolve are reported through `failed` and skipped.
net::awaitable<std::vector<Endpoint>> resolve_servers(const std::vector<std::string>& servers,
                                                     std::vector<std::string>& failed);

}  // namespace p2pscope::crawler
