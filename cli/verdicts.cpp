// p2pscope diagnose and p2pscope blocklist: records in, verdicts and
// blocklists out. Both read any number of record files, skip (and count)
// lines that are not valid records, and write their output to a temporary
// file that is renamed into place only when complete.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"
#include "cli/record_io.hpp"
#include "cli/verdicts.hpp"
#include "core/output_file.hpp"
#include "core/text.hpp"
#include "probes/blocklist.hpp"
#include "probes/diagnose.hpp"
#include "probes/known_lists.hpp"
#include "probes/routing_age.hpp"
#include "probes/routing_data.hpp"
#include "store/pg_reports.hpp"
#include "store/record_json.hpp"

#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace p2pscope::cli {
namespace {

std::string percent(double x) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << 100 * x << "%";
  return s.str();
}

}  // namespace

namespace {

std::string tree_line(const char* route, const probes::EmuleTree& t) {
  using probes::EmuleClass;
  std::ostringstream r;
  r << "  " << route << " (" << t.total() << "):";
  for (auto peer : {EmuleClass::unroutable, EmuleClass::emule, EmuleClass::other}) {
    r << " " << name_of(peer) << " " << t.of(peer) << " (reverse:";
    for (auto rev : {EmuleClass::emule, EmuleClass::unroutable, EmuleClass::other})
      r << " " << name_of(rev) << " " << t.at(peer, rev);
    r << ");";
  }
  double n = static_cast<double>(std::max<std::size_t>(t.total(), 1));
  r << " bogus from byte order " << t.lower() << " .. " << t.upper() << " (" << percent(static_cast<double>(t.lower()) / n)
    << " .. " << percent(static_cast<double>(t.upper()) / n) << ")\n";
  return r.str();
}

std::string emule_text(const probes::EmuleBreakdown& b) {
  return "eMule breakdown (each peer, then the other byte order of its ID; " + std::to_string(b.low_ids) +
         " LowID observations name no address):\n" + tree_line("from index servers", b.servers) +
         tree_line("from source exchange", b.sx) + tree_line("from KAD", b.kad) + tree_line("overall", b.overall);
}

std::string reversed_text(const probes::SourceReport& s) {
  auto text = probes::reversed_entries_text(s);
  return text.empty() ? text : ", reversed entries: " + text;
}

}  // namespace

// The DHT nodes judged bogus, with what each handed out as a source.
std::string dht_nodes_text(const probes::Diagnosis& d, std::size_t top) {
  std::map<std::string, const probes::SourceReport*> as_source;
  for (const auto& s : d.sources)
    if (s.via == Via::dht) as_source[s.source] = &s;
  std::ostringstream r;
  std::size_t shown = 0;
  for (const auto& v : d.verdicts) {
    if (!dht_node_verdict(v.verdict) || shown++ >= top) continue;
    r << "  " << v.peer.to_string() << ": " << to_string(v.verdict);
    if (auto it = as_source.find(v.peer.to_string()); it != as_source.end())
      r << ", handed out " << it->second->peers << " peer(s), " << percent(it->second->upper_share()) << " possibly bogus";
    if (!v.evidence.empty()) r << "; " << printable(v.evidence.front());
    r << "\n";
  }
  return shown ? "bogus DHT nodes (" + std::to_string(shown) + "):\n" + r.str() : "";
}

