#include "crawler/targets.hpp"
#include "crawler/tracker_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace p2pscope::crawler {
namespace {

namespace fs = std::filesystem;
constexpr const char* kHex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

fs::path write_temp(const std::string& name, const std::string& text) {
  auto p = fs::temp_directory_path() / ("p2pscope-targets-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << text;
  return p;
}

TEST(Targets, MergesInputsByInfohashAndKeepsTrackers) {
  std::string magnet = std::string("magnet:?xt=urn:btih:") + kHex + "&tr=udp%3A%2F%2Ft.example%3A6969%2Fannounce";
  auto t = load_targets({kHex, magnet});
  ASSERT_TRUE(t) << message_of(t);
  ASSERT_EQ(t.value().size(), 1u);
  EXPECT_EQ(t.value()[0].trackers, std::vector<std::string>{"udp://t.example:6969/announce"});
}

// The defect: trackers were de-duplicated with a linear search per tracker
// (22 s of CPU for a .torrent with 100,000); now linear, and capped.
TEST(Targets, TrackersPerInfohashAreCappedAndCounted) {
  std::string list;
  for (int i = 0; i < 3000; ++i) {
    list += std::string("magnet:?xt=urn:btih:") + kHex + "&tr=http%3A%2F%2Ft" + std::to_string(i % 1500) +
            ".example%2Fannounce\n";
  }
  auto file = write_temp("trackers.txt", list);
  TargetLimits lim;
  lim.max_trackers = 1000;
  auto t = load_targets({file.string()}, lim);
  ASSERT_TRUE(t) << message_of(t);
  ASSERT_EQ(t.value().size(), 1u);
  EXPECT_EQ(t.value()[0].trackers.size(), 1000u);
  EXPECT_EQ(t.value()[0].trackers_dropped, 500u) << "distinct trackers past the cap; repeats are not counted";
  EXPECT_EQ(t.value()[0].trackers.front(), "http://t0.example/announce") << "input order kept";
  fs::remove(file);
}

// Windows editors start lists with a byte-order mark; it is not part of the first line.
TEST(Targets, AByteOrderMarkIsSkipped) {
  auto file = write_temp("bom.txt", std::string("\xef\xbb\xbf") + kHex + "\n");
  auto t = load_targets({file.string()});
  ASSERT_TRUE(t) << message_of(t);
  EXPECT_EQ(t.value()[0].info_hash.hex(), kHex);
  fs::remove(file);
}

TEST(Targets, ReadsListFilesAndNamesTheBadLine) {
  auto list = write_temp("list.txt", std::string("# suspects\n") + kHex + "\n\nnot-a-hash\n");
  auto t = load_targets({list.string()});
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find(list.string() + ":4"), std::string::npos) << t.error();
  fs::remove(list);
}

TEST(Targets, RejectsMalformedInputsWithTheirText) {
  for (const std::string& bad : std::vector<std::string>{"zzzz", "magnet:?xt=urn:nope", std::string(40, 'g')}) {
      auto t = load_targets({bad});
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message().find(bad), std::string::npos) << t.error();
  }
  auto torrent = write_temp("bad.torrent", "d4:infod6:lengthi-1eee");
  EXPECT_FALSE(load_targets({torrent.string()}));
  fs::remove(torrent);
}

TEST(TrackerUrl, ParsesSchemesPortsAndIpv6) {
  auto u = parse_tracker_url("udp://[2001:db8::1]:6969/announce");
  ASSERT_TRUE(u);
  EXPECT_EQ(u.value().host, "2001:db8::1");
  EXPECT_EQ(u.value().port, 6969);
  EXPECT_EQ(parse_tracker_url("http://t.example/announce").value().port, 80);
  EXPECT_EQ(parse_tracker_url("https://t.example/announce").value().port, 443);
  for (auto bad : {"udp://t.example/announce", "ftp://t/announce", "http://:80/", "udp://t:0/", "udp://t:99999/",
                   "udp://[::1/", "http://t:8x/"}) {
    EXPECT_FALSE(parse_tracker_url(bad)) << bad;
  }
}

TEST(TrackerList, SkipsCommentsAndRejectsBadUrls) {
  auto good = write_temp("trackers.txt", "# list\nudp://t.example:6969/announce\n\nhttp://t.example/announce\n");
  auto l = load_tracker_list(good.string());
  ASSERT_TRUE(l) << message_of(l);
  EXPECT_EQ(l.value().size(), 2u);
  auto bad = write_temp("bad-trackers.txt", "udp://t.example:6969/announce\ngopher://x\n");
  auto b = load_tracker_list(bad.string());
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message().find(":2"), std::string::npos) << b.error();
  fs::remove(good);
  fs::remove(bad);
}

}  // namespace
}  // namespace p2pscope::crawler
