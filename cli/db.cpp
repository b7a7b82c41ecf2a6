// p2pscope db: migrate the PostgreSQL schema, show what is stored, and move
// records between JSON Lines and the database.
#include "cli/commands.hpp"
#include "cli/db_options.hpp"
#include "cli/exit_codes.hpp"
#include "cli/record_io.hpp"
#include "store/pg.hpp"
#include "store/pg_reports.hpp"

#include <pqxx/pqxx>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace p2pscope::cli {
namespace {

int run_migrate(const DbArgs& a) {
  int code = kFailure;
  auto c = open_db(a, "db migrate", SchemaCheck::none, &code);
  if (!c) return code;
  auto applied = pg::migrate(*c);
  if (!applied) {
    std::cerr << "p2pscope db migrate: " << applied.error() << "\n";
    return kFailure;
  }
  for (int v : applied.value()) std::cerr << "db migrate: applied version " << v << " ("
                                          << pg::migrations()[static_cast<std::size_t>(v - 1)].name << ")\n";
  std::cerr << "db migrate: schema at version " << pg::latest_version()
            << (applied.value().empty() ? " (nothing to do)" : "") << "\n";
  return kOk;
}

int run_status(const DbArgs& a) {
  int code = kFailure;
  auto c = open_db(a, "db status", SchemaCheck::none, &code);
  if (!c) return code;
  auto v = pg::schema_version(*c);
  if (!v) {
    std::cerr << "p2pscope db status: " << v.error() << "\n";
    return kFailure;
  }
  std::cout << "schema version " << v.value() << " (this build: " << pg::latest_version() << ")\n";
  if (v.value() != pg::latest_version()) return kFailure;
  pqxx::read_transaction t(*c);
  for (const char* table : {"batch", "crawl_run", "infohash", "observation", "probe_result", "verdict", "anomaly",
                            "swarm_counts", "peer_hello", "honeynet_event", "harness_run", "harness_flow",
                            "blocklist_export", "blocklist_entry", "job", "job_run"}) {
    std::cout << table << ": " << t.exec(std::string("SELECT count(*) FROM ") + table)[0][0].as<std::string>()
              << " rows\n";
  }
  return kOk;
}

// A harness report.json (a JSON array) rather than JSON Lines records,
// which are objects one per line.
bool is_harness_report(const std::string& file) {
  if (file == "-") return false;
  std::ifstream in(file, std::ios::binary);
  char c = 0;
  while (in.get(c) && std::isspace(static_cast<unsigned char>(c))) {
  }
  return in && c == '[';
}

int import_harness_reports(const DbArgs& a, const std::vector<std::string>& files) {
  std::vector<nlohmann::json> runs;
  for (const auto& f : files)
    if (!read_harness_report(f, "db import", runs)) return kBadInput;
  nlohmann::json reports(std::move(runs));
  std::size_t fresh = 0;
  bool ok = store_with_retry(a, "db import", "importing the files again stores the rest",
                             [&](pqxx::connection& c) -> Status {
                               P2PSCOPE_TRY(n, pg::store_harness_reports(c, reports));
                               fresh = n;
                               return success();
                             });
  if (!ok) return kFailure;
  std::cerr << "db import: " << fresh << " new harness run(s), " << reports.size() - fresh << " already stored\n";
  return kOk;
}

// Standard input saved to a file, so that it can be digested like any
// other input (the same lines imported twice are one import) and named if
// the import fails. Removed on success.
class SavedStdin {
 public:
  ~SavedStdin() {
    if (!keep_ && !path_.empty()) std::filesystem::remove(path_);
  }
  // Replaces "-" in files by the saved copy; false after saying why.
  bool take(std::vector<std::string>& files) {
    auto dash = std::find(files.begin(), files.end(), "-");
    if (dash == files.end()) return true;
    std::string pattern = (std::filesystem::temp_directory_path() / "p2pscope-import-stdin-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) return fail("cannot create a file for standard input in " + std::filesystem::temp_directory_path().string());
    path_ = pattern;
    std::vector<char> buf(1 << 16);
    for (;;) {
      auto n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail("reading standard input", fd);
      if (n == 0) break;
      for (ssize_t at = 0; at < n;) {
        auto w = ::write(fd, buf.data() + at, static_cast<std::size_t>(n - at));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return fail("saving standard input to " + path_, fd);
        at += w;
      }
    }
    if (::close(fd) != 0) return fail("saving standard input to " + path_);
    std::replace(files.begin(), files.end(), std::string("-"), path_);
    return true;
  }
  void keep() { keep_ = true; }
  const std::string& path() const { return path_; }

 private:
  bool fail(const std::string& what, int fd = -1) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    std::cerr << "p2pscope db import: " << what << ": " << std::strerror(err) << "\n";
    return false;
  }
  std::string path_;
  bool keep_ = false;
};

int import_records(DbArgs a, std::vector<std::string> files) {
  SavedStdin saved;
  if (!saved.take(files)) return kFailure;
  // Importing the same files again, or again after a crash half-way, must
  // not duplicate anything: the same batches under the same writer id.
  if (a.writer.empty()) a.writer = digest_writer("import-", files, "");
  a.batch_age = kBatchesByCountOnly;
  auto sink = open_pg_sink(a, "db import");
  if (!sink) return kFailure;
  std::uint64_t records = 0;
  std::size_t bad = 0;
  bool sink_failed = false;
  bool read = for_each_record(files, "db import", [&](Record&& r) {
    if (auto st = sink->write(r); !st) {
      std::cerr << "p2pscope db import: " << st.error().message() << "\n";
      sink_failed = true;
      return false;
    }
    ++records;
    return true;
  }, &bad);
  std::string kept = "the input files";
  if (!saved.path().empty()) kept += " (standard input is saved as " + saved.path() + ")";
  kept += "; importing them again stores the rest, nothing twice";
  if (sink_failed) {
    saved.keep();
    finish_pg_sink(*sink, std::chrono::seconds(0), "db import", kept);
    return kFailure;
  }
  if (!read) return kFailure;
  std::cerr << "db import: " << records << " records read" << (bad ? ", " + std::to_string(bad) + " malformed lines skipped" : "")
            << "\n";
  bool ok = finish_pg_sink(*sink, a.wait, "db import", kept);
  if (!ok) {
    saved.keep();
    return kFailure;
  }
  return bad ? kBadInput : kOk;
}

int run_import(const DbArgs& a, const std::vector<std::string>& files) {
  std::vector<std::string> reports, records;
  for (const auto& f : files) (is_harness_report(f) ? reports : records).push_back(f);
  int code = kOk;
  if (!reports.empty()) code = import_harness_reports(a, reports);
  if (code == kOk && !records.empty()) code = import_records(a, records);
  return code;
}

int run_export(const DbArgs& a, const std::string& out, const std::optional<std::string>& run) {
  int code = kFailure;
  auto c = open_db(a, "db export", SchemaCheck::current, &code);
  if (!c) return code;
  auto w = JsonlWriter::open(out, OpenMode::truncate);
  if (!w) {
    std::cerr << "p2pscope db export: cannot open " << out << ": " << w.error().message() << "\n";
    return kFailure;
  }
  pg::ExportFilter every;
  every.run = run;
  std::optional<Error> write_error;
  auto n = pg::export_records(*c, every, [&](const Record& r) {
    auto st = w.value()->write(r);
    if (!st) write_error = st.error();
    return st;
  });
  if (n && !write_error) {
    if (auto st = w.value()->flush(); !st) write_error = st.error();
  }
  if (write_error) {
    std::cerr << "p2pscope db export: writing " << (out == "-" ? "standard output" : out) << ": "
              << write_error->message() << " (" << w.value()->records_written() << " records written)\n";
    return kFailure;
  }
  if (!n) {
    std::cerr << "p2pscope db export: " << n.error() << "\n";
    return kFailure;
  }
  std::cerr << "db export: " << n.value() << " records\n";
  return kOk;
}

}  // namespace

