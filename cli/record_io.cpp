#include "cli/record_io.hpp"
#include "store/record_types.hpp"

#include "cli/exit_codes.hpp"
#include "core/output_file.hpp"
#include "store/pg.hpp"
#include "store/pg_reports.hpp"
#include "store/jsonl.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace p2pscope::cli {

namespace {

void keep(Record&& r, RecordInputs& in) {
  if (auto* o = std::get_if<Observation>(&r)) in.observations.push_back(std::move(*o));
  else if (auto* e = std::get_if<EmuleObservation>(&r)) in.emule_observations.push_back(std::move(*e));
  else if (auto* p = std::get_if<ProbeResult>(&r)) in.probes.push_back(std::move(*p));
  else if (auto* d = std::get_if<Verdict>(&r)) in.verdicts.push_back(std::move(*d));
  else if (auto* n = std::get_if<DhtNodeSeen>(&r)) in.dht_nodes.push_back(std::move(*n));
  else if (auto* pr = std::get_if<PassiveRecord>(&r); pr && pr->type == "passive_honeynet_event")
    in.honeynet_events.push_back(nlohmann::json::parse(pr->body, nullptr, false));
  else ++in.other;
}

}  // namespace

bool for_each_record(const std::vector<std::string>& files, const char* cmd,
                     const std::function<bool(Record&&)>& on_record, std::size_t* bad) {
  for (const auto& f : files) {
    auto r = JsonlReader::open(f);
    if (!r) {
      std::cerr << "p2pscope " << cmd << ": " << f << ": " << r.error().message() << "\n";
      return false;
    }
    for (;;) {
      auto rec = r.value()->next();
      if (!rec) {
        if ((*bad)++ < 5) std::cerr << "p2pscope " << cmd << ": " << f << ":" << r.value()->line() << ": skipped: " << rec.error() << "\n";
        continue;
      }
      if (!rec.value()) break;
      if (!on_record(std::move(*rec.value()))) return false;
    }
  }
  return true;
}

bool read_records(const std::vector<std::string>& files, RecordInputs& in, const char* cmd) {
  if (!for_each_record(files, cmd, [&in](Record&& r) { keep(std::move(r), in); return true; }, &in.bad_lines)) return false;
  if (in.bad_lines > 0) std::cerr << "p2pscope " << cmd << ": skipped " << in.bad_lines << " malformed line(s)\n";
  return true;
}

bool read_harness_report(const std::string& file, const char* cmd, std::vector<nlohmann::json>& out) {
  // A harness session's report.json holds every capture: tens of MiB for a
  // long session, never near this.
  constexpr std::uintmax_t kMaxBytes = std::uintmax_t{1} << 30;
  std::error_code ec;
  if (auto size = std::filesystem::file_size(file, ec); !ec && size > kMaxBytes) {
    std::cerr << "p2pscope " << cmd << ": " << file << " is " << size << " bytes, more than a harness report can be (1 GiB)\n";
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "p2pscope " << cmd << ": " << file << ": " << std::strerror(errno) << "\n";
    return false;
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    std::cerr << "p2pscope " << cmd << ": " << file << " is not a harness report (a JSON array of client reports)\n";
    return false;
  }
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_object() || !j[i].contains("client") || !j[i]["client"].is_string()) {
      std::cerr << "p2pscope " << cmd << ": " << file << ": entry " << i + 1 << " is not a client report (no \"client\")\n";
      return false;
    }
  }
  for (auto& r : j) out.push_back(std::move(r));
  return true;
}

std::size_t RecordInputs::valid() const noexcept {
  return observations.size() + emule_observations.size() + probes.size() + verdicts.size() + dht_nodes.size() +
         honeynet_events.size() + other;
}

void add_db_io(CLI::App* cmd, DbIo& io, const std::string& what, DbUse use) {
  add_db_options(cmd, io.db, what, use);
  cmd->add_option("--from-run", io.from_run, "With --db and no record files: read only this crawl run's records");
}


