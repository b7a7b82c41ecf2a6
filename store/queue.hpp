// The crawl job queue in PostgreSQL (schema/0002_jobs.sql): scheduling,
// leasing with FOR UPDATE SKIP LOCKED, renewal, takeover of expired leases,
// and finishing a due time exactly once.
//
// Every call is one short transaction on the caller's connection; errors
// are pg::Failure codes with a one-line message. Not thread-safe per connection.
#pragma once

#include "core/records.hpp"
#include "store/pg.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::pg {

struct JobSpec {
  std::string name;                 // unique
  std::vector<std::string> inputs;  // infohashes, magnets, .torrent paths: what `p2pscope crawl` takes
  std::chrono::seconds every{6 * 3600};
  // The crawl's settings as a JSON object; cli/ writes and reads it
  // (crawler/crawl_settings.hpp), store/ keeps it without looking inside.
  std::string settings = "{}";
  std::optional<Timestamp> first_due;  // default: now
};

struct Job {
  std::int64_t id = 0;
  JobSpec spec;
  Timestamp next_due{};
  bool paused = false;
  std::optional<std::string> lease_owner;
  std::optional<Timestamp> lease_until;
  std::optional<std::string> last_status;  // of its latest job_run
  std::optional<Timestamp> last_finished;
};

StatusOr<std::int64_t> add_job(pqxx::connection& c, const JobSpec& spec);
StatusOr<std::vector<Job>> list_jobs(pqxx::connection& c);
// By name or id; Failure::query (with a message) when there is no such job.
Status set_paused(pqxx::connection& c, const std::string& job, bool paused);
Status remove_job(pqxx::connection& c, const std::string& job);

// A worker's hold on one due time of one job.
struct Lease {
  Job job;
  Timestamp due{};
  std::string run;    // crawl run id of the records: job-<id>-<due, UTC>
  int attempt = 1;    // > 1: an earlier attempt's lease expired
  std::string owner;  // worker id and attempt; what the fence checks
};

// Leases the most overdue job that is not paused and not leased (or whose
// lease expired) for `hold`. On a takeover the rows the earlier attempt
// stored under the run id are deleted in the same transaction. nullopt when
// nothing is due.
StatusOr<std::optional<Lease>> lease_next(pqxx::connection& c, const std::string& worker, std::chrono::seconds hold);
// Extends the lease; false when it is no longer ours (expired and taken).
StatusOr<bool> renew(pqxx::connection& c, const Lease& l, std::chrono::seconds hold);

struct RunOutcome {
  bool ok = false;
  std::uint64_t observations = 0;
  std::string message;
};
// ok: marks the due time done and moves next_due past now by whole
// intervals; not ok: marks it failed and retries after min(every, 5 min).
// Either way the lease is released. Failure::query when the lease was lost
// (nothing is changed then).
Status finish(pqxx::connection& c, const Lease& l, const RunOutcome& o);
// Gives the lease back at once (the worker is stopping); the job stays due.
Status release(pqxx::connection& c, const Lease& l);

// A statement for SinkOptions::fence: yields a row only while l is held, and
// holds the job row against a takeover until the batch commits.
std::string lease_fence(pqxx::connection& c, const Lease& l);

}  // namespace p2pscope::pg
