// Record files in and out for the commands that chain stages (probe,
// diagnose, blocklist): read several files, skipping and counting lines that
// are not valid records; write a whole output through a temporary file.
#pragma once

#include "cli/db_options.hpp"
#include "core/records.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace p2pscope::cli {

struct RecordInputs {
  std::vector<Observation> observations;
  std::vector<EmuleObservation> emule_observations;
  std::vector<ProbeResult> probes;
  std::vector<Verdict> verdicts;
  std::vector<DhtNodeSeen> dht_nodes;
  std::vector<nlohmann::json> honeynet_events;  // passive_honeynet_event records, as written
  std::size_t bad_lines = 0, other = 0;
  std::size_t valid() const noexcept;  // records of any kind
};

// Calls on_record with every valid record of the files in order; bad lines
// are counted in *bad and the first few named on standard error. False
// (after saying why, prefixed "p2pscope CMD: ") when a file cannot be
// opened, or when on_record returns false (it has said why).
bool for_each_record(const std::vector<std::string>& files, const char* cmd,
                     const std::function<bool(Record&&)>& on_record, std::size_t* bad);

// False (after saying why, prefixed "p2pscope CMD: ") only when a file cannot
// be opened; the first few bad lines are named on standard error.
bool read_records(const std::vector<std::string>& files, RecordInputs& in, const char* cmd);

// A harness's report.json (a JSON array of client runs, each an object with
// a "client" name): appends its runs to *out. False after saying why
// (prefixed "p2pscope CMD: ") when the file cannot be read or is not one.
bool read_harness_report(const std::string& file, const char* cmd, std::vector<nlohmann::json>& out);

// --db for a stage that reads records and may write them: inputs come from
// the database when no files are given (narrowed by --from-run), outputs
// also go there.
struct DbIo {
  DbArgs db;
  std::optional<std::string> from_run;
};
void add_db_io(CLI::App* cmd, DbIo& io, const std::string& what, DbUse use);

// The kind of record a stage cannot work without (observations: of either
// network; anything: any valid record, for report, which draws honeynet
// events too, and with --db also reads them from honeynet_event).
enum class Needs : std::uint8_t { observations, verdicts, anything };

// Files when given, else the database (with --db); kOk, kBadInput when there
// is neither, when they hold no valid record at all or none of the kind the
// stage needs (after saying so; Needs::anything leaves that to the caller),
// kFailure after saying why.
int read_inputs(const std::vector<std::string>& files, const DbIo& io, RecordInputs& in, const char* cmd, Needs needs);

// With --db: stores recs, waiting up to --db-wait for a spool to drain;
// false after saying why and where the records are (finish_pg_sink;
// kept_in: where the caller also wrote them, if anywhere). True and nothing
// done without --db.
bool store_records(const DbIo& io, const std::vector<Record>& recs, const char* cmd, std::string_view kept_in = {});

// At the start of a run: false (after saying why) when an output path other
// than "-" or "none" cannot be written (core/output_file.hpp).
bool check_outputs(std::initializer_list<std::string_view> paths, const char* cmd);

// Writes text to path ("-": standard output) as core/output_file.hpp says:
// a regular file is replaced when complete, a device or FIFO written
// through. False after naming the path and the error.
bool write_output(const std::string& path, const std::string& text, const char* cmd);

}  // namespace p2pscope::cli
