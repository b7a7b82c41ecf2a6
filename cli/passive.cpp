// p2pscope passive: read pcap/pcapng files and write what the BitTorrent
// recognisers find in them (handshakes, extended handshakes, ut_pex, KRPC,
// tracker announces and replies) and the eDonkey/eMule/KAD ones (hellos,
// messages naming a file, source lists) as JSON Lines; optionally honeynet
// events and scan labelling over the same packets.
#include "cli/commands.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "passive/analyses.hpp"
#include "passive/zeek_log.hpp"
#include "passive/pcap_reader.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

namespace p2pscope::cli {
namespace {

struct PassiveArgs {
  std::vector<std::string> files;
  std::string interface;
  std::string filter;
  double duration = 0;        // live: seconds, 0 = until interrupted
  std::uint64_t count = 0;    // live: frames, 0 = no limit
  bool promiscuous = false;
  std::string out = "-";
  std::size_t max_flows = 65536;
  bool no_messages = false;
  std::vector<std::string> honeynet;
  passive::HoneynetConfig hn;
  std::string suspects;
  bool scan = false;
  passive::ScanConfig sc;
  std::string zeek_dir;
  std::string zeek_format = "tsv";
  DbArgs db;
  std::string settings;  // every option that shapes the records, as text (the --db writer id digests it)

  passive::AnalysisOptions options() const {
    passive::AnalysisOptions o;
    o.limits.max_flows = max_flows;
    o.messages = !no_messages;
    if (!hn.honeynet.empty()) o.honeynet = hn;
    if (scan) o.scan = sc;
    if (db.conninfo) o.max_samples = std::size_t{1} << 20;
    return o;
  }
};

struct Totals {
  std::uint64_t frames = 0, not_ip = 0;
  std::map<std::string, std::uint64_t, std::less<>> by_type;
  void count(std::string_view type) {
    auto it = by_type.find(type);  // no string built per record
    if (it == by_type.end()) it = by_type.emplace(type, 0).first;
    ++it->second;
  }
};

// Every record goes out through here, counted by type, and also to the
// Zeek-style logs and the database when asked for (the first failure of
// each is kept).
struct Output {
  std::ostream& out;
  Totals& tot;
  passive::ZeekLogs* zeek = nullptr;
  std::optional<std::string> zeek_error;
  pg::PgSink* db = nullptr;
  std::optional<std::string> db_error;

