// Scheduled crawls: `schedule add` turns a `p2pscope crawl` command line into
// a typed job (its settings and inputs), and the worker runs that job here.
#pragma once

#include "cli/db_options.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "crawler/crawl_settings.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace p2pscope::cli {

struct CrawlHooks {
  std::string writer;                  // PostgreSQL batch writer id (with --db); random when empty
  std::string fence;                   // pg::SinkOptions::fence
  std::function<bool()> keep_going;    // polled every second; false stops the crawl early
  std::string stop_reason = "stopped";
  std::uint64_t* observations = nullptr;  // receives the crawler's own tally
  bool* interrupted = nullptr;            // set when SIGINT/SIGTERM ended the crawl
};

struct CrawlJob {
  crawler::CrawlSettings settings;  // a --trackers file already read into settings.trackers
  std::vector<std::string> inputs;  // as given: read again at each run (a list file may grow)
  std::vector<InfoHash> hashes;     // what the inputs name today
};
// Parses args as `p2pscope crawl ARGS... -- INPUTS...` would and checks every
// value; refuses the options the worker sets itself (--db, --run-id,
// --summary, --output). The error says which argument is wrong.
StatusOr<CrawlJob> crawl_job_from_args(const std::vector<std::string>& args);

// Runs a job's crawl here, its records into db under run_id; the exit code
// `p2pscope crawl` would have.
int run_crawl_job(const std::vector<std::string>& inputs, const crawler::CrawlSettings& settings,
                  const std::string& run_id, const DbArgs& db, const CrawlHooks& hooks);

// The settings of a job stored before jobs kept typed settings (its crawl
// options as words; see schema/0006_job_settings.sql).
StatusOr<crawler::CrawlSettings> legacy_job_settings(const std::vector<std::string>& args);

}  // namespace p2pscope::cli
