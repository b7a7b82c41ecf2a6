// `p2pscope crawl` run from inside another command (the worker), and its
// command line checked without crawling (schedule add).
#pragma once

#include "core/hash.hpp"

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

// Parses args as `p2pscope crawl ARGS...` and runs it here; the exit code.
int crawl_in_process(const std::vector<std::string>& args, const CrawlHooks& hooks);
// nullopt when args would be accepted by `p2pscope crawl`, else why not;
// *hashes (when given) receives the info hashes it would crawl.
std::optional<std::string> check_crawl_args(const std::vector<std::string>& args,
                                            std::vector<InfoHash>* hashes = nullptr);

}  // namespace p2pscope::cli
