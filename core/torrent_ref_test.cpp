#include "core/torrent_ref.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/torrent_info.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace p2pscope {
namespace {

// A real .torrent made by libtorrent's own creator, with made-up piece hashes.
std::string make_torrent(lt::create_flags_t flags) {
  lt::file_storage fs;
  fs.add_file("p2pscope-test/data.bin", 3 * 16384);
  lt::create_torrent ct(fs, 16384, flags);
  for (lt::piece_index_t i(0); i < lt::piece_index_t(3); ++i) {
    if (!(flags & lt::create_torrent::v2_only)) ct.set_hash(i, lt::sha1_hash("01234567890123456789"));
  }
  if (!(flags & lt::create_torrent::v1_only)) {
    for (lt::piece_index_t::diff_type i(0); i < lt::piece_index_t::diff_type(3); ++i)
      ct.set_hash2(lt::file_index_t(0), i, lt::sha256_hash("0123456789012345678901234567890_"));
  }
  ct.add_tracker("udp://tracker.lab:6969/announce");
  ct.add_tracker("http://tracker.lab:6969/announce");
  std::string out;
  lt::bencode(std::back_inserter(out), ct.generate());
  return out;
}

InfoHash lt_v1(const std::string& buf) {
  lt::torrent_info ti(lt::span<char const>(buf.data(), static_cast<std::ptrdiff_t>(buf.size())), lt::from_span);
  auto h = ti.info_hashes().v1;
  return InfoHash::from_bytes(std::string_view(h.data(), h.size())).value();
}

TEST(TorrentRef, ParsesHexAndBase32) {
  auto hex = parse_torrent_text("c12fe1c06bba254a9dc9f519b335aa7c1367a88a").value();
  auto b32 = parse_torrent_text(hex.info_hash.base32()).value();
  EXPECT_EQ(hex.info_hash, b32.info_hash);
  EXPECT_EQ(parse_torrent_text("c12fe1c06bba").error(), errc::bad_hash);
}

TEST(TorrentRef, ParsesMagnetWithTrackersAndPeers) {
  auto ref = parse_torrent_text(
                 "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Test"
                 "&tr=udp%3A%2F%2Ftracker.lab%3A6969&tr=http%3A%2F%2Ft2.lab%2Fannounce&x.pe=10.1.2.3:6881")
                 .value();
  EXPECT_EQ(ref.info_hash.hex(), "c12fe1c06bba254a9dc9f519b335aa7c1367a88a");
  EXPECT_EQ(ref.name, "Test");
  ASSERT_EQ(ref.trackers.size(), 2u);
  EXPECT_EQ(ref.trackers[0], "udp://tracker.lab:6969");
  ASSERT_EQ(ref.peers.size(), 1u);
  EXPECT_EQ(ref.peers[0].to_string(), "10.1.2.3:6881");
  auto b32 = parse_torrent_text("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK").value();
  EXPECT_EQ(b32.info_hash.hex(), "c12fe1c06bba254a9dc9f519b335aa7c1367a88a");
}

TEST(TorrentRef, RejectsBrokenMagnets) {
  EXPECT_EQ(parse_torrent_text("magnet:?dn=nohash").error(), errc::bad_magnet);
  EXPECT_EQ(parse_torrent_text("magnet:?xt=urn:btih:zzzz").error(), errc::bad_magnet);
}

TEST(TorrentRef, MatchesLibtorrentOnV1Torrent) {
  auto buf = make_torrent(lt::create_torrent::v1_only);
  auto ref = parse_torrent_file(buf).value();
  EXPECT_EQ(ref.info_hash, lt_v1(buf));
  EXPECT_FALSE(ref.v2_truncated);
  EXPECT_EQ(ref.name, "p2pscope-test");
  // libtorrent shuffles trackers within a tier, as BEP 12 asks.
  std::sort(ref.trackers.begin(), ref.trackers.end());
  EXPECT_EQ(ref.trackers,
            (std::vector<std::string>{"http://tracker.lab:6969/announce", "udp://tracker.lab:6969/announce"}));
}

TEST(TorrentRef, HybridTorrentNamesBothSwarms) {
  auto buf = make_torrent({});
  auto ref = parse_torrent_file(buf).value();
  EXPECT_EQ(ref.info_hash, lt_v1(buf));
  ASSERT_TRUE(ref.v2_truncated);
  EXPECT_NE(*ref.v2_truncated, ref.info_hash);
}

TEST(TorrentRef, RejectsMalformedAndOversizedTorrents) {
  EXPECT_EQ(parse_torrent_file("d4:infod4:name1:xee").error(), errc::bad_torrent);
  EXPECT_EQ(parse_torrent_file("not bencode").error(), errc::bad_torrent);
  TorrentFileLimits lim;
  lim.max_size = 10;
  EXPECT_EQ(parse_torrent_file(make_torrent(lt::create_torrent::v1_only), lim).error(), errc::oversized);
}

}  // namespace
}  // namespace p2pscope
