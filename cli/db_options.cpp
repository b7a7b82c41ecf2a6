#include "cli/db_options.hpp"

#include "cli/exit_codes.hpp"
#include "cli/validators.hpp"

#include <libtorrent/hasher.hpp>
#include <libtorrent/hex.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace p2pscope::cli {

std::string default_spool_dir() {
  if (const char* s = std::getenv("XDG_STATE_HOME"); s && *s) return std::string(s) + "/p2pscope/spool";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/state/p2pscope/spool";
  return "p2pscope-spool";
}

void add_db_options(CLI::App* cmd, DbArgs& a, const std::string& what, DbUse use) {
  auto* g = cmd->add_option_group("PostgreSQL");
  g->add_option("--db", a.conninfo,
                what + " PostgreSQL: a libpq connection string or URI (no password: use ~/.pgpass, PGPASSFILE "
                       "or a service file); '' uses the PG* environment variables")
      ->envname("P2PSCOPE_DB");
  a.spool_dir = default_spool_dir();
  if (use == DbUse::connect) return;
  if (use == DbUse::write_spooled) {
    g->add_option("--spool-dir", a.spool_dir, "Where records wait while the database is unreachable")
        ->capture_default_str();
  }
  g->add_option_function<double>(
       "--db-wait", [&a](double s) { a.wait = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); },
       use == DbUse::write_spooled
           ? "Seconds the end of a run waits for spooled records to reach the database (they stay spooled "
             "after that, for the next run) [60]"
           : "Seconds to keep retrying while the database is unreachable [60]")
      ->check(FiniteRange(0.0, 86400.0));
}

std::string digest_writer(std::string_view prefix, const std::vector<std::string>& files, std::string_view settings) {
  lt::hasher h;
  std::vector<char> buf(1 << 20);
  for (const auto& f : files) {
    if (f == "-") return "";
    std::ifstream in(f, std::ios::binary);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      h.update(buf.data(), static_cast<int>(in.gcount()));
    }
    h.update("\n", 1);  // file boundaries count
  }
  if (!settings.empty()) h.update(settings.data(), static_cast<int>(settings.size()));
  return std::string(prefix) + lt::aux::to_hex(h.final());
}

std::unique_ptr<pqxx::connection> open_db(const DbArgs& a, const char* cmd, SchemaCheck check, int* code) {
  auto c = pg::connect(a.conninfo.value_or(""));
  if (!c) {
    std::cerr << "p2pscope " << cmd << ": " << c.error() << "\n";
    *code = c.error() == pg::Failure::bad_conninfo ? kBadInput : kFailure;
    return nullptr;
  }
  if (check == SchemaCheck::current) {
    if (auto st = pg::require_current_schema(*c.value()); !st) {
      std::cerr << "p2pscope " << cmd << ": " << st.error() << "\n";
      *code = kFailure;
      return nullptr;
    }
  }
  return std::move(c).value();
}

bool store_with_retry(const DbArgs& a, const char* cmd, const std::string& keep,
                      const std::function<Status(pqxx::connection&)>& step) {
  const auto deadline = std::chrono::steady_clock::now() + a.wait;
  bool said = false;
  for (;;) {
    auto c = pg::connect(a.conninfo.value_or(""));
    Status st = c ? pg::require_current_schema(*c.value()) : Status(c.error());
    if (st) st = step(*c.value());
    if (st) return true;
    if (!pg::transient(st.error()) || std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "p2pscope " << cmd << ": --db: " << st.error() << "; " << keep << "\n";
      return false;
    }
    if (!said) {
      std::cerr << "p2pscope " << cmd << ": " << st.error() << "; retrying for up to "
                << std::chrono::duration_cast<std::chrono::seconds>(a.wait).count() << " s (--db-wait)\n";
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

std::unique_ptr<pg::PgSink> open_pg_sink(const DbArgs& a, const char* cmd, const std::string& fence) {
  pg::SinkOptions o;
  o.fence = fence;
  o.conninfo = a.conninfo.value_or("");
  o.spool_dir = a.spool_dir;
  o.writer = a.writer;
  o.batch_age = a.batch_age;
  auto s = pg::PgSink::open(o);
  if (!s) {
    std::cerr << "p2pscope " << cmd << ": --db: " << s.error() << "\n";
    return nullptr;
  }
  if (const auto& note = s.value()->opening_note(); !note.empty()) std::cerr << "p2pscope " << cmd << ": " << note << "\n";
  return std::move(s).value();
}

namespace {

// Writes records the spool could not take to a file of their own: the
// current directory first, else the temporary directory. The path, or
// empty when neither took them.
std::string save_unsent(const std::vector<Record>& recs, const std::string& writer) {
  auto name = "p2pscope-unsent-" + (writer.empty() ? std::to_string(::getpid()) : writer) + ".jsonl";
  std::error_code ec1, ec2;
  for (const auto& dir : {std::filesystem::current_path(ec1), std::filesystem::temp_directory_path(ec2)}) {
    if (dir.empty()) continue;
    auto path = (dir / name).string();
    auto w = JsonlWriter::open(path, OpenMode::append);
    if (!w) continue;
    bool ok = true;
    for (const auto& r : recs) ok = ok && w.value()->write(r);
    if (ok && w.value()->sync()) return path;
  }
  return {};
}

}  // namespace

bool finish_pg_sink(pg::PgSink& s, std::chrono::milliseconds patience, const char* cmd, std::string_view kept_in) {
  auto st = s.drain(patience);
  auto x = s.stats();
  std::cerr << "database: " << x.records_delivered << " records in " << x.batches_delivered << " batches";
  if (x.batches_replayed) std::cerr << " (" << x.batches_replayed << " replayed from a spool)";
  if (x.batches_duplicate) std::cerr << ", " << x.batches_duplicate << " duplicate batches skipped";
  if (x.batches_spooled) std::cerr << ", " << x.batches_spooled << " batches spooled during an outage";
  std::cerr << "\n";
  if (x.torn_spool_batches)
    std::cerr << "p2pscope " << cmd << ": " << x.torn_spool_batches << " spool batches were cut short by an earlier crash\n";
  if (st) return true;
  std::string why = x.problem.empty() ? st.error().message() : x.problem;
  if (!pg::transient(st.error()) || x.records_unspooled > 0)
    std::cerr << "p2pscope " << cmd << ": --db: " << why << "\n";
  if (x.records_spooled > 0)
    std::cerr << "p2pscope " << cmd << ": " << x.records_spooled << " records are not in the database yet; they wait in "
              << x.spool_path << " and the next run with --db replays them\n";
  if (x.records_unspooled == 0) return false;
  auto held = s.abandon();
  std::cerr << "p2pscope " << cmd << ": " << held.size() << " records reached neither the database nor the spool; ";
  if (!kept_in.empty()) {
    std::cerr << "they are in " << kept_in << "\n";
    return false;
  }
  auto path = save_unsent(held, x.spool_path.empty() ? "" : std::filesystem::path(x.spool_path).stem().string());
  if (path.empty()) std::cerr << "writing them to a file of their own failed too: they are lost\n";
  else std::cerr << "they are in " << path << " (p2pscope db import " << path << " stores them)\n";
  return false;
}

}  // namespace p2pscope::cli