std::string report_text(const probes::Diagnosis& d, std::size_t top) {
  std::map<VerdictKind, std::size_t> counts;
  std::size_t peers = 0;
  for (const auto& v : d.verdicts) {
    ++counts[v.verdict];
    peers += !dht_node_verdict(v.verdict);
  }
  std::ostringstream r;
  r << "verdicts (" << peers << " peers, " << d.verdicts.size() - peers << " DHT nodes):";
  for (const auto& [k, n] : counts) r << " " << to_string(k) << " " << n;
  r << "\n";
  const auto& b = d.breakdown;
  bool bittorrent = std::any_of(d.verdicts.begin(), d.verdicts.end(), [](const Verdict& v) { return !v.file_hash; });
  if (bittorrent || !d.emule)
    r << "breakdown:\n"
      << "  unroutable: reverse is a BitTorrent peer " << b.unroutable_reverse_is_peer << ", reverse unroutable "
      << b.unroutable_reverse_unroutable << ", other " << b.unroutable_other << "\n"
      << "  routable:   anti-P2P " << b.routable_anti_p2p << ", BitTorrent " << b.routable_bittorrent << ", byte order "
      << b.routable_byte_order << ", open port only " << b.routable_open_port << ", no answer " << b.routable_no_answer
      << ", not probed " << b.routable_unprobed << "\n";
  if (d.emule) r << emule_text(*d.emule);
  r << "worst sources (definitely bogus .. possibly bogus of the peers each handed out):\n";
  for (std::size_t i = 0; i < std::min(top, d.sources.size()); ++i) {
    const auto& s = d.sources[i];
    if (s.definitely_bogus == 0) break;
    r << "  " << to_string(s.via) << " " << s.source << ": " << percent(s.lower_share()) << " .. "
      << percent(s.upper_share()) << " of " << s.peers << ", U " << s.cluster.u;
    if (s.looks_like != probes::SourceLooks::unremarkable) r << ", looks like: " << to_string(s.looks_like);
    if (s.hops_from_anti_p2p) r << ", " << *s.hops_from_anti_p2p << " hop(s) from anti-P2P";
    r << reversed_text(s) << "\n";
  }
  r << dht_nodes_text(d, top);
  return r.str();
}

// Announcements change daily: verdicts on last month's routing table call
// newly announced space unroutable.
void warn_if_old(const std::string& file, const char* cmd) {
  auto age = probes::routing_data_time(file);
  if (!age) return;
  auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() - age.value().when).count();
  if (days <= 7) return;
  static constexpr const char* kFrom[] = {"its fetch record", "its name", "the file's time"};
  std::cerr << "p2pscope " << cmd << ": warning: routing data " << file << " is " << days << " days old (by "
            << kFrom[static_cast<int>(age.value().from)] << "); `p2pscope routing fetch` gets current data\n";
}

int diagnose_records(const DiagnoseArgs& a, const char* cmd, Diagnosed& out, Needs needs) {
  auto& in = out.in;
  if (int code = read_inputs(a.records, a.io, in, cmd, needs); code != kOk) return code;
  for (const auto& f : a.routing) {
    auto load = probes::load_routing(f, probes::RoutingFormat::automatic, out.routing, {});
    if (!load) {
      std::cerr << "p2pscope " << cmd << ": --routing " << load.error() << "\n";
      return kBadInput;
    }
    auto skipped = load.value().skipped_text();
    std::cerr << "p2pscope " << cmd << ": routing " << f << ": " << load.value().prefixes << " announcements ("
              << to_string(load.value().format) << ")" << (skipped.empty() ? "" : "; skipped " + skipped) << "\n";
    warn_if_old(f, cmd);
  }
  if (!out.routing.build()) {
    std::cerr << "p2pscope " << cmd << ": the routing data names more than 16M distinct origins\n";
    return kBadInput;
  }
  std::vector<IpRange> known;
  for (const auto& f : a.known) {
    auto l = probes::load_known_list(f, probes::ListFormat::automatic, {});
    if (!l) {
      std::cerr << "p2pscope " << cmd << ": " << l.error() << "\n";
      return kBadInput;
    }
    known.insert(known.end(), l.value().ranges.begin(), l.value().ranges.end());
  }
  probes::DiagnoseInputs di;
  di.observations = in.observations;
  di.emule_observations = in.emule_observations;
  di.probes = in.probes;
  di.routing = a.routing.empty() ? nullptr : &out.routing;
  known = merge_ranges(std::move(known));
  di.known = known;
  di.cluster.u_threshold = a.u_threshold;
  di.cluster.farm_min = a.farm_min;
  di.dht_nodes = in.dht_nodes;
  di.dht.near_bits = a.sybil_near_bits;
  di.dht.ids_per_address = a.sybil_ids_per_address;
  out.diagnosis = probes::diagnose(di);
  return kOk;
}

int run_diagnose(const DiagnoseArgs& a, probes::Diagnosis* out) {
  bool to_file = !a.io.db.conninfo || a.output_given;
  if (!check_outputs({to_file ? a.output : "-", a.report}, "diagnose")) return kFailure;
  Diagnosed made;
  if (int code = diagnose_records(a, "diagnose", made); code != kOk) return code;
  auto& d = made.diagnosis;
  auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  std::string lines;
  std::vector<Record> records;
  for (auto& v : d.verdicts) {
    v.time = now;
    lines += to_json_line(Record{v}) + "\n";
    records.emplace_back(v);
  }
  if (to_file && !write_output(a.output, lines, "diagnose")) return kFailure;
  if (!store_records(a.io, records, "diagnose", a.output_given ? "the -o file " + a.output : "")) return kFailure;
  if (a.report == "-") std::cerr << report_text(d, a.top);
  else if (a.report != "none" && !write_output(a.report, report_text(d, a.top), "diagnose")) return kFailure;
  if (out) *out = std::move(d);
  return kOk;
}

