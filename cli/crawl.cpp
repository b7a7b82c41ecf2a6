// p2pscope crawl: argument handling, progress and the summary around
// crawler::Crawler.
#include "cli/commands.hpp"
#include "cli/crawl.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "core/text.hpp"
#include "crawler/crawl.hpp"
#include "crawler/crawl_settings.hpp"
#include "crawler/dht_crawl.hpp"
#include "crawler/ed2k_crawl.hpp"
#include "crawler/tracker_client.hpp"
#include "store/jsonl.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iostream>
#include <random>

namespace p2pscope::cli {
namespace {

using namespace crawler;

// The flags: the crawl's settings, and where its records go.
struct CrawlArgs : CrawlSettings {
  std::vector<std::string> inputs;
  std::string tracker_file, output = "-", summary_file, run_id;
  bool quiet = false;
  DbArgs db;
  bool output_given = false;
  CrawlHooks hooks;
};

std::string default_run_id() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", rd() & 0xffff);
  return std::string("crawl-") + buf + "-" + suffix;
}

// The settings with the tracker file read into them.
StatusOr<CrawlSettings> settings_of(const CrawlArgs& a) {
  CrawlSettings s = a;
  if (!a.tracker_file.empty()) {
    P2PSCOPE_TRY(list, load_tracker_list(a.tracker_file));
    s.trackers.insert(s.trackers.end(), list.begin(), list.end());
  }
  return s;
}

StatusOr<CrawlConfig> configure(const CrawlArgs& a) {
  P2PSCOPE_TRY(s, settings_of(a));
  auto host = s.no_ipv6 || s.ipv6 || !s.bind6.empty() ? net::HostIpv6::unrouted : net::host_ipv6();
  return make_config(s, a.run_id.empty() ? default_run_id() : a.run_id, host);
}

void show_progress(const CrawlProgress& p) {
  std::fprintf(stderr, "\r\033[K[%4llds] %zu peers, %llu observations | PEX %zu open, %zu waiting, %zu done | DHT %zu lookups, %llu queries | %llu anomalies",
               static_cast<long long>(p.elapsed.count()), p.unique_peers, static_cast<unsigned long long>(p.observations),
               p.pex_active, p.pex_waiting, p.pex_done, p.lookups_active, static_cast<unsigned long long>(p.krpc_sent),
               static_cast<unsigned long long>(p.anomalies));
  std::fflush(stderr);
}

void print_summary(const CrawlSummary& s, const std::string& run_id) {
  const auto& f = s.final;
  std::cerr << "crawl " << run_id << ": stopped after " << f.elapsed.count() << " s (" << s.stop_reason << ")\n"
            << "  " << f.unique_peers << " unique peers, " << f.observations << " observations (" << f.handed_out
            << " handed out, repeats included), " << f.anomalies << " anomalies\n";
  std::map<Via, std::array<std::uint64_t, 3>> by_via;  // sources, returned, unique
  for (const auto& r : s.sources) {
    auto& v = by_via[r.via];
    ++v[0];
    v[1] += r.returned;
    v[2] += r.unique;
  }
  for (const auto& [via, v] : by_via)
    std::cerr << "  " << to_string(via) << ": " << v[0] << " sources returned " << v[1] << " peers (" << v[2]
              << " unique per source)\n";
  std::cerr << "  top sources (returned / unique / also from another source):\n";
  std::map<Via, int> shown;
  for (const auto& r : s.sources) {
    bool tracker = r.via == Via::tracker_http || r.via == Via::tracker_udp;
    if (!tracker && shown[r.via]++ >= 5) continue;
    std::cerr << "    " << to_string(r.via) << " " << printable(r.source) << ": " << r.returned << " / " << r.unique << " / "
              << r.overlap << "\n";
  }
  if (s.tracker_paths_v4 + s.tracker_paths_v6 > 0)
    std::cerr << "  tracker announce loops: " << s.tracker_paths_v4 << " over IPv4, " << s.tracker_paths_v6 << " over IPv6\n";
  if (s.trackers_owed_stopped) {
    std::cerr << "  trackers told `stopped`: " << s.trackers_told_stopped << " of " << s.trackers_owed_stopped << "\n";
  }
  if (s.own_endpoint_handed_out > 0)
    std::cerr << "  this crawl's own address and port, handed out " << s.own_endpoint_handed_out
              << " times (our announce listed back): not recorded\n";
  if (!s.pex_ends.empty()) {
    std::cerr << "  PEX sessions:";
    for (const auto& [end, n] : s.pex_ends) std::cerr << " " << end << " " << n;
    if (s.pex_asked_again) std::cerr << "; " << s.pex_asked_again << " asked again after hanging up at once";
    std::cerr << "\n";
  }
  if (!s.pex_carriers.empty()) {
    std::cerr << "  PEX carriers (connected):";
    for (const auto& [carrier, n] : s.pex_carriers) std::cerr << " " << carrier << " " << n;
    std::cerr << ", " << s.pex_fallbacks << " over the second one tried\n";
  }
  if (s.dht_nodes_seen)
    std::cerr << "  DHT nodes recorded (dht_node records): " << s.dht_nodes_seen
              << (s.dht_nodes_unrecorded ? ", " + std::to_string(s.dht_nodes_unrecorded) + " more past the cap" : "")
              << "\n";
  if (s.dht_sample_nodes)
    std::cerr << "  BEP 51 samples (dht_sample records): " << s.dht_samples << " of " << s.dht_sampled_infohashes
              << " info hashes from " << s.dht_sample_nodes << " nodes"
              << (s.dht_samples_unrecorded ? ", " + std::to_string(s.dht_samples_unrecorded) + " more past the cap" : "")
              << "; " << s.dht_sample_without_bep51 << " node(s) without BEP 51 walked through with find_node\n";
  for (const auto& w : s.warnings) std::cerr << "  warning: " << printable(w) << "\n";
}

nlohmann::json summary_json(const CrawlSummary& s, const std::string& run_id) {
  nlohmann::json j{{"run", run_id},
                   {"stop_reason", s.stop_reason},
                   {"elapsed_s", s.final.elapsed.count()},
                   {"unique_peers", s.final.unique_peers},
                   {"observations", s.final.observations},
                   {"handed_out", s.final.handed_out},
                   {"anomalies", s.final.anomalies},
                   {"pex_sessions", s.pex_ends},
                   {"pex_carriers", s.pex_carriers},
                   {"pex_fallbacks", s.pex_fallbacks},
                   {"pex_asked_again", s.pex_asked_again},
                   {"dht_nodes_seen", s.dht_nodes_seen},
                   {"dht_nodes_unrecorded", s.dht_nodes_unrecorded},
                   {"dht_samples", s.dht_samples},
                   {"dht_sampled_infohashes", s.dht_sampled_infohashes},
                   {"dht_sample_nodes", s.dht_sample_nodes},
                   {"dht_samples_unrecorded", s.dht_samples_unrecorded},
                   {"dht_sample_without_bep51", s.dht_sample_without_bep51},
                   {"trackers_owed_stopped", s.trackers_owed_stopped},
                   {"trackers_told_stopped", s.trackers_told_stopped},
                   {"tracker_paths_v4", s.tracker_paths_v4},
                   {"tracker_paths_v6", s.tracker_paths_v6},
                   {"own_endpoint_handed_out", s.own_endpoint_handed_out},
                   {"warnings", s.warnings}};
  auto& rounds = j["dht_rounds"] = nlohmann::json::array();
  for (const auto& r : s.dht_rounds)
    rounds.push_back({{"lookups", r.lookups}, {"from_learned", r.from_learned}, {"queries", r.queries},
                      {"replies", r.replies}, {"values", r.values}});
  auto& rows = j["sources"] = nlohmann::json::array();
  for (const auto& r : s.sources)
    rows.push_back({{"via", to_string(r.via)}, {"source", r.source}, {"returned", r.returned}, {"unique", r.unique},
                    {"overlap", r.overlap}});
  return j;
}

std::string ipv6_state(const CrawlArgs& a, const CrawlConfig& cfg) {
  if (!cfg.bind_v6) return a.no_ipv6 ? "off (--no-ipv6)" : "off (this host has no IPv6 route; --ipv6 forces it)";
  return *cfg.bind_v6 == IpAddress::v6({}) ? "on" : "on, from " + cfg.bind_v6->to_string();
}

// The BitTorrent crawl proper, on its own io_context: Ctrl-C stops it
// cleanly (twice: at once), the record file is flushed every second.
Result<CrawlSummary> crawl_bittorrent(const CrawlArgs& a, const CrawlConfig& cfg, std::vector<Target> targets,
                                        RecordSink& sink, JsonlWriter* file, std::optional<Error>& file_error) {
  bool tty = !a.quiet && ::isatty(STDERR_FILENO) && a.output != "-";
  if (!a.quiet) std::cerr << "p2pscope crawl: IPv6 " << ipv6_state(a, cfg) << "\n";
  net::asio::io_context io;
  Crawler crawler(io, cfg, std::move(targets), sink, tty ? ProgressFn(show_progress) : ProgressFn{});
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  // The first signal stops the crawl cleanly (sessions end, trackers hear
  // `stopped`); a second one cuts that short.
  bool signalled = false;
  std::function<void()> on_signal = [&] {
    signals.async_wait([&](const net::error_code& ec, int) {
      if (ec) return;
      if (std::exchange(signalled, true)) {
        std::cerr << "\np2pscope crawl: stopping at once\n";
        return io.stop();
      }
      if (a.hooks.interrupted) *a.hooks.interrupted = true;
      if (!a.quiet) std::cerr << "\np2pscope crawl: stopping: ending sessions and telling trackers (again to quit at once)\n";
      crawler.stop("interrupted");
      on_signal();
    });
  };
  on_signal();
  net::asio::steady_timer poll(io);
  // The record file is flushed every second, so a full disk stops the crawl
  // within a second, not when a 64 KiB buffer finally fills.
  std::function<void()> check = [&] {
    poll.expires_after(std::chrono::seconds(1));
    poll.async_wait([&](const net::error_code& ec) {
      if (ec) return;
      if (a.hooks.keep_going && !a.hooks.keep_going()) return crawler.stop(a.hooks.stop_reason);
      if (file && !file_error) {
        if (auto st = file->flush(); !st) {
          file_error = st.error();
          return crawler.stop("cannot write " + a.output + ": " + st.error().message());
        }
      }
      check();
    });
  };
  check();
  auto summary = crawler.run();
  poll.cancel();
  if (tty) std::cerr << "\n";
  return summary;
}

// Progress: what one eMule round found.
void print_emule_round(const Ed2kRound& round, int n) {
  std::cerr << "eMule round " << n << ": " << round.servers << " index server(s), " << round.servers_answered
            << " answered; " << round.observations << " new observations (" << round.handed_out << " sources handed out, "
            << round.low_ids << " LowIDs), " << round.anomalies << " anomalies\n";
  if (round.kad)
    std::cerr << "  KAD: " << round.kad->bootstrapped << " bootstrap(s) answered, " << round.kad->find_nodes
              << " find-node requests, " << round.kad->searches_answered << " of " << round.kad->searches
              << " source searches answered, " << round.kad->sources << " sources, " << round.kad->budget_skips
              << " packets held back by aMule's per-IP allowances\n";
  if (!round.sx_ends.empty()) {
    std::cerr << "  source exchange sessions:";
    for (const auto& [end, count] : round.sx_ends) std::cerr << " " << end << " " << count;
    std::cerr << "\n";
  }
  for (const auto& [server, why] : round.failures) std::cerr << "  " << printable(why) << "\n";
}

// The eMule rounds (crawler/ed2k_crawl.hpp's schedule) over the eDonkey
// index servers, KAD and source exchange for the ed2k:// inputs; one round
// with --quick; Ctrl-C stops them. The total: observations summed.
Ed2kRound crawl_emule(const CrawlArgs& a, const CrawlConfig& cfg, const Ed2kInputs& in, RecordSink& sink,
                      bool& interrupted) {
  net::asio::io_context io;
  net::RateGate gate(cfg.politeness);
  net::StopSignal stop;
  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const net::error_code& ec, int) {
    if (ec) return;
    interrupted = true;
    if (a.hooks.interrupted) *a.hooks.interrupted = true;
    stop.request("interrupted");
  });
  EmuleRoundConfig round_cfg;
  round_cfg.run_id = cfg.run_id;
  round_cfg.servers.local = round_cfg.kad.local = round_cfg.sx.local = cfg.bind_v4;
  round_cfg.servers.user_hash = round_cfg.sx.user_hash = crawler_user_hash(cfg.bind_v4);
  round_cfg.servers.port = round_cfg.sx.port = cfg.port;
  round_cfg.sx_parallel = cfg.politeness.max_sessions;
  if (!cfg.use_sx) round_cfg.sx_max = 0;
  if (cfg.stable_for.count() < 60) {  // --quick, the lab
    round_cfg.servers.reply_timeout = std::chrono::seconds(3);
    round_cfg.sx.answer_timeout = std::chrono::seconds(5);
  }
  std::vector<std::string> names = cfg.ed2k_servers;
  names.insert(names.end(), in.servers.begin(), in.servers.end());
  Ed2kRound total;
  int rounds = 0;
  net::asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        std::vector<std::string> failed;
        auto servers = co_await resolve_servers(names, failed);
        std::vector<kad::Contact> seeds = in.kad_nodes;
        for (const auto& ep : co_await resolve_servers(cfg.kad_nodes, failed))
          if (ep.address.is_v4()) seeds.push_back(kad::Contact{{}, ed2k::hybrid_id(ep.address), ep.port, 0, 0});
        EmuleSchedule schedule;
        schedule.max_duration = cfg.max_duration;
        if (cfg.stable_for.count() < 60) schedule.max_rounds = 1;  // --quick, the lab
        auto report = [&](const Ed2kRound& r) {
          if (!a.quiet) print_emule_round(r, ++rounds);
        };
        auto crawl = co_await crawl_emule(servers, seeds, in.files, round_cfg, schedule, gate, sink, &stop, report);
        for (auto& r : crawl.rounds) {
          total.observations += r.observations;
          if (r.sink_error) total.sink_error = r.sink_error;
        }
        if (!a.quiet) std::cerr << "eMule: " << crawl.rounds.size() << " round(s); stopped: " << crawl.stop_reason << "\n";
        for (const auto& f : failed) std::cerr << "  " << printable(f + ": does not resolve") << "\n";
        signals.cancel();
      },
      net::asio::detached);
  io.run();
  return total;
}