  void operator()(std::string_view type, std::string_view line) {
    tot.count(type);
    out << line << '\n';
    if (zeek) to_zeek(nlohmann::json::parse(line));
    if (db) to_db(line);
  }
  void operator()(const nlohmann::json& j) {
    tot.count(j.at("type").get<std::string>());
    auto line = j.dump();
    out << line << '\n';
    if (zeek) to_zeek(j);
    if (db) to_db(line);
  }
  void to_db(std::string_view line) {
    auto r = parse_record(line, {});
    if (!r) {
      if (!db_error) db_error = "a record could not be stored: " + r.error().message();
      return;
    }
    if (auto st = db->write(r.value()); !st && !db_error) db_error = st.error().message();
  }
  void to_zeek(const nlohmann::json& j) {
    auto st = zeek->write(j);
    if (!st && !zeek_error) zeek_error = j.at("type").get<std::string>() + ": " + st.error().message();
  }
};

void feed(passive::Analyses& an, const passive::Frame& f, const Packet* p) {
  if (p) an.packet(f.t, *p);
}

bool apply_filter(passive::PcapReader& reader, const PassiveArgs& a, const std::string& what) {
  if (a.filter.empty()) return true;
  auto st = reader.set_filter(a.filter);
  if (st) return true;
  std::cerr << "p2pscope passive: " << what << ": bad --filter: " << st.error() << "\n";
  return false;
}

// Reads one capture; false when the file could not be read at all or ended
// in a damaged record (everything before is kept).
bool read_capture(const std::string& file, const PassiveArgs& a, passive::Analyses& an, Totals& tot) {
  auto reader = passive::PcapReader::open(file);
  if (!reader) {
    std::cerr << "p2pscope passive: " << file << ": not a readable capture: " << reader.error() << "\n";
    return false;
  }
  if (!apply_filter(reader.value(), a, file)) return false;
  auto sum = passive::read_packets_pipelined(reader.value(), [&an](const passive::Frame& f, const Packet* p) { feed(an, f, p); });
  tot.frames += sum.frames;
  tot.not_ip += sum.not_ip;
  if (sum.damage) {
    std::cerr << "p2pscope passive: " << file << ": damaged after frame " << sum.frames << ": " << *sum.damage
              << " (every frame before it was read)\n";
    return false;
  }
  return true;
}

// Set by SIGINT/SIGTERM during a live capture: the capture ends and every
// analysis is finished and written as after a file.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

// Captures on --interface until --count frames, --duration seconds, or an
// interrupt; per-message records go out as they are recognised (flushed at
// least every second), progress and kernel drops every 10 s on stderr.
bool read_live(const PassiveArgs& a, passive::Analyses& an, Totals& tot, std::ostream& out) {
  passive::LiveOptions opt;
  opt.promiscuous = a.promiscuous ? passive::Promiscuous::yes : passive::Promiscuous::no;
  auto reader = passive::PcapReader::open_live(a.interface, opt);
  if (!reader) {
    std::cerr << "p2pscope passive: cannot capture on " << a.interface << ": " << reader.error() << "\n";
    return false;
  }
  if (!apply_filter(reader.value(), a, a.interface)) return false;
  g_interrupted = 0;
  auto old_int = std::signal(SIGINT, on_interrupt);
  auto old_term = std::signal(SIGTERM, on_interrupt);
  using clock = std::chrono::steady_clock;
  auto start = clock::now(), flushed = start, reported = start;
  std::uint64_t frames = 0;
  auto keep_going = [&] {
    auto now = clock::now();
    if (now - flushed >= std::chrono::seconds(1)) {
      out.flush();
      flushed = now;
    }
    if (now - reported >= std::chrono::seconds(10)) {
      auto d = reader.value().drops();
      std::cerr << "passive: " << a.interface << ": " << frames << " frames, " << d.by_kernel << " dropped by the kernel\n";
      reported = now;
    }
    if (g_interrupted) return false;
    if (a.count && frames >= a.count) return false;
    return a.duration <= 0 || now - start < std::chrono::duration<double>(a.duration);
  };
  std::cerr << "passive: capturing on " << a.interface << " (Ctrl-C ends the capture and writes the analyses)\n";
  auto sum = passive::read_packets(
      reader.value(), [&](const passive::Frame& f, const Packet* p) { ++frames; feed(an, f, p); }, keep_going);
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  tot.frames += sum.frames;
  tot.not_ip += sum.not_ip;
  auto d = reader.value().drops();
  std::cerr << "passive: " << a.interface << ": captured " << sum.frames << " frames; dropped " << d.by_kernel
            << " in the kernel, " << d.by_interface << " at the interface\n";
  if (sum.damage) {
    std::cerr << "p2pscope passive: " << a.interface << ": capture failed after frame " << sum.frames << ": "
              << *sum.damage << "\n";
    return false;
  }
  return true;
}

// With --db: each event (once per target and start) and its suspect info
// hashes (origin honeynet_event) into PostgreSQL.
bool store_honeynet(const PassiveArgs& a, const std::vector<passive::HoneynetEvent>& events) {
  std::size_t fresh = 0;
  bool ok = store_with_retry(a.db, "passive", "the events are in the records written; reading the capture again "
                                              "with --db stores them (once)",
                             [&](pqxx::connection& c) -> Status {
    fresh = 0;
    for (const auto& e : events) {
      pg::HoneynetEventRow row{e.target, e.start, e.end, e.classification, e.protocol, e.packets, e.unique_sources,
                               e.cluster.u, to_json(e).dump()};
      std::vector<InfoHash> hashes;
      for (const auto& h : e.info_hashes) hashes.push_back(h.info_hash);
      P2PSCOPE_TRY(stored, pg::store_honeynet_event(c, row));
      P2PSCOPE_CHECK(pg::note_infohashes(c, hashes, "honeynet_event", e.id));
      fresh += stored;
    }
    return success();
  });
  if (ok) std::cerr << "database: " << fresh << " new honeynet event(s), " << events.size() - fresh << " already stored\n";
  return ok;
}

// With --db: the info hashes DHT nodes offered in BEP 51 sample_infohashes
// responses, as infohash rows of origin `sample`.
bool store_samples(const PassiveArgs& a, const passive::AnalysisResults& r) {
  if (r.samples_over_limit) {
    std::cerr << "p2pscope passive: " << r.samples_over_limit << " sampled info hash(es) beyond the first "
              << r.samples.size() << " were not kept\n";
  }
  if (r.samples.empty()) return true;
  std::vector<InfoHash> hashes;
  for (const auto& s : r.samples) hashes.push_back(s.info_hash);
  auto what = "passive: sample_infohashes in " +
              (a.interface.empty() ? a.files.front() + (a.files.size() > 1 ? " and " + std::to_string(a.files.size() - 1) +
                                                                                  " more capture(s)"
                                                                            : "")
                                   : "a live capture on " + a.interface);
  bool ok = store_with_retry(a.db, "passive", "the samples are in the passive_krpc records written",
                             [&](pqxx::connection& c) -> Status {
                               return pg::note_infohashes(c, hashes, "sample", what);
                             });
  if (ok) std::cerr << "database: " << hashes.size() << " sampled info hash(es) noted (origin sample)\n";
  return ok;
}

// Honeynet events, their suspect info hashes, and the --suspects list.
bool finish_honeynet(const PassiveArgs& a, const std::vector<passive::HoneynetEvent>& events,
                     const passive::HoneynetAnalyzer& hn, Output& emit) {
  std::map<std::string, int> by_class, by_application;
  std::set<std::string> suspects, suspect_files, links;
  for (const auto& e : events) {
    emit(to_json(e));
    ++by_class[e.classification];
    ++by_application[std::string(name_of(e.application))];
    for (const auto& r : suspect_records(e)) {
      emit(r);
      if (r.contains("info_hash")) suspects.insert(r.at("info_hash").get<std::string>());
      else suspect_files.insert(r.at("file").get<std::string>());
      if (r.contains("link")) links.insert(r.at("link").get<std::string>());
    }
  }
  std::cerr << "honeynet: " << events.size() << " event(s)";
  for (const auto& [c, n] : by_class) std::cerr << ", " << n << " " << c;
  std::cerr << " (by application:";
  for (const auto& [c, n] : by_application) std::cerr << " " << n << " " << c;
  std::cerr << "); " << suspects.size() << " suspect info hash(es), " << suspect_files.size()
            << " suspect eMule file(s) (" << links.size() << " with the size a request gave)\n";
  for (const auto& [what, n] : hn.counters()) std::cerr << "  " << what << ": " << n << "\n";
  if (a.db.conninfo && !store_honeynet(a, events)) return false;
  if (a.suspects.empty()) return true;
  std::ofstream f(a.suspects, std::ios::trunc);
  for (const auto& s : suspects) f << s << "\n";
  for (const auto& l : links) f << l << "\n";
  f.flush();
  if (f) return true;
  std::cerr << "p2pscope passive: writing " << a.suspects << " failed\n";
  return false;
}

void finish_scan(const std::vector<passive::ScanHost>& hosts, const passive::ScanLabeler& sl, Output& emit) {
  std::size_t unsuppressed = 0, suppressed = 0;
  for (const auto& h : hosts) {
    emit(to_json(h));
    for (const auto& al : {h.unsuppressed, h.suppressed}) {
      if (!al) continue;
      emit(to_json(*al));
      ++(al->suppressed_detector ? suppressed : unsuppressed);
    }
  }
  std::cerr << "scan labelling: " << hosts.size() << " host(s) with connection attempts; scan alarms: "
            << unsuppressed << " unsuppressed, " << suppressed << " suppressed\n";
  for (const auto& [what, n] : sl.counters()) std::cerr << "  " << what << ": " << n << "\n";
}

int run_passive(const PassiveArgs& a) {
  std::ofstream file;
  if (a.out != "-") {
    file.open(a.out, std::ios::trunc);
    if (!file) {
      std::cerr << "p2pscope passive: cannot write " << a.out << "\n";
      return kFailure;
    }
  }
  std::ostream& out = a.out == "-" ? std::cout : file;
  Totals tot;
  std::optional<passive::ZeekLogs> zeek;
  if (!a.zeek_dir.empty()) {
    zeek.emplace(a.zeek_dir, a.zeek_format == "json" ? passive::ZeekFormat::json : passive::ZeekFormat::tsv);
  }
  std::unique_ptr<pg::PgSink> db;
  if (a.db.conninfo) {
    DbArgs d = a.db;
    if (a.interface.empty()) {  // the same captures and options again: the same batches, skipped
      d.writer = digest_writer("passive-", a.files, a.settings);
      d.batch_age = kBatchesByCountOnly;
    }
    db = open_pg_sink(d, "passive");
    if (!db) return kFailure;
  }
  Output emit{out, tot, zeek ? &*zeek : nullptr, std::nullopt, db.get(), std::nullopt};
  passive::Analyses an(a.options(), [&emit](std::string_view type, std::string_view line) { emit(type, line); });
  bool ok = true;
  if (!a.interface.empty()) ok = read_live(a, an, tot, out);
  for (const auto& f : a.files) ok &= read_capture(f, a, an, tot);
  auto results = an.finish();
  const auto& x = an.extractor();
  std::cerr << "passive: " << tot.frames << " frames (" << tot.not_ip << " not IP), " << x.flows_seen() << " flows ("
            << x.flows_evicted() << " evicted)\n";
  for (const auto& [what, n] : x.anomalies()) std::cerr << "  anomaly " << what << ": " << n << "\n";
  if (an.honeynet()) ok &= finish_honeynet(a, results.events, *an.honeynet(), emit);
  if (an.scan()) finish_scan(results.hosts, *an.scan(), emit);
  if (a.db.conninfo) ok &= store_samples(a, results);
  for (const auto& [type, n] : tot.by_type) std::cerr << "  " << type << ": " << n << "\n";
  if (zeek) {
    auto st = zeek->close();
    if (!st && !emit.zeek_error) emit.zeek_error = "closing: " + st.error().message();
    if (emit.zeek_error) {
      std::cerr << "p2pscope passive: Zeek logs in " << a.zeek_dir << ": " << *emit.zeek_error << "\n";
      ok = false;
    }
  }
  if (db) {
    if (emit.db_error) {
      std::cerr << "p2pscope passive: --db: " << *emit.db_error << "\n";
      ok = false;
    }
    // Records of capture files are there to be read again; a live capture's are only in -o.
    std::string kept = !a.interface.empty() ? (a.out != "-" ? "the -o file " + a.out : "")
                                            : "the capture files (passive --db on them again stores the rest; nothing is "
                                              "stored twice)";
    ok &= finish_pg_sink(*db, a.db.wait, "passive", kept);
  }
  out.flush();
  if (!out) {
    std::cerr << "p2pscope passive: writing " << a.out << " failed\n";
    return kFailure;
  }
  return ok ? kOk : kFailure;
}

// The options that shape the records, one "name=value" line each: all of
// them but where output goes and the database options.
std::string record_settings(const CLI::App& sub) {
  static constexpr std::string_view kNotShaping[] = {"out", "zeek-logs", "zeek-format", "suspects", "db", "spool-dir",
                                                     "db-wait", "captures"};
  std::istringstream all(sub.config_to_str(true, false));
  std::string line, kept;
  while (std::getline(all, line)) {
    auto name = line.substr(0, line.find('='));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (std::find(std::begin(kNotShaping), std::end(kNotShaping), name) == std::end(kNotShaping)) kept += line + "\n";
  }
  return kept;
}

void add_honeynet_options(CLI::App* sub, const std::shared_ptr<PassiveArgs>& a) {
  auto* g = sub->add_option_group("Honeynet mode");
  g->add_option("--honeynet", a->honeynet, "Dark address block (CIDR, repeatable): group traffic to it into "
                                           "address-misconfiguration events")
      ->each([](const std::string& s) {
        if (!parse_cidr(s)) throw CLI::ValidationError("--honeynet", "not a CIDR block: " + s);
      })
      ->allow_extra_args(false);
  g->add_option("--interval", a->hn.interval, "Seconds per counting interval")
      ->check(FiniteRange(1.0, 86400.0))->capture_default_str();
  g->add_option("--min-sources", a->hn.min_sources, "Unique sources within --window that make an event")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))->capture_default_str();
  g->add_option("--window", a->hn.window, "Seconds from an event's start in which --min-sources must arrive")
      ->check(FiniteRange(1.0, 30.0 * 86400))->capture_default_str();
  g->add_option("--end-fraction", a->hn.end_fraction, "An event ends at the first interval below this share of its peak")
      ->check(FiniteRange(0.01, 1.0))->capture_default_str();
  g->add_option("--u-threshold", a->hn.cluster.u_threshold, "U metric below which an event is anti-P2P")
      ->check(FiniteRange(0.0, 1.0))->capture_default_str();
  g->add_option("--suspects", a->suspects, "Also write the suspect info hashes here, one per line, and the suspect "
                                           "eMule files whose size a request gave, as ed2k:// links (input for "
                                           "p2pscope crawl)");
  add_db_options(sub, a->db, "Also store every record (passive_record), the honeynet events (honeynet_event), their suspect "
                 "info hashes and the info hashes of BEP 51 sample_infohashes responses (infohash, origin sample) in",
                 DbUse::write_spooled);
}

