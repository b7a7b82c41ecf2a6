#include "lab/torrents.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/torrent_info.hpp>

#include <fstream>
#include <random>

namespace p2pscope::lab {
namespace {

namespace fs = std::filesystem;

std::string torrent_name(int i) { return "lab-t" + std::to_string(i); }

Result<void> write_content(const fs::path& file, std::int64_t bytes, std::uint64_t seed) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(seed);
  std::string block(1 << 16, '\0');
  for (std::int64_t left = bytes; left > 0;) {
    for (std::size_t i = 0; i < block.size(); i += 8) {
      auto v = rng();
      for (std::size_t b = 0; b < 8; ++b) block[i + b] = static_cast<char>(v >> (8 * b));
    }
    auto n = static_cast<std::size_t>(std::min<std::int64_t>(left, static_cast<std::int64_t>(block.size())));
    out.write(block.data(), static_cast<std::streamsize>(n));
    left -= static_cast<std::int64_t>(n);
  }
  out.close();
  if (!out) return std::make_error_code(std::errc::io_error);
  return success();
}

LabTorrent describe(const fs::path& dir, int i) {
  return LabTorrent{torrent_name(i), InfoHash{}, dir / "torrents" / (torrent_name(i) + ".torrent"), dir / "content"};
}

Result<InfoHash> info_hash_of(const fs::path& torrent_file) {
  lt::error_code ec;
  lt::torrent_info ti(torrent_file.string(), ec);
  if (ec) return errc::bad_torrent;
  auto h = ti.info_hashes().v1;
  return InfoHash::from_bytes(std::string_view(h.data(), h.size()));
}

}  // namespace

Result<std::vector<LabTorrent>> make_torrents(const LabPlan& plan, const fs::path& dir) {
  const auto& s = plan.scenario;
  std::vector<LabTorrent> out;
  fs::create_directories(dir / "torrents");
  for (int i = 0; i < s.torrents; ++i) {
    auto t = describe(dir, i);
    P2PSCOPE_CHECK(write_content(t.content_parent / t.name / "data.bin", s.content_bytes, s.seed * 1000 + static_cast<std::uint64_t>(i)));
    lt::file_storage fs;
    lt::add_files(fs, (t.content_parent / t.name).string());
    lt::create_torrent ct(fs, s.piece_size, lt::create_torrent::v1_only);
    int tier = 0;
    for (const auto& url : plan.tracker_urls()) ct.add_tracker(url, tier++);
    ct.set_creator("p2pscope lab");
    lt::error_code ec;
    lt::set_piece_hashes(ct, t.content_parent.string(), ec);
    if (ec) return std::make_error_code(std::errc::io_error);
    std::ofstream f(t.torrent_file, std::ios::binary | std::ios::trunc);
    lt::bencode(std::ostream_iterator<char>(f), ct.generate());
    f.close();
    if (!f) return std::make_error_code(std::errc::io_error);
    P2PSCOPE_TRY(ih, info_hash_of(t.torrent_file));
    t.info_hash = ih;
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<LabTorrent>> load_torrents(const LabPlan& plan, const fs::path& dir) {
  std::vector<LabTorrent> out;
  for (int i = 0; i < plan.scenario.torrents; ++i) {
    auto t = describe(dir, i);
    P2PSCOPE_TRY(ih, info_hash_of(t.torrent_file));
    t.info_hash = ih;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace p2pscope::lab
