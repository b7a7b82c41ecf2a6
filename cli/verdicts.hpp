// The diagnose and blocklist stages as functions, for their subcommands and
// for the demo, which runs them in-process on the files the crawl and the
// probes wrote. Both print their errors, prefixed "p2pscope diagnose:" or
// "p2pscope blocklist:", and return an exit code (cli/exit_codes.hpp).
#pragma once

#include "cli/record_io.hpp"

#include "probes/diagnose.hpp"
#include "probes/prefix_table.hpp"

#include <CLI/CLI.hpp>

#include <set>
#include <string>
#include <vector>

namespace p2pscope::cli {

struct DiagnoseArgs {
  std::vector<std::string> records, routing, known;
  DbIo io;                     // --db: read from / store verdicts in PostgreSQL
  bool output_given = false;   // -o on the command line (with --db, JSON Lines only then)
  std::string output = "-", report = "-";  // report: "-" (standard error), a file, or "none"
  double u_threshold = 0.5;
  std::size_t farm_min = 5, top = 10;
  int sybil_near_bits = 32;               // probes::DhtJudgeConfig
  std::size_t sybil_ids_per_address = 4;
};
// *out (if given) receives the whole diagnosis on success.
int run_diagnose(const DiagnoseArgs& a, probes::Diagnosis* out = nullptr);

// The records a diagnosis was made from, the routing data it used, and the
// diagnosis. diagnosis points into nothing here; routing is built.
struct Diagnosed {
  RecordInputs in;
  probes::PrefixTable routing;
  probes::Diagnosis diagnosis;
};
// Reads a's records (files, else the database), routing data and known
// lists, and diagnoses them; kOk, or an exit code after saying why
// (prefixed "p2pscope CMD:"). Writes nothing.
int diagnose_records(const DiagnoseArgs& a, const char* cmd, Diagnosed& out, Needs needs = Needs::observations);
// --classes as blocklist, serve and push take them: verdict names, and
// dht_node for every verdict on a DHT node. False (after saying, prefixed
// "p2pscope CMD:", which name is unknown) on a name that is no class.
bool verdict_classes(const std::vector<std::string>& names, const char* cmd, std::set<VerdictKind>& out);

// --routing, --known, --u-threshold, --farm-min, --sybil-*: what a command
// that diagnoses (diagnose, report, explain) judges with.
void add_judging_options(CLI::App* cmd, DiagnoseArgs& a);
// The readable report: verdict counts, the Fig. 4 breakdown, the top worst sources.
std::string report_text(const probes::Diagnosis& d, std::size_t top);

struct BlocklistArgs {
  std::vector<std::string> verdicts;
  DbIo io;  // --db: verdicts from PostgreSQL when no files are given
  std::vector<std::string> classes{"anti_p2p"};
  std::string output = "-", format = "p2p", name = "p2pscope";
  double min_confidence = 0;
  bool allow_empty = false;  // replace an existing list with one of no rules
};
int run_blocklist(const BlocklistArgs& a);

}  // namespace p2pscope::cli
