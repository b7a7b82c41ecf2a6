// --db and --spool-dir, shared by every command that reads or writes
// records, and the record sink they select (JSON Lines, PostgreSQL, or
// both).
#pragma once

#include "store/jsonl.hpp"
#include "store/pg.hpp"
#include "store/pg_sink.hpp"
#include "store/tee_sink.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace p2pscope::cli {

struct DbArgs {
  std::optional<std::string> conninfo;  // --db; "" = PG* environment / service file
  std::string spool_dir;                // --spool-dir; default under XDG_STATE_HOME
  std::string writer;                   // batch writer id; random when empty
  std::chrono::milliseconds wait{60000};  // --db-wait: how long the end of a run waits for a spool to drain
  // A partial batch goes out after this long. Writers whose writer id is a
  // digest of their input (db import, passive on files) cut batches by count
  // alone, so that a second run makes the same batches and is skipped.
  std::chrono::milliseconds batch_age{1000};
};

// For DbArgs::batch_age: batches cut by count alone.
inline constexpr std::chrono::hours kBatchesByCountOnly{24 * 365};

// Which of the PostgreSQL options a command has: every one has --db (also
// from P2PSCOPE_DB); writers have --db-wait; writers through a PgSink also
// --spool-dir.
enum class DbUse : std::uint8_t { connect, write_direct, write_spooled };

// Adds the options of `use` to cmd. `what` says what goes to (or comes
// from) the database, for the help text.
void add_db_options(CLI::App* cmd, DbArgs& a, const std::string& what, DbUse use);

std::string default_spool_dir();

enum class SchemaCheck : bool { none, current };

// A batch writer id that is the same whenever the same files are read with
// the same settings: prefix + SHA-1 of the files' bytes (and of `settings`
// when not empty). "" (a random id) when a file is "-": standard input
// cannot be read twice.
std::string digest_writer(std::string_view prefix, const std::vector<std::string>& files, std::string_view settings);

// Connects for a command; nullptr after printing why ("p2pscope CMD: ..."),
// with *code set to the exit status to use. SchemaCheck::current also
// refuses a database whose schema is not this build's.
std::unique_ptr<pqxx::connection> open_db(const DbArgs& a, const char* cmd, SchemaCheck check, int* code);

// Runs one database step for a command that has no spool (a harness
// report, a blocklist export, honeynet events): connects, checks the schema,
// runs `step`. While the server is unreachable it retries every 2 s for up
// to a.wait. false after printing why ("p2pscope CMD: ... ; `keep` says
// where the data still is").
bool store_with_retry(const DbArgs& a, const char* cmd, const std::string& keep,
                      const std::function<Status(pqxx::connection&)>& step);

// A PostgreSQL sink for a; nullptr after printing why ("p2pscope CMD: ...").
// `fence`: see pg::SinkOptions::fence (workers).
std::unique_ptr<pg::PgSink> open_pg_sink(const DbArgs& a, const char* cmd, const std::string& fence = "");

// Prints the sink's delivery counts, and waits up to `patience` for a spool
// to drain. False when records are still outside the database, after saying
// exactly where they are: in the spool (the next run with --db replays
// them), in `kept_in` when the caller keeps them elsewhere ("the -o file
// x.jsonl", "the input files"), or else in a file of their own that this
// writes and names (./p2pscope-unsent-WRITER.jsonl, else in the temporary
// directory) -- or that they are lost, when even that fails. Records the
// spool could not take end the sink (PgSink::abandon).
bool finish_pg_sink(pg::PgSink& s, std::chrono::milliseconds patience, const char* cmd, std::string_view kept_in = {});

}  // namespace p2pscope::cli