namespace {

constexpr std::size_t kMaxEventsRead = 1'000'000;

// The records of the files, or of the database with --db.
int load_inputs(const std::vector<std::string>& files, const DbIo& io, RecordInputs& in, const char* cmd, Needs needs) {
  if (!files.empty()) return read_records(files, in, cmd) ? kOk : kFailure;
  if (!io.db.conninfo) {
    std::cerr << "p2pscope " << cmd << ": give record files, or --db to read them from PostgreSQL\n";
    return kBadInput;
  }
  int code = kFailure;
  std::string name = std::string(cmd) + " --db";
  auto c = open_db(io.db, name.c_str(), SchemaCheck::current, &code);
  if (!c) return code;
  // Only the kinds a stage reads: passive records can outnumber the rest many times.
  pg::ExportFilter only;
  only.run = io.from_run;
  only.tables = {record_table<Observation>(), record_table<EmuleObservation>(), record_table<ProbeResult>(),
                 record_table<Verdict>()};
  auto n = pg::export_records(*c, only, [&](const Record& r) -> Status {
    keep(Record(r), in);
    return success();
  });
  if (!n) {
    std::cerr << "p2pscope " << cmd << ": reading records from the database: " << n.error() << "\n";
    return kFailure;
  }
  std::cerr << "p2pscope " << cmd << ": " << n.value() << " records from the database"
            << (io.from_run ? " (run " + *io.from_run + ")" : "") << "\n";
  if (needs != Needs::anything) return kOk;
  // A honeynet event comes from a capture, not from a crawl run: one run's
  // report would otherwise draw every capture's events.
  if (io.from_run) {
    std::cerr << "p2pscope " << cmd << ": honeynet events belong to no crawl run: left out with --from-run\n";
    return kOk;
  }
  auto events = pg::load_honeynet_events(*c, kMaxEventsRead);
  if (!events) {
    std::cerr << "p2pscope " << cmd << ": reading honeynet events from the database: " << events.error() << "\n";
    return kFailure;
  }
  if (events.value().size() == kMaxEventsRead)
    std::cerr << "p2pscope " << cmd << ": read the first " << kMaxEventsRead << " honeynet events only\n";
  in.honeynet_events = std::move(events).value();
  return kOk;
}

}  // namespace

int read_inputs(const std::vector<std::string>& files, const DbIo& io, RecordInputs& in, const char* cmd, Needs needs) {
  if (int code = load_inputs(files, io, in, cmd, needs); code != kOk) return code;
  if (needs == Needs::anything) return kOk;  // the caller says when there is nothing to work on
  if (in.valid() == 0) {
    std::cerr << "p2pscope " << cmd << ": the input holds no valid record";
    if (in.bad_lines) std::cerr << " (" << in.bad_lines << " malformed line(s))";
    std::cerr << "; nothing written\n";
    return kBadInput;
  }
  bool verdicts = needs == Needs::verdicts;
  if ((verdicts ? in.verdicts.size() : in.observations.size() + in.emule_observations.size()) == 0) {
    std::cerr << "p2pscope " << cmd << ": the input holds no " << (verdicts ? "verdict" : "observation")
              << " records (" << in.valid() << " other records); nothing written\n";
    return kBadInput;
  }
  return kOk;
}

bool store_records(const DbIo& io, const std::vector<Record>& recs, const char* cmd, std::string_view kept_in) {
  if (!io.db.conninfo) return true;
  auto sink = open_pg_sink(io.db, cmd);
  if (!sink) return false;
  for (const auto& r : recs) {
    if (auto st = sink->write(r); !st) break;
  }
  return finish_pg_sink(*sink, io.db.wait, cmd, kept_in);
}

bool check_outputs(std::initializer_list<std::string_view> paths, const char* cmd) {
  for (auto p : paths) {
    if (p.empty() || p == "-" || p == "none") continue;
    if (auto st = check_output_file(std::string(p)); !st) {
      std::cerr << "p2pscope " << cmd << ": " << st.error() << "\n";
      return false;
    }
  }
  return true;
}

bool write_output(const std::string& path, const std::string& text, const char* cmd) {
  if (path == "-") {
    std::cout << text << std::flush;
    if (std::cout && std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
    std::cerr << "p2pscope " << cmd << ": writing standard output: " << std::strerror(errno ? errno : EIO) << "\n";
    return false;
  }
  if (auto st = write_output_file(path, text); !st) {
    std::cerr << "p2pscope " << cmd << ": " << st.error() << "\n";
    return false;
  }
  return true;
}

}  // namespace p2pscope::cli