int run_crawl(const CrawlArgs& a) {
  auto targets = load_targets(a.inputs);
  if (!targets) {
    std::cerr << "p2pscope crawl: " << targets.error() << "\n";
    return kBadInput;
  }
  auto emule = load_ed2k_inputs(a.inputs);
  if (!emule) {
    std::cerr << "p2pscope crawl: " << emule.error() << "\n";
    return kBadInput;
  }
  if (!emule.value().files.empty() && emule.value().servers.empty() && a.ed2k_servers.empty() &&
      emule.value().kad_nodes.empty() && a.kad_nodes.empty()) {
    std::cerr << "p2pscope crawl: ed2k:// files need an index server or KAD contacts to ask (--ed2k-server, "
                 "--kad-node, a server link, a server.met or a nodes.dat file)\n";
    return kBadInput;
  }
  if (targets.value().empty() && emule.value().files.empty()) {
    std::cerr << "p2pscope crawl: no infohash and no ed2k:// file given\n";
    return kBadInput;
  }
  auto configured = configure(a);
  if (!configured) {
    std::cerr << "p2pscope crawl: " << configured.error() << "\n";
    return kBadInput;
  }
  auto cfg = std::move(configured).value();
  for (const auto& t : targets.value()) {
    if (t.trackers_dropped)
      std::cerr << "p2pscope crawl: " << t.label << " lists " << t.trackers.size() + t.trackers_dropped
                << " trackers; asking the first " << t.trackers.size() << "\n";
  }
  TeeSink sink;
  pg::PgSink* db = nullptr;
  JsonlWriter* file = nullptr;
  if (a.db.conninfo) {
    auto s = open_pg_sink(a.db, "crawl", a.hooks.fence);
    if (!s) return kFailure;
    db = s.get();
    sink.add(std::move(s));
  }
  if (!a.db.conninfo || a.output_given) {
    auto w = JsonlWriter::open(a.output, OpenMode::append);
    if (!w) {
      std::cerr << "p2pscope crawl: cannot open " << a.output << ": " << w.error().message() << "\n";
      return kFailure;
    }
    file = w.value().get();
    sink.add(std::move(w).value());
  }
  if (!a.quiet) {
    std::cerr << "crawl " << cfg.run_id << ": " << targets.value().size() << " infohash(es), "
              << emule.value().files.size() << " ed2k file(s)\n";
    if (!targets.value().empty()) std::cerr << cfg.describe() << "\n";
    if (!emule.value().files.empty())
      std::cerr << "eMule: "
                << (cfg.stable_for.count() < 60 ? std::string("one round")
                                                : "a round every " + std::to_string(EmuleSchedule{}.requery.count() / 60) +
                                                      " min (aMule's source-exchange re-ask window) until one finds nothing new")
                << " over the index servers (TCP, and UDP at port + 4) and KAD, then source exchange with every source "
                   "found; politeness "
                << cfg.politeness.describe() << "\n";
  }
  const bool bittorrent = !targets.value().empty();
  std::optional<Error> file_error;
  std::optional<Error> emule_sink_error;
  std::uint64_t emule_observations = 0;
  bool interrupted = false;
  if (!emule.value().files.empty()) {
    auto round = crawl_emule(a, cfg, emule.value(), sink, interrupted);
    emule_sink_error = round.sink_error;
    emule_observations = round.observations;
    if (file && !emule_sink_error) {
      if (auto st = file->flush(); !st) file_error = st.error();  // reported below, with what was written
    }
  }
  Result<CrawlSummary> summary = CrawlSummary{};
  if (bittorrent && !emule_sink_error && !interrupted)
    summary = crawl_bittorrent(a, cfg, std::move(targets).value(), sink, file, file_error);
  else
    summary.value().stop_reason = interrupted ? "interrupted" : emule_sink_error ? "the record sink failed" : "no BitTorrent inputs";
  if (!summary) {
    if (db) finish_pg_sink(*db, a.db.wait, "crawl");
    std::cerr << "p2pscope crawl: " << summary.error().message() << "\n";
    return kFailure;
  }
  if (emule_sink_error && !summary.value().sink_error) summary.value().sink_error = emule_sink_error;
  summary.value().final.observations += emule_observations;
  bool file_whole = file && file->pending_bytes() == 0;
  if (file && !file_whole) {
    if (!file_error) {
      auto st = file->flush();
      file_error = st ? Error(std::errc::io_error) : st.error();
    }
    std::cerr << "p2pscope crawl: writing " << a.output << ": " << file_error->message() << "; "
              << file->records_written() << " records written, the rest of the run was not\n";
  }
  bool stored = !db || finish_pg_sink(*db, a.db.wait, "crawl",
                                      file_whole ? (a.output == "-" ? "standard output" : "the -o file " + a.output) : "");
  if (summary.value().sink_error && file_whole)
    std::cerr << "p2pscope crawl: the crawl stopped early: " << summary.value().sink_error->message() << "\n";
  if (!a.quiet && bittorrent) print_summary(summary.value(), cfg.run_id);
  if (a.hooks.observations) *a.hooks.observations = summary.value().final.observations;
  if (!a.summary_file.empty()) {
    std::ofstream out(a.summary_file);
    out << summary_json(summary.value(), cfg.run_id).dump(2) << "\n";
    if (!out) {
      std::cerr << "p2pscope crawl: cannot write " << a.summary_file << "\n";
      return kFailure;
    }
  }
  bool file_ok = !file || file_whole;
  return stored && file_ok && !summary.value().sink_error ? kOk : kFailure;
}

}  // namespace

