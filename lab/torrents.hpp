// The lab's torrents: deterministic content (same scenario, same bytes, same
// infohashes) written under a directory, and .torrent files made by
// libtorrent's own creator, announcing to the lab's trackers.
#pragma once

#include "core/hash.hpp"
#include "lab/plan.hpp"

#include <filesystem>
#include <vector>

namespace p2pscope::lab {

struct LabTorrent {
  std::string name;                      // "lab-t0"
  InfoHash info_hash;
  std::filesystem::path torrent_file;    // DIR/torrents/lab-t0.torrent
  std::filesystem::path content_parent;  // save_path for a seed: holds lab-t0/
};

// Writes content and .torrent files under dir (idempotent for the same plan).
Result<std::vector<LabTorrent>> make_torrents(const LabPlan& plan, const std::filesystem::path& dir);
// Reads back what make_torrents wrote, without touching content.
Result<std::vector<LabTorrent>> load_torrents(const LabPlan& plan, const std::filesystem::path& dir);

}  // namespace p2pscope::lab