void add_scan_options(CLI::App* sub, const std::shared_ptr<PassiveArgs>& a) {
  auto* g = sub->add_option_group("Scan labelling");
  g->add_flag("--scan-label", a->scan, "Label failed TCP connection attempts as predicted BitTorrent or not, and run a "
                                       "Zeek-style scan detector with and without suppression");
  g->add_option("--scan-window", a->sc.window, "Seconds of failed attempts a scan alarm looks at")
      ->check(FiniteRange(1.0, 86400.0))->capture_default_str();
  g->add_option("--address-threshold", a->sc.address_threshold, "Unique failed destinations that make an address scan")
      ->check(CLI::Range(std::size_t{2}, std::size_t{1} << 20))->capture_default_str();
  g->add_option("--port-threshold", a->sc.port_threshold, "Unique failed ports on one address that make a port scan")
      ->check(CLI::Range(std::size_t{2}, std::size_t{65536}))->capture_default_str();
  g->add_option("--ppr-low", a->sc.ppr_low, "Lowest port/peer ratio that withholds a suppressed alarm")
      ->check(FiniteRange(0.0, 100.0))->capture_default_str();
  g->add_option("--ppr-high", a->sc.ppr_high, "Highest port/peer ratio that withholds a suppressed alarm")
      ->check(FiniteRange(0.0, 100.0))->capture_default_str();
  g->add_option("--attempt-timeout", a->sc.attempt_timeout, "Seconds without SYN-ACK before an attempt failed")
      ->check(FiniteRange(0.1, 600.0))->capture_default_str();
}

}  // namespace