// With --db: what this export held, so that exports can be compared later.
bool record_export(const BlocklistArgs& a, const std::vector<IpRange>& merged, const probes::Blocklist& list,
                   std::size_t verdicts) {
  pg::BlocklistExportRow e;
  e.format = a.format;
  e.name = a.name;
  e.classes = a.classes;
  e.min_confidence = a.min_confidence;
  if (a.verdicts.empty()) e.from_run = a.io.from_run;
  e.verdicts_read = verdicts;
  e.rules = list.rules;
  e.left_out_v6 = list.left_out_v6;
  e.output = a.output == "-" ? "-" : std::filesystem::absolute(a.output).string();
  lt::hasher256 h;
  h.update(list.text.data(), static_cast<int>(list.text.size()));
  e.content_sha256 = lt::aux::to_hex(h.final());
  for (const auto& r : merged) {
    if (list.left_out_v6 && !r.first.is_v4()) continue;  // the entries are what the file holds
    e.ranges.push_back({r.first, r.last, r.label});
  }
  std::int64_t id = 0;
  bool ok = store_with_retry(a.io.db, "blocklist", "the blocklist itself was written",
                             [&](pqxx::connection& c) -> Status {
                               P2PSCOPE_TRY(stored, pg::store_blocklist_export(c, e));
                               id = stored;
                               return success();
                             });
  if (ok) std::cerr << "database: blocklist export " << id << " (" << merged.size() << " range(s))\n";
  return ok;
}

// True when path holds a list that an empty one would replace.
bool holds_a_list(const std::string& path) {
  if (path == "-") return false;
  auto t = resolve_output(path);
  std::error_code ec;
  return t && t.value().kind == OutputKind::regular && std::filesystem::file_size(t.value().resolved, ec) > 0 && !ec;
}

bool verdict_classes(const std::vector<std::string>& names, const char* cmd, std::set<VerdictKind>& out) {
  for (const auto& c : names) {
    if (c == "dht_node") {  // every verdict on a DHT node
      out.insert({VerdictKind::dht_fake_values, VerdictKind::dht_phantom_neighbours, VerdictKind::dht_sybil});
      continue;
    }
    auto k = verdict_kind_from(c);
    if (!k) {
      std::cerr << "p2pscope " << cmd << ": unknown verdict class \"" << printable(c) << "\"\n";
      return false;
    }
    out.insert(k.value());
  }
  return true;
}

int run_blocklist(const BlocklistArgs& a) {
  if (!probes::valid_list_name(a.name)) {
    std::cerr << "p2pscope blocklist: --name \"" << printable(a.name)
              << "\": use 1-28 letters, digits, '_' or '-' (it names an nftables table or ipset sets)\n";
    return kBadInput;
  }
  if (!check_outputs({a.output}, "blocklist")) return kFailure;
  auto fmt = probes::blocklist_format_from(a.format);
  std::set<VerdictKind> wanted;
  if (!verdict_classes(a.classes, "blocklist", wanted)) return kBadInput;
  RecordInputs in;
  if (int code = read_inputs(a.verdicts, a.io, in, "blocklist", Needs::verdicts); code != kOk) return code;
  std::vector<IpRange> ranges;
  for (const auto& v : in.verdicts) {
    if (!wanted.count(v.verdict) || v.confidence < a.min_confidence) continue;
    ranges.push_back({v.peer.address, v.peer.address, "p2pscope " + std::string(to_string(v.verdict))});
  }
  auto merged = merge_ranges(std::move(ranges));
  auto list = probes::format_blocklist(merged, fmt.value(), a.name);
  if (list.rules == 0 && !a.allow_empty && holds_a_list(a.output)) {
    std::cerr << "p2pscope blocklist: none of the " << in.verdicts.size() << " verdict(s) is in the classes asked for; "
              << "keeping " << a.output << " rather than replacing it with an empty list (--allow-empty to do so)\n";
    return kFailure;
  }
  if (!write_output(a.output, list.text, "blocklist")) return kFailure;
  if (a.io.db.conninfo && !record_export(a, merged, list, in.verdicts.size())) return kFailure;
  std::cerr << "p2pscope blocklist: " << list.rules << " rule(s) from " << in.verdicts.size() << " verdict(s)";
  if (list.left_out_v6) std::cerr << "; " << list.left_out_v6 << " IPv6 range(s) left out (" << a.format << " is IPv4-only)";
  std::cerr << "\n";
  return kOk;
}

