// A RecordSink into PostgreSQL that loses nothing.
//
// write() collects records into batches; a full or old batch (or flush()) is handed
// to a writer thread that owns the connection and delivers each batch in one
// transaction: its (writer, seq) row in `batch`, then its rows through COPY.
// A batch delivered twice conflicts on that key and is skipped whole, so
// re-delivery after a crash or a lost COMMIT reply creates no duplicates.
//
// While the database is unreachable, batches are appended (and fdatasync'ed)
// to a spool file in spool_dir; the thread retries every retry_every and,
// once connected, replays the spool in order before anything newer. Spool
// files left by a process that died are adopted and replayed too. When the
// spool cannot be written either (a full disk), write()/flush() return the
// error from then on; the batch stays in memory, is retried, and what could
// not be stored anywhere is counted in stats() and handed back by
// abandon() rather than dropped silently. open() creates the spool directory
// and opens the spool file at once, so a spool that cannot be written is an
// error before any work is done, not after.
//
// A database that answers but refuses (authentication, schema version, a
// rejected row) is an error, not an outage: open() fails, or the batch is
// spooled and write()/flush() report it.
//
// Threads: write()/flush()/stats() from one thread at a time (the owner);
// the writer thread is internal. The destructor flushes.
#pragma once

#include "store/jsonl.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace p2pscope::pg {

struct SinkOptions {
  std::string conninfo;                  // see pg.hpp; "" = PG* environment
  std::filesystem::path spool_dir;       // created when missing
  std::string writer;                    // batch writer id; random when empty
  std::size_t batch_records = 5000;
  std::chrono::milliseconds batch_age{1000};  // a partial batch goes out with the first write after this
  std::chrono::milliseconds retry_every{2000};
  // Run in every batch's transaction before its rows; a batch is refused
  // (Failure::fenced; its records go to the rejected file) unless it yields
  // a row. Workers fence their writes on the job lease (queue.hpp).
  std::string fence;
};

struct SinkStats {
  std::uint64_t records_delivered = 0;   // committed by this sink
  std::uint64_t batches_delivered = 0;
  std::uint64_t batches_duplicate = 0;   // already in the database; skipped
  std::uint64_t batches_spooled = 0;     // written to the spool during an outage
  std::uint64_t batches_replayed = 0;    // delivered from a spool (this process's or an adopted one)
  std::uint64_t torn_spool_batches = 0;  // cut short by a crash mid-write; their records never reached durable storage
  std::uint64_t records_pending = 0;     // in memory or in the spool, not yet in the database
  std::uint64_t records_spooled = 0;     // of those, in this sink's spool file (durable)
  std::uint64_t records_unspooled = 0;   // of those, in memory only: the spool could not take them
  bool connected = false;
  std::string problem;                   // the first error's explanation, if any
  std::string spool_path;
};

class PgSink final : public RecordSink {
 public:
  // Fails (pg::Failure) on a bad connection string, a refusal or a schema
  // that is not current, and (an errno code, the message naming the
  // directory) when the spool cannot be created. An unreachable server is
  // not a failure: the sink starts spooling and opening_note() says so.
  static StatusOr<std::unique_ptr<PgSink>> open(const SinkOptions& opt);
  // Empty unless open() found the database unreachable and started spooling.
  const std::string& opening_note() const noexcept;
  ~PgSink() override;
  PgSink(const PgSink&) = delete;
  PgSink& operator=(const PgSink&) = delete;

  Status write(const Record& r) override;
  // Hands over the partial batch and waits until every batch is in the
  // database or in the spool (durable either way).
  Status flush() override;
  // flush(), then waits up to `limit` for the spool to drain into the
  // database; errc-free success only when nothing is left outside it.
  Status drain(std::chrono::milliseconds limit);
  SinkStats stats() const;
  // Stops the writer thread and hands back, in order, every record that is
  // neither in the database nor in the spool (the spool failed), so the
  // caller can keep them elsewhere. The sink takes no records afterwards:
  // write() and flush() fail with std::errc::operation_canceled.
  std::vector<Record> abandon();

  struct Impl;

 private:
  explicit PgSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2pscope::pg