void add_passive(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<PassiveArgs>();
  auto* sub = app.add_subcommand(
      "passive",
      "Read pcap/pcapng captures and write the BitTorrent and eMule traffic in them as JSON Lines: handshakes, "
      "extended handshakes, ut_pex, KRPC, tracker announces and replies; eDonkey/eMule hellos, file requests and "
      "source lists from servers, source exchange and KAD; honeynet events with their application and suspect "
      "info hashes and eMule files (--honeynet); failed connections and scan alarms with and without BitTorrent "
      "suppression (--scan-label)");
  auto* files = sub->add_option("captures", a->files, "pcap or pcapng files, read in order")->check(CLI::ExistingFile);
  auto* live = sub->add_option("-i,--interface", a->interface, "Capture live on this interface instead (\"any\" for "
                                                               "all); needs CAP_NET_RAW. Ctrl-C ends it")
                   ->excludes(files);
  sub->add_option("--filter", a->filter, "BPF filter (tcpdump syntax) applied before the recognisers, e.g. "
                                         "'not port 443'");
  sub->add_option("--duration", a->duration, "Live: stop after this many seconds (0: until Ctrl-C)")
      ->check(FiniteRange(0.0, 366.0 * 86400))->needs(live)->capture_default_str();
  sub->add_option("--count", a->count, "Live: stop after this many frames (0: no limit)")->needs(live)->capture_default_str();
  sub->add_flag("--promiscuous", a->promiscuous, "Live: put the interface in promiscuous mode")->needs(live);
  sub->add_option("-o,--out", a->out, "Output file, or - for standard output")->capture_default_str();
  sub->add_option("--max-flows", a->max_flows, "Flows tracked at once; the least recently seen are evicted")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 24))
      ->capture_default_str();
  sub->add_flag("--no-messages", a->no_messages, "Leave out the per-message records (handshakes, KRPC, ...)");
  sub->add_option("--zeek-logs", a->zeek_dir, "Also write Zeek-style logs (p2p_handshake.log, p2p_krpc.log, ...) "
                                            "into this directory")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--zeek-format", a->zeek_format, "Zeek log format: tsv (Zeek's ASCII writer) or json")
      ->check(CLI::IsMember({"tsv", "json"}))
      ->capture_default_str();
  add_honeynet_options(sub, a);
  add_scan_options(sub, a);
  sub->footer("Records: docs/records.md (passive_*, suspect_infohash, suspect_ed2k_file). Example:\n"
              "  p2pscope passive --honeynet 198.51.100.0/24 --no-messages --suspects s.txt -o ev.jsonl dark.pcap\n"
              "  p2pscope passive -i eth0 --filter 'udp or tcp' --scan-label -o live.jsonl   (Ctrl-C to finish)\n"
              "Exit status: 0 when every capture was read to its end (or a live capture ended as asked), 1 when one "
              "was unreadable or damaged (what came before the damage is still written) or the interface could not "
              "be opened, 2 on bad usage.");
  sub->callback([a, exit_code, sub] {
    if (a->files.empty() && a->interface.empty()) {
      std::cerr << "p2pscope passive: give capture files, or --interface to capture live\n";
      *exit_code = kBadInput;
      return;
    }
    for (const auto& c : a->honeynet) a->hn.honeynet.push_back(parse_cidr(c).value());
    a->settings = record_settings(*sub);
    if (auto st = a->db.conninfo ? pg::check_conninfo(*a->db.conninfo) : Status(success()); !st) {
      std::cerr << "p2pscope passive: --db: " << st.error() << "\n";
      *exit_code = kBadInput;
      return;
    }
    if (a->sc.ppr_low > a->sc.ppr_high) {
      std::cerr << "p2pscope passive: --ppr-low is above --ppr-high\n";
      *exit_code = kBadInput;
      return;
    }
    *exit_code = run_passive(*a);
  });
}

}  // namespace p2pscope::cli
