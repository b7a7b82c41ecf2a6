#include "probes/known_lists.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace p2pscope::probes {
namespace {

IpAddress ip(const char* s) { return IpAddress::parse(s).value(); }

std::string gzip(std::string_view text) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Parsed {
  StatusOr<KnownList> list;
  std::string detail;
};
Parsed parse(std::string_view text, ListFormat f = ListFormat::automatic, ListLimits lim = {}) {
  Parsed p{parse_known_list(text, f, lim), {}};
  p.detail = message_of(p.list);
  return p;
}

TEST(KnownLists, ReadsPeerGuardianP2pWithColonsInTheLabel) {
  auto p = parse("# comment\nMediaDefender: Ranges, Inc.:1.2.3.0-1.2.3.255\r\n\nX:5.6.7.8-5.6.7.8\n");
  ASSERT_TRUE(p.list) << p.detail;
  EXPECT_EQ(p.list.value().format, ListFormat::p2p);
  ASSERT_EQ(p.list.value().ranges.size(), 2u);
  EXPECT_EQ(p.list.value().ranges[0].label, "MediaDefender: Ranges, Inc.");
  EXPECT_EQ(p.list.value().ranges[0].last, ip("1.2.3.255"));
}

TEST(KnownLists, ReadsEmuleDatWithPaddedOctetsAndHonoursTheLevel) {
  auto p = parse("001.002.003.000 - 001.002.003.255 , 000 , Some Corp\n"
                 "010.000.000.000 - 010.000.000.255 , 200 , an allow entry\n"
                 "004.003.002.001 - 004.003.002.009 , 127\n");
  ASSERT_TRUE(p.list) << p.detail;
  const auto& l = p.list.value();
  EXPECT_EQ(l.format, ListFormat::dat);
  ASSERT_EQ(l.ranges.size(), 2u);
  EXPECT_EQ(l.ranges[0].first, ip("1.2.3.0"));
  EXPECT_EQ(l.ranges[0].label, "Some Corp");
  EXPECT_EQ(l.ranges[1].last, ip("4.3.2.9"));
  EXPECT_EQ(l.allowed, 1u) << "level 200 allows, so it is counted and not loaded";
}

TEST(KnownLists, ReadsCidrListsInBothFamilies) {
  auto p = parse("1.2.3.0/24\n2001:db8::/32\n9.9.9.9\n");
  ASSERT_TRUE(p.list) << p.detail;
  EXPECT_EQ(p.list.value().format, ListFormat::cidr);
  ASSERT_EQ(p.list.value().ranges.size(), 3u);
  EXPECT_TRUE(p.list.value().ranges[1].contains(ip("2001:db8:ffff::1")));
}

TEST(KnownLists, ReadsGzipAndRefusesBombsAndTruncation) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "X:1.2.3.4-1.2.3.5\n";
  auto z = gzip(text);
  auto ok = parse(z);
  ASSERT_TRUE(ok.list) << ok.detail;
  EXPECT_EQ(ok.list.value().ranges.size(), 1000u);

  ListLimits small;
  small.max_bytes = 4096;
  auto bomb = parse(z, ListFormat::automatic, small);
  EXPECT_EQ(bomb.list.error(), errc::oversized);
  auto cut = parse(z.substr(0, z.size() / 2));
  EXPECT_EQ(cut.list.error(), errc::bad_compression);
}

TEST(KnownLists, NamesTheFirstMalformedLine) {
  auto p = parse("X:1.2.3.4-1.2.3.5\nY:1.2.3.9-1.2.3.1\n");
  EXPECT_EQ(p.list.error(), errc::malformed_line);
  EXPECT_EQ(p.detail.substr(0, 8), "line 2: ");
  EXPECT_NE(p.detail.find("p2p format"), std::string::npos);
  p = parse("1.2.3.0 - 1.2.3.9 , high , x\n", ListFormat::dat);
  EXPECT_NE(p.detail.find("level"), std::string::npos);
  p = parse("1.2.3.0/24\n1.2.3.4/24\n");
  EXPECT_EQ(p.detail.substr(0, 7), "line 2:");
  p = parse(std::string(5000, 'x'));
  EXPECT_EQ(p.list.error(), errc::oversized);
  ListLimits few;
  few.max_entries = 1;
  p = parse("1.2.3.0/24\n1.2.4.0/24\n", ListFormat::cidr, few);
  EXPECT_EQ(p.list.error(), errc::too_many_items);
}

// The defect: a 13 MB gzip list was inflated whole into one string (past
// 2 GB). Files are now streamed; what is kept has its own cap.
class KnownListFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  StatusOr<KnownList> load(const std::filesystem::path& f, ListLimits lim = {}) {
    auto l = load_known_list(f, ListFormat::automatic, lim);
    detail_ = message_of(l);
    return l;
  }
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / ("p2pscope-kl-" + std::to_string(::getpid()));
  std::string detail_;
};

TEST_F(KnownListFile, StreamsGzipAndCapsWhatItKeeps) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "Some Long Label Of A Company " + std::to_string(i) + ":1.2.3.4-1.2.3.5\n";
  auto f = write("big.p2p.gz", gzip(text));
  auto whole = load(f);
  ASSERT_TRUE(whole) << detail_;
  EXPECT_EQ(whole.value().ranges.size(), 20000u);
  EXPECT_EQ(whole.value().ranges, parse_known_list(text, ListFormat::automatic, {}).value().ranges)
      << "the same as parsed in memory";
  ListLimits tight;
  tight.max_kept_bytes = 100'000;
  EXPECT_EQ(load(f, tight).error(), errc::too_many_items);
  EXPECT_NE(detail_.find("big.p2p.gz: line "), std::string::npos) << detail_;
  auto cut = gzip(text);
  EXPECT_EQ(load(write("cut.gz", cut.substr(0, cut.size() / 2))).error(), errc::bad_compression);
  EXPECT_EQ(load(write("long.txt", std::string(100000, '1'))).error(), errc::oversized);
}

// Byte-order marks (Windows editors) are skipped; a NUL byte is damage.
TEST_F(KnownListFile, ByteOrderMarkAndNul) {
  auto bom = load(write("bom.p2p", "\xef\xbb\xbfX:1.2.3.4-1.2.3.5\n"));
  ASSERT_TRUE(bom) << detail_;
  EXPECT_EQ(bom.value().ranges.at(0).label, "X");
  EXPECT_EQ(load(write("nul.txt", std::string("1.2.3.0/24\n1.2.4.0/24\0junk\n", 27))).error(), errc::malformed_line);
  EXPECT_NE(detail_.find("line 2: holds a NUL byte"), std::string::npos) << detail_;
}

}  // namespace
}  // namespace p2pscope::probes