void add_judging_options(CLI::App* d, DiagnoseArgs& a) {
  d->add_option("--routing", a.routing, "Announced space: CAIDA pfx2as, bgpdump -m output or an ASN .mmdb (plain or .gz); repeatable")
      ->check(CLI::ExistingFile)
      ->allow_extra_args(false);
  d->add_option("--known", a.known, "A known anti-P2P list: PeerGuardian P2P, eMule DAT or CIDR (plain or .gz); repeatable")
      ->check(CLI::ExistingFile)
      ->allow_extra_args(false);
  d->add_option("--u-threshold", a.u_threshold, "U metric below which a source's peers form an anti-P2P event")
      ->check(FiniteRange(0.0, 1.0))
      ->capture_default_str();
  d->add_option("--farm-min", a.farm_min, "A /24 with more unique peers than this is a server farm")->capture_default_str();
  d->add_option("--sybil-near-bits", a.sybil_near_bits,
                "A DHT node id sharing this many leading bits with a crawled infohash is near it (a vertical Sybil when "
                "another is too, or it is not a BEP 42 id)")
      ->check(CLI::Range(8, 160))
      ->capture_default_str();
  d->add_option("--sybil-ids-per-address", a.sybil_ids_per_address,
                "This many DHT node ids on one address, most not BEP 42 ids for it, are a horizontal Sybil cluster")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
}

void add_diagnose(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<DiagnoseArgs>();
  auto* d = app.add_subcommand("diagnose", "Turn observations and probe results into per-peer verdicts and per-source bogus shares");
  d->add_option("RECORDS", a->records, "Record files from crawl and probe (JSON Lines; '-' for standard input). With "
                                       "--db and none given: the database's records")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  add_db_io(d, a->io, "Read observations and probe results from and store verdicts in", DbUse::write_spooled);
  add_judging_options(d, *a);
  d->add_option("-o,--output", a->output, "Where verdicts go (JSON Lines)")->capture_default_str();
  d->add_option("--report", a->report, "Where the readable report goes: '-' (standard error), a file, or 'none'")->capture_default_str();
  d->add_option("--top", a->top, "Sources listed in the report")->capture_default_str();
  d->callback([a, d, exit_code] {
    a->output_given = d->get_option("--output")->count() > 0;
    *exit_code = run_diagnose(*a);
  });

  auto b = std::make_shared<BlocklistArgs>();
  auto* bl = app.add_subcommand("blocklist", "Write verdicts as a blocklist clients and firewalls load");
  bl->add_option("VERDICTS", b->verdicts, "Verdict files from diagnose (JSON Lines). With --db and none given: the "
                                          "database's verdicts")
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  add_db_io(bl, b->io, "Read verdicts from, and record the export (blocklist_export, blocklist_entry) in", DbUse::write_direct);
  bl->add_option("-o,--output", b->output, "The blocklist file ('-': standard output); replaced atomically")->capture_default_str();
  bl->add_option("-f,--format", b->format, "p2p, dat, cidr, nft or ipset")
      ->check(CLI::IsMember({"p2p", "dat", "cidr", "nft", "ipset"}))
      ->capture_default_str();
  bl->add_option("--classes", b->classes,
                 "Verdict classes to block (anti_p2p, byte_order, bogus_unroutable, unreachable; DHT nodes: "
                 "dht_fake_values, dht_phantom_neighbours, dht_sybil, or dht_node for all three)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->capture_default_str();
  bl->add_option("--min-confidence", b->min_confidence, "Leave out verdicts below this confidence")->check(FiniteRange(0.0, 1.0));
  bl->add_option("--name", b->name, "nftables table / ipset name prefix (1-28 of A-Z a-z 0-9 _ -)")->capture_default_str();
  bl->add_flag("--allow-empty", b->allow_empty, "Replace an existing list even when no verdict is left to block");
  bl->callback([b, exit_code] { *exit_code = run_blocklist(*b); });
}

}  // namespace p2pscope::cli
