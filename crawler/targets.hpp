// What to crawl: the user's inputs (infohashes in hex or base32, magnet
// links, .torrent files, or text files with one such input per line) turned
// into targets, each with the trackers its input named. Reads files; every
// failure names the input (and line) it came from.
#pragma once

#include "core/hash.hpp"
#include "core/torrent_ref.hpp"

#include <string>
#include <vector>

namespace p2pscope::crawler {

struct Target {
  InfoHash info_hash;
  std::vector<std::string> trackers;  // from the magnet or .torrent, then any extra ones
  std::string label;                  // the input it came from, for messages (terminal-safe)
  std::size_t trackers_dropped = 0;   // distinct trackers past TargetLimits::max_trackers
};

struct TargetLimits {
  std::size_t max_targets = 100000;
  std::size_t max_list_bytes = 64 << 20;  // a list file
  // Per infohash: real torrents list a few dozen; a hostile one 100,000.
  std::size_t max_trackers = 500;
};

// One input: hex, base32, magnet, a .torrent path, or a list file. A path
// that exists is read: a bencoded dictionary is a .torrent, anything else
// a list (blank lines and lines starting with '#' are skipped).
Result<TorrentRef> load_torrent_input(const std::string& input);

// All inputs, merged by infohash (trackers united in linear time, input
// order kept, at most lim.max_trackers each: the rest are counted in
// trackers_dropped). The error says which input and line and what is wrong
// with it, with the user's text made printable (core/text.hpp). eMule
// inputs (ed2k:// links, list lines that are ed2k links, server.met files)
// are left to load_ed2k_inputs: eMule inputs alone give an empty list, not
// an error.
StatusOr<std::vector<Target>> load_targets(const std::vector<std::string>& inputs, const TargetLimits& lim = {});

// A tracker list file: one announce URL per line; blank lines separate
// nothing and '#' lines are comments. A bad line is quoted printable.
StatusOr<std::vector<std::string>> load_tracker_list(const std::string& path);

}  // namespace p2pscope::crawler