void add_db(CLI::App& app, int* exit_code) {
  auto* db = app.add_subcommand("db", "Manage the PostgreSQL store: migrate the schema, show it, import and export records");
  db->require_subcommand(1);
  db->footer("The connection comes from --db (a libpq connection string or URI, also P2PSCOPE_DB) or, when it is\n"
             "empty or absent, from the PG* environment variables. Passwords belong in ~/.pgpass, not on the\n"
             "command line. A throwaway server: eval \"$(scripts/pg_test_server.sh start /tmp/pg)\".");
  auto a = std::make_shared<DbArgs>();

  auto* migrate = db->add_subcommand("migrate", "Apply the schema migrations this build knows, each in its own transaction");
  add_db_options(migrate, *a, "Migrate this", DbUse::connect);
  migrate->callback([a, exit_code] { *exit_code = run_migrate(*a); });

  auto* status = db->add_subcommand("status", "Show the schema version and how many rows each table holds");
  add_db_options(status, *a, "Inspect this", DbUse::connect);
  status->callback([a, exit_code] { *exit_code = run_status(*a); });

  auto files = std::make_shared<std::vector<std::string>>();
  auto* import = db->add_subcommand(
      "import", "Store JSON Lines records (docs/records.md), or a harness's report.json, in the database; importing "
                "the same files again adds nothing");
  import->add_option("files", *files, "Record files ('-' for standard input) or harness report.json files")->required();
  add_db_options(import, *a, "Store into this", DbUse::write_spooled);
  import->callback([a, files, exit_code] { *exit_code = run_import(*a, *files); });

  auto out = std::make_shared<std::string>("-");
  auto run = std::make_shared<std::optional<std::string>>();
  auto* exp = db->add_subcommand("export", "Write the stored records as JSON Lines, in the order they were stored");
  exp->add_option("-o,--output", *out, "Output file, or - for standard output")->capture_default_str();
  exp->add_option("--run", *run, "Only the records of this crawl run");
  add_db_options(exp, *a, "Read from this", DbUse::connect);
  exp->callback([a, out, run, exit_code] { *exit_code = run_export(*a, *out, *run); });
}

}  // namespace p2pscope::cli