namespace {

// The crawl subcommand and its options on app; its callback is the caller's.
std::shared_ptr<CrawlArgs> define_crawl(CLI::App& app, CLI::App** sub) {
  auto a = std::make_shared<CrawlArgs>();
  auto* c = *sub = app.add_subcommand("crawl", "Crawl trackers, the DHT and PEX for infohashes, recording who handed out which peer");
  c->footer(
      "Records (observation, emule_observation, swarm_counts, peer_hello, anomaly; docs/records.md) go to --output\n"
      "as JSON Lines; ed2k:// inputs are asked of eDonkey index servers, KAD and source exchange;\n"
      "the summary goes to standard error. Defaults are polite enough for the real network.\n"
      "Example: p2pscope crawl --quick -o obs.jsonl 'magnet:?xt=urn:btih:...'");
  c->add_option("INPUT", a->inputs,
                "Infohash (40 hex or 32 base32), magnet URI, .torrent file, ed2k:// file or server link, server.met, "
                "or a file with one per line")
      ->required();
  c->add_option("-o,--output", a->output, "Record file (JSON Lines, appended); '-' for standard output (with --db: "
                                         "only when given)")
      ->capture_default_str();
  add_db_options(c, a->db, "Also store the records in", DbUse::write_spooled);
  c->add_option("--summary", a->summary_file, "Also write the per-source summary as JSON to this file");
  c->add_option("--run-id", a->run_id, "Run id written into every record (default: crawl-<UTC time>-<random>)");
  c->add_flag("--quick", a->quick, "Short schedule for tests and the demo: about a minute on the lab");
  c->add_flag("-q,--quiet", a->quiet, "Nothing on standard error but errors: no schedule, progress or summary");
  auto* src = c->add_option_group("Sources");
  src->add_option("--tracker", a->trackers, "Extra tracker announce URL (repeatable)")->allow_extra_args(false);
  src->add_option("--trackers", a->tracker_file, "File with extra tracker URLs, one per line")->check(CLI::ExistingFile);
  src->add_option("--bootstrap", a->bootstrap,
                  "DHT bootstrap node HOST:PORT (repeatable; default: the public routers)")
      ->allow_extra_args(false);
  src->add_option("--ed2k-server", a->ed2k_servers,
                  "eDonkey index server HOST:PORT to ask for the sources of ed2k:// inputs (repeatable; also from "
                  "server links and server.met files among the inputs)")
      ->allow_extra_args(false);
  src->add_option("--kad-node", a->kad_nodes,
                  "KAD contact HOST:PORT (UDP) to bootstrap from (repeatable; also from nodes.dat files among the "
                  "inputs)")
      ->allow_extra_args(false);
  src->add_flag("--no-trackers", a->no_trackers, "Do not ask trackers");
  src->add_flag("--no-dht", a->no_dht, "Do not use the DHT");
  src->add_flag("--no-pex", a->no_pex, "Do not open PEX sessions to peers");
  src->add_flag("--no-utp", a->no_utp,
                "PEX sessions over TCP only (default: uTP too, first for peers whose PEX flags say uTP, and when TCP "
                "cannot connect)");
  src->add_flag("--no-sx", a->no_sx, "Do not ask eMule peers for sources (source exchange)");
  src->add_flag("--no-scrape", a->no_scrape, "Do not scrape trackers");
  src->add_flag("--sample-infohashes", a->sample_infohashes,
                "BEP 51: after each target's first DHT round, walk toward its info hash asking sample_infohashes, "
                "and record the info hashes the nodes near it offer (dht_sample records: the swarms around a "
                "target, and who named them)")
      ->excludes("--no-dht");
  auto* sched = c->add_option_group("Schedule");
  sched->add_option("--requery", a->requery, "Seconds between tracker/DHT rounds (default 180)")->check(CLI::Range(1, 86400));
  sched->add_option("--stable-for", a->stable_for, "Stop after this many seconds without new peers (default 1800)")
      ->check(CLI::Range(1, 604800));
  sched->add_option("--max-duration", a->max_duration, "Stop after this many seconds in any case (default: none)")
      ->check(CLI::Range(1, 2592000));
  sched->add_option("--pex-hold", a->pex_hold, "Seconds to keep each PEX session open (default 130)")
      ->check(CLI::Range(1, 3600));
  sched->add_option("--pex-until", a->pex_until,
                    "When a PEX session ends before --pex-hold: hold (only then; default) or whole-view (also after a "
                    "ut_pex message naming under 50 peers, all the peer knows then; the --quick default)")
      ->check(CLI::IsMember({"hold", "whole-view"}));
  sched->add_option("--numwant", a->numwant, "Peers to ask trackers for (default 200)")->check(CLI::Range(1, 10000));
  auto* pol = c->add_option_group("Politeness");
  pol->add_option("--per-ip-rate", a->per_ip_rate, "Queries per second to one remote IP (default 2; 0 = unlimited)")
      ->check(FiniteRange(0.0, 1e6));
  pol->add_option("--global-rate", a->global_rate, "Queries per second overall (default 300; 0 = unlimited)")
      ->check(FiniteRange(0.0, 1e7));
  pol->add_option("--max-sessions", a->max_sessions, "Concurrent PEX sessions (default 200; 1000 with --quick)")->check(CLI::Range(1, 100000));
  pol->add_option("--max-lookups", a->max_lookups, "Concurrent DHT lookups (default 16)")->check(CLI::Range(1, 10000));
  auto* net = c->add_option_group("Network");
  net->add_option("--bind", a->bind, "Local IPv4 address to send from (default: any)");
  net->add_option("--bind6", a->bind6, "Local IPv6 address to send from; implies --ipv6");
  auto* on6 = net->add_flag("--ipv6", a->ipv6,
                            "Use IPv6 even when this host has no IPv6 route (default: on when it has one): DHT "
                            "nodes6 and want n6, IPv6 trackers and peers");
  net->add_flag("--no-ipv6", a->no_ipv6, "IPv4 only")->excludes(on6);
  net->add_option("--port", a->port, "Port announced to trackers and peers (default 6881)")->check(CLI::Range(1, 65535));
  return a;
}

// Parses `p2pscope crawl ARGS...` without running it; the message when bad.
std::optional<std::string> parse_crawl(const std::vector<std::string>& args, std::shared_ptr<CrawlArgs>& out) {
  CLI::App app("p2pscope");
  CLI::App* c = nullptr;
  out = define_crawl(app, &c);
  std::vector<std::string> argv{"crawl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::reverse(argv.begin(), argv.end());  // CLI11 takes them last first
  try {
    app.parse(argv);
  } catch (const CLI::ParseError& e) {
    return std::string(e.what());
  }
  out->output_given = c->get_option("--output")->count() > 0;
  return std::nullopt;
}

}  // namespace

void add_crawl(CLI::App& app, int* exit_code) {
  CLI::App* c = nullptr;
  auto a = define_crawl(app, &c);
  c->callback([a, c, exit_code] {
    a->output_given = c->get_option("--output")->count() > 0;
    *exit_code = run_crawl(*a);
  });
}

StatusOr<CrawlJob> crawl_job_from_args(const std::vector<std::string>& args) {
  std::shared_ptr<CrawlArgs> a;
  if (auto bad = parse_crawl(args, a)) return fail(errc::bad_value, *bad);
  if (a->db.conninfo || !a->run_id.empty() || !a->summary_file.empty() || a->output_given)
    return fail(errc::bad_value, "--db, --run-id, --summary and --output are set by the worker, not by the job");
  P2PSCOPE_TRY(settings, settings_of(*a));
  P2PSCOPE_CHECK(make_config(settings, "check"));
  P2PSCOPE_TRY(targets, load_targets(a->inputs));
  P2PSCOPE_TRY(emule, load_ed2k_inputs(a->inputs));
  if (!emule.files.empty() && emule.servers.empty() && settings.ed2k_servers.empty() && emule.kad_nodes.empty() &&
      settings.kad_nodes.empty())
    return fail(errc::bad_value, "ed2k:// files need an index server or KAD contacts to ask (--ed2k-server, --kad-node, "
                                 "a server link, a server.met or a nodes.dat file)");
  if (targets.empty() && emule.files.empty()) return fail(errc::missing_key, "no infohash and no ed2k:// file given");
  CrawlJob job{std::move(settings), a->inputs, {}};
  for (const auto& t : targets) job.hashes.push_back(t.info_hash);
  return job;
}

int run_crawl_job(const std::vector<std::string>& inputs, const CrawlSettings& settings, const std::string& run_id,
                  const DbArgs& db, const CrawlHooks& hooks) {
  CrawlArgs a;
  static_cast<CrawlSettings&>(a) = settings;
  a.inputs = inputs;
  a.run_id = run_id;
  a.db = db;
  a.db.writer = hooks.writer;
  a.hooks = hooks;
  return run_crawl(a);
}

StatusOr<CrawlSettings> legacy_job_settings(const std::vector<std::string>& args) {
  std::vector<std::string> argv = args;
  argv.insert(argv.end(), {"--", "0000000000000000000000000000000000000000"});  // INPUT is required
  std::shared_ptr<CrawlArgs> a;
  if (auto bad = parse_crawl(argv, a)) return fail(errc::bad_value, *bad);
  return settings_of(*a);
}

}  // namespace p2pscope::cli
